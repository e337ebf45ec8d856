"""Pass 1: quotations from their marks (:mod:`.marks`), attributed from the words after the
closing mark ('"...," Macron said' / 'said Macron') or before the opening one ('Macron said:
"..."'); '"A," he said, "B."' becomes one unit in two parts; a quote introduced by reported
speech ('Macron said the troops "would respond"') becomes a mixed unit. What attributes a
quote is read by :mod:`.attribution`."""

from __future__ import annotations

import re

from labeling.segmenter.attribution import DASHES, attribute_head, attribute_tail, colon_intro, stance_head
from labeling.segmenter.clauses import WORDS, content_start, cut, has_words, n_words, trim
from labeling.segmenter.document import Doc, Spans, Unit
from labeling.segmenter.headlines import headline_source
from labeling.segmenter.lexicon import (
    CUE_VERBS,
    CUE_WORDS,
    FRAME_WORDS,
    HEAD_WORDS,
    REPORTING,
    SUBORDINATORS,
    TIME_WORDS,
    TITLE_SMALL_WORDS,
    WORK_PEOPLE,
    WORKS,
)
from labeling.segmenter.marks import MARKS, MARKS_AND_APOSTROPHE, Marked, find_quotes
from labeling.segmenter.structure import Layout

# A coordinated clause after a quote, its verb a cue word: "... “a tax” and said",
# "... “a prayer” but did not suggest".
_COORDINATED = re.compile(r",?\s+(?:and|but)\s+(?:(?:also|then|later|again|has|have|had|did|"
                          r"does|do|not|never|would|will)\s+){0,2}([a-z]+)\b")

# The words of a quotation that may name a work (see ``_is_title``), and what is stripped
# from the words around it.
_TITLE_WORDS = re.compile(r"[\w’'-]+")
_WORD_EDGES = "\"“”‘’'.,;:!?()"


# Lines of the page in quotation marks that are no one's words: a transcript's stage
# direction ("(CROSSTALK.)"), a "Follow X on Twitter" line, a label ("Related:"), a subhead
# in capitals that is a paragraph of its own.
_EDITORIAL = re.compile(r"\((?:[^()]{1,40})\)\.?|Follow [^.!?]{1,60} on Twitter\b.{0,30}|"
                        r"[A-Z]\w{1,20}:")
_EDITORIAL_EDGES = MARKS + " \t\r\n"


def _editorial(text: str, layout: Layout, s: int, e: int) -> bool:
    c = text[s + 1:s + 2]
    if c not in ("(", "F", "R") and not (c.isupper() and text[s + 2:s + 3].isupper()):
        return False
    body = text[s:e].strip(_EDITORIAL_EDGES)
    if _EDITORIAL.fullmatch(body):
        return True
    letters = [ch for ch in body if ch.isalpha()]
    if len(letters) < 8 or not all(ch.isupper() for ch in letters):
        return False
    ps, pe = layout.para_of(s)
    return s - ps <= 1 and not text[e:pe].strip(_EDITORIAL_EDGES).isalpha() and \
        not WORDS.search(text, e, pe)


def _is_title(text: str, first: int, last: int) -> bool:
    """Whether the quotation text[first:last] names a work (see ``WORKS``); the caller has
    checked that it is short and opens with a capital."""
    before = text[max(0, first - 30):first].rstrip()
    comma = before.endswith(",")
    words_before = before.rstrip(",").rsplit(None, 2)
    prev = words_before[-1].lower().strip(_WORD_EDGES) if words_before else ""
    after = text[last:last + 24].lstrip(" ,").split(None, 1)
    nxt = after[0].lower().strip(_WORD_EDGES) if after else ""
    if not (prev.endswith(("’s", "'s")) or not comma and prev in ("on", "told")
            or prev in WORKS or nxt in WORK_PEOPLE or prev == "of" and len(words_before) > 1
            and words_before[-2].lower().strip(_WORD_EDGES) in WORKS | WORK_PEOPLE):
        return False  # "on NBC's “...”", "told “...”", "his book, “...”", "the host of “...”"
    words = [w for w in (x.strip("'’") for x in _TITLE_WORDS.findall(text, first, last)) if w]
    return 0 < len(words) <= 8 and all(
        w[0].isupper() or w[0].isdigit() or w.lower() in TITLE_SMALL_WORDS for w in words)


FRAME_CHARS = 400  # how far before or after a quotation its speaker and cue are looked for


def _tail_bounds(text: str, layout: Layout, pos: int) -> int:
    """End of the clause that follows a closing mark (the next sentence if one ends here)."""
    p_end = layout.para_of(max(0, pos - 1))[1]
    s = layout.sent_of(max(0, pos - 1))
    end = s[1]
    if end <= pos + 1:
        k = pos
        while k < p_end and text[k].isspace():
            k += 1
        if k < p_end:
            end = layout.sent_of(k)[1]
    return min(end, p_end, pos + FRAME_CHARS)


def _closes_sentence(text: str, first: int, last: int) -> bool:
    """Whether the quotation ``text[first:last]`` ends with its sentence's final stop
    ('“We stay.”', "''We stay.''")."""
    k = last
    while k > first and text[k - 1] in MARKS_AND_APOSTROPHE:
        k -= 1
    return k > first and text[k - 1] in ".!?"


def quotations(doc: Doc) -> None:
    text, layout = doc.text, doc.layout
    marked = find_quotes(text, layout)
    doc.quoted = Spans([p for q in marked for p in q.parts])
    i = 0
    while i < len(marked):
        q = marked[i]
        i += 1
        first, last = q.parts[0][0], q.parts[-1][1]
        if not WORDS.search(text, first, last):
            continue  # marks around no word at all ('""', '« »'): nothing to label
        if any(_editorial(text, layout, a, b) for a, b in q.parts):
            parts = [(a, b) for a, b in q.parts if not _editorial(text, layout, a, b)]
            if not parts:
                continue
            q = Marked(parts, q.mark, q.closed)
            first, last = parts[0][0], parts[-1][1]
        if last - first <= 100 and len(q.parts) == 1 and q.closed and \
                text[first + 1:first + 3].lstrip("'")[:1].isupper() and \
                _is_title(text, first, last):
            continue  # "said on NBC's “Meet the Press”": a work's title, no one's words
        unit = Unit(list(q.parts), "direct")
        tail_end = _tail_bounds(text, layout, last)
        tail = doc.tokens(last, tail_end) if q.closed and (
            text[last:last + 3].lstrip()[:1] in DASHES or not FRAME_WORDS.isdisjoint(
                WORDS.findall(text[last:tail_end].lower()))) else []
        got = attribute_tail(text, tail) if tail else None
        if got and tail[0].cap and _closes_sentence(text, first, last) and (
                got[2] < len(tail) and tail[got[2]].text not in (".", ",", ";", "!", "?")
                and tail[got[2]].low not in TIME_WORDS
                and tail[got[2]].low not in SUBORDINATORS
                or got[0][0] > tail[0].start and tail[0].text not in DASHES
                and tail[0].low not in CUE_VERBS):
            # The quote closed its sentence; the next one reports anew ('“...” He added
            # that ...') or holds a speaker of its own ('“...” That, he said, is ...').
            got = None
        if got:
            unit.speaker, unit.cue, after = got
            # Split quote: "A," he said, "B."
            if (after < len(tail) and tail[after].text == "," and i < len(marked)
                    and marked[i].parts[0][0] <= (tail[after].end + 3)
                    and marked[i].parts[0][0] >= tail[after].end):
                unit.parts.extend(marked[i].parts)
                i += 1
            elif len(unit.parts) == 1:
                _lead_in(doc, unit, first, last)
            doc.units.append(unit)
            continue
        s_start = layout.sent_of(first)[0]
        p_start = layout.para_of(first)[0]
        # Bounded: a sentence of many quotes must not be re-read from its start each time.
        s_start = max(s_start, p_start, first - FRAME_CHARS)
        # Tokenised only when a cue word or a colon can attribute the quote.
        framed = text[max(s_start, first - 3):first].rstrip().endswith(":")
        head = doc.tokens(s_start, first) if framed or not HEAD_WORDS.isdisjoint(
            WORDS.findall(text[s_start:first].lower())) else []
        got = attribute_head(head) or colon_intro(head)
        if not got and head:
            obj = stance_head(head)
            if obj:  # "Ana Ruiz attacked “the plan of a lifetime”": the quote is the object
                unit.speaker, unit.cue, mixed_start = obj
                if mixed_start is not None:  # to the end of the clause, as below
                    stop = last if text[last - 2:last - 1] in (".", "!", "?") else tail_end
                    start, end = cut(text, mixed_start, stop)
                    end = _coordinated_end(doc, last, end)
                    unit.parts, unit.type = [(min(start, first), max(end, last))], "mixed"
                doc.units.append(unit)
                continue
        if not got and s_start == p_start:
            source = headline_source(doc, p_start, first, last)
            if source:
                unit.speaker, unit.cue = source
                doc.units.append(unit)
                continue
        if got:
            unit.speaker, unit.cue, after = got
            rest = head[after:]
            cs = content_start(head, after)
            words_between = [t for t in head[cs:] if t.word] if cs is not None else []
            lead_that = any(x.low == "that" for x in rest[:4])
            if lead_that or words_between and (
                    rest[-1].text not in (":", ",")
                    or (len(words_between) >= 3 and rest[0].text != ",")):
                # Reported speech carrying a quoted fragment: a mixed unit.
                start = head[cs].start if cs is not None else first
                # A quote closing its sentence ends the unit; else the clause runs on.
                stop = last if text[last - 2:last - 1] in (".", "!", "?") else tail_end
                start, end = cut(text, start, stop)
                end = _coordinated_end(doc, last, end)
                unit.parts = [(min(start, first), max(end, last))]
                unit.type = "mixed"
            doc.units.append(unit)
            continue
        n = n_words(text, first, last)
        opens_para = first == p_start
        opens_sentence = WORDS.search(text, s_start, first) is None
        if n < 4 and not opens_para and not (opens_sentence and _after_said(doc, first)):
            continue  # a scare-quoted word or title, not a quote unit
        if opens_para:
            intro = _introduced_by_previous_paragraph(doc, first)
            if intro:
                unit.speaker, unit.cue = intro
                doc.units.append(unit)
                continue
        unit.follow_on = opens_para or opens_sentence
        if not unit.follow_on and n < 6:
            continue  # a short phrase quoted inside a clause: a title or a term
        doc.units.append(unit)


def _after_said(doc: Doc, first: int) -> bool:
    """A short quote opening the sentence right after an attributed quote and its "X
    said." ('“I would,” she said. “I would, Donald.”'): more of the same speaker's words."""
    if not doc.units:
        return False
    prev = doc.units[-1]
    if prev.type != "direct" or prev.cue is None or not prev.end <= prev.cue[0] < first:
        return False
    gap = doc.text[prev.end:first]
    return len(gap) <= 60 and gap.rstrip()[-1:] in (".", "?", "!") and \
        not any(c in gap for c in MARKS) and gap.count(".") == 1


def _coordinated_end(doc: Doc, last: int, end: int) -> int:
    """End of a mixed unit before a coordinated clause that reports anew after its quote:
    'X called the plan “a tax” [and said ...]', '... “a prayer” [but did not suggest
    ...]' (the verb a cue, at most two words after the conjunction)."""
    text = doc.text
    if end - last < 8:
        return end
    m = _COORDINATED.search(text, last, end)
    if m is None or m.group(1).lower() not in REPORTING:
        return end
    return trim(text, last, m.start())[1] if m.start() > last else last


def _lead_in(doc: Doc, unit: Unit, first: int, last: int) -> None:
    """A quote attributed after it that ends a clause begun in the reporter's words
    ("The summit did “too little,” she said"): the clause is the content, a mixed unit."""
    text = doc.text
    s0 = max(doc.layout.sent_of(first)[0], doc.layout.para_of(first)[0])
    if not has_words(text, s0, first, 2):
        return
    lead = text[s0:first]
    if any(c in lead for c in MARKS) or "''" in lead or lead.rstrip().endswith((":", ",")) \
            or not CUE_WORDS.isdisjoint(WORDS.findall(lead.lower())):
        return  # another quotation, an introduction, or a cue of its own
    cs, _ = trim(text, s0, first)
    unit.parts, unit.type = [(cs, last)], "mixed"


def _introduced_by_previous_paragraph(doc: Doc, first: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """A quote opening a paragraph after "Macron said:" ending the paragraph before."""
    pi = doc.layout.para_index(first)
    if pi == 0:
        return None
    ps, pe = doc.layout.paras[pi - 1]
    if doc.text[pe - 1] not in ":,":
        return None
    s_start = doc.layout.sent_of(pe - 1)[0]
    got = attribute_head(doc.tokens(max(s_start, ps), pe))
    if not got:
        return None
    return got[0], got[1]
