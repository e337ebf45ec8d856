"""The segmenter engines by name (``--engine default|parse``), checked before any work."""

from __future__ import annotations

from collections.abc import Callable

from labeling.errors import InputError
from labeling.segmenter import Quote, segment

ENGINES = ("default", "parse")

Segmenter = Callable[[str], list[Quote]]


def segmenter(engine: str = "default") -> Segmenter:
    """The function that cuts a text into quote units for ``engine``.

    ``parse`` (the rule engine plus a spaCy dependency parse) loads its model here, so a
    missing spaCy or model fails before any file is written or any server is touched.
    """
    if engine == "default":
        return segment
    if engine == "parse":
        from labeling.segmenter.parsed import load_model, segment_parsed

        load_model()
        return segment_parsed
    raise InputError(f"unknown segmenter engine {engine!r}: use one of {', '.join(ENGINES)}")
