"""Inter-annotator agreement on stance votes. Pure: votes in, numbers out.

A :class:`Vote` is one annotator's label for one item (a quote x target); ``label=None``
is a skip, which counts for the annotator's skip rate but never for agreement. Every
function takes votes as a list of :class:`Vote` or as a :class:`VoteTable` (the same votes
as integer arrays, which is how a pull of 100,000 items computes them in a second).

- :func:`krippendorff_alpha`: nominal alpha (coincidence-matrix form; any number of
  annotators, missing votes allowed), equal to the ``krippendorff`` package's value;
- :func:`bootstrap_alpha`: a seeded percentile bootstrap over items for a 95 % interval;
- :func:`cohen_kappa_matrix`: pairwise Cohen's kappa on the items each pair shares;
- :func:`fleiss_kappa`: on the fully overlapped items (all with the same, largest number
  of votes), as Fleiss' kappa assumes;
- :func:`annotator_stats`: counts, skips, median time per item, agreement with the others'
  majority (leave-one-out), accuracy on gold items;
- :func:`summary`: all of it as one JSON-ready dict (``stats.json``, the dataset card).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]

SKIP = -1  # a skip: counts for the annotator, never for agreement
OTHER = -2  # a label outside the schema's: counted as the annotator's vote, never compared


@dataclass(frozen=True)
class Vote:
    """One annotator's label for one item; ``label`` None is a skip."""

    item: str
    annotator: str
    label: str | None
    lead_time: float | None = None
    group: str | None = None


@dataclass(frozen=True)
class VoteTable:
    """Votes as parallel arrays: ``item``, ``annotator`` (indices into ``items`` and
    ``annotators``), ``label`` (index into ``labels``, :data:`SKIP` or :data:`OTHER`) and
    ``lead_time`` (NaN when unknown); ``item_group`` is each item's group index into
    ``groups`` (-1: none)."""

    labels: tuple[str, ...]
    items: tuple[str, ...]
    annotators: tuple[str, ...]
    item: IntArray
    annotator: IntArray
    label: IntArray
    lead_time: FloatArray
    groups: tuple[str, ...] = ()
    item_group: IntArray | None = None

    @classmethod
    def from_votes(cls, votes: Iterable[Vote], labels: Sequence[str]) -> VoteTable:
        votes = list(votes)
        index = {lab: i for i, lab in enumerate(labels)}
        items = {v.item: None for v in votes}
        item_idx = {it: i for i, it in enumerate(items)}
        anns = sorted({v.annotator for v in votes})
        ann_idx = {a: i for i, a in enumerate(anns)}
        group_names = sorted({v.group for v in votes if v.group is not None})
        g_idx = {g: i for i, g in enumerate(group_names)}
        item_group = np.full(len(items), -1, dtype=np.int64)
        for v in votes:
            if v.group is not None and item_group[item_idx[v.item]] < 0:
                item_group[item_idx[v.item]] = g_idx[v.group]
        return cls(
            labels=tuple(labels), items=tuple(items), annotators=tuple(anns),
            item=np.array([item_idx[v.item] for v in votes], dtype=np.int64),
            annotator=np.array([ann_idx[v.annotator] for v in votes], dtype=np.int64),
            label=np.array([SKIP if v.label is None else index.get(v.label, OTHER)
                            for v in votes], dtype=np.int64),
            lead_time=np.array([np.nan if v.lead_time is None else float(v.lead_time)
                                for v in votes], dtype=np.float64),
            groups=tuple(group_names), item_group=item_group,
        )

    def __len__(self) -> int:
        return int(self.item.shape[0])

    def subset(self, keep_items: np.ndarray[Any, np.dtype[np.bool_]]) -> VoteTable:
        """The votes on the items where ``keep_items`` is true (indices kept)."""
        sel = keep_items[self.item]
        return VoteTable(self.labels, self.items, self.annotators, self.item[sel],
                         self.annotator[sel], self.label[sel], self.lead_time[sel],
                         self.groups, self.item_group)

    def counts(self) -> FloatArray:
        """Items x labels matrix of vote counts (skips and other labels left out)."""
        k = len(self.labels)
        ok = self.label >= 0
        flat = np.bincount(self.item[ok] * k + self.label[ok], minlength=len(self.items) * k)
        return flat.reshape(len(self.items), k).astype(np.float64)


Votes = Iterable[Vote] | VoteTable


def as_table(votes: Votes, labels: Sequence[str]) -> VoteTable:
    if isinstance(votes, VoteTable):
        if tuple(labels) != votes.labels:
            raise ValueError(f"labels {list(labels)} differ from the table's {votes.labels}")
        return votes
    return VoteTable.from_votes(votes, labels)


def _alpha_from_counts(counts: FloatArray) -> float | None:
    """Nominal alpha from an items x labels matrix of vote counts."""
    m = counts.sum(axis=1)
    counts = counts[m >= 2]
    m = m[m >= 2]
    if counts.shape[0] == 0:
        return None
    # Coincidences within units: o_ck = sum_u n_uc * n_uk / (m_u - 1), diagonal n_uc(n_uc-1).
    weights = 1.0 / (m - 1)
    observed_agree = float((weights * (counts * (counts - 1)).sum(axis=1)).sum())
    n_c = counts.sum(axis=0)
    n = float(n_c.sum())
    if n <= 1:
        return None
    d_o = 1.0 - observed_agree / n
    d_e = 1.0 - float((n_c * (n_c - 1)).sum()) / (n * (n - 1))
    if d_e == 0:
        return None  # a single value everywhere: agreement is undefined
    return 1.0 - d_o / d_e


def krippendorff_alpha(votes: Votes, labels: Sequence[str]) -> float | None:
    """Krippendorff's alpha (nominal); None when undefined (no pairable votes, no variation)."""
    return _alpha_from_counts(as_table(votes, labels).counts())


def _bootstrap_counts(counts: FloatArray, n: int, seed: int, ci: float
                      ) -> tuple[float | None, float | None, float | None]:
    mat = counts[counts.sum(axis=1) >= 2]
    alpha = _alpha_from_counts(mat)
    if alpha is None or mat.shape[0] < 2:
        return alpha, None, None
    # Alpha only needs, per item, its label counts; items with the same counts are
    # exchangeable, so resampling items is drawing how many of each count pattern
    # (a multinomial over a handful of patterns) and each resample is two products.
    patterns, freq = np.unique(mat, axis=0, return_counts=True)
    m = patterns.sum(axis=1)
    agree = (patterns * (patterns - 1)).sum(axis=1) / (m - 1)
    rng = np.random.default_rng(seed)
    w = rng.multinomial(mat.shape[0], freq / freq.sum(), size=n).astype(float)
    observed = w @ agree
    n_c = w @ patterns
    tot = n_c.sum(axis=1)
    d_e = 1.0 - (n_c * (n_c - 1)).sum(axis=1) / (tot * (tot - 1))
    ok = d_e != 0
    samples = (1.0 - (1.0 - observed[ok] / tot[ok]) / d_e[ok]).tolist()
    if not samples:
        return alpha, None, None
    lo, hi = np.quantile(samples, [(1 - ci) / 2, 1 - (1 - ci) / 2])
    return alpha, float(lo), float(hi)


def bootstrap_alpha(
    votes: Votes, labels: Sequence[str], n: int = 1000, seed: int = 0, ci: float = 0.95,
) -> tuple[float | None, float | None, float | None]:
    """(alpha, low, high): percentile bootstrap over items, seeded and reproducible."""
    return _bootstrap_counts(as_table(votes, labels).counts(), n, seed, ci)


def _alpha_by_codes(vt: VoteTable, counts: FloatArray, code: IntArray, names: Sequence[str],
                    n_boot: int, seed: int) -> dict[str, dict[str, float | int | None]]:
    """Alpha with its interval for each group of items (``code`` per item, -1: none)."""
    voted = np.zeros(len(vt.items), dtype=bool)
    voted[vt.item] = True
    out: dict[str, dict[str, float | int | None]] = {}
    present = sorted({int(c) for c in np.unique(code[voted]) if c >= 0},
                     key=lambda c: names[c])
    for c in present:
        sel = code == c
        a, lo, hi = _bootstrap_counts(counts[sel & voted], n_boot, seed, 0.95)
        out[names[c]] = {"alpha": a, "low": lo, "high": hi, "items": int((sel & voted).sum())}
    return out


def _kappa_conf(conf: FloatArray) -> float | None:
    total = conf.sum()
    p_o = np.trace(conf) / total
    p_e = float((conf.sum(axis=0) * conf.sum(axis=1)).sum()) / (total * total)
    if p_e == 1:
        return None
    return float((p_o - p_e) / (1 - p_e))


def _label_grid(vt: VoteTable) -> tuple[list[int], IntArray]:
    """Annotators with a labelled vote, and an items x those annotators grid of labels (-1)."""
    ok = vt.label >= 0
    anns = sorted({int(a) for a in np.unique(vt.annotator[ok])}, key=lambda a: vt.annotators[a])
    col = np.full(len(vt.annotators), -1, dtype=np.int64)
    col[anns] = np.arange(len(anns))
    grid = np.full((len(vt.items), len(anns)), -1, dtype=np.int64)
    grid[vt.item[ok], col[vt.annotator[ok]]] = vt.label[ok]
    return anns, grid


def cohen_kappa_matrix(votes: Votes, labels: Sequence[str]
                       ) -> tuple[list[str], list[list[float | None]]]:
    """Annotators and their pairwise Cohen's kappa on shared non-skipped items.

    The diagonal is 1; a pair with fewer than two shared items, or with no variation
    (kappa undefined), gets None.
    """
    vt = as_table(votes, labels)
    k = len(labels)
    anns, grid = _label_grid(vt)
    rows_of = [np.flatnonzero(grid[:, j] >= 0) for j in range(len(anns))]
    mat: list[list[float | None]] = [[1.0 if i == j else None for j in range(len(anns))]
                                     for i in range(len(anns))]
    for i in range(len(anns)):
        for j in range(i + 1, len(anns)):
            rows = rows_of[i][grid[rows_of[i], j] >= 0]
            if len(rows) < 2:
                continue
            conf = np.bincount(grid[rows, i] * k + grid[rows, j], minlength=k * k)
            kappa = _kappa_conf(conf.reshape(k, k).astype(np.float64))
            mat[i][j] = mat[j][i] = kappa
    return [vt.annotators[a] for a in anns], mat


def fleiss_kappa(votes: Votes, labels: Sequence[str]) -> float | None:
    """Fleiss' kappa on the items that have the largest number (>= 2) of votes."""
    mat = as_table(votes, labels).counts()
    per = mat.sum(axis=1)
    if per.size == 0 or per.max() < 2:
        return None
    n = float(per.max())
    mat = mat[per == n]
    n_items = mat.shape[0]
    p_j = mat.sum(axis=0) / (n_items * n)
    p_i = ((mat * mat).sum(axis=1) - n) / (n * (n - 1))
    p_bar, p_e = float(p_i.mean()), float((p_j * p_j).sum())
    if p_e == 1:
        return None
    return (p_bar - p_e) / (1 - p_e)


def item_agreement(labels_of_item: Sequence[str | None]) -> float | None:
    """Share of the item's non-skip votes that agree with its most common label."""
    got = [lab for lab in labels_of_item if lab is not None]
    if not got:
        return None
    return Counter(got).most_common(1)[0][1] / len(got)


def annotator_stats(
    votes: Votes, labels: Sequence[str], gold: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Per annotator: items, skips, median lead time, leave-one-out majority agreement,
    and accuracy on gold items.

    Agreement with the majority compares the annotator's label with the majority of the
    *other* annotators' labels on the item (ties and items with no other vote skipped),
    so an annotator's own vote never inflates it.
    """
    vt = as_table(votes, labels)
    k = len(labels)
    counts = vt.counts()
    index = {lab: i for i, lab in enumerate(labels)}
    gold = gold or {}
    gold_code = np.full(len(vt.items), -9, dtype=np.int64)
    has_gold = np.zeros(len(vt.items), dtype=np.bool_)
    for i, it in enumerate(vt.items):
        if it in gold:
            gold_code[i], has_gold[i] = index.get(gold[it], -9), True
    out = []
    for a in sorted(range(len(vt.annotators)), key=lambda x: vt.annotators[x]):
        mine = np.flatnonzero(vt.annotator == a)
        if mine.size == 0:
            continue
        item, label = vt.item[mine], vt.label[mine]
        labelled = label != SKIP
        own = np.zeros((len(vt.items), k))
        ok = label >= 0
        np.add.at(own, (item[ok], label[ok]), 1)
        v_items, v_labels = item[labelled], label[labelled]
        others = counts[v_items] - own[v_items]
        top = np.sort(others, axis=1)[:, ::-1]
        second = top[:, 1] if k > 1 else np.zeros(len(top))
        comparable = (top[:, 0] > 0) & (second != top[:, 0])  # another vote, no tie
        agree = int((others[comparable].argmax(axis=1) == v_labels[comparable]).sum())
        compared = int(comparable.sum())
        leads = vt.lead_time[mine]
        leads = leads[~np.isnan(leads)]
        g = has_gold[v_items]
        hits = v_labels[g] == gold_code[v_items[g]]
        n_votes, n_all = int(labelled.sum()), int(mine.size)
        out.append({
            "annotator": vt.annotators[a],
            "items": int(np.unique(item).size),
            "votes": n_votes,
            "skipped": n_all - n_votes,
            "skip_rate": (n_all - n_votes) / n_all,
            "median_lead_time": float(np.median(leads)) if leads.size else None,
            "agreement_with_majority": agree / compared if compared else None,
            "compared_with_majority": compared,
            "gold_items": int(g.sum()),
            "gold_accuracy": float(hits.mean()) if hits.size else None,
        })
    return out


def _clean(x: Any) -> Any:
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def summary(
    votes: Votes, labels: Sequence[str], *,
    groups: Iterable[str] | None = None,
    outlets: Mapping[str, str] | Sequence[str | None] | None = None,
    gold: Mapping[str, str] | None = None,
    n_boot: int = 1000, seed: int = 0,
) -> dict[str, Any]:
    """Every agreement figure as a JSON-ready dict.

    ``groups`` names the groups to report, in order (vote.group values, e.g. target ids);
    ``outlets`` maps items to their outlet for per-outlet alpha (or, with a
    :class:`VoteTable`, lists each item's outlet in the table's item order).
    """
    vt = as_table(votes, labels)
    counts = vt.counts()
    a, lo, hi = _bootstrap_counts(counts, n_boot, seed, 0.95)
    group_code = (vt.item_group if vt.item_group is not None
                  else np.full(len(vt.items), -1, dtype=np.int64))
    per_group = _alpha_by_codes(vt, counts, group_code, vt.groups, n_boot, seed)
    if groups is not None:
        per_group = {k: per_group.get(k, {"alpha": None, "low": None, "high": None, "items": 0})
                     for k in groups}
    by_outlet: dict[str, dict[str, float | int | None]] = {}
    if outlets:
        per_item = ([outlets.get(it) for it in vt.items] if isinstance(outlets, Mapping)
                    else list(outlets))
        if len(per_item) != len(vt.items):
            raise ValueError(f"{len(per_item)} outlets for {len(vt.items)} items")
        names = sorted({o for o in per_item if o})
        o_idx = {o: i for i, o in enumerate(names)}
        code = np.array([o_idx[o] if o else -1 for o in per_item], dtype=np.int64)
        by_outlet = _alpha_by_codes(vt, counts, code, names, n_boot, seed)
    anns, kappa = cohen_kappa_matrix(vt, labels)
    labelled = np.bincount(vt.item[vt.label != SKIP], minlength=len(vt.items))
    return {
        "metric": "Krippendorff's alpha (nominal), 95 % percentile bootstrap over items",
        "alpha": {"alpha": a, "low": lo, "high": hi, "items": int((labelled >= 2).sum())},
        "alpha_by_group": per_group,
        "alpha_by_outlet": by_outlet,
        "cohen_kappa": {"annotators": anns,
                        "matrix": [[_clean(x) for x in row] for row in kappa]},
        "fleiss_kappa": fleiss_kappa(vt, labels),
        "annotators": annotator_stats(vt, labels, gold),
    }
