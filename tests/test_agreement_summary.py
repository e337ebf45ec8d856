"""``summary`` (stats.json, the card, the report) against independent references.

Every figure a user reads in ``stats.json`` is recomputed here another way: alpha per
target and per outlet from the ``krippendorff`` package on that subset of votes, the
intervals from :func:`bootstrap_alpha` on the subset, Cohen's kappa from scikit-learn,
and the per-annotator figures by plain loops.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from labeling.annotations.agreement import (
    Vote,
    VoteTable,
    annotator_stats,
    as_table,
    bootstrap_alpha,
    item_agreement,
    summary,
)

LABELS = ["FAVOR", "AGAINST", "NONE"]


def random_votes(seed: int, n_items: int, n_ann: int, p_skip: float, p_missing: float
                 ) -> tuple[list[Vote], dict[str, str], dict[str, str]]:
    """Votes with targets (groups), outlets, skips, missing votes, lead times and a bias
    per item, so agreement is neither perfect nor nil."""
    rng = np.random.default_rng(seed)
    votes: list[Vote] = []
    outlet: dict[str, str] = {}
    gold: dict[str, str] = {}
    for i in range(n_items):
        item = f"q{i}|{'t' + str(i % 3)}"
        outlet[item] = ["lemonde", "bbc", "reuters"][int(rng.integers(0, 3))]
        truth = int(rng.integers(0, 3))
        if i % 5 == 0:
            gold[item] = LABELS[truth]
        for a in range(n_ann):
            if rng.random() < p_missing:
                continue
            lead = None if rng.random() < 0.2 else float(rng.integers(1, 120))
            if rng.random() < p_skip:
                votes.append(Vote(item, f"ann-{a}", None, lead, f"t{i % 3}"))
                continue
            lab = truth if rng.random() < 0.7 else int(rng.integers(0, 3))
            votes.append(Vote(item, f"ann-{a}", LABELS[lab], lead, f"t{i % 3}"))
    return votes, outlet, gold


def ref_alpha(votes: list[Vote]) -> float | None:
    labelled = [v for v in votes if v.label is not None]
    items = sorted({v.item for v in labelled})
    anns = sorted({v.annotator for v in labelled})
    if not items or not anns:
        return None
    per_item = Counter(v.item for v in labelled)
    if not any(n >= 2 for n in per_item.values()):
        return None
    if len({v.label for v in labelled if per_item[v.item] >= 2}) < 2:
        return None
    m = np.full((len(anns), len(items)), np.nan)
    for v in labelled:
        m[anns.index(v.annotator), items.index(v.item)] = LABELS.index(v.label or "")
    return float(krippendorff.alpha(reliability_data=m, level_of_measurement="nominal"))


def ref_annotators(votes: list[Vote], gold: dict[str, str]) -> list[dict[str, Any]]:
    by_item: dict[str, list[Vote]] = defaultdict(list)
    for v in votes:
        by_item[v.item].append(v)
    out = []
    for a in sorted({v.annotator for v in votes}):
        mine = [v for v in votes if v.annotator == a]
        labelled = [v for v in mine if v.label is not None]
        agree = compared = 0
        for v in labelled:
            others = Counter(o.label for o in by_item[v.item]
                             if o.annotator != a and o.label is not None)
            top = others.most_common()
            if not top or (len(top) > 1 and top[0][1] == top[1][1]):
                continue
            compared += 1
            agree += top[0][0] == v.label
        leads = [v.lead_time for v in mine if v.lead_time is not None]
        on_gold = [v for v in labelled if v.item in gold]
        out.append({
            "annotator": a,
            "items": len({v.item for v in mine}),
            "votes": len(labelled),
            "skipped": len(mine) - len(labelled),
            "skip_rate": (len(mine) - len(labelled)) / len(mine),
            "median_lead_time": statistics.median(leads) if leads else None,
            "agreement_with_majority": agree / compared if compared else None,
            "compared_with_majority": compared,
            "gold_items": len(on_gold),
            "gold_accuracy": (sum(v.label == gold[v.item] for v in on_gold) / len(on_gold)
                              if on_gold else None),
        })
    return out


def approx(x: float | None) -> Any:
    return None if x is None else pytest.approx(x, abs=1e-9)


@given(st.integers(0, 100_000), st.integers(6, 40), st.integers(2, 5),
       st.floats(0, 0.3), st.floats(0, 0.5))
@settings(max_examples=40, deadline=None)
def test_summary_equals_the_references(seed: int, n_items: int, n_ann: int, p_skip: float,
                                       p_missing: float) -> None:
    votes, outlets, gold = random_votes(seed, n_items, n_ann, p_skip, p_missing)
    s = summary(votes, LABELS, groups=["t0", "t1", "t2", "t9"], outlets=outlets, gold=gold,
                n_boot=200, seed=3)
    # overall
    a, lo, hi = bootstrap_alpha(votes, LABELS, n=200, seed=3)
    assert s["alpha"]["alpha"] == approx(ref_alpha(votes))
    assert (s["alpha"]["low"], s["alpha"]["high"]) == (lo, hi)
    per_item = Counter(v.item for v in votes if v.label is not None)
    assert s["alpha"]["items"] == sum(n >= 2 for n in per_item.values())
    # per target, in the order asked, a target with no votes reported empty
    assert list(s["alpha_by_group"]) == ["t0", "t1", "t2", "t9"]
    assert s["alpha_by_group"]["t9"] == {"alpha": None, "low": None, "high": None, "items": 0}
    for t in ("t0", "t1", "t2"):
        sub = [v for v in votes if v.group == t]
        got = s["alpha_by_group"][t]
        assert got["alpha"] == approx(ref_alpha(sub))
        _, blo, bhi = bootstrap_alpha(sub, LABELS, n=200, seed=3)
        assert (got["low"], got["high"]) == (blo, bhi)
        assert got["items"] == len({v.item for v in sub})
    # per outlet: each outlet's own votes
    for o in sorted(set(outlets.values())):
        sub = [v for v in votes if outlets[v.item] == o]
        if not sub:
            assert o not in s["alpha_by_outlet"]
            continue
        got = s["alpha_by_outlet"][o]
        assert got["alpha"] == approx(ref_alpha(sub)), o
        _, blo, bhi = bootstrap_alpha(sub, LABELS, n=200, seed=3)
        assert (got["low"], got["high"]) == (blo, bhi)
        assert got["items"] == len({v.item for v in sub})
    assert sorted(s["alpha_by_outlet"]) == sorted({outlets[v.item] for v in votes})
    # annotators
    assert s["annotators"] == [
        {k: approx(v) if isinstance(v, float) else v for k, v in row.items()}
        for row in ref_annotators(votes, gold)]
    # pairwise kappa from scikit-learn on the items both labelled
    names = s["cohen_kappa"]["annotators"]
    assert names == sorted({v.annotator for v in votes if v.label is not None})
    lab = {(v.annotator, v.item): v.label for v in votes if v.label is not None}
    for i, x in enumerate(names):
        for j, y in enumerate(names):
            got = s["cohen_kappa"]["matrix"][i][j]
            if i == j:
                assert got == 1.0
                continue
            shared = sorted({it for (a, it) in lab if a == x} & {it for (a, it) in lab if a == y})
            if len(shared) < 2:
                assert got is None
                continue
            xs = [lab[(x, it)] for it in shared]
            ys = [lab[(y, it)] for it in shared]
            if len(set(xs) | set(ys)) < 2:
                assert got is None
                continue
            assert got == pytest.approx(cohen_kappa_score(xs, ys, labels=LABELS), abs=1e-9)


def test_outlets_as_a_list_in_table_order_equal_outlets_as_a_mapping() -> None:
    votes, outlets, _ = random_votes(7, 30, 3, 0.1, 0.2)
    vt = VoteTable.from_votes(votes, LABELS)
    by_map = summary(vt, LABELS, outlets=outlets, n_boot=100)
    by_list = summary(vt, LABELS, outlets=[outlets[it] for it in vt.items], n_boot=100)
    assert by_map["alpha_by_outlet"] == by_list["alpha_by_outlet"]
    assert len(by_map["alpha_by_outlet"]) == 3
    with pytest.raises(ValueError, match=f"2 outlets for {len(vt.items)} items"):
        summary(vt, LABELS, outlets=["a", "b"])


def test_items_without_outlet_count_overall_but_in_no_outlet() -> None:
    votes = [Vote("a", "x", "FAVOR"), Vote("a", "y", "FAVOR"),
             Vote("b", "x", "AGAINST"), Vote("b", "y", "NONE"),
             Vote("c", "x", "NONE"), Vote("c", "y", "NONE")]
    s = summary(votes, LABELS, outlets={"a": "bbc", "b": "", "c": "bbc"}, n_boot=50)
    assert list(s["alpha_by_outlet"]) == ["bbc"]
    assert s["alpha_by_outlet"]["bbc"]["items"] == 2
    assert s["alpha_by_outlet"]["bbc"]["alpha"] == pytest.approx(1.0)
    assert s["alpha"]["items"] == 3


def test_labels_of_another_table_are_refused() -> None:
    vt = VoteTable.from_votes([Vote("a", "x", "FAVOR")], LABELS)
    assert as_table(vt, LABELS) is vt
    with pytest.raises(ValueError, match="differ"):
        as_table(vt, ["FAVOR", "AGAINST"])


def test_a_label_outside_the_schema_is_a_vote_never_compared() -> None:
    votes = [Vote("a", "x", "FAVOR"), Vote("a", "y", "MAYBE"), Vote("b", "x", "NONE"),
             Vote("b", "y", "NONE"), Vote("c", "x", "AGAINST"), Vote("c", "y", "AGAINST")]
    rows = {r["annotator"]: r for r in annotator_stats(votes, LABELS)}
    assert rows["y"]["votes"] == 3 and rows["y"]["skipped"] == 0
    # only items b and c are pairable: y's odd label is left out of alpha
    s = summary(votes, LABELS, n_boot=10)
    assert s["alpha"]["alpha"] == approx(ref_alpha([v for v in votes if v.label != "MAYBE"]))


def test_item_agreement() -> None:
    assert item_agreement([]) is None
    assert item_agreement([None, None]) is None
    assert item_agreement(["FAVOR", None, "FAVOR", "NONE"]) == pytest.approx(2 / 3)
    assert item_agreement(["NONE"]) == 1.0


def test_fleiss_and_summary_fields_on_a_small_case() -> None:
    votes = [Vote(f"i{i}", a, lab) for i, labs in enumerate(
        [("FAVOR", "FAVOR", "FAVOR"), ("AGAINST", "AGAINST", "NONE"), ("NONE", "NONE", "NONE"),
         ("FAVOR", "AGAINST", "FAVOR")]) for a, lab in zip("xyz", labs, strict=True)]
    votes.append(Vote("i4", "x", "FAVOR"))  # one vote only: not in Fleiss, not pairable
    s = summary(votes, LABELS, n_boot=100)
    # Fleiss by hand on the four fully overlapped items (n = 3 raters)
    rows = np.array([[3, 0, 0], [0, 2, 1], [0, 0, 3], [2, 1, 0]], dtype=float)
    p_j = rows.sum(axis=0) / (4 * 3)
    p_i = ((rows * rows).sum(axis=1) - 3) / 6
    expected = (p_i.mean() - (p_j * p_j).sum()) / (1 - (p_j * p_j).sum())
    assert s["fleiss_kappa"] == pytest.approx(expected)
    assert s["alpha"]["items"] == 4
    assert s["metric"].startswith("Krippendorff's alpha (nominal)")
