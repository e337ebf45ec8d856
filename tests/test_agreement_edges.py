"""Agreement figures at their edges, each against a hand computation: two raters, a single
item, undefined kappas, subsets of a vote table, annotators without votes or lead times,
and the bootstrap's interval where every resample is the same."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from labeling.annotations.agreement import (
    Vote,
    VoteTable,
    annotator_stats,
    bootstrap_alpha,
    cohen_kappa_matrix,
    fleiss_kappa,
    krippendorff_alpha,
    summary,
)

LABELS = ["FAVOR", "AGAINST", "NONE"]


def tl(a: np.ndarray[Any, Any] | None) -> list[Any]:
    """An array as a list (numpy's stubs type ``tolist`` as a scalar)."""
    assert a is not None
    return list(a.tolist())


def test_fleiss_kappa_of_two_raters_and_of_one_item() -> None:
    # x: 2 FAVOR; y: 2 AGAINST; z: 1 + 1. p_j = (.5, .5, 0), P_e = .5; P_i = (1, 1, 0),
    # mean 2/3: kappa = (2/3 - 1/2) / (1/2) = 1/3.
    votes = [Vote("x", "a", "FAVOR"), Vote("x", "b", "FAVOR"), Vote("y", "a", "AGAINST"),
             Vote("y", "b", "AGAINST"), Vote("z", "a", "FAVOR"), Vote("z", "b", "AGAINST")]
    assert fleiss_kappa(votes, LABELS) == pytest.approx(1 / 3)
    # one item, 2 FAVOR + 1 AGAINST: p_j = (2/3, 1/3, 0), P_e = 5/9; P_i = (4 + 1 - 3) / 6:
    # kappa = (1/3 - 5/9) / (4/9) = -1/2.
    one = [Vote("x", "a", "FAVOR"), Vote("x", "b", "FAVOR"), Vote("x", "c", "AGAINST")]
    assert fleiss_kappa(one, LABELS) == pytest.approx(-0.5)
    assert fleiss_kappa([Vote("x", "a", "FAVOR")], LABELS) is None
    # one vote per item, whatever the labels: nothing to agree on
    assert fleiss_kappa([Vote("x", "a", "FAVOR"), Vote("y", "a", "AGAINST")], LABELS) is None


def test_cohen_kappa_without_variation_is_undefined_and_skippers_are_left_out() -> None:
    votes = [Vote("x", "b", "FAVOR"), Vote("x", "a", "FAVOR"), Vote("y", "b", "FAVOR"),
             Vote("y", "a", "FAVOR"), Vote("x", "c", None), Vote("y", "c", None)]
    anns, mat = cohen_kappa_matrix(votes, LABELS)
    assert anns == ["a", "b"]  # by name; "c" only skipped
    assert mat == [[1.0, None], [None, 1.0]]


def test_subset_keeps_the_votes_of_the_kept_items() -> None:
    votes = [Vote("x", "a", "FAVOR", 1.0, "t1"), Vote("y", "b", None, 2.0, "t2"),
             Vote("x", "b", "NONE", 3.0, "t1"), Vote("z", "a", "AGAINST", None, "t2")]
    vt = VoteTable.from_votes(votes, LABELS)
    sub = vt.subset(np.array([True, False, True]))
    assert (sub.labels, sub.items, sub.annotators, sub.groups) == (
        vt.labels, vt.items, vt.annotators, vt.groups)
    assert tl(sub.item) == [0, 0, 2] and tl(sub.annotator) == [0, 1, 0]
    assert tl(sub.label) == [0, 2, 1]
    assert tl(sub.lead_time)[:2] == [1.0, 3.0] and np.isnan(sub.lead_time[2])
    assert tl(sub.item_group) == [0, 1, 1]
    # an annotator with no vote left in the subset has no statistics
    only_b = vt.subset(np.array([False, True, False]))
    assert [s["annotator"] for s in annotator_stats(only_b, LABELS)] == ["b"]
    assert [s["annotator"] for s in annotator_stats(vt.subset(np.array([True, False, False])),
                                                    LABELS)] == ["a", "b"]


def test_an_items_group_is_its_first_votes() -> None:
    votes = [Vote("x", "a", "FAVOR", group="g0"), Vote("x", "b", "FAVOR", group="g1"),
             Vote("y", "a", "FAVOR", group="g1"), Vote("y", "b", "FAVOR", group="g0"),
             Vote("z", "a", "FAVOR")]
    vt = VoteTable.from_votes(votes, LABELS)
    assert vt.groups == ("g0", "g1") and tl(vt.item_group) == [0, 1, -1]
    assert len(vt) == 5 and len(vt.subset(np.array([False, True, True]))) == 3


def test_annotator_without_lead_times_comparisons_or_gold() -> None:
    stats = annotator_stats([Vote("x", "a", "FAVOR")], LABELS)
    assert stats[0]["median_lead_time"] is None
    assert stats[0]["agreement_with_majority"] is None and stats[0]["compared_with_majority"] == 0
    assert stats[0]["gold_accuracy"] is None and stats[0]["gold_items"] == 0
    # a gold label outside the labels: the gold item counts, nobody can match it
    gold = annotator_stats([Vote("x", "a", "FAVOR")], LABELS, gold={"x": "MAYBE"})
    assert gold[0]["gold_items"] == 1 and gold[0]["gold_accuracy"] == 0.0


def test_majority_agreement_leaves_out_the_annotators_own_vote() -> None:
    # a's answer is outside the labels; the others split FAVOR/AGAINST: a tie, not compared.
    votes = [Vote("x", "a", "MAYBE"), Vote("x", "b", "AGAINST"), Vote("x", "c", "FAVOR")]
    a = annotator_stats(votes, LABELS)[0]
    assert a["annotator"] == "a" and a["votes"] == 1 and a["compared_with_majority"] == 0
    # two labels only: a 1-1 tie among the others is still a tie
    two = annotator_stats([Vote("x", "a", "P"), Vote("x", "b", "P"), Vote("x", "c", "Q")],
                          ["P", "Q"])
    assert two[0]["compared_with_majority"] == 0 and two[2]["compared_with_majority"] == 1


def test_bootstrap_of_identical_items_has_no_spread() -> None:
    # Every item votes 2 FAVOR + 1 AGAINST: any resample is the sample itself.
    votes = [Vote(f"i{i}", a, lab) for i in range(5)
             for a, lab in (("a", "FAVOR"), ("b", "FAVOR"), ("c", "AGAINST"))]
    alpha = krippendorff_alpha(votes, LABELS)
    assert alpha is not None
    a, lo, hi = bootstrap_alpha(votes, LABELS, n=50)
    assert a == lo == pytest.approx(alpha) and hi == pytest.approx(alpha)


def test_bootstrap_needs_two_items_and_a_zero_interval_is_the_median() -> None:
    two = [Vote("x", "a", "FAVOR"), Vote("x", "b", "FAVOR"), Vote("y", "a", "FAVOR"),
           Vote("y", "b", "AGAINST")]
    a, lo, hi = bootstrap_alpha(two, LABELS, n=200)
    assert a is not None and lo is not None and hi is not None and lo <= hi
    # one item, 2 FAVOR + 1 AGAINST: alpha is 0 (D_o = D_e = 2/3), but no interval
    one = [Vote("x", "a", "FAVOR"), Vote("x", "b", "FAVOR"), Vote("x", "c", "AGAINST")]
    a1, lo1, hi1 = bootstrap_alpha(one, LABELS)
    assert a1 == pytest.approx(0.0) and lo1 is None and hi1 is None
    rng = np.random.default_rng(1)
    many = [Vote(f"i{i}", a, LABELS[int(rng.integers(0, 3))]) for i in range(30)
            for a in ("a", "b", "c")]
    _, lo, hi = bootstrap_alpha(many, LABELS, n=101, ci=0.0)
    assert lo == hi  # the 50th percentile both ways
    _, lo90, hi90 = bootstrap_alpha(many, LABELS, n=101, ci=0.9)
    _, lo50, hi50 = bootstrap_alpha(many, LABELS, n=101, ci=0.5)
    assert lo90 is not None and lo50 is not None and hi50 is not None and hi90 is not None
    assert lo is not None and hi is not None
    assert lo90 < lo50 < lo <= hi50 < hi90


def test_summary_of_a_table_without_groups_or_outlets() -> None:
    votes = [Vote("x", "a", "FAVOR"), Vote("x", "b", "FAVOR"), Vote("y", "a", "NONE"),
             Vote("y", "b", "AGAINST")]
    vt = VoteTable.from_votes(votes, LABELS)
    bare = VoteTable(vt.labels, vt.items, vt.annotators, vt.item, vt.annotator, vt.label,
                     vt.lead_time)  # no item groups at all
    s = summary(bare, LABELS, n_boot=20)
    assert s["alpha_by_group"] == {} and s["alpha_by_outlet"] == {}
    assert s["alpha"]["items"] == 2


def test_groups_are_reported_by_name() -> None:
    votes = [Vote("x", "a", "FAVOR"), Vote("x", "b", "FAVOR"), Vote("y", "a", "NONE"),
             Vote("y", "b", "AGAINST")]
    vt = VoteTable.from_votes(votes, LABELS)
    # groups in a non-alphabetical order (a schema's target order), one item each
    zeta_first = VoteTable(vt.labels, vt.items, vt.annotators, vt.item, vt.annotator,
                           vt.label, vt.lead_time, ("zeta", "alpha"), np.array([0, 1]))
    assert list(summary(zeta_first, LABELS, n_boot=20)["alpha_by_group"]) == ["alpha", "zeta"]


def test_default_bootstrap_is_the_documented_one() -> None:
    # A card's interval must be reproducible from its text: 1,000 resamples, seed 0, 95 %.
    rng = np.random.default_rng(2)
    votes = [Vote(f"i{i}", a, LABELS[int(rng.integers(0, 3))]) for i in range(20)
             for a in ("a", "b")]
    assert bootstrap_alpha(votes, LABELS) == bootstrap_alpha(votes, LABELS, n=1000, seed=0,
                                                             ci=0.95)
    assert bootstrap_alpha(votes, LABELS) != bootstrap_alpha(votes, LABELS, seed=1)
    assert summary(votes, LABELS)["alpha"] == summary(votes, LABELS, n_boot=1000, seed=0)["alpha"]
    assert summary(votes, LABELS)["alpha"] != summary(votes, LABELS, n_boot=1001)["alpha"]


def test_a_pair_with_one_shared_item_does_not_hide_the_next_pair() -> None:
    # a and b share one item (no kappa); a and c share two, agreeing on both with
    # variation: p_o = 1, p_e = 1/2, kappa = 1.
    votes = [Vote("x", "a", "FAVOR"), Vote("x", "b", "FAVOR"), Vote("y", "a", "FAVOR"),
             Vote("y", "c", "FAVOR"), Vote("z", "a", "AGAINST"), Vote("z", "c", "AGAINST")]
    anns, mat = cohen_kappa_matrix(votes, LABELS)
    assert anns == ["a", "b", "c"]
    assert mat[0][1] is None and mat[0][2] == pytest.approx(1.0) and mat[2][0] == mat[0][2]
