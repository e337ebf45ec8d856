"""Grouped, seeded split assignment."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from labeling.annotations.splits import assign_splits

FR = {"train": 0.8, "validation": 0.1, "test": 0.1}


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.integers(1, 50), min_size=1,
                       max_size=60), st.integers(0, 10))
@settings(max_examples=200, deadline=None)
def test_every_group_in_exactly_one_split(sizes: dict[str, int], seed: int) -> None:
    out = assign_splits(sizes, FR, seed)
    assert set(out) == set(sizes)
    assert set(out.values()) <= set(FR)
    if len(sizes) >= 3:
        assert set(out.values()) == set(FR)  # no empty split when there are enough groups
    assert assign_splits(sizes, FR, seed) == out  # reproducible


def test_shares_are_close_on_many_groups() -> None:
    sizes = {f"a{i}": 1 + i % 7 for i in range(1000)}
    out = assign_splits(sizes, FR, 1)
    total = sum(sizes.values())
    for name, share in FR.items():
        got = sum(n for g, n in sizes.items() if out[g] == name) / total
        assert abs(got - share) < 0.01
