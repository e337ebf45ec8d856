"""Majority and Dawid-Skene aggregation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from labeling.annotations.aggregate import (
    adjudicate_needed,
    aggregate,
    aggregate_table,
    dawid_skene,
    majority,
)
from labeling.annotations.agreement import Vote, VoteTable

LABELS = ["FAVOR", "AGAINST", "NONE"]


def test_majority_ties_and_soft_labels() -> None:
    votes = [Vote("x", "a", "FAVOR"), Vote("x", "b", "FAVOR"), Vote("x", "c", "AGAINST"),
             Vote("y", "a", "FAVOR"), Vote("y", "b", "NONE"), Vote("y", "c", None),
             Vote("z", "a", None)]
    agg = majority(votes, LABELS)
    assert agg["x"].label == "FAVOR" and not agg["x"].tie
    assert agg["x"].soft == pytest.approx((2 / 3, 1 / 3, 0))
    assert agg["x"].agreement == pytest.approx(2 / 3) and agg["x"].n_votes == 3
    assert agg["y"].label is None and agg["y"].tie and agg["y"].n_votes == 2
    assert "z" not in agg  # only a skip: no aggregate
    assert adjudicate_needed(agg["y"], 0.5)
    assert adjudicate_needed(agg["x"], 0.7) and not adjudicate_needed(agg["x"], 0.6)


def _synthetic(seed: int = 0, n: int = 300) -> tuple[list[Vote], dict[str, str]]:
    """Two careful annotators (90 %) and three spammers who answer at random."""
    rng = np.random.default_rng(seed)
    truth = {f"i{i}": LABELS[int(rng.integers(0, 3))] for i in range(n)}
    votes = []
    for item, lab in truth.items():
        for a in ("good1", "good2"):
            ok = rng.random() < 0.9
            votes.append(Vote(item, a, lab if ok else LABELS[int(rng.integers(0, 3))]))
        for a in ("spam1", "spam2", "spam3"):
            votes.append(Vote(item, a, LABELS[int(rng.integers(0, 3))]))
    return votes, truth


def test_dawid_skene_beats_majority_with_spammers() -> None:
    votes, truth = _synthetic()
    ds = dawid_skene(votes, LABELS)
    mv = majority(votes, LABELS)
    acc_ds = np.mean([ds[i].label == t for i, t in truth.items()])
    acc_mv = np.mean([mv[i].label == t for i, t in truth.items()])
    assert acc_ds > acc_mv + 0.1
    assert acc_ds > 0.9
    assert all(abs(sum(a.soft) - 1) < 1e-9 for a in ds.values())
    assert aggregate(votes, LABELS, "dawid_skene")["i0"].method == "dawid_skene"


def test_dawid_skene_agrees_with_crowd_kit() -> None:
    crowdkit = pytest.importorskip("crowdkit.aggregation", reason="crowd-kit not installed")
    votes, _ = _synthetic(seed=5, n=200)
    df = pd.DataFrame([{"task": v.item, "worker": v.annotator, "label": v.label} for v in votes])
    ref = crowdkit.DawidSkene(n_iter=100).fit_predict(df)
    ours = dawid_skene(votes, LABELS)
    same = np.mean([ours[t].label == lab for t, lab in ref.items()])
    assert same > 0.97


def test_unknown_method() -> None:
    with pytest.raises(ValueError, match="unknown aggregation method"):
        aggregate([], LABELS, "mace")


def tl(a: np.ndarray[Any, Any]) -> list[Any]:
    """An array as a list (numpy's stubs type ``tolist`` as a scalar)."""
    return list(a.tolist())


def _reference_dawid_skene(votes: list[Vote], labels: list[str], iters: int = 300
                           ) -> dict[str, list[float]]:
    """Textbook Dawid-Skene in plain Python (loops, products, no logs), initialised from
    the vote shares, confusion counts smoothed by 0.01: the reference the arrays must match."""
    k = len(labels)
    counted = [v for v in votes if v.label is not None]
    items = list(dict.fromkeys(v.item for v in counted))
    anns = sorted({v.annotator for v in counted})
    post = {}
    for it in items:
        row = [0.0] * k
        for v in counted:
            if v.item == it:
                row[labels.index(str(v.label))] += 1
        post[it] = [x / sum(row) for x in row]
    for _ in range(iters):
        prior = [sum(post[it][t] for it in items) / len(items) for t in range(k)]
        conf = {a: [[0.01] * k for _ in range(k)] for a in anns}
        for v in counted:
            for t in range(k):
                conf[v.annotator][t][labels.index(str(v.label))] += post[v.item][t]
        for a in anns:
            conf[a] = [[x / sum(r) for x in r] for r in conf[a]]
        new = {}
        for it in items:
            row = list(prior)
            for v in counted:
                if v.item == it:
                    for t in range(k):
                        row[t] *= conf[v.annotator][t][labels.index(str(v.label))]
            new[it] = [x / sum(row) for x in row]
        post = new
    return post


def test_dawid_skene_posteriors_match_a_reference_implementation() -> None:
    # Uneven annotators (the last one, "e", never says NONE; a label nobody uses) so every
    # confusion row and the prior of an unused label matter.
    labels = ["FAVOR", "AGAINST", "NONE", "UNUSED"]
    rng = np.random.default_rng(3)
    votes = []
    for i in range(40):
        for a in ("a", "b", "c", "d", "e"):
            if rng.random() < 0.7:
                lab = labels[int(rng.integers(0, 2 if a == "e" else 3))]
                votes.append(Vote(f"i{i}", a, lab))
    votes.append(Vote("only-skip", "a", None))
    ref = _reference_dawid_skene(votes, labels)
    ours = dawid_skene(votes, labels)
    assert set(ours) == set(ref)
    for it, soft in ref.items():
        assert ours[it].soft == pytest.approx(soft, abs=1e-4), it
        best = max(soft)
        assert ours[it].label == labels[soft.index(best)]
        assert ours[it].soft[3] == pytest.approx(0.0, abs=1e-6)


def test_dawid_skene_table_marks_unvoted_items_and_exact_ties() -> None:
    # "t": two annotators, one vote each, opposite labels, nothing else: by symmetry the
    # posterior is exactly 50/50, a tie with no label. "s": only a skip, no aggregate.
    votes = [Vote("t", "a", "FAVOR"), Vote("t", "b", "AGAINST"), Vote("s", "a", None)]
    vt = VoteTable.from_votes(votes, LABELS)
    agg = aggregate_table(vt, "dawid_skene")
    assert agg.method == "dawid_skene"
    assert tl(agg.voted) == [True, False]
    assert tl(agg.tie) == [True, False]
    assert tl(agg.label) == [-1, -1]
    assert agg.soft[0] == pytest.approx([0.5, 0.5, 0.0], abs=1e-9)
    assert tl(agg.soft[1]) == [0.0, 0.0, 0.0]
    assert tl(agg.n_votes) == [2, 0] and tl(agg.agreement) == [0.5, 0.0]
    d = dawid_skene(votes, LABELS)
    assert list(d) == ["t"] and d["t"].label is None and d["t"].tie


def test_dawid_skene_without_any_vote() -> None:
    vt = VoteTable.from_votes([Vote("s", "a", None), Vote("u", "b", None)], LABELS)
    agg = aggregate_table(vt, "dawid_skene")
    assert agg.method == "dawid_skene"
    assert tl(agg.label) == [-1, -1] and tl(agg.tie) == [False, False]
    assert tl(agg.soft) == [[0.0] * 3, [0.0] * 3]
    assert tl(agg.n_votes) == [0, 0] and tl(agg.agreement) == [0.0, 0.0]
    assert tl(agg.voted) == [False, False]
    assert dawid_skene(vt, LABELS) == {}


def test_majority_table_single_votes_and_unvoted_items() -> None:
    votes = [Vote("one", "a", "NONE"), Vote("skip", "a", None), Vote("tie", "a", "FAVOR"),
             Vote("tie", "b", "AGAINST")]
    agg = aggregate_table(VoteTable.from_votes(votes, LABELS))  # majority by default
    assert agg.method == "majority"
    assert tl(agg.voted) == [True, False, True]
    assert tl(agg.label) == [2, -1, -1]
    assert tl(agg.tie) == [False, False, True]
    assert tl(agg.agreement) == [1.0, 0.0, 0.5]
    assert tl(agg.soft) == [[0, 0, 1], [0, 0, 0], [0.5, 0.5, 0]]
    assert agg.n_votes.dtype == np.int64 and tl(agg.n_votes) == [1, 0, 2]
    one = aggregate(votes, LABELS)["one"]  # majority by default
    assert one.method == "majority" and one.label == "NONE" and one.agreement == 1.0


def test_adjudication_threshold_is_strict() -> None:
    agg = majority([Vote("x", "a", "FAVOR"), Vote("x", "b", "FAVOR"),
                    Vote("x", "c", "AGAINST")], LABELS)["x"]
    assert not adjudicate_needed(agg, 2 / 3)  # agreement equal to the threshold is enough
    assert adjudicate_needed(agg, 0.67)


def test_unknown_method_of_a_table() -> None:
    vt = VoteTable.from_votes([Vote("x", "a", "FAVOR")], LABELS)
    with pytest.raises(ValueError, match="unknown aggregation method 'mace'"):
        aggregate_table(vt, "mace")
