"""Paragraphs and sentences, as offsets: no text is copied or changed."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from labeling.segmenter.lexicon import ABBREVIATIONS

_PARA = re.compile(r"[^\n]+")
# A sentence may end after . ! ? (and closing quotes/brackets), before white space and an
# upper-case letter, a digit or an opening quote.
# ("[.!?][.!?]*" rather than "[.!?]+": opening with a single character lets the regex engine
# jump to the next candidate instead of trying the pattern at every position.)
_END = re.compile(r"[.!?][.!?]*[\"'”’»)\]]*(?=\s+(?:''|[\"“‘«(\[])?[A-Z0-9])")
# The word before a full stop, to tell abbreviations and initials; a letter after a digit
# ("the 1970s.", "his 50s.") is no initial.
_WORD_BEFORE = re.compile(r"(?<![0-9])([A-Za-z][A-Za-z.]*)$")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Non-blank lines: news text puts one paragraph on a line."""
    out = []
    for m in _PARA.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence bounds inside ``text[start:end]``."""
    out = []
    s = start
    for m in _END.finditer(text, start, end):
        stop = m.end()
        if text[m.start()] == ".":
            w = _WORD_BEFORE.search(text, max(start, m.start() - 12), m.start())
            if w:
                word = w.group(1).lower()
                if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                    continue
                if "." in word and len(word.replace(".", "")) <= 3:  # U.S., G.K.
                    continue
        out.append((s, stop))
        s = stop
        while s < end and text[s].isspace():
            s += 1
    if s < end:
        out.append((s, end))
    return out


class Layout:
    """Paragraph and sentence lookup for one text."""

    def __init__(self, text: str):
        self.text = text
        self.paras = paragraphs(text)
        self.sents: list[tuple[int, int]] = []
        for s, e in self.paras:
            self.sents.extend(sentences(text, s, e))
        self._pstarts = [p[0] for p in self.paras]
        self._sstarts = [p[0] for p in self.sents]

    def para_of(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self._pstarts, pos) - 1
        if i < 0:
            return (0, len(self.text))
        return self.paras[i]

    def para_index(self, pos: int) -> int:
        return max(0, bisect_right(self._pstarts, pos) - 1)

    def sents_in(self, start: int, end: int) -> list[tuple[int, int]]:
        """The sentences that begin in [start, end)."""
        return self.sents[bisect_left(self._sstarts, start):bisect_left(self._sstarts, end)]

    def sent_of(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self._sstarts, pos) - 1
        if i < 0:
            return self.sents[0] if self.sents else (0, len(self.text))
        return self.sents[i]

    def bounds(self, start: int, end: int) -> tuple[int, int, int, int, int]:
        """For a unit ``text[start:end]``: the index of the paragraph holding ``start``, and
        the sentence and paragraph bounds around the unit, widened to hold it (what
        ``para_index``, ``sent_of`` and ``para_of`` give at its first and last character, in
        one call)."""
        last = max(start, end - 1)
        sstarts, pstarts = self._sstarts, self._pstarts
        i = bisect_right(sstarts, start) - 1
        j = bisect_right(sstarts, last) - 1
        if i < 0 or j < 0:
            s_lo, s_hi = self.sent_of(start)[0], self.sent_of(last)[1]
        else:
            s_lo, s_hi = self.sents[i][0], self.sents[j][1]
        i = bisect_right(pstarts, start) - 1
        j = bisect_right(pstarts, last) - 1
        if i < 0 or j < 0:
            p_lo, p_hi = self.para_of(start)[0], self.para_of(last)[1]
        else:
            p_lo, p_hi = self.paras[i][0], self.paras[j][1]
        return (max(0, i), min(s_lo, start), max(s_hi, end), min(p_lo, start), max(p_hi, end))
