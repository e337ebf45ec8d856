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


# A fast constructor for the engine, which builds a Quote per unit: a frozen dataclass's
# ``__init__`` sets each of the 16 fields through ``object.__setattr__`` (a name lookup per
# field); the slots' own descriptors set them at half the cost. The same object as
# ``Quote(*values)`` (every field given, in declaration order; no ``__post_init__``). The
# unpacking fails at import if the fields change in number.
(_s0, _s1, _s2, _s3, _s4, _s5, _s6, _s7, _s8, _s9, _s10, _s11, _s12, _s13, _s14,
 _s15) = (vars(Quote)[name].__set__ for name in _FIELDS)
_new = object.__new__


def _quote(start: int, end: int, text: str, type: str, parts: tuple[tuple[int, int], ...] | None,
           speaker: str | None, speaker_start: int | None, speaker_end: int | None,
           speaker_name: str | None, cue: str | None, cue_start: int | None,
           cue_end: int | None, sentence_start: int, sentence_end: int, paragraph_start: int,
           paragraph_end: int) -> Quote:
    """``Quote(start, end, ...)`` with every field given, in declaration order."""
    q: Quote = _new(Quote)
    _s0(q, start)
    _s1(q, end)
    _s2(q, text)
    _s3(q, type)
    _s4(q, parts)
    _s5(q, speaker)
    _s6(q, speaker_start)
    _s7(q, speaker_end)
    _s8(q, speaker_name)
    _s9(q, cue)
    _s10(q, cue_start)
    _s11(q, cue_end)
    _s12(q, sentence_start)
    _s13(q, sentence_end)
    _s14(q, paragraph_start)
    _s15(q, paragraph_end)
    return q
