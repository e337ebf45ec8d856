"""Inter-annotator agreement on stance votes. Pure: votes in, numbers out.

A :class:`Vote` is one annotator's label for one item (a quote x target); ``label=None``
is a skip, which counts for the annotator's skip rate but never for agreement.

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
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Vote:
    """One annotator's label for one item; ``label`` None is a skip."""

    item: str
    annotator: str
    label: str | None
    lead_time: float | None = None
    group: str | None = None


def _by_item(votes: Iterable[Vote]) -> dict[str, list[Vote]]:
    out: dict[str, list[Vote]] = defaultdict(list)
    for v in votes:
        out[v.item].append(v)
    return out


def _labelled(votes: Iterable[Vote], labels: Sequence[str]) -> dict[str, list[int]]:
    """item -> label indices of its non-skip votes (labels outside the set are ignored)."""
    index = {lab: i for i, lab in enumerate(labels)}
    out: dict[str, list[int]] = defaultdict(list)
    for v in votes:
        if v.label is not None and v.label in index:
            out[v.item].append(index[v.label])
    return out


def _alpha_from_counts(counts: np.ndarray[Any, np.dtype[np.float64]]) -> float | None:
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


def _count_matrix(per_item: Mapping[str, list[int]], n_labels: int,
                  items: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
    mat = np.zeros((len(items), n_labels))
    for row, item in enumerate(items):
        for lab in per_item.get(item, []):
            mat[row, lab] += 1
    return mat


def krippendorff_alpha(votes: Iterable[Vote], labels: Sequence[str]) -> float | None:
    """Krippendorff's alpha (nominal); None when undefined (no pairable votes, no variation)."""
    per_item = _labelled(votes, labels)
    items = sorted(per_item)
    return _alpha_from_counts(_count_matrix(per_item, len(labels), items))


def bootstrap_alpha(
    votes: Iterable[Vote], labels: Sequence[str], n: int = 1000, seed: int = 0,
    ci: float = 0.95,
) -> tuple[float | None, float | None, float | None]:
    """(alpha, low, high): percentile bootstrap over items, seeded and reproducible."""
    per_item = _labelled(votes, labels)
    items = sorted(i for i, v in per_item.items() if len(v) >= 2)
    mat = _count_matrix(per_item, len(labels), items)
    alpha = _alpha_from_counts(mat)
    if alpha is None or len(items) < 2:
        return alpha, None, None
    # Alpha only needs, per item, its label counts; items with the same counts are
    # exchangeable, so resampling items is drawing how many of each count pattern
    # (a multinomial over a handful of patterns) and each resample is two products.
    patterns, freq = np.unique(mat, axis=0, return_counts=True)
    m = patterns.sum(axis=1)
    agree = (patterns * (patterns - 1)).sum(axis=1) / (m - 1)
    rng = np.random.default_rng(seed)
    w = rng.multinomial(len(items), freq / freq.sum(), size=n).astype(float)
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


def alpha_by(
    votes: Iterable[Vote], labels: Sequence[str], key: Callable[[Vote], str | None],
    *, n_boot: int = 1000, seed: int = 0,
) -> dict[str, dict[str, float | int | None]]:
    """Alpha with its interval per group (target, outlet, ...)."""
    groups: dict[str, list[Vote]] = defaultdict(list)
    for v in votes:
        k = key(v)
        if k is not None:
            groups[k].append(v)
    out: dict[str, dict[str, float | int | None]] = {}
    for k in sorted(groups):
        a, lo, hi = bootstrap_alpha(groups[k], labels, n=n_boot, seed=seed)
        out[k] = {"alpha": a, "low": lo, "high": hi, "items": len({v.item for v in groups[k]})}
    return out


def _kappa(a: Sequence[int], b: Sequence[int], n_labels: int) -> float | None:
    """Cohen's kappa of two aligned label sequences (as scikit-learn computes it)."""
    if len(a) < 2:
        return None
    conf = np.zeros((n_labels, n_labels))
    for x, y in zip(a, b, strict=True):
        conf[x, y] += 1
    total = conf.sum()
    p_o = np.trace(conf) / total
    p_e = float((conf.sum(axis=0) * conf.sum(axis=1)).sum()) / (total * total)
    if p_e == 1:
        return None
    return float((p_o - p_e) / (1 - p_e))


def cohen_kappa_matrix(
    votes: Iterable[Vote], labels: Sequence[str]
) -> tuple[list[str], list[list[float | None]]]:
    """Annotators and their pairwise Cohen's kappa on shared non-skipped items.

    The diagonal is 1; a pair with fewer than two shared items, or with no variation
    (kappa undefined), gets None.
    """
    index = {lab: i for i, lab in enumerate(labels)}
    by_ann: dict[str, dict[str, int]] = defaultdict(dict)
    for v in votes:
        if v.label is not None and v.label in index:
            by_ann[v.annotator][v.item] = index[v.label]
    anns = sorted(by_ann)
    mat: list[list[float | None]] = []
    for a in anns:
        row: list[float | None] = []
        for b in anns:
            if a == b:
                row.append(1.0)
                continue
            shared = sorted(set(by_ann[a]) & set(by_ann[b]))
            row.append(_kappa([by_ann[a][i] for i in shared], [by_ann[b][i] for i in shared],
                              len(labels)))
        mat.append(row)
    return anns, mat


def fleiss_kappa(votes: Iterable[Vote], labels: Sequence[str]) -> float | None:
    """Fleiss' kappa on the items that have the largest number (>= 2) of votes."""
    per_item = _labelled(votes, labels)
    if not per_item:
        return None
    n = max(len(v) for v in per_item.values())
    if n < 2:
        return None
    items = sorted(i for i, v in per_item.items() if len(v) == n)
    mat = _count_matrix(per_item, len(labels), items)
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
    votes: Iterable[Vote], labels: Sequence[str], gold: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Per annotator: items, skips, median lead time, leave-one-out majority agreement,
    and accuracy on gold items.

    Agreement with the majority compares the annotator's label with the majority of the
    *other* annotators' labels on the item (ties and items with no other vote skipped),
    so an annotator's own vote never inflates it.
    """
    votes = list(votes)
    by_item = _by_item(votes)
    out: dict[str, dict[str, Any]] = {}
    per_ann: dict[str, list[Vote]] = defaultdict(list)
    for v in votes:
        per_ann[v.annotator].append(v)
    for ann, vs in sorted(per_ann.items()):
        labelled = [v for v in vs if v.label is not None]
        leads = [v.lead_time for v in vs if v.lead_time is not None]
        agree = compared = 0
        for v in labelled:
            others = Counter(o.label for o in by_item[v.item]
                             if o.annotator != ann and o.label is not None)
            top = others.most_common(2)
            if not top or (len(top) > 1 and top[0][1] == top[1][1]):
                continue
            compared += 1
            agree += top[0][0] == v.label
        gold_hits = [v.label == gold[v.item] for v in labelled if gold and v.item in gold]
        items = {v.item for v in vs}
        out[ann] = {
            "annotator": ann,
            "items": len(items),
            "votes": len(labelled),
            "skipped": len(vs) - len(labelled),
            "skip_rate": (len(vs) - len(labelled)) / len(vs) if vs else 0.0,
            "median_lead_time": statistics.median(leads) if leads else None,
            "agreement_with_majority": agree / compared if compared else None,
            "compared_with_majority": compared,
            "gold_items": len(gold_hits),
            "gold_accuracy": sum(gold_hits) / len(gold_hits) if gold_hits else None,
        }
    return list(out.values())


def _clean(x: Any) -> Any:
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def summary(
    votes: Iterable[Vote], labels: Sequence[str], *,
    groups: Mapping[str, str] | None = None,
    outlets: Mapping[str, str] | None = None,
    gold: Mapping[str, str] | None = None,
    n_boot: int = 1000, seed: int = 0,
) -> dict[str, Any]:
    """Every agreement figure as a JSON-ready dict.

    ``groups`` names the groups to report (vote.group values, e.g. target ids);
    ``outlets`` maps items to their outlet for per-outlet alpha.
    """
    votes = list(votes)
    a, lo, hi = bootstrap_alpha(votes, labels, n=n_boot, seed=seed)
    per_group = alpha_by(votes, labels, lambda v: v.group, n_boot=n_boot, seed=seed)
    if groups is not None:
        per_group = {k: per_group.get(k, {"alpha": None, "low": None, "high": None, "items": 0})
                     for k in groups}
    anns, kappa = cohen_kappa_matrix(votes, labels)
    per_item = _by_item(votes)
    return {
        "metric": "Krippendorff's alpha (nominal), 95 % percentile bootstrap over items",
        "alpha": {"alpha": a, "low": lo, "high": hi,
                  "items": sum(1 for vs in per_item.values()
                               if sum(v.label is not None for v in vs) >= 2)},
        "alpha_by_group": per_group,
        "alpha_by_outlet": alpha_by(votes, labels, lambda v: (outlets or {}).get(v.item),
                                    n_boot=n_boot, seed=seed) if outlets else {},
        "cohen_kappa": {"annotators": anns,
                        "matrix": [[_clean(x) for x in row] for row in kappa]},
        "fleiss_kappa": fleiss_kappa(votes, labels),
        "annotators": annotator_stats(votes, labels, gold),
    }
