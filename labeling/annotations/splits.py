"""Leakage-free splits: whole articles (and near-duplicate clusters) to one split each,
stratified by target x stance, held-out targets and outlets sent to ``test``."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from labeling.annotations.neardup import groups
from labeling.schema import StanceSchema

__all__ = ["SPLITS", "assign_splits", "split_indices"]

SPLITS = ("train", "validation", "test")


def assign_splits(
    group_sizes: Mapping[str, int], fractions: Mapping[str, float], seed: int,
    group_labels: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, str]:
    """Whole groups to splits, reproducibly, stratified by label where possible.

    Largest groups first (ties in a seeded order); each goes to the split that most
    needs it: furthest below its target share of rows, and (with ``group_labels``)
    of the labels the group carries. Then, where a split with a positive share got
    nothing and there are enough groups, it takes the smallest group of the split
    holding the most groups.
    """
    def rank(g: str) -> str:
        return hashlib.sha256(f"{seed}|{g}".encode()).hexdigest()

    order = sorted(group_sizes, key=lambda g: (-group_sizes[g], rank(g)))
    total = sum(group_sizes.values()) or 1
    names = [s for s in SPLITS if fractions.get(s, 0) > 0]
    have = dict.fromkeys(names, 0)
    label_total: Counter[str] = Counter()
    for counts in (group_labels or {}).values():
        label_total.update(counts)
    have_label: dict[str, Counter[str]] = {s: Counter() for s in names}
    members: dict[str, list[str]] = {s: [] for s in names}

    def need(s: str, g: str) -> tuple[float, int]:
        score = (fractions[s] * total - have[s]) / total
        for lab, n in (group_labels or {}).get(g, {}).items():
            score += n * (fractions[s] * label_total[lab] - have_label[s][lab]) / (
                label_total[lab] * group_sizes[g])
        return score, -names.index(s)

    for g in order:
        name = max(names, key=lambda s: need(s, g))
        members[name].append(g)
        have[name] += group_sizes[g]
        have_label[name].update((group_labels or {}).get(g, {}))
    if len(order) >= len(names):
        for name in names:
            if not members[name]:
                donor = max(names, key=lambda s: (len(members[s]), -names.index(s)))
                g = min(members[donor], key=lambda x: (group_sizes[x], rank(x)))
                members[donor].remove(g)
                members[name].append(g)
    return {g: name for name, gs in members.items() for g in gs}


def split_indices(columns: Mapping[str, Sequence[Any]], schema: StanceSchema
                  ) -> dict[str, list[int]]:
    """Row indices of each split, with no leakage.

    ``columns`` holds the rows' ``target``, ``source``, ``article_id``,
    ``near_dup_cluster`` and ``stance``. Held-out targets or outlets
    (``split.held_out_targets`` / ``held_out_outlets``) go to ``test`` whole; the rest is
    grouped so that an article, and every article sharing a near-duplicate quote with it,
    lands in one split, stratified by stance. Rows keep their order within a split.
    """
    sp = schema.split
    fr = {"train": sp.train, "validation": sp.validation, "test": sp.test}
    target, source = columns["target"], columns["source"]
    article, cluster, stance = (columns["article_id"], columns["near_dup_cluster"],
                                columns["stance"])
    held_t, held_o = set(sp.held_out_targets), set(sp.held_out_outlets)
    is_held = [t in held_t or o in held_o for t, o in zip(target, source, strict=True)]
    if any(is_held):
        norm = sp.train + sp.validation
        # The rest shares train and validation's fractions; with neither (test only), it
        # goes to test like the held-out rows.
        fr = ({"train": sp.train / norm, "validation": sp.validation / norm, "test": 0.0}
              if norm else {"train": 0.0, "validation": 0.0, "test": 1.0})
    rest = [i for i, h in enumerate(is_held) if not h]
    links = {(article[i], cluster[i]) for i in rest}  # one link per pair, not per row
    group_of = groups((f"a:{a}", f"c:{c}") for a, c in sorted(links))
    sizes: dict[str, int] = defaultdict(int)
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for i in rest:
        g = group_of[f"a:{article[i]}"]
        sizes[g] += 1
        labels[g][f"{target[i]}={stance[i]}"] += 1
    where = assign_splits(sizes, fr, sp.seed, labels if sp.stratify else None)
    out: dict[str, list[int]] = {s: [] for s in SPLITS}
    for i in rest:
        out[where[group_of[f"a:{article[i]}"]]].append(i)
    out["test"].extend(i for i, h in enumerate(is_held) if h)
    return out


