"""One article as the passes share it: its text and layout, the units found so far, the
quotations' spans, and its tokens by range (tokenised once, shared between passes)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from labeling.segmenter.structure import Layout
from labeling.segmenter.words import Tok, tokens


@dataclass
class Unit:
    """A unit being found: its parts (one for most units), its type, and the spans of its
    speaker and cue as offsets into the text."""

    parts: list[tuple[int, int]]
    type: str
    speaker: tuple[int, int] | None = None
    cue: tuple[int, int] | None = None
    follow_on: bool = False
    antecedent: tuple[int, int] | None = None  # what a relative "who" refers to
    aside: bool = False  # a view ("X sees Y as Z"): no antecedent for the quotes after it

    @property
    def start(self) -> int:
        return self.parts[0][0]

    @property
    def end(self) -> int:
        return self.parts[-1][1]


def span(toks: list[Tok], rng: tuple[int, int]) -> tuple[int, int]:
    """The character span of the token range ``rng``."""
    i, j = rng
    return toks[i].start, toks[j - 1].end


class Spans:
    """Disjoint covered ranges, merged on insertion; overlap queries in O(log n)."""

    def __init__(self, spans: list[tuple[int, int]] | None = None):
        self.starts: list[int] = []
        self.ends: list[int] = []
        # In order, a range can only touch the last one kept: merged in one sweep (as ``add``
        # would merge them).
        starts, ends = self.starts, self.ends
        for s, e in sorted(spans or []):
            if e <= s:
                continue
            if ends and ends[-1] >= s:
                ends[-1] = max(ends[-1], e)
            else:
                starts.append(s)
                ends.append(e)

    def overlaps(self, s: int, e: int) -> bool:
        k = bisect_left(self.starts, e) - 1  # the last range starting before e
        return k >= 0 and self.ends[k] > s

    def covers(self, s: int, e: int) -> bool:
        """Whether one range holds all of [s, e)."""
        k = bisect_right(self.starts, s) - 1  # the last range starting at or before s
        return k >= 0 and self.ends[k] >= e

    def add(self, s: int, e: int) -> None:
        if e <= s:
            return
        lo = bisect_left(self.ends, s)  # first range ending at or after s
        hi = bisect_left(self.starts, e + 1)  # ranges starting at or before e
        if lo < hi:  # merge the ranges it touches
            s, e = min(s, self.starts[lo]), max(e, self.ends[hi - 1])
        self.starts[lo:hi] = [s]
        self.ends[lo:hi] = [e]


def _tok_start(tok: Tok) -> int:
    return tok.start


class Doc:
    """An article and what the passes have found in it so far."""

    def __init__(self, text: str):
        self.text = text
        self.layout = Layout(text)
        self.units: list[Unit] = []
        self.quoted = Spans()
        # Tokens by range (lists and tokens are never changed): the passes read the same words
        # again, as whole ranges (the words before a sentence's first quotation are the start
        # of its frame) or as ranges sharing a start (a quotation's head, then its sentence)
        # or an end (a quotation's tail, then the next sentence to its end).
        self._token_cache: dict[tuple[int, int], list[Tok]] = {}
        self._by_start: dict[int, tuple[int, list[Tok]]] = {}  # start -> (end, tokens)
        self._by_end: dict[int, tuple[int, list[Tok]]] = {}  # end -> (start, tokens)

    def _between_tokens(self, pos: int) -> bool:
        """Whether no token can hold both ``text[pos - 1]`` and ``text[pos]`` (a token holds no
        white space): then the tokens of a range are those of its parts split at ``pos``."""
        text = self.text
        return text[pos - 1].isspace() or text[pos].isspace()

    def tokens(self, start: int, end: int) -> list[Tok]:
        key = (start, end)
        toks = self._token_cache.get(key)
        if toks is not None:
            return toks
        # A range tokenised before from the same start to ``mid`` gives the tokens up to
        # ``mid``; one from before ``start`` to the same end gives those from ``start`` on
        # (the same tokens: a token's match depends only on the text from its first
        # character to the range's end, and no token crosses a white space).
        head = self._by_start.get(start)
        tail = self._by_end.get(end)
        if head is not None and head[0] < end and self._between_tokens(head[0]):
            toks = head[1] + tokens(self.text, head[0], end)
        elif tail is not None and tail[0] < start and self._between_tokens(start):
            toks = tail[1][bisect_left(tail[1], start, key=_tok_start):]
        else:
            toks = tokens(self.text, start, end)
        self._token_cache[key] = toks
        if head is None or head[0] < end:
            self._by_start[start] = (end, toks)
        if tail is None or tail[0] > start:
            self._by_end[end] = (start, toks)
        return toks
