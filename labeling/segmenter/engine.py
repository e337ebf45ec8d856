"""The rule-based engine: four passes over one text, all offsets into it.

1. quotations from their marks, attributed from the words around them
   (:mod:`.quotations`, :mod:`.attribution`);
2. reported speech in the remaining sentences: "X said (that) ...", "..., X said",
   "according to X, ..." and "..., according to X", with a broad cue lexicon
   (:mod:`.reported`, :mod:`.cues`);
3. headlines ("Troops not ruled out - Macron") (:mod:`.headlines`);
4. in reading order: quotes with no attribution that open a paragraph continue the last
   speaker; every mention is resolved to a name (:mod:`.assembly`, :mod:`.coref`).

The passes share one :class:`.document.Doc` (text, layout, units so far, tokens by range);
their words are in :mod:`.lexicon`, the speaker noun phrases in :mod:`.speakers`.
"""

from __future__ import annotations

from labeling.segmenter.assembly import assemble
from labeling.segmenter.document import Doc
from labeling.segmenter.headlines import headlines
from labeling.segmenter.quotations import quotations
from labeling.segmenter.reported import reported
from labeling.segmenter.types import Quote


def run(text: str) -> list[Quote]:
    """The quote units of ``text``, in reading order, non-overlapping."""
    doc = Doc(text)
    quotations(doc)
    reported(doc)
    headlines(doc)
    return assemble(doc)


__all__ = ["run"]
