"""Quoted spans from quotation marks: typographic, straight, single, guillemets, low-high.

Handles quotes inside quotes (inner marks are skipped), multi-paragraph quotes (an
opening mark starts each paragraph, the closing one comes only at the end) and stray or
unbalanced marks (an opening mark with no closing one is dropped, unless the rest of its
paragraph is short, as in a quote the writer forgot to close).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from labeling.segmenter.structure import Layout

# Every quotation mark, opening or closing.
MARKS = "\"“”„«»‘’‹›‚"
MARKS_AND_APOSTROPHE = MARKS + "'"
CLOSERS = {"“": "”\"", "\"": "\"”", "«": "»", "„": "“”", "‘": "’", "‹": "›", "‚": "‘’",
           "»": "«", "”": "”"}
# An opening mark, or two apostrophes: "''|[“\"«„‘‹‚»”]", written to open with one character
# class (then the regex engine jumps from mark to mark instead of trying each position).
_OPEN = re.compile(r"[“\"«„‘‹‚»”'](?:(?<=')'|(?<!'))")
_LETTER = re.compile(r"\w", re.UNICODE)
UNCLOSED_MAX = 300


@dataclass
class Marked:
    """A quotation: its parts (one per paragraph it spans), marks included."""

    parts: list[tuple[int, int]]
    mark: str
    closed: bool


def _is_opener(text: str, i: int, width: int = 1) -> bool:
    c = text[i]
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + width] if i + width < len(text) else " "
    if width == 2:  # ''
        return not nxt.isspace() and (prev.isspace() or prev in "([{—–-:/" or i == 0)
    if nxt.isspace() and c not in "«»":
        return False
    if c in "‘\"”»":
        # Must start a word: after a space, a bracket, a dash, a colon or another mark.
        return prev.isspace() or prev in "([{—–-:/“\"«„" or i == 0
    return True


# Per opening mark, the characters _find_close must look at: its closers, itself, and ‘.
_STOPS = {m: re.compile("[" + re.escape("".join(sorted(set(c) | {m, "‘"} | (
    {"“"} if m == "\"" else set())))) + "]") for m, c in CLOSERS.items()}


def _find_double_apostrophe(text: str, start: int, end: int) -> int:
    """Index of the closing ``''`` (two apostrophes, a newspaper style) or -1."""
    i = text.find("''", start, end)
    while i >= 0:
        nxt = text[i + 2] if i + 2 < len(text) else " "
        if not _LETTER.match(nxt):
            return i + 1  # the index of the last character of the closing mark
        i = text.find("''", i + 2, end)
    return -1


# Writers mix the straight and the typographic style (“...," and "...,”): either closes the
# other, and the other style opening a word inside a quote is a quote inside it.
_MIXED = frozenset({("“", "\""), ("\"", "“")})


def _find_close(text: str, start: int, end: int, mark: str) -> int:
    """Index of the closing mark for ``mark`` in text[start:end], or -1
    (for the two-character ``''``, the index of its last character)."""
    if mark == "''":
        return _find_double_apostrophe(text, start, end)
    closers = CLOSERS[mark]
    stops = _STOPS[mark]
    i = start
    while i < end:
        found = stops.search(text, i, end)  # jump to the next mark that can matter
        if found is None:
            return -1
        i = found.start()
        c = text[i]
        if (mark, c) in _MIXED and (i == 0 or text[i - 1].isspace() or text[i - 1] in "([{—–-"):
            # A quote inside the quote in the other style ("... “fake news” ...", “... "fake
            # news" ...”): skip to its own end, whose mark may be ours.
            j = _find_close(text, i + 1, end, c)
            i = j + 1 if j > 0 else i + 1
            continue
        if c in closers and c != mark or (c == mark and mark in closers):
            if mark in "‘‚" or c == "’":
                nxt = text[i + 1] if i + 1 < len(text) else " "
                if _LETTER.match(nxt):  # an apostrophe (don’t), not a closing mark
                    i += 1
                    continue
            if mark in "\"”" or c == "\"":
                nxt = text[i + 1] if i + 1 < len(text) else " "
                if _LETTER.match(nxt) and i + 1 < end:
                    i += 1
                    continue
            return i
        if mark not in "‘‚" and c in "‘" and not (i > 0 and _LETTER.match(text[i - 1])):
            # A nested single quote: skip to its own end so its ’ is not taken for ours.
            j = _find_close(text, i + 1, end, "‘")
            i = j + 1 if j > 0 else i + 1
            continue
        i += 1
    return -1


def find_quotes(text: str, layout: Layout) -> list[Marked]:
    """Every quotation in reading order; no two overlap."""
    out: list[Marked] = []
    stray: set[tuple[int, str]] = set()
    paras = layout.paras
    pi = 0
    pos = 0
    while pi < len(paras):
        p_start, p_end = paras[pi]
        if pos < p_start:
            pos = p_start
        m = _OPEN.search(text, pos, p_end)
        if not m:
            pi += 1
            continue
        i = m.start()
        mark = m.group()
        if mark == "”" and not (i == p_start or text[i - 1] in " (—–-:"):
            pos = i + 1  # a stray closing mark
            continue
        if not _is_opener(text, i, len(mark)) or (pi, mark) in stray:
            pos = i + 1
            continue
        close = _find_close(text, i + len(mark), p_end, mark)
        if close >= 0:
            out.append(Marked([(i, close + 1)], mark, True))
            pos = close + 1
            continue
        # Unclosed in this paragraph: a multi-paragraph quote continues when the next
        # paragraph opens with the same mark.
        parts = [(i, p_end)]
        pj = pi
        closed = False
        while pj + 1 < len(paras):
            n_start, n_end = paras[pj + 1]
            if not text.startswith(mark, n_start):
                break
            pj += 1
            close = _find_close(text, n_start + len(mark), n_end, mark)
            if close >= 0:
                parts.append((n_start, close + 1))
                closed = True
                break
            parts.append((n_start, n_end))
        if closed:
            out.append(Marked(parts, mark, True))
            pi = pj
            pos = parts[-1][1]
            continue
        if len(parts) == 1 and p_end - i <= UNCLOSED_MAX and p_end - i > 12:
            out.append(Marked(parts, mark, False))
            pos = p_end
            continue
        pos = i + 1  # a stray opening mark: ignore it
        # Nothing closes this mark in the rest of the paragraph: later openers of the same
        # mark there are strays too (found once, so a paragraph of them stays linear).
        stray.add((pi, mark))
    return out
