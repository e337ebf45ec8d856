"""Near-duplicate quote clusters."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from labeling.annotations.neardup import cluster_ids, groups

WIRE = ("The deployment of Western troops in the future cannot be ruled out, but today there "
        "is no consensus on the official dispatch of troops")


def test_same_wire_quote_in_two_outlets_clusters() -> None:
    quotes = {
        "a": WIRE,
        "b": "“" + WIRE.upper() + ",” ",  # other marks and case
        "c": WIRE.replace("official dispatch", "official, adopted and approved dispatch"),
        "d": "Russia has taken an aggressive position not only against Ukraine but against us",
        "e": "no",
        "f": "No.",
        "g": "yes",
    }
    c = cluster_ids(quotes)
    assert c["a"] == c["b"] == c["c"]
    assert len({c["a"], c["d"], c["e"], c["g"]}) == 4
    assert c["e"] == c["f"]  # identical after normalising
    assert cluster_ids(quotes) == c  # deterministic


def test_trimmed_quote_joins_its_cluster() -> None:
    c = cluster_ids({"full": WIRE, "trim": WIRE.split(", but")[0]})
    assert c["full"] == c["trim"]


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=80), max_size=30))
@settings(max_examples=100, deadline=None)
def test_every_quote_gets_a_cluster(quotes: dict[str, str]) -> None:
    c = cluster_ids(quotes)
    assert set(c) == set(quotes)


def test_groups_are_connected_components() -> None:
    g = groups([("a", "b"), ("c", "d"), ("b", "d"), ("x", "y")])
    assert g["a"] == g["b"] == g["c"] == g["d"] != g["x"] == g["y"]
