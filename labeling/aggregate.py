"""Vote aggregation: majority with ties marked, or Dawid-Skene with soft labels.

Skips never vote. :class:`Aggregate` carries the label (None on a tie or without votes),
the soft label (vote shares, or Dawid-Skene posteriors, in label order), the number of
votes, the item's agreement (share agreeing with the most common label) and the method.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .agreement import Vote, item_agreement


@dataclass(frozen=True)
class Aggregate:
    label: str | None
    tie: bool
    soft: tuple[float, ...]
    n_votes: int
    agreement: float
    method: str


def _votes_by_item(votes: Iterable[Vote], labels: Sequence[str]) -> dict[str, list[Vote]]:
    known = set(labels)
    out: dict[str, list[Vote]] = defaultdict(list)
    for v in votes:
        if v.label is not None and v.label in known:
            out[v.item].append(v)
    return out


def majority(votes: Iterable[Vote], labels: Sequence[str]) -> dict[str, Aggregate]:
    """Plain majority of the non-skip votes; a tie for first place gives no label."""
    out: dict[str, Aggregate] = {}
    for item, vs in _votes_by_item(votes, labels).items():
        counts = Counter(v.label for v in vs)
        top = counts.most_common()
        tie = len(top) > 1 and top[0][1] == top[1][1]
        n = len(vs)
        out[item] = Aggregate(
            label=None if tie else top[0][0],
            tie=tie,
            soft=tuple(counts.get(lab, 0) / n for lab in labels),
            n_votes=n,
            agreement=item_agreement([v.label for v in vs]) or 0.0,
            method="majority",
        )
    return out


def dawid_skene(
    votes: Iterable[Vote], labels: Sequence[str], max_iter: int = 100, tol: float = 1e-6,
) -> dict[str, Aggregate]:
    """Dawid-Skene EM: per-annotator confusion matrices, posteriors as soft labels.

    Initialised from the majority vote shares; a small smoothing keeps the confusion
    matrices of annotators with few votes away from zeros. The label is the posterior's
    argmax (a tie only when the posterior is exactly tied).
    """
    by_item = _votes_by_item(votes, labels)
    items = sorted(by_item)
    if not items:
        return {}
    anns = sorted({v.annotator for vs in by_item.values() for v in vs})
    a_idx = {a: i for i, a in enumerate(anns)}
    l_idx = {lab: i for i, lab in enumerate(labels)}
    k = len(labels)
    obs = [[(a_idx[v.annotator], l_idx[str(v.label)]) for v in by_item[it]] for it in items]
    post = np.zeros((len(items), k))
    for i, o in enumerate(obs):
        for _, lab in o:
            post[i, lab] += 1
    post /= post.sum(axis=1, keepdims=True)
    smooth = 0.01
    for _ in range(max_iter):
        prior = post.mean(axis=0) + 1e-9
        prior /= prior.sum()
        conf = np.full((len(anns), k, k), smooth)
        for i, o in enumerate(obs):
            for a, lab in o:
                conf[a, :, lab] += post[i]
        conf /= conf.sum(axis=2, keepdims=True)
        log_post = np.tile(np.log(prior), (len(items), 1))
        for i, o in enumerate(obs):
            for a, lab in o:
                log_post[i] += np.log(conf[a, :, lab])
        new = np.exp(log_post - log_post.max(axis=1, keepdims=True))
        new /= new.sum(axis=1, keepdims=True)
        delta = float(np.abs(new - post).max())
        post = new
        if delta < tol:
            break
    out: dict[str, Aggregate] = {}
    for i, it in enumerate(items):
        best = float(post[i].max())
        winners = [j for j in range(k) if abs(post[i, j] - best) < 1e-12]
        tie = len(winners) > 1
        out[it] = Aggregate(
            label=None if tie else labels[winners[0]],
            tie=tie,
            soft=tuple(float(x) for x in post[i]),
            n_votes=len(obs[i]),
            agreement=item_agreement([v.label for v in by_item[it]]) or 0.0,
            method="dawid_skene",
        )
    return out


def aggregate(votes: Iterable[Vote], labels: Sequence[str], method: str = "majority"
              ) -> dict[str, Aggregate]:
    """Aggregate with ``method``: ``majority`` or ``dawid_skene``."""
    if method == "majority":
        return majority(votes, labels)
    if method == "dawid_skene":
        return dawid_skene(votes, labels)
    raise ValueError(f"unknown aggregation method {method!r}: use majority or dawid_skene")


def adjudicate_needed(agg: Aggregate, threshold: float) -> bool:
    """A tie, or agreement below ``threshold``, needs an adjudicator."""
    return agg.tie or agg.agreement < threshold
