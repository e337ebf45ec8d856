"""Training the learned layer: a CRFsuite tagger over the rule engine's output.

python-crfsuite (the CRFsuite C library's binding) trains a linear-chain CRF with
L-BFGS in minutes on one core and keeps its weights in CRFsuite's own binary model
format, which loading parses as data (no code runs, unlike a pickle).
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
from collections.abc import Callable, Sequence
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from labeling.errors import LabelingError
from labeling.learn.gold import GoldDoc
from labeling.learn.score import score
from labeling.segmenter import segment
from labeling.segmenter.learned import (
    ADD_ABOVE,
    CompiledModel,
    CrfsuiteTagger,
    apply,
    gold_tags,
    paragraphs,
)

# Rule unit types the model never drops: the rules' direct quotes are right 19 times in 20,
# and a model trained on few corrections may not have seen one.
KEEP_RULE_TYPES = ("direct",)
DEFAULT_PARAMS: dict[str, Any] = {"c1": 0.05, "c2": 0.01, "max_iterations": 120,
                                  "feature.possible_transitions": True}


def _crfsuite() -> Any:
    try:
        import pycrfsuite
    except ImportError:
        raise LabelingError("training and using a learned segmenter needs python-crfsuite: "
                            "pip install 'stance-labeling[learn]'") from None
    return pycrfsuite


def data_hash(docs: Sequence[GoldDoc]) -> str:
    """A SHA-256 over the training documents (texts and gold units, in order)."""
    h = hashlib.sha256()
    for d in docs:
        h.update(json.dumps([d.doc_id, d.text, list(d.quotes)], sort_keys=True,
                            ensure_ascii=False, default=list).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def train_bytes(docs: Sequence[GoldDoc], params: dict[str, Any] | None = None,
                log: Callable[[str], None] | None = None) -> bytes:
    """Train on ``docs``; the model in CRFsuite's file format."""
    crf = _crfsuite()
    trainer = crf.Trainer(verbose=False)
    n = 0
    for d in docs:
        for par in paragraphs(d.text, segment(d.text)):
            trainer.append(par.features, gold_tags(par, d.quotes))
            n += 1
    if not n:
        raise LabelingError("the gold documents hold no text to train on")
    trainer.select("lbfgs", "crf1d")
    trainer.set_params({**DEFAULT_PARAMS, **(params or {})})
    if log:
        log(f"training on {len(docs)} documents ({n} paragraphs)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.crfsuite"
        trainer.train(str(path))
        return path.read_bytes()


class _Tagger:
    """A CRFsuite tagger over a model held in memory.

    CRFsuite reads the model in place: the bytes must live as long as the tagger (the
    binding keeps no reference of its own; a freed buffer crashes the process).
    """

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self._tagger = _crfsuite().Tagger()
        self._tagger.open_inmemory(self._data)
        self.tag = self._tagger.tag
        self.labels = self._tagger.labels
        self.marginal = self._tagger.marginal


def crfsuite_tagger(data: bytes) -> CrfsuiteTagger:
    """CRFsuite's own tagger over a model held in memory (see :class:`_Tagger`): what
    :func:`tagger_from_bytes` must agree with."""
    return CrfsuiteTagger(_Tagger(data))


def tagger_from_bytes(data: bytes) -> CompiledModel:
    """The tagger of a CRFsuite model held in memory: its weights, parsed as data, tagging
    with numpy (:class:`labeling.segmenter.learned.CompiledModel`)."""
    from labeling.learn.crfmodel import parse_model

    model = parse_model(data)
    model.long_tagger = crfsuite_tagger(data)  # for very long paragraphs (see CompiledModel)
    return model


def predict(docs: Sequence[GoldDoc], tagger: Any, add_above: float = ADD_ABOVE
            ) -> list[list[dict[str, Any]]]:
    """Rules plus model on each document, as unit dicts."""
    keep = frozenset(KEEP_RULE_TYPES)
    return [[q.to_dict() for q in apply(d.text, segment(d.text), tagger, keep, add_above)]
            for d in docs]


def _fold(args: tuple[list[GoldDoc], list[GoldDoc], dict[str, Any] | None, float]
          ) -> tuple[list[Any], list[Any]]:
    """Train on one fold's training part, predict its test part: (model, rules) pairs."""
    train, test, params, add_above = args
    tagger = tagger_from_bytes(train_bytes(train, params))
    model = [(d.quotes, pred)
             for d, pred in zip(test, predict(test, tagger, add_above), strict=True)]
    rules = [(d.quotes, [q.to_dict() for q in segment(d.text)]) for d in test]
    return model, rules


def cross_validate(docs: Sequence[GoldDoc], folds: int, params: dict[str, Any] | None = None,
                   seed: int = 0, log: Callable[[str], None] | None = None,
                   jobs: int = 2, add_above: float = ADD_ABOVE) -> dict[str, Any]:
    """``folds``-fold cross-validated figures of rules+model, and of the rules alone.

    The folds train in ``jobs`` processes at once (CRFsuite trains on one core).
    """
    idx = list(range(len(docs)))
    random.Random(seed).shuffle(idx)
    work = []
    for k in range(folds):
        test = [docs[i] for i in idx[k::folds]]
        train = [docs[i] for j, i in enumerate(idx) if j % folds != k]
        if test and train:
            work.append((train, test, params, add_above))
    if log:
        log(f"cross-validation: {len(work)} folds, {jobs} at a time")
    if jobs > 1 and len(work) > 1:
        with get_context("fork").Pool(min(jobs, len(work))) as pool:
            results = pool.map(_fold, work)
    else:
        results = [_fold(w) for w in work]
    model_pairs = [p for m, _ in results for p in m]
    rule_pairs = [p for _, r in results for p in r]
    return {"folds": folds, "model": score(model_pairs), "rules": score(rule_pairs)}
