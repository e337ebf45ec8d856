"""Majority and Dawid-Skene aggregation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labeling.annotations.aggregate import adjudicate_needed, aggregate, dawid_skene, majority
from labeling.annotations.agreement import Vote

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
