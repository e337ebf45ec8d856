"""Running ``labeling segment`` and ``labeling push`` with a learned model.

Inside :func:`using_model` the model is a segmenter engine of its own
(:func:`labeling.corpus.engines.register_engine`), named after its weights
(``model:<sha256 prefix>``): pass that name as ``engine`` to
:func:`labeling.corpus.batch.segment_files` or :func:`labeling.workflows.push.push`.
Outside the block nothing changes; worker processes forked inside it inherit the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from labeling.corpus.engines import register_engine, unregister_engine
from labeling.learn.model import LearnedSegmenter, load_model


def engine_name(model: LearnedSegmenter) -> str:
    """The engine name of a model: its weights' hash, so outputs say which model made them."""
    return "model:" + str(model.manifest.get("weights_sha256", ""))[:12]


@contextmanager
def using_model(folder: str | Path | LearnedSegmenter | None) -> Iterator[str | None]:
    """Register the model of ``folder`` (checked and loaded first) as an engine inside the
    block; yields its engine name (None without a model)."""
    if folder is None:
        yield None
        return
    model = folder if isinstance(folder, LearnedSegmenter) else load_model(folder)
    name = engine_name(model)
    register_engine(name, model.segment, model.segment_many)
    try:
        yield name
    finally:
        unregister_engine(name)
