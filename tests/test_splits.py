"""Grouped, seeded split assignment."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labeling.annotations.splits import assign_splits, split_indices
from labeling.schema import StanceSchema, load_schema, parse_schema

from .helpers import CONFIG

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


# ------------------------------------------------------------------ split_indices on rows
def _rows(n_articles: int, seed: int = 0) -> dict[str, list[Any]]:
    """Rows of many articles: 2 targets, 3 outlets, clusters shared by a few articles, and
    stances with a rare label."""
    rng = np.random.default_rng(seed)
    cols: dict[str, list[Any]] = {k: [] for k in
                                  ("target", "source", "article_id", "near_dup_cluster", "stance")}
    for a in range(n_articles):
        outlet = ["lemonde", "bbc", "reuters"][a % 3]
        for q in range(int(rng.integers(1, 4))):
            cluster = f"c{a // 4}" if q == 0 else f"a{a}q{q}"  # first quotes shared by 4 articles
            for t in ("ground_troops", "military_aid"):
                cols["target"].append(t)
                cols["source"].append(outlet)
                cols["article_id"].append(f"a{a}")
                cols["near_dup_cluster"].append(cluster)
                cols["stance"].append(int(rng.choice(3, p=[0.6, 0.3, 0.1])))
    return cols


def _schema(**split: Any) -> StanceSchema:
    base = load_schema(CONFIG).model_dump()
    base["split"] = {**base["split"], **split}
    return parse_schema(base)


def test_held_out_targets_and_outlets_go_to_test_whole() -> None:
    cols = _rows(120)
    out = split_indices(cols, _schema(held_out_targets=["military_aid"], held_out_outlets=["bbc"]))
    held = {i for i, (t, o) in enumerate(zip(cols["target"], cols["source"], strict=True))
            if t == "military_aid" or o == "bbc"}
    assert held <= set(out["test"])
    assert not held & (set(out["train"]) | set(out["validation"]))
    # the rest still fills train and validation, and test holds nothing else
    assert set(out["test"]) == held
    assert out["train"] and out["validation"]
    assert sorted(out["train"] + out["validation"] + out["test"]) == list(range(len(cols["target"])))


def test_articles_and_clusters_never_straddle_splits() -> None:
    cols = _rows(200, seed=4)
    out = split_indices(cols, _schema())
    where = {i: s for s, idx in out.items() for i in idx}
    by_article: dict[str, set[str]] = defaultdict(set)
    by_cluster: dict[str, set[str]] = defaultdict(set)
    for i, s in where.items():
        by_article[cols["article_id"][i]].add(s)
        by_cluster[cols["near_dup_cluster"][i]].add(s)
    assert all(len(s) == 1 for s in by_article.values())
    assert all(len(s) == 1 for s in by_cluster.values())
    for s, idx in out.items():
        assert idx == sorted(idx), f"{s}: rows keep their order"


def test_stratification_keeps_each_labels_share_in_every_split() -> None:
    cols = _rows(300, seed=2)
    n = len(cols["stance"])
    overall = Counter(zip(cols["target"], cols["stance"], strict=True))

    def worst_gap(out: dict[str, list[int]]) -> float:
        gap = 0.0
        for idx in out.values():
            got = Counter((cols["target"][i], cols["stance"][i]) for i in idx)
            for key, total in overall.items():
                gap = max(gap, abs(got[key] / len(idx) - total / n))
        return gap

    stratified = worst_gap(split_indices(cols, _schema(stratify=True)))
    plain = worst_gap(split_indices(cols, _schema(stratify=False)))
    assert stratified < 0.02, stratified
    assert stratified < plain / 2, (stratified, plain)


def test_sizes_follow_the_fractions() -> None:
    cols = _rows(300, seed=5)
    out = split_indices(cols, _schema(train=0.6, validation=0.2, test=0.2))
    n = len(cols["stance"])
    for s, share in (("train", 0.6), ("validation", 0.2), ("test", 0.2)):
        assert abs(len(out[s]) / n - share) < 0.02, (s, len(out[s]) / n)


def test_largest_group_first_and_ties_to_the_earlier_split() -> None:
    # By hand (fractions .45/.45/.1, 10 rows): "a" (4) ties train/validation -> train, the
    # earlier split; "b" (3): validation needs .45, train .05 -> validation; "c" (2):
    # validation still needs .15 > test .1; "d" (1): only test still needs rows.
    fr = {"train": 0.45, "validation": 0.45, "test": 0.1}
    out = assign_splits({"d": 1, "c": 2, "b": 3, "a": 4}, fr, 0)
    assert out == {"a": "train", "b": "validation", "c": "validation", "d": "test"}
    # The big group goes first whatever its name: alone it fills train's share.
    big = {"a": 1, "b": 1, "c": 1, "d": 1, "z": 6}
    out = assign_splits(big, {"train": 0.6, "validation": 0.2, "test": 0.2}, 0)
    assert out["z"] == "train" and Counter(out.values()) == {"validation": 2, "test": 2, "train": 1}


def test_an_empty_split_takes_the_smallest_group_of_the_fullest() -> None:
    # train takes all three groups in the first pass; validation then test each take the
    # smallest group of train, never the big one.
    out = assign_splits({"a": 5, "b": 1, "c": 1}, {"train": 0.98, "validation": 0.01,
                                                  "test": 0.01}, 0)
    assert out["a"] == "train" and {out["b"], out["c"]} == {"validation", "test"}
    # train and validation end with two groups each, test with none: test takes from train,
    # the earlier of the two fullest.
    fr = {"train": 0.495, "validation": 0.495, "test": 0.01}
    out = assign_splits({"w": 1, "x": 1, "y": 1, "z": 1}, fr, 0)
    assert Counter(out.values()) == {"train": 1, "validation": 2, "test": 1}


def test_splits_missing_from_the_fractions_get_nothing() -> None:
    out = assign_splits({"a": 2, "b": 1, "c": 1}, {"train": 0.5, "validation": 0.5}, 0)
    assert set(out.values()) == {"train", "validation"}


def test_the_seed_orders_equal_groups() -> None:
    sizes = {f"g{i}": 1 for i in range(12)}
    runs = {tuple(sorted(assign_splits(sizes, FR, seed).items())) for seed in range(6)}
    assert len(runs) > 1  # a different seed, a different (equally good) assignment
    cols = _rows(30)
    by_seed = {tuple(tuple(v) for v in split_indices(cols, _schema(seed=s)).values())
               for s in range(4)}
    assert len(by_seed) > 1


def _article_rows(sizes: dict[str, int], held: int = 0) -> dict[str, list[Any]]:
    """One target, one outlet; an article's rows all in its own cluster; ``held`` rows of a
    held-out target at the end."""
    cols: dict[str, list[Any]] = {k: [] for k in
                                  ("target", "source", "article_id", "near_dup_cluster", "stance")}
    for art, n in sizes.items():
        for q in range(n):
            for k, v in (("target", "ground_troops"), ("source", "o"), ("article_id", art),
                         ("near_dup_cluster", f"{art}{q}"), ("stance", 0)):
                cols[k].append(v)
    for q in range(held):
        for k, v in (("target", "military_aid"), ("source", "o"), ("article_id", f"h{q}"),
                     ("near_dup_cluster", f"h{q}"), ("stance", 0)):
            cols[k].append(v)
    return cols


def test_held_out_rows_renormalise_the_other_shares() -> None:
    # Held-out rows leave train/validation at .6/.2 of the rest, i.e. .75/.25. By hand over
    # articles of 6, 2 and 1 rows (9): "a" -> train; "b": validation needs 2.25 / 9, train
    # .75 / 9 -> validation; "c": train still needs .75 / 9, validation .25 / 9 -> train.
    # (Without renormalising, train would need 5.4 - 6 < 0 and "c" would go to validation.)
    cols = _article_rows({"a": 6, "b": 2, "c": 1}, held=2)
    sch = _schema(train=0.6, validation=0.2, test=0.2, stratify=False,
                  held_out_targets=["military_aid"])
    out = split_indices(cols, sch)
    assert out == {"train": [0, 1, 2, 3, 4, 5, 8], "validation": [6, 7], "test": [9, 10]}
    # Articles of 4, 2 and 1 rows (7): "a" -> train; "b": validation needs 1.75 / 7 = .25,
    # train 1.25 / 7 = .18 -> validation; "c": train still needs rows -> train.
    out = split_indices(_article_rows({"a": 4, "b": 2, "c": 1}, held=1), sch)
    assert out == {"train": [0, 1, 2, 3, 6], "validation": [4, 5], "test": [7]}


def test_columns_of_different_lengths_are_refused() -> None:
    cols = _article_rows({"a": 2})
    cols["source"] = cols["source"][:1]
    with pytest.raises(ValueError):
        split_indices(cols, _schema())


def test_a_test_only_split_with_held_out_rows_puts_everything_in_test() -> None:
    # train 0, validation 0: the rest of the rows have nowhere else to go (this used to
    # fail with "max() arg is an empty sequence").
    cols = _article_rows({"a": 2, "b": 1}, held=1)
    sch = _schema(train=0.0, validation=0.0, test=1.0, held_out_targets=["military_aid"])
    assert split_indices(cols, sch) == {"train": [], "validation": [], "test": [0, 1, 2, 3]}
