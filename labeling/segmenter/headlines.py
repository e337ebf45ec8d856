"""Pass 3: headlines ("Troops not ruled out - Macron", "Ana Ruiz: Port Will Reopen", "Ruiz
Says Port Will Reopen"), and the source a headline names before a quotation."""

from __future__ import annotations

import re

from labeling.segmenter.clauses import TRIM_END, WORDS, has_words, trim
from labeling.segmenter.document import Doc, Spans, Unit
from labeling.segmenter.lexicon import NOT_SOURCES, PRONOUNS

_HEADLINE_DASH = re.compile(r"(?P<c>.{12,}?\S)\s+[-–—]\s+(?P<n>[A-Z][\w.’' -]{1,40}?)\s*$")
# "Ana Ruiz: Content of the headline" (a source, a colon, what it said)
_HEADLINE_COLON = re.compile(r"(?P<n>[A-Z][\w.’'&-]*(?: [A-Z][\w.’'&/-]*){0,4}):\s+"
                             r"(?P<c>\S.{10,}?)\s*$")
# "Ana Ruiz: ‘...’", "Gov. Ana Ruiz: Harbor ‘...’" (the quote at most 60 characters on)
_HEADLINE_SOURCE = re.compile(r"([A-Z][\w.’'-]*(?: [A-Z][\w.’'-]*){0,4}):\s(?=.{0,60}$)",
                              re.DOTALL)
HEADLINE_CHARS = 200  # a paragraph this short can be a headline
# Title-case headlines with a capitalised cue: "Ana Ruiz Says Port Will Reopen", "Port Will
# Reopen, Ana Ruiz Says".
_TITLE_CUES = r"(?P<v>Says|Said|Warns|Claims|Vows|Admits|Insists|Predicts|Denies|Reveals|Pledges)"
_TITLE_CUE = re.compile(" " + _TITLE_CUES + r"\b")
_TITLE_NAME = r"(?P<n>[A-Z][\w.’'-]*(?: [A-Z][\w.’'-]*){0,4})"
_HEADLINE_SAYS = re.compile(_TITLE_NAME + " " + _TITLE_CUES +
                            r"(?: That)? (?P<c>[A-Z‘'\"“].{8,}?)[.\s]*$")
_HEADLINE_SAYS_AFTER = re.compile(r"(?P<c>.{8,}?),\s+" + _TITLE_NAME + " " + _TITLE_CUES +
                                  r"[.\s]*$")


def headlines(doc: Doc) -> None:
    text = doc.text
    taken = Spans([(u.start, u.end) for u in doc.units])
    for ps, pe in doc.layout.paras:
        if pe - ps > 200 or taken.overlaps(ps, pe):
            continue
        title = _title_cue(doc, ps, pe)
        if title:
            doc.units.append(title)
            continue
        cue = None
        m = _HEADLINE_DASH.match(text, ps, pe) if text[pe - 1] not in ".!?”\"" else None
        if not m:
            # "Ana Ruiz: The Port Will Reopen." (a title: no sentence before it)
            m = _HEADLINE_COLON.match(text, ps, pe)
            if not m or not NOT_SOURCES.isdisjoint(m.group("n").lower().split()) or \
                    len(doc.layout.sents_in(ps, pe)) > 1:
                continue
            cue = (m.end("n"), m.end("n") + 1)
        name = m.group("n")
        if len(name.split()) > 4 or name.split()[0].lower() in PRONOUNS:
            continue
        cs, ce = trim(text, m.start("c"), m.end("c"))
        if ce > cs:
            doc.units.append(Unit([(cs, ce)], "indirect", (m.start("n"), m.end("n")), cue))


def _title_cue(doc: Doc, ps: int, pe: int) -> Unit | None:
    """A title-case headline whose cue is capitalised ("Ruiz Says Port Will Reopen")."""
    text = doc.text
    if not _TITLE_CUE.search(text, ps, pe):
        return None
    words = WORDS.findall(text, ps, pe)
    if len(words) < 4 or sum(1 for w in words if w[0].isupper()) < 0.6 * len(words):
        return None  # no title case
    m = _HEADLINE_SAYS.search(text, ps, pe)
    if m and m.start() > ps and text[m.start() - 2:m.start()] not in (": ", "— ", "– ", "- "):
        m = None  # the name opens the headline or follows its label ("Storm: Ruiz Says")
    m = m or _HEADLINE_SAYS_AFTER.match(text, ps, pe)
    if not m or m.group("n").split()[0].lower() in PRONOUNS | NOT_SOURCES:
        return None
    cs, ce = trim(text, m.start("c"), m.end("c"))
    if not has_words(text, cs, ce, 3):
        return None
    return Unit([(cs, ce)], "indirect", (m.start("n"), m.end("n")),
                 (m.start("v"), m.end("v")))


def headline_source(doc: Doc, p_start: int, first: int, last: int
                     ) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """A headline that names its source before a colon: "Ana Ruiz: ‘The Port Will
    Reopen’", "Ana Ruiz: Port ‘Will Reopen Soon’" (a short paragraph that the quote
    ends, a short name, at most three words between the colon and the quote)."""
    text = doc.text
    p_end = doc.layout.para_of(p_start)[1]
    if p_end - p_start > HEADLINE_CHARS or text[last:p_end].strip(TRIM_END):
        return None
    m = _HEADLINE_SOURCE.match(text, p_start, first)
    if not m or m.group(1).split()[0].lower() in NOT_SOURCES or \
            m.group(1).split()[0].lower() in PRONOUNS or \
            has_words(text, m.end(), first, 4):
        return None
    return (m.start(1), m.end(1)), (m.end(1), m.end(1) + 1)
