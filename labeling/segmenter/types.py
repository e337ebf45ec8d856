"""The segmenter's output type."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Quote:
    """One quote unit; every offset is a code-point index into the article text.

    ``start``/``end`` cover the whole unit (for a split quote, from the first part's start
    to the last part's end, with the pieces in ``parts``); ``text == article[start:end]``.
    ``type`` is ``direct`` (all inside quotation marks), ``mixed`` (reported speech with a
    quoted fragment) or ``indirect``. ``speaker`` is the mention as written ("he", "the
    French leader"), ``speaker_name`` the name it refers to. Sentence and paragraph bounds
    give annotators context.
    """

    start: int
    end: int
    text: str
    type: str
    parts: tuple[tuple[int, int], ...] | None = None
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    speaker_name: str | None = None
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    sentence_start: int = 0
    sentence_end: int = 0
    paragraph_start: int = 0
    paragraph_end: int = 0

    def to_dict(self) -> dict[str, Any]:
        # Every field is a scalar or a tuple of int pairs: no deep copy (``asdict``) needed.
        d = {name: getattr(self, name) for name in _FIELDS}
        d["parts"] = [list(p) for p in self.parts] if self.parts else None
        return d


_FIELDS = tuple(f.name for f in fields(Quote))
