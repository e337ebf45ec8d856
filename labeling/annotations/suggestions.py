"""How the model's suggestions relate to the human labels: the model as an extra coder,
and the anchoring effect of showing a suggestion.

Inputs are per row (item = quote x target): its target, its final label index (-1 when
none) and its votes, each with ``stance`` and ``suggested`` label indices (-1 when
none), ``skipped`` and ``suggestion_shown``, in the order they were made.

- The model as a coder: per item, the suggestion in force when its *first* vote was
  made (the model had not seen a label of that item then), compared with the item's
  final label; the share that agree, per target and overall.
- Anchoring: over votes that had a suggestion, agreement with it when it was shown
  minus when it was hidden (``show: ab`` randomises which), with a 95 % bootstrap
  interval resampling items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def _idx(v: Mapping[str, Any], key: str) -> int:
    x = v.get(key)
    return -1 if x is None else int(x)


def _share(hits: Sequence[bool]) -> float | None:
    return float(np.mean(hits)) if hits else None


def model_as_coder(targets: Sequence[str], stance: Sequence[int],
                   votes: Sequence[Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """Agreement of the first suggestion of each item with its final label."""
    per: dict[str, list[bool]] = {}
    for t, s, vs in zip(targets, stance, votes, strict=True):
        if s < 0 or not vs or _idx(vs[0], "suggested") < 0:
            continue  # no final label, or the first vote had no suggestion
        per.setdefault(t, []).append(_idx(vs[0], "suggested") == s)
    every = [h for hits in per.values() for h in hits]
    return {"items": len(every), "agreement": _share(every),
            "per_target": {t: {"items": len(h), "agreement": _share(h)}
                           for t, h in sorted(per.items())}}


def anchoring(votes: Sequence[Sequence[Mapping[str, Any]]], *, n_boot: int = 1000,
              seed: int = 0) -> dict[str, Any]:
    """Agreement of votes with the suggestion, shown vs hidden, and the difference."""
    rows: list[tuple[list[int], list[int]]] = []  # per item: (shown agree flags, hidden ones)
    for vs in votes:
        shown: list[int] = []
        hidden: list[int] = []
        for v in vs:
            sug, got = _idx(v, "suggested"), _idx(v, "stance")
            if v.get("skipped") or sug < 0 or got < 0:
                continue
            (shown if v.get("suggestion_shown") else hidden).append(int(got == sug))
        if shown or hidden:
            rows.append((shown, hidden))
    n_shown = sum(len(s) for s, _ in rows)
    n_hidden = sum(len(h) for _, h in rows)
    out: dict[str, Any] = {"votes_shown": n_shown, "votes_hidden": n_hidden,
                           "agreement_shown": None, "agreement_hidden": None, "effect": None,
                           "ci95": None}
    s_hits = np.array([sum(s) for s, _ in rows], float)
    s_n = np.array([len(s) for s, _ in rows], float)
    h_hits = np.array([sum(h) for _, h in rows], float)
    h_n = np.array([len(h) for _, h in rows], float)
    # Each arm's agreement as soon as it has votes; the effect needs both.
    if n_shown:
        out["agreement_shown"] = float(s_hits.sum() / n_shown)
    if n_hidden:
        out["agreement_hidden"] = float(h_hits.sum() / n_hidden)
    if not n_shown or not n_hidden:
        return out
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(rows), size=(n_boot, len(rows)))
    with np.errstate(invalid="ignore", divide="ignore"):
        diffs = s_hits[idx].sum(1) / s_n[idx].sum(1) - h_hits[idx].sum(1) / h_n[idx].sum(1)
    diffs = diffs[np.isfinite(diffs)]
    lo, hi = (np.percentile(diffs, [2.5, 97.5]) if len(diffs) else (np.nan, np.nan))
    out.update(effect=out["agreement_shown"] - out["agreement_hidden"],
               ci95=[float(lo), float(hi)] if np.isfinite(lo) else None)
    return out
