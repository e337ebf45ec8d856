"""Quote segmentation: text in, quote units out. Pure, deterministic, no I/O.

    >>> from labeling.segmenter import segment
    >>> [(q.type, q.speaker, q.text) for q in segment('“We stay,” Macron said.')]
    [('direct', 'Macron', '“We stay,”')]

The default engine is rule-based (:mod:`.engine`): it needs no model and gives the same
result on every machine. It never raises on a string: text it cannot parse yields fewer
units, never an error.
"""

from __future__ import annotations

from labeling.segmenter.engine import run
from labeling.segmenter.types import Quote

__version__ = "1.0"
__all__ = ["Quote", "segment", "__version__"]


def segment(text: str) -> list[Quote]:
    """Cut ``text`` into quote units, in reading order, non-overlapping."""
    if not isinstance(text, str) or not text.strip():
        return []
    return run(text)
