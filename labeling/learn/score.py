"""The overlap scorer behind a model's cross-validated figures.

The bench's criterion (``score.py --split-parts``, overlap >= 50 %): every part of a
discontinuous unit counts on its own; a prediction matches a gold unit when their overlap
is at least half of both; matching is one-to-one, best overlap first. A speaker is right
when one's words are a contiguous run of the other's, or their last words agree (a
simpler version of the bench's rule).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_WORD = re.compile(r"\w+")
_DROP = frozenset({"the", "a", "an", "mr", "mrs", "ms", "dr", "s"})


def _parts(q: Mapping[str, Any]) -> list[tuple[int, int, str | None]]:
    sp = q.get("speaker")
    return [(int(a), int(b), sp) for a, b in (q.get("parts") or [(q["start"], q["end"])])]


def _words(s: str | None) -> list[str]:
    return [w for w in _WORD.findall((s or "").lower()) if w not in _DROP]


def same_speaker(pred: str | None, gold: str | None) -> bool:
    """The speaker rule described in the module doc."""
    p, g = _words(pred), _words(gold)
    if not p or not g:
        return False

    def inside(x: list[str], y: list[str]) -> bool:
        return any(y[i:i + len(x)] == x for i in range(len(y) - len(x) + 1))

    return inside(p, g) or inside(g, p) or p[-1] == g[-1]


def score(pairs: Iterable[tuple[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]]
          ) -> dict[str, float]:
    """Precision, recall, F1 and speaker accuracy of (gold units, predicted units) pairs."""
    tp = n_pred = n_gold = sp_ok = sp_n = 0
    for gold, pred in pairs:
        g = [p for q in gold for p in _parts(q)]
        pr = [p for q in pred for p in _parts(q)]
        n_gold += len(g)
        n_pred += len(pr)
        cands = []
        for i, (a, b, _) in enumerate(g):
            for j, (c, d, _) in enumerate(pr):
                ov = min(b, d) - max(a, c)
                if ov > 0 and 2 * ov >= max(b - a, d - c):
                    cands.append((ov / max(b - a, d - c), i, j))
        cands.sort(reverse=True)
        gi: set[int] = set()
        pj: set[int] = set()
        for _, i, j in cands:
            if i in gi or j in pj:
                continue
            gi.add(i)
            pj.add(j)
            tp += 1
            if g[i][2]:
                sp_n += 1
                sp_ok += same_speaker(pr[j][2], g[i][2])
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "speaker_accuracy": round(sp_ok / sp_n, 4) if sp_n else 0.0,
            "gold": n_gold, "predicted": n_pred}
