"""Running ``labeling segment`` and ``labeling push`` with a learned model.

The batch segmenter (:mod:`labeling.corpus.batch`) and the units of a push
(:mod:`labeling.corpus.units`) call :func:`labeling.segmenter.segment`. Inside
:func:`using_model` they call the rules plus the model instead; outside it nothing
changes. Worker processes forked inside the block inherit the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from labeling.learn.model import LearnedSegmenter, load_model

# The name both modules call (imported from labeling.segmenter).
_NAME = "segment"


@contextmanager
def using_model(folder: str | Path | LearnedSegmenter | None
                ) -> Iterator[LearnedSegmenter | None]:
    """Segment with the model of ``folder`` (checked and loaded first) inside the block."""
    if folder is None:
        yield None
        return
    import labeling.corpus.batch as batch
    import labeling.corpus.units as units

    model = folder if isinstance(folder, LearnedSegmenter) else load_model(folder)
    mods = (batch, units)
    saved = [getattr(m, _NAME) for m in mods]
    for m in mods:
        setattr(m, _NAME, model.segment)
    try:
        yield model
    finally:
        for m, fn in zip(mods, saved, strict=True):
            setattr(m, _NAME, fn)
