"""Where reported content starts and ends: word counts, trimming, the first content token
after a cue, the end of a clause."""

from __future__ import annotations

import re

from labeling.segmenter.lexicon import FINITE_VERBS, PREPOSITIONS, TIME_WORDS
from labeling.segmenter.words import Tok

TRIM_END = " \t\r\n.;:,!?"
# "\w+", written to open with a single character: the regex engine then jumps to the next
# letter instead of trying the pattern at every position (so for the patterns below that
# open with a class and then tell their alternatives apart by what that class matched).
WORDS = re.compile(r"\w\w*")
# Where reported content that runs to the end of its sentence stops: a semicolon, a spaced
# dash, or a participle, attribution or relative clause that starts a new clause ("...,
# citing", "..., according to", "..., which").
_CONTENT_END = re.compile(r"[;\s,](?:(?<=;)|(?<=\s)(?:[—–]|--)\s|(?<=,)\s+(?:according to|saying|"
                          r"arguing|noting|calling|telling|adding|citing|referring to|said|says|"
                          r"which|although|though|even though|even as|whereas)\b)")


def has_words(text: str, s: int, e: int, n: int) -> bool:
    """Whether text[s:e] holds at least ``n`` words; reads only as far as the n-th word, so
    that testing a long span for every cue of a long sentence stays linear."""
    for k, _ in enumerate(WORDS.finditer(text, s, e), 1):
        if k >= n:
            return True
    return n <= 0


def n_words(text: str, s: int, e: int) -> int:
    return len(WORDS.findall(text, s, e))


def trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \t\r\n,:;—–-":
        s += 1
    while e > s and text[e - 1] in TRIM_END:
        e -= 1
    return s, e


def cut(text: str, s: int, e: int) -> tuple[int, int]:
    """``trim`` of content that runs on to its sentence's end, cut where a new clause starts."""
    m = _CONTENT_END.search(text, s, e)
    return trim(text, s, m.start() if m and m.start() > s else e)


def content_start(toks: list[Tok], after: int) -> int | None:
    """Index of the first content token after a cue (skipping "that" search, objects)."""
    if after >= len(toks):
        return None
    verb = toks[after - 1].low
    circumstance = toks[after].low in PREPOSITIONS  # "said at a rally in Salem, Ore., that"
    limit = min(len(toks), after + (12 if circumstance else 7))
    for j in range(after, limit):
        if toks[j].low == "that":
            return j
        if toks[j].text in ("“", "\"") and verb in ("told", "tell", "tells"):
            continue  # "told NBC's “Today” that ...": a programme's title, the listener
        if toks[j].text in (".", ";", ":", "“", "\"") or toks[j].low in FINITE_VERBS or \
                toks[j].text == "," and not circumstance:
            break  # "said [the plan was flawed and that ...]": the clause started already
    j = after
    if verb in ("told", "tell", "tells", "telling"):
        # The listener: "reporters", "the BBC", "Harbor Radio", "a press conference".
        if j < len(toks) and toks[j].low in ("the", "a", "an", "his", "her", "their"):
            j += 1
        if j < len(toks) and toks[j].cap:
            while j < len(toks) and toks[j].cap:
                j += 1
        elif j < len(toks) and toks[j].word:
            j += 1
        while j < len(toks) and (toks[j].text in (",", ":") or
                                 (toks[j].low in TIME_WORDS and j - after < 5)):
            j += 1
        return j if j < len(toks) else None
    # skip a time phrase ("on Monday") and commas
    while j < len(toks) and (toks[j].text in (",", ":") or
                             (toks[j].low in TIME_WORDS and j - after < 3)):
        j += 1
    if j > after and toks[j - 1].low in PREPOSITIONS:
        return None  # "said on [Harbor Radio]": a place or a medium, not a time and not content
    return j if j < len(toks) else None
