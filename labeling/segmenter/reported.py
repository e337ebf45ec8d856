"""Pass 2: reported speech in the sentences outside quotations: "X said (that) ...", "...,
X said", "according to X, ..." and "..., according to X". A sentence's cue clauses are
read by :mod:`.cues`."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from labeling.segmenter.clauses import WORDS, cut, has_words, trim
from labeling.segmenter.cues import cue_clauses
from labeling.segmenter.document import Doc, Spans, Unit
from labeling.segmenter.lexicon import (
    ABBREVIATIONS,
    AS_VERBS,
    CUE_WORDS,
    NO_CONTENT_START,
    OBJECT_VERBS,
    REPORTING,
    SENTENCE_TRIGGERS,
    SUBORDINATORS,
    THAT_ONLY,
)
from labeling.segmenter.marks import MARKS_AND_APOSTROPHE
from labeling.segmenter.words import Tok


def reported(doc: Doc) -> None:
    text = doc.text
    taken = Spans([(u.start, u.end) for u in doc.units])
    quotes = Spans()  # the quotation pass's units
    quotes.starts, quotes.ends = list(taken.starts), list(taken.ends)
    quoted = sorted(doc.units, key=lambda u: u.start)
    marked = Spans([p for u in quoted if u.type == "direct" for p in u.parts])
    qi = 0
    for s, e in doc.layout.sents:
        if taken.covers(s, e):
            continue  # inside a quotation: the quoted words are no one's frame
        # The sentence's words that matter here, as a set: list look-ups of "According"
        # and "that" would read the whole sentence each time.
        hits = SENTENCE_TRIGGERS.intersection(WORDS.findall(text, s, e))
        if "According" not in hits:
            found = hits & REPORTING
            if (not found or found <= THAT_ONLY and "that" not in hits) and (
                    "as" not in hits or AS_VERBS.isdisjoint(hits)):
                continue  # no cue word that can fire (cues are lower case): nothing to tokenise
        toks = _frame_tokens(doc, s, e, marked) if marked.overlaps(s, e) else \
            doc.tokens(s, e)
        if len(toks) < 4:
            continue
        while qi < len(quoted) and quoted[qi].start < s:
            qi += 1
        frame = None
        k = qi
        while k < len(quoted) and quoted[k].start < e:
            frame = quoted[k].speaker or frame
            k += 1
        acc = _according(doc, toks, s, e) if "according" in hits or "According" in hits \
            else None
        for unit in [acc] if acc else cue_clauses(text, toks, s, e, frame):
            if taken.overlaps(unit.start, unit.end):
                continue
            if not has_words(text, unit.start, unit.end, 3) and not (
                    unit.cue is not None and text[unit.cue[0]:unit.cue[1]] in OBJECT_VERBS
                    and has_words(text, unit.start, unit.end, 2)):
                continue  # a short object only for a stance ("X criticized [the plan]")
            if quotes.overlaps(s, e) and _frames_a_quote(doc, unit, quotes, s):
                continue
            if unit.cue is not None and 0 <= unit.start - unit.cue[1] <= 7 and \
                    _no_content(doc, unit):
                continue
            seg = text[unit.start:unit.end]
            unit.type = "mixed" if any(c in seg for c in "“”\"«»") or "''" in seg \
                else "indirect"
            doc.units.append(unit)
            taken.add(unit.start, unit.end)


def _no_content(doc: Doc, unit: Unit) -> bool:
    """Words right after a cue that cannot be what was said: a coordinated phrase ("the
    cards they asked for [or were confused]", "what she wants [and her rivals ...]") or
    a circumstance ("what she said [when she resigned]")."""
    text = doc.text
    if unit.cue is None or unit.start < unit.cue[1] or \
            text[unit.cue[1]:unit.start].strip() not in ("", "for", "on", "about", "of"):
        return False  # not right after the cue (or its particle: "asked for")
    m = WORDS.match(text, unit.start)
    if m is None or m.group() not in NO_CONTENT_START:
        return False
    nxt = WORDS.search(text, m.end(), unit.end)
    # "Ruiz laughed [and admitted ...]": a coordinated cue, its content follows
    return not (m.group() in ("and", "or") and nxt and nxt.group() in CUE_WORDS)


def _frame_tokens(doc: Doc, s: int, e: int, marked: Spans) -> list[Tok]:
    """Tokens of a sentence outside its quotations, each quotation standing as its two
    marks: the quoted words can be no speaker, cue or content of reported speech."""
    text = doc.text
    out: list[Tok] = []
    pos = s
    k = bisect_right(marked.ends, s)  # the first quotation ending after s
    while k < len(marked.starts) and marked.starts[k] < e:
        a, b = max(marked.starts[k], s), min(marked.ends[k], e)
        if a > pos:
            out.extend(doc.tokens(pos, a))
        out.append(Tok(text[a], a))
        if b - 1 > a and text[b - 1] in MARKS_AND_APOSTROPHE:
            out.append(Tok(text[b - 1], b - 1))
        pos = max(pos, b)
        k += 1
    if pos < e:
        out.extend(doc.tokens(pos, e))
    return out


def _frames_a_quote(doc: Doc, unit: Unit, taken: Spans, s: int) -> bool:
    """Words around a quotation in its sentence that only frame it: '"...," X said
    [of the plan]' or '[When he arrived], he said, "..."'."""
    text = doc.text
    first = WORDS.match(text, unit.start)
    if first and first.group().lower() in SUBORDINATORS:
        return True
    if unit.cue is None or unit.start < unit.cue[1] or text[unit.cue[1] - 3:unit.cue[1]] == "ing" \
            or text.startswith("that ", unit.start) and unit.start - unit.cue[1] <= 1:
        return False
    k = bisect_left(taken.ends, unit.cue[0] + 1) - 1  # the last quote ending before the cue
    if k < 0 or taken.ends[k] < s:
        return False
    if text[taken.ends[k]:unit.cue[0]].strip(" ,") in ("and", "but"):
        return False  # '... “crazy” and said [...]': a coordinated report, no frame
    return not has_words(text, taken.ends[k], unit.cue[0], 7)


def _according(doc: Doc, toks: list[Tok], s: int, e: int) -> Unit | None:
    text = doc.text
    for v in range(len(toks) - 1):
        if toks[v].low != "according" or toks[v + 1].low != "to":
            continue
        cue = (toks[v].start, toks[v + 1].end)
        j = v + 2
        while j < len(toks) and (toks[j].text not in (",", ".", ";") or (
                toks[j].text == "." and toks[j - 1].low in ABBREVIATIONS)):
            j += 1  # up to the comma ("According to Mrs. Ruiz, ...")
        if j == v + 2:
            return None
        speaker = (toks[v + 2].start, toks[j - 1].end)
        if v <= 1:  # According to X, CONTENT.
            if j >= len(toks):
                return None
            cs, ce = cut(text, toks[j].end, e)
        else:  # CONTENT, according to X.
            cs, ce = trim(text, s, toks[v].start)
        if ce <= cs:
            return None
        return Unit([(cs, ce)], "indirect", speaker, cue)
    return None
