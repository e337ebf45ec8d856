"""Vote aggregation: majority with ties marked, or Dawid-Skene with soft labels.

Skips never vote. :class:`Aggregate` carries the label (None on a tie or without votes),
the soft label (vote shares, or Dawid-Skene posteriors, in label order), the number of
votes, the item's agreement (share agreeing with the most common label) and the method.
:func:`aggregate_table` gives the same as arrays over a :class:`~labeling.annotations.agreement.VoteTable`
(what a pull uses); :func:`aggregate` as a dict per item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from labeling.annotations.agreement import Vote, VoteTable, as_table

METHODS = ("majority", "dawid_skene")


@dataclass(frozen=True)
class Aggregate:
    label: str | None
    tie: bool
    soft: tuple[float, ...]
    n_votes: int
    agreement: float
    method: str


@dataclass(frozen=True)
class Aggregates:
    """Per item of a vote table: ``label`` index (-1 on a tie or without votes), ``tie``,
    ``soft`` (items x labels), ``n_votes``, ``agreement``; ``voted`` marks the items with
    at least one (non-skip) vote, the only ones that have an aggregate."""

    method: str
    label: np.ndarray[Any, np.dtype[np.int64]]
    tie: np.ndarray[Any, np.dtype[np.bool_]]
    soft: np.ndarray[Any, np.dtype[np.float64]]
    n_votes: np.ndarray[Any, np.dtype[np.int64]]
    agreement: np.ndarray[Any, np.dtype[np.float64]]
    voted: np.ndarray[Any, np.dtype[np.bool_]]


def _majority(vt: VoteTable) -> Aggregates:
    counts = vt.counts()
    n = counts.sum(axis=1)
    top = counts.max(axis=1) if counts.shape[1] else np.zeros(len(n))
    voted = n > 0
    tie = voted & ((counts == top[:, None]).sum(axis=1) > 1)
    safe = np.where(voted, n, 1.0)
    label = np.where(voted & ~tie, counts.argmax(axis=1), -1)
    return Aggregates("majority", label.astype(np.int64), tie, counts / safe[:, None],
                      n.astype(np.int64), np.where(voted, top / safe, 0.0), voted)


def _dawid_skene(vt: VoteTable, max_iter: int = 100, tol: float = 1e-6) -> Aggregates:
    maj = _majority(vt)
    k, n_items = len(vt.labels), len(vt.items)
    ok = vt.label >= 0
    item, ann, lab = vt.item[ok], vt.annotator[ok], vt.label[ok]
    voted = maj.voted
    if not voted.any():
        return Aggregates("dawid_skene", maj.label, maj.tie, maj.soft, maj.n_votes,
                          maj.agreement, voted)
    n_ann = len(vt.annotators)
    post = maj.soft.copy()
    smooth = 0.01
    for _ in range(max_iter):
        prior = post[voted].mean(axis=0) + 1e-9
        prior /= prior.sum()
        # conf[a, true, given] += post[item, true] for every vote (a, item, given)
        conf = np.full((n_ann, k, k), smooth)
        for given in range(k):
            sel = lab == given
            for true in range(k):
                conf[:, true, given] += np.bincount(ann[sel], weights=post[item[sel], true],
                                                    minlength=n_ann)
        conf /= conf.sum(axis=2, keepdims=True)
        log_post = np.tile(np.log(prior), (n_items, 1))
        logc = np.log(conf[ann, :, lab])  # votes x true
        for true in range(k):
            log_post[:, true] += np.bincount(item, weights=logc[:, true], minlength=n_items)
        new = np.exp(log_post - log_post.max(axis=1, keepdims=True))
        new /= new.sum(axis=1, keepdims=True)
        new[~voted] = 0.0
        delta = float(np.abs(new - post).max())
        post = new
        if delta < tol:
            break
    best = post.max(axis=1)
    winners = (np.abs(post - best[:, None]) < 1e-12).sum(axis=1)
    tie = voted & (winners > 1)
    label = np.where(voted & ~tie, post.argmax(axis=1), -1).astype(np.int64)
    return Aggregates("dawid_skene", label, tie, post, maj.n_votes, maj.agreement, voted)


def aggregate_table(vt: VoteTable, method: str = "majority") -> Aggregates:
    """Aggregate every item of ``vt`` with ``method``: ``majority`` or ``dawid_skene``."""
    if method == "majority":
        return _majority(vt)
    if method == "dawid_skene":
        return _dawid_skene(vt)
    raise ValueError(f"unknown aggregation method {method!r}: use majority or dawid_skene")


def _as_dict(vt: VoteTable, agg: Aggregates) -> dict[str, Aggregate]:
    out: dict[str, Aggregate] = {}
    for i in np.flatnonzero(agg.voted):
        out[vt.items[i]] = Aggregate(
            label=vt.labels[agg.label[i]] if agg.label[i] >= 0 else None,
            tie=bool(agg.tie[i]),
            soft=tuple(float(x) for x in agg.soft[i]),
            n_votes=int(agg.n_votes[i]),
            agreement=float(agg.agreement[i]),
            method=agg.method,
        )
    return out


def majority(votes: Iterable[Vote] | VoteTable, labels: Sequence[str]) -> dict[str, Aggregate]:
    """Plain majority of the non-skip votes; a tie for first place gives no label."""
    vt = as_table(votes, labels)
    return _as_dict(vt, _majority(vt))


def dawid_skene(votes: Iterable[Vote] | VoteTable, labels: Sequence[str]
                ) -> dict[str, Aggregate]:
    """Dawid-Skene EM: per-annotator confusion matrices, posteriors as soft labels.

    Initialised from the majority vote shares; a small smoothing keeps the confusion
    matrices of annotators with few votes away from zeros. The label is the posterior's
    argmax (a tie only when the posterior is exactly tied).
    """
    vt = as_table(votes, labels)
    return _as_dict(vt, _dawid_skene(vt))


def aggregate(votes: Iterable[Vote] | VoteTable, labels: Sequence[str],
              method: str = "majority") -> dict[str, Aggregate]:
    """Aggregate with ``method``: ``majority`` or ``dawid_skene``."""
    if method not in METHODS:
        raise ValueError(f"unknown aggregation method {method!r}: use majority or dawid_skene")
    vt = as_table(votes, labels)
    return _as_dict(vt, aggregate_table(vt, method))


def adjudicate_needed(agg: Aggregate, threshold: float) -> bool:
    """A tie, or agreement below ``threshold``, needs an adjudicator."""
    return agg.tie or agg.agreement < threshold
