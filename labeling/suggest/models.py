"""Choosing the model a schema asks for, and measuring one on the labels so far.

:func:`build_model` reads the schema's ``suggestions.model``: ``builtin`` (the
scikit-learn model, :mod:`labeling.suggest.builtin`), ``llm`` (``labeling.suggest.llm``)
or ``python`` (a user's class, ``labeling.suggest.custom``). The last two are imported
only when asked for. :func:`cross_validate` gives SemEval-2016's F_avg (mean F1 of
FAVOR and AGAINST, pooled over targets) and macro F1 over the labels, out of fold.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from labeling.errors import ConfigError
from labeling.schema import StanceSchema
from labeling.state import state_home
from labeling.suggest.base import Item, StanceModel

# The two labels SemEval-2016's F_avg averages; a schema without them scores macro F1 only.
FAVG_LABELS = ("FAVOR", "AGAINST")


def build_model(schema: StanceSchema, cache_dir: Path | None = None) -> StanceModel:
    """The stance model the schema's ``suggestions`` section names (untrained).

    ``cache_dir`` keeps the encoder's embeddings (``suggestions.encoder``; default: the
    state folder's ``suggest/``)."""
    cfg = schema.suggestions
    if cfg.model == "builtin":
        from labeling.suggest.builtin import BuiltinModel

        encoder = None
        if cfg.encoder != "none":
            from labeling.suggest.encoder import load_encoder

            encoder = load_encoder(cfg.encoder, cache_dir or state_home() / "suggest")
        return BuiltinModel(schema.label_names, seed=cfg.seed, encoder=encoder)
    if cfg.model == "llm":
        from labeling.suggest.llm import LLMModel  # type: ignore[import-not-found,unused-ignore]

        model: StanceModel = LLMModel(cfg.llm, schema)
        return model
    if cfg.model == "python":
        if not cfg.python_model:
            raise ConfigError("suggestions.python_model: name the class, package.module:Class")
        from labeling.suggest.custom import (  # type: ignore[import-not-found,unused-ignore]
            load_python_model,
        )

        loaded: StanceModel = load_python_model(cfg.python_model)
        return loaded
    raise ConfigError(f"suggestions.model: unknown model {cfg.model!r}")  # pragma: no cover


def f1_scores(gold: Sequence[str], pred: Sequence[str | None],
              labels: Sequence[str]) -> dict[str, float]:
    """F1 per label (a missing prediction counts as wrong for every label)."""
    out = {}
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p != lab)
        out[lab] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return out


@dataclass(frozen=True)
class Quality:
    """Scores in percent: F_avg (None if the labels lack FAVOR/AGAINST), macro F1."""

    f_avg: float | None
    macro_f1: float
    n_labels: int
    folds: int
    no_suggestion: int = 0  # items the model gave no distribution for (counted as wrong)

    def line(self) -> str:
        fa = "n/a" if self.f_avg is None else f"{self.f_avg:.1f}"
        how = f"{self.folds}-fold cross-validated" if self.folds > 1 else "held out"
        extra = f", {self.no_suggestion} without a suggestion" if self.no_suggestion else ""
        return (f"model quality ({how} on {self.n_labels} labels): F_avg {fa}, "
                f"macro F1 {self.macro_f1:.1f}{extra}")


def score(gold: Sequence[str], pred: Sequence[str | None], labels: Sequence[str],
          *, folds: int = 1) -> Quality:
    """F_avg and macro F1 of predictions against gold labels."""
    f1 = f1_scores(gold, pred, labels)
    favg = (sum(f1[lab] for lab in FAVG_LABELS) / 2 * 100
            if all(lab in labels for lab in FAVG_LABELS) else None)
    macro = sum(f1.values()) / len(labels) * 100 if labels else 0.0
    return Quality(favg, macro, len(gold), folds, sum(p is None for p in pred))


def top_label(dist: Mapping[str, float]) -> str | None:
    """The most probable label (ties: the first in the mapping's order), None if empty."""
    if not dist:
        return None
    return max(dist.items(), key=lambda kv: kv[1])[0]


def fold_of(items: Sequence[Item], labels: Sequence[str], folds: int, seed: int) -> list[int]:
    """A fold per item, stratified by target x label (round robin over a shuffled group)."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (item, lab) in enumerate(zip(items, labels, strict=True)):
        groups[(item.target, lab)].append(i)
    rng = random.Random(seed)
    fold = [0] * len(items)
    start = 0
    for key in sorted(groups):
        idx = groups[key]
        rng.shuffle(idx)
        for k, i in enumerate(idx):
            fold[i] = (start + k) % folds
        start += len(idx)  # the next group starts where this one ended: folds stay even
    return fold


def cross_validate(factory: Callable[[], StanceModel], items: Sequence[Item],
                   labels: Sequence[str], schema_labels: Sequence[str], *, folds: int = 5,
                   seed: int = 0) -> Quality:
    """Out-of-fold F_avg and macro F1 of models made by ``factory`` (``folds`` >= 2;
    fewer folds when there are fewer labels)."""
    n = len(items)
    folds = max(2, min(folds, n))
    assignment = fold_of(items, labels, folds, seed)
    pred: list[str | None] = [None] * n
    for f in range(folds):
        train = [i for i in range(n) if assignment[i] != f]
        test = [i for i in range(n) if assignment[i] == f]
        if not test or not train:
            continue
        model = factory()
        model.fit([items[i] for i in train], [labels[i] for i in train])
        for i, dist in zip(test, model.predict_proba([items[i] for i in test]), strict=True):
            pred[i] = top_label(dist)
    return score(labels, pred, schema_labels, folds=folds)
