"""The rule-based engine: quotation marks, attribution, reported speech, coreference.

Four passes over one text, all offsets into it:

1. quotations from their marks (:mod:`.marks`), attributed from the words after the
   closing mark ("...," Macron said / said Macron) or before the opening one
   (Macron said: "..."); ``"A," he said, "B."`` becomes one unit in two parts; a quote
   introduced by reported speech ("Macron said the troops “would respond”") becomes a
   mixed unit;
2. reported speech in the remaining sentences: "X said (that) ...", "..., X said",
   "according to X, ..." and "..., according to X", with a broad cue lexicon;
3. headlines ("Troops not ruled out - Macron");
4. in reading order: quotes with no attribution that open a paragraph continue the last
   speaker; every mention is resolved to a name (:mod:`.coref`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from labeling.segmenter.coref import Resolver
from labeling.segmenter.lexicon import (
    ABBREVIATIONS,
    ADD_FORMS,
    AFTER_NOUN_CUE,
    AS_VERBS,
    AUX,
    BE_FINITE,
    BELIEF_VERBS,
    CLAUSE_LINKS,
    CUE_VERBS,
    CUE_WORDS,
    DOCUMENTS,
    FINITE_VERBS,
    FRAME_WORDS,
    HEAD_WORDS,
    LEAD_STOP,
    NAME_WORDS,
    NO_CONTENT_START,
    NOT_AGENT,
    NOT_PERSON_WORDS,
    NOT_SEEN_AS,
    NOT_SOURCES,
    NOUN_CHECKED_CUES,
    NOUN_FIRST_CUES,
    NOUN_LIKE_CUES,
    OBJECT_LINKS,
    OBJECT_VERBS,
    PARTICIPLE_CUES,
    PARTICIPLE_OBJECTS,
    PARTICIPLE_TO,
    PASSIVE_AUX,
    PERSON_NOUNS,
    PERSON_PRONOUNS,
    PLACE_ADVERBS,
    PREPOSITIONS,
    PROGRESSIVE_CUES,
    PRONOUNS,
    QUOTE_ONLY_VERBS,
    QUOTE_STANCES,
    REFERRING,
    REPORTING,
    SENTENCE_TRIGGERS,
    SHOW_VERBS,
    SPEAKER_NOUNS,
    STANCE_VERBS,
    STRONG_CUES,
    SUBORDINATORS,
    TAIL_SUBORDINATORS,
    TELL_FORMS,
    THAT_ONLY,
    THAT_VERBS,
    TIME_WORDS,
    TITLE_SMALL_WORDS,
    TITLES,
    TO_VERBS,
    WH_WORDS,
    WORK_PEOPLE,
    WORKS,
)
from labeling.segmenter.marks import Marked, find_quotes
from labeling.segmenter.structure import Layout
from labeling.segmenter.types import Quote, _quote
from labeling.segmenter.words import (
    Tok,
    coordinated_subject,
    noun_reading,
    speaker_after,
    speaker_before,
    tokens,
)

_MARKS = "\"“”„«»‘’‹›‚"
_DASHES = frozenset("―—–-")
_MARKS_AND_APOSTROPHE = _MARKS + "'"
_TRIM_END = " \t\r\n.;:,!?"
_HEADLINE_DASH = re.compile(r"(?P<c>.{12,}?\S)\s+[-–—]\s+(?P<n>[A-Z][\w.’' -]{1,40}?)\s*$")
# "\w+", written to open with a single character: the regex engine then jumps to the next
# letter instead of trying the pattern at every position (so for the patterns below that
# open with a class and then tell their alternatives apart by what that class matched).
_WORDS = re.compile(r"\w\w*")
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
_APPOS_NAME = re.compile(r",\s+([A-Z][\w’'.\-]+(?:\s+[A-Z][\w’'.\-]+){1,3})\s*[,.]")
# Where reported content that runs to the end of its sentence stops: a semicolon, a spaced
# dash, or a participle, attribution or relative clause that starts a new clause ("...,
# citing", "..., according to", "..., which").
_CONTENT_END = re.compile(r"[;\s,](?:(?<=;)|(?<=\s)(?:[—–]|--)\s|(?<=,)\s+(?:according to|saying|"
                          r"arguing|noting|calling|telling|adding|citing|referring to|said|says|"
                          r"which|although|though|even though|even as|whereas)\b)")
# A coordinated clause after a quote, its verb a cue word: "... “a tax” and said",
# "... “a prayer” but did not suggest".
_COORDINATED = re.compile(r",?\s+(?:and|but)\s+(?:(?:also|then|later|again|has|have|had|did|"
                          r"does|do|not|never|would|will)\s+){0,2}([a-z]+)\b")
# A noun-phrase object ends at a clause break.
_OBJECT_END = re.compile(r"[,;:\s](?:(?<=[,;:])|(?<=\s)[—–-]{1,2}\s|(?<=\s)(?:but|because|after|"
                         r"while|when|before|since|although|though|and then)\s)")


@dataclass
class _Unit:
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


def _span(toks: list[Tok], rng: tuple[int, int]) -> tuple[int, int]:
    i, j = rng
    return toks[i].start, toks[j - 1].end


def _has_words(text: str, s: int, e: int, n: int) -> bool:
    """Whether text[s:e] holds at least ``n`` words; reads only as far as the n-th word, so
    that testing a long span for every cue of a long sentence stays linear."""
    for k, _ in enumerate(_WORDS.finditer(text, s, e), 1):
        if k >= n:
            return True
    return n <= 0


def _n_words(text: str, s: int, e: int) -> int:
    return len(_WORDS.findall(text, s, e))


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \t\r\n,:;—–-":
        s += 1
    while e > s and text[e - 1] in _TRIM_END:
        e -= 1
    return s, e


def _cut(text: str, s: int, e: int) -> tuple[int, int]:
    """``_trim`` of content that runs on to its sentence's end, cut where a new clause starts."""
    m = _CONTENT_END.search(text, s, e)
    return _trim(text, s, m.start() if m and m.start() > s else e)


_TITLE_WORDS = re.compile(r"[\w’'-]+")
_WORD_EDGES = "\"“”‘’'.,;:!?()"


# Lines of the page in quotation marks that are no one's words: a transcript's stage
# direction ("(CROSSTALK.)"), a "Follow X on Twitter" line, a label ("Related:"), a subhead
# in capitals that is a paragraph of its own.
_EDITORIAL = re.compile(r"\((?:[^()]{1,40})\)\.?|Follow [^.!?]{1,60} on Twitter\b.{0,30}|"
                        r"[A-Z]\w{1,20}:")
_EDITORIAL_EDGES = _MARKS + " \t\r\n"


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
        not _WORDS.search(text, e, pe)


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


def _that_follows(toks: list[Tok], i: int) -> bool:
    """Whether "that" comes within a few words from toks[i] with no punctuation before it:
    "During the meeting, X told reporters [Tuesday that ...]" reports what follows; the words
    before the speaker are its circumstance, not its content."""
    for t in toks[i:i + 6]:
        if t.low == "that":
            return True
        if not t.word:
            return False
    return False


def _noun_cue(toks: list[Tok], v: int) -> bool:
    """Whether the cue word ``toks[v]`` reads as a noun (see ``NOUN_FIRST_CUES``); called only
    when "that" does not follow it."""
    low = toks[v].low
    if low in NOUN_FIRST_CUES:
        return v + 1 < len(toks) and toks[v + 1].word  # not "..., the doctor maintains."
    if low not in NOUN_LIKE_CUES:
        return False
    if v + 1 < len(toks) and toks[v + 1].low in AFTER_NOUN_CUE:
        return True  # "support for", "the report is"
    prev = toks[v - 1].low if v > 0 else ""
    if prev.endswith(("’s", "'s")):
        return True  # "Trump's tweet"
    # "a new Pew report compares": a singular subject would take "reports"
    k = v - 1
    while k >= 0 and k > v - 5 and toks[k].word and toks[k].low not in ("a", "an", "the"):
        k -= 1
    return k >= 0 and toks[k].low in ("a", "an", "the") and not toks[v - 1].low.endswith("s")


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
    while k > first and text[k - 1] in _MARKS_AND_APOSTROPHE:
        k -= 1
    return k > first and text[k - 1] in ".!?"


def _attribute_tail(text: str, toks: list[Tok]) -> tuple[tuple[int, int], tuple[int, int], int] | None:
    """(speaker span, cue span, index after the cue phrase) from words after a quote."""
    if len(toks) >= 2 and toks[0].text in _DASHES and toks[1].cap:
        # '“...” ― Ana Ruiz': a signature after a dash, alone up to the line's end
        j = 1
        while j < len(toks) and j < 7 and (toks[j].cap or toks[j].text in ".’'-"):
            j += 1
        if j == len(toks) or (j == len(toks) - 1 and toks[j].text == "."):
            return _span(toks, (1, j)), (toks[0].start, toks[0].end), j
    k = 0
    while k < len(toks) and toks[k].text in (",", "—", "–", "-"):
        k += 1
    # '“...,” when Ruiz attacked him': a subordinate clause about the quote, not its frame
    # ("as Ruiz put it" does attribute it).
    subordinate = k < len(toks) and toks[k].low in TAIL_SUBORDINATORS
    for v in range(k, min(len(toks), k + 28)):
        t = toks[v]
        if t.low not in CUE_VERBS:
            continue
        if subordinate and v > k:
            return None
        if t.cap and v > k or noun_reading(toks, v):
            continue
        if v - k >= 9 and toks[v - 1].text not in (",", ")") and \
                sum(1 for x in toks[k:v] if x.word) >= 8 or v - k >= 16 and toks[v - 1].text != ",":
            return None  # far from the quote only after an apposition ("X, a ..., said")
        if v == k and t.low.endswith("ing"):
            return None  # '“...,” telling reporters': a participle, no inverted cue
        if v == k:  # inverted: said Macron
            sp = speaker_after(toks, v)
            if sp:
                return _span(toks, sp), (t.start, t.end), sp[1]
            return None
        sp = speaker_before(toks, v)
        if sp and sp[0] >= k:
            return _span(toks, sp), (t.start, t.end), v + 1
        return None
    return None


def _attribute_head(toks: list[Tok]) -> tuple[tuple[int, int], tuple[int, int], int] | None:
    """(speaker, cue, index of the first token after the cue) from words before a quote."""
    if not toks:
        return None
    # A round-up line "Pollsters agree - Ana Ruiz: “...”": the name after the dash
    if len(toks) >= 4 and toks[-1].text == ":":
        d = len(toks) - 2
        while d > 0 and len(toks) - d <= 6 and (toks[d].cap or toks[d].text in ".’'&"):
            d -= 1
        if toks[d].text in _DASHES and d < len(toks) - 2 and toks[d + 1].cap:
            return _span(toks, (d + 1, len(toks) - 1)), (toks[-1].start, toks[-1].end), \
                len(toks)
    for v in range(len(toks) - 1):
        if toks[v].low == "according" and toks[v + 1].low == "to":
            j = v + 2
            while j < len(toks) and toks[j].text != ",":
                j += 1
            if j > v + 2 and j >= len(toks) - 1:
                return _span(toks, (v + 2, j)), (toks[v].start, toks[v + 1].end), len(toks)
    for v in range(len(toks) - 1, -1, -1):
        t = toks[v]
        if t.low not in CUE_VERBS or (t.cap and v > 0):
            continue
        if t.low.endswith("ing"):
            # '..., telling reporters, “...”', 'began by saying, “...”': the clause's subject
            if v > 0 and toks[v - 1].word and toks[-1].text in (",", ":") and len(toks) - v <= 8:
                # 'footage of Ana Ruiz saying last week, “...”': the participle's subject
                sp = speaker_before(toks, v)
                if sp is not None and (sp[0] == 0 or toks[sp[0] - 1].low not in NOT_AGENT) and (
                        toks[sp[1] - 1].cap or toks[sp[1] - 1].low in SPEAKER_NOUNS
                        or toks[sp[1] - 1].low in PERSON_NOUNS):
                    return _span(toks, sp), (t.start, t.end), v + 1
            if v < 2 or toks[v - 1].text not in (",", "by") or len(toks) - v > 6:
                continue
            sp = coordinated_subject(toks, v - 1)
            if sp is None:
                continue
            return _span(toks, sp), (t.start, t.end), v + 1
        sp = speaker_before(toks, v)
        if sp is None and v > 1 and toks[v - 1].low in ("and", "but") and \
                t.low.endswith(("ed", "aid", "old")) and \
                any(x.low == "that" for x in toks[v + 1:v + 3]):
            # "X said A and said that “...”": the second report carries the quote
            sp = coordinated_subject(toks, v - 1)
        if sp is None:
            sp = speaker_after(toks, v) if v == 0 else None
            if sp is None:
                continue
        if sp[1] - sp[0] == 1 and toks[sp[0]].low in PRONOUNS and sp[0] > 1:
            outer = _outer_report(toks, sp[0])
            if outer:  # 'Ruiz said (that) she welcomed “...”': Ruiz reports it
                return outer
        return _span(toks, sp), (t.start, t.end), v + 1
    return None


def _outer_report(toks: list[Tok], p: int) -> tuple[tuple[int, int], tuple[int, int], int] | None:
    """The report framing a pronoun subject at ``p`` ("Ruiz said (that) [she ...]"): a speech
    verb just before it, with a speaker of its own."""
    j = p - 1
    if toks[j].low == "that":
        j -= 1
    # "told reporters (that) she ...", "told The Huffington Post she ..."
    k = j
    while k > 0 and j - k < 3 and toks[k].word and (toks[k].cap or k == j):
        if toks[k - 1].low in TELL_FORMS:
            j = k - 1
            break
        k -= 1
    c = toks[j]
    if c.low not in CUE_VERBS or c.low.endswith("ing") or c.cap:
        return None
    got = _attribute_head(toks[:j + 1])
    if got is None or got[1][0] != c.start:
        return None
    return got


def _stance_head(toks: list[Tok]
                 ) -> tuple[tuple[int, int], tuple[int, int], int | None] | None:
    """(speaker, cue, start of a mixed unit or None) of a stance verb a few words before a
    quote that is its object, or that ends its object ("called the fee “a tax”")."""
    for v in range(len(toks) - 1, max(-1, len(toks) - 7), -1):
        t = toks[v]
        if t.low not in QUOTE_STANCES or t.cap and v > 0:
            continue
        if any(x.text in ".;:!?“\"" for x in toks[v + 1:]):
            return None
        sp = speaker_before(toks, v)
        if sp is None and v > 1 and toks[v - 1].low in ("and", "but"):
            sp = coordinated_subject(toks, v - 1)
        if sp is None:
            return None
        head = toks[sp[1] - 1]
        if not (head.cap or head.low in PRONOUNS or head.low in SPEAKER_NOUNS
                or head.low in PERSON_NOUNS):
            return None  # "a box labeled “...”": a participle
        # "condemned [the test as “...”]": reported speech with a quoted fragment
        mixed = any(x.low not in OBJECT_LINKS for x in toks[v + 1:])
        return _span(toks, sp), (t.start, t.end), toks[v + 1].start if mixed else None
    return None


def _colon_intro(toks: list[Tok]) -> tuple[tuple[int, int], tuple[int, int], int] | None:
    """A short clause ending in a colon before a quote: its subject is the speaker
    ("Ana Ruiz posted: “...”", "The letter reads: “...”")."""
    if len(toks) < 3 or toks[-1].text != ":" or sum(1 for t in toks if t.word) > 8:
        return None
    for m in range(1, len(toks) - 1):
        t = toks[m]
        if t.cap or not t.text.isalpha() or t.low in ("the", "a", "an") or t.low in TITLES:
            continue
        sp = speaker_before(toks, m)
        if sp is None or sp[0] > 1:
            return None
        return _span(toks, sp), (toks[-1].start, toks[-1].end), len(toks)
    return None


def _content_start(toks: list[Tok], after: int) -> int | None:
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


class _Spans:
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


class _Engine:
    def __init__(self, text: str):
        self.text = text
        self.layout = Layout(text)
        self.units: list[_Unit] = []
        self.quoted = _Spans()
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

    def _tokens(self, start: int, end: int) -> list[Tok]:
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

    # ---------------------------------------------------------------- quotations
    def quotations(self) -> None:
        text, layout = self.text, self.layout
        marked = find_quotes(text, layout)
        self.quoted = _Spans([p for q in marked for p in q.parts])
        i = 0
        while i < len(marked):
            q = marked[i]
            i += 1
            first, last = q.parts[0][0], q.parts[-1][1]
            if not _WORDS.search(text, first, last):
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
            unit = _Unit(list(q.parts), "direct")
            tail_end = _tail_bounds(text, layout, last)
            tail = self._tokens(last, tail_end) if q.closed and (
                text[last:last + 3].lstrip()[:1] in _DASHES or not FRAME_WORDS.isdisjoint(
                    _WORDS.findall(text[last:tail_end].lower()))) else []
            got = _attribute_tail(text, tail) if tail else None
            if got and tail[0].cap and _closes_sentence(text, first, last) and (
                    got[2] < len(tail) and tail[got[2]].text not in (".", ",", ";", "!", "?")
                    and tail[got[2]].low not in TIME_WORDS
                    and tail[got[2]].low not in SUBORDINATORS
                    or got[0][0] > tail[0].start and tail[0].text not in _DASHES
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
                    self._lead_in(unit, first, last)
                self.units.append(unit)
                continue
            s_start = layout.sent_of(first)[0]
            p_start = layout.para_of(first)[0]
            # Bounded: a sentence of many quotes must not be re-read from its start each time.
            s_start = max(s_start, p_start, first - FRAME_CHARS)
            # Tokenised only when a cue word or a colon can attribute the quote.
            framed = text[max(s_start, first - 3):first].rstrip().endswith(":")
            head = self._tokens(s_start, first) if framed or not HEAD_WORDS.isdisjoint(
                _WORDS.findall(text[s_start:first].lower())) else []
            got = _attribute_head(head) or _colon_intro(head)
            if not got and head:
                obj = _stance_head(head)
                if obj:  # "Ana Ruiz attacked “the plan of a lifetime”": the quote is the object
                    unit.speaker, unit.cue, mixed_start = obj
                    if mixed_start is not None:  # to the end of the clause, as below
                        stop = last if text[last - 2:last - 1] in (".", "!", "?") else tail_end
                        start, end = _cut(text, mixed_start, stop)
                        end = self._coordinated_end(last, end)
                        unit.parts, unit.type = [(min(start, first), max(end, last))], "mixed"
                    self.units.append(unit)
                    continue
            if not got and s_start == p_start:
                source = self._headline_source(p_start, first, last)
                if source:
                    unit.speaker, unit.cue = source
                    self.units.append(unit)
                    continue
            if got:
                unit.speaker, unit.cue, after = got
                rest = head[after:]
                cs = _content_start(head, after)
                words_between = [t for t in head[cs:] if t.word] if cs is not None else []
                lead_that = any(x.low == "that" for x in rest[:4])
                if lead_that or words_between and (
                        rest[-1].text not in (":", ",")
                        or (len(words_between) >= 3 and rest[0].text != ",")):
                    # Reported speech carrying a quoted fragment: a mixed unit.
                    start = head[cs].start if cs is not None else first
                    # A quote closing its sentence ends the unit; else the clause runs on.
                    stop = last if text[last - 2:last - 1] in (".", "!", "?") else tail_end
                    start, end = _cut(text, start, stop)
                    end = self._coordinated_end(last, end)
                    unit.parts = [(min(start, first), max(end, last))]
                    unit.type = "mixed"
                self.units.append(unit)
                continue
            n = _n_words(text, first, last)
            opens_para = first == p_start
            opens_sentence = _WORDS.search(text, s_start, first) is None
            if n < 4 and not opens_para and not (opens_sentence and self._after_said(first)):
                continue  # a scare-quoted word or title, not a quote unit
            if opens_para:
                intro = self._introduced_by_previous_paragraph(first)
                if intro:
                    unit.speaker, unit.cue = intro
                    self.units.append(unit)
                    continue
            unit.follow_on = opens_para or opens_sentence
            if not unit.follow_on and n < 6:
                continue  # a short phrase quoted inside a clause: a title or a term
            self.units.append(unit)

    def _after_said(self, first: int) -> bool:
        """A short quote opening the sentence right after an attributed quote and its "X
        said." ('“I would,” she said. “I would, Donald.”'): more of the same speaker's words."""
        if not self.units:
            return False
        prev = self.units[-1]
        if prev.type != "direct" or prev.cue is None or not prev.end <= prev.cue[0] < first:
            return False
        gap = self.text[prev.end:first]
        return len(gap) <= 60 and gap.rstrip()[-1:] in (".", "?", "!") and \
            not any(c in gap for c in _MARKS) and gap.count(".") == 1

    def _coordinated_end(self, last: int, end: int) -> int:
        """End of a mixed unit before a coordinated clause that reports anew after its quote:
        'X called the plan “a tax” [and said ...]', '... “a prayer” [but did not suggest
        ...]' (the verb a cue, at most two words after the conjunction)."""
        text = self.text
        if end - last < 8:
            return end
        m = _COORDINATED.search(text, last, end)
        if m is None or m.group(1).lower() not in REPORTING:
            return end
        return _trim(text, last, m.start())[1] if m.start() > last else last

    def _lead_in(self, unit: _Unit, first: int, last: int) -> None:
        """A quote attributed after it that ends a clause begun in the reporter's words
        ("The summit did “too little,” she said"): the clause is the content, a mixed unit."""
        text = self.text
        s0 = max(self.layout.sent_of(first)[0], self.layout.para_of(first)[0])
        if not _has_words(text, s0, first, 2):
            return
        lead = text[s0:first]
        if any(c in lead for c in _MARKS) or "''" in lead or lead.rstrip().endswith((":", ",")) \
                or not CUE_WORDS.isdisjoint(_WORDS.findall(lead.lower())):
            return  # another quotation, an introduction, or a cue of its own
        cs, _ = _trim(text, s0, first)
        unit.parts, unit.type = [(cs, last)], "mixed"

    def _headline_source(self, p_start: int, first: int, last: int
                         ) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """A headline that names its source before a colon: "Ana Ruiz: ‘The Port Will
        Reopen’", "Ana Ruiz: Port ‘Will Reopen Soon’" (a short paragraph that the quote
        ends, a short name, at most three words between the colon and the quote)."""
        text = self.text
        p_end = self.layout.para_of(p_start)[1]
        if p_end - p_start > HEADLINE_CHARS or text[last:p_end].strip(_TRIM_END):
            return None
        m = _HEADLINE_SOURCE.match(text, p_start, first)
        if not m or m.group(1).split()[0].lower() in NOT_SOURCES or \
                m.group(1).split()[0].lower() in PRONOUNS or \
                _has_words(text, m.end(), first, 4):
            return None
        return (m.start(1), m.end(1)), (m.end(1), m.end(1) + 1)

    def _introduced_by_previous_paragraph(
            self, first: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """A quote opening a paragraph after "Macron said:" ending the paragraph before."""
        pi = self.layout.para_index(first)
        if pi == 0:
            return None
        ps, pe = self.layout.paras[pi - 1]
        if self.text[pe - 1] not in ":,":
            return None
        s_start = self.layout.sent_of(pe - 1)[0]
        got = _attribute_head(self._tokens(max(s_start, ps), pe))
        if not got:
            return None
        return got[0], got[1]

    # ---------------------------------------------------------------- reported speech
    def reported(self) -> None:
        text = self.text
        taken = _Spans([(u.start, u.end) for u in self.units])
        quotes = _Spans()  # the quotation pass's units
        quotes.starts, quotes.ends = list(taken.starts), list(taken.ends)
        quoted = sorted(self.units, key=lambda u: u.start)
        marked = _Spans([p for u in quoted if u.type == "direct" for p in u.parts])
        qi = 0
        for s, e in self.layout.sents:
            if taken.covers(s, e):
                continue  # inside a quotation: the quoted words are no one's frame
            # The sentence's words that matter here, as a set: list look-ups of "According"
            # and "that" would read the whole sentence each time.
            hits = SENTENCE_TRIGGERS.intersection(_WORDS.findall(text, s, e))
            if "According" not in hits:
                found = hits & REPORTING
                if (not found or found <= THAT_ONLY and "that" not in hits) and (
                        "as" not in hits or AS_VERBS.isdisjoint(hits)):
                    continue  # no cue word that can fire (cues are lower case): nothing to tokenise
            toks = self._frame_tokens(s, e, marked) if marked.overlaps(s, e) else \
                self._tokens(s, e)
            if len(toks) < 4:
                continue
            while qi < len(quoted) and quoted[qi].start < s:
                qi += 1
            frame = None
            k = qi
            while k < len(quoted) and quoted[k].start < e:
                frame = quoted[k].speaker or frame
                k += 1
            acc = self._according(toks, s, e) if "according" in hits or "According" in hits \
                else None
            for unit in [acc] if acc else self._cue_clauses(toks, s, e, frame):
                if taken.overlaps(unit.start, unit.end):
                    continue
                if not _has_words(text, unit.start, unit.end, 3) and not (
                        unit.cue is not None and text[unit.cue[0]:unit.cue[1]] in OBJECT_VERBS
                        and _has_words(text, unit.start, unit.end, 2)):
                    continue  # a short object only for a stance ("X criticized [the plan]")
                if quotes.overlaps(s, e) and self._frames_a_quote(unit, quotes, s):
                    continue
                if unit.cue is not None and 0 <= unit.start - unit.cue[1] <= 7 and \
                        self._no_content(unit):
                    continue
                seg = text[unit.start:unit.end]
                unit.type = "mixed" if any(c in seg for c in "“”\"«»") or "''" in seg \
                    else "indirect"
                self.units.append(unit)
                taken.add(unit.start, unit.end)

    def _no_content(self, unit: _Unit) -> bool:
        """Words right after a cue that cannot be what was said: a coordinated phrase ("the
        cards they asked for [or were confused]", "what she wants [and her rivals ...]") or
        a circumstance ("what she said [when she resigned]")."""
        text = self.text
        if unit.cue is None or unit.start < unit.cue[1] or \
                text[unit.cue[1]:unit.start].strip() not in ("", "for", "on", "about", "of"):
            return False  # not right after the cue (or its particle: "asked for")
        m = _WORDS.match(text, unit.start)
        if m is None or m.group() not in NO_CONTENT_START:
            return False
        nxt = _WORDS.search(text, m.end(), unit.end)
        # "Ruiz laughed [and admitted ...]": a coordinated cue, its content follows
        return not (m.group() in ("and", "or") and nxt and nxt.group() in CUE_WORDS)

    def _frame_tokens(self, s: int, e: int, marked: _Spans) -> list[Tok]:
        """Tokens of a sentence outside its quotations, each quotation standing as its two
        marks: the quoted words can be no speaker, cue or content of reported speech."""
        text = self.text
        out: list[Tok] = []
        pos = s
        k = bisect_right(marked.ends, s)  # the first quotation ending after s
        while k < len(marked.starts) and marked.starts[k] < e:
            a, b = max(marked.starts[k], s), min(marked.ends[k], e)
            if a > pos:
                out.extend(self._tokens(pos, a))
            out.append(Tok(text[a], a))
            if b - 1 > a and text[b - 1] in _MARKS_AND_APOSTROPHE:
                out.append(Tok(text[b - 1], b - 1))
            pos = max(pos, b)
            k += 1
        if pos < e:
            out.extend(self._tokens(pos, e))
        return out

    def _frames_a_quote(self, unit: _Unit, taken: _Spans, s: int) -> bool:
        """Words around a quotation in its sentence that only frame it: '"...," X said
        [of the plan]' or '[When he arrived], he said, "..."'."""
        text = self.text
        first = _WORDS.match(text, unit.start)
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
        return not _has_words(text, taken.ends[k], unit.cue[0], 7)

    def _according(self, toks: list[Tok], s: int, e: int) -> _Unit | None:
        text = self.text
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
                cs, ce = _cut(text, toks[j].end, e)
            else:  # CONTENT, according to X.
                cs, ce = _trim(text, s, toks[v].start)
            if ce <= cs:
                return None
            return _Unit([(cs, ce)], "indirect", speaker, cue)
        return None

    def _cue_clauses(self, toks: list[Tok], s: int, e: int,
                     frame_speaker: tuple[int, int] | None) -> list[_Unit]:
        """Reported speech in one sentence, left to right (several units when it has them)."""
        out: list[_Unit] = []
        last_sp = frame_speaker
        done = -1  # characters up to here belong to a unit found already
        for v in [k for k, t in enumerate(toks) if t.low in CUE_WORDS]:
            if toks[v].start < done:
                continue
            got = self._cue_clause_at(toks, v, s, e, last_sp)
            if got is None:
                continue
            unit, sp = got
            if sp is not None:
                last_sp = sp
            if unit is not None:
                self._stop_at_next_report(toks, v, unit)
                out.append(unit)
                done = unit.end
        return out

    def _stop_at_next_report(self, toks: list[Tok], v: int, unit: _Unit) -> None:
        """End content that runs on into a coordinated clause reporting anew: "X said A, and
        Y said B", "X praised A and said B", "X vowed A, but Y is promising B"."""
        a, b = unit.parts[-1]
        if a < toks[v].end:
            return  # content before its cue ("A, X said")
        linked = False  # a conjunction seen in the content: only then can a clause follow
        for w in range(v + 2, len(toks)):
            t = toks[w]
            if t.start >= b:
                return
            if t.low in CLAUSE_LINKS:
                linked = True
                continue
            if not linked or t.low not in REPORTING or t.cap or t.start <= a:
                continue
            j = w
            while j > 0 and toks[j - 1].low in AUX and not toks[j - 1].cap:
                j -= 1  # "and has said"
            if toks[j - 1].low in CLAUSE_LINKS:
                k = j - 1  # the speaker goes on: "and said"
            else:
                sp = speaker_before(toks, w)
                if sp is None or sp[0] < 1 or toks[sp[0] - 1].low not in CLAUSE_LINKS:
                    continue
                k = sp[0] - 1  # a new speaker: ", and Y said"
            if k > 0 and toks[k - 1].text in (",", ";"):
                k -= 1
            cs, ce = _trim(self.text, a, toks[k].start)
            if _has_words(self.text, cs, ce, 2):
                unit.parts[-1] = (cs, ce)
            return

    def _cue_clause_at(self, toks: list[Tok], v: int, s: int, e: int,
                       last_sp: tuple[int, int] | None
                       ) -> tuple[_Unit | None, tuple[int, int] | None] | None:
        """The unit whose cue is ``toks[v]`` (and the speaker found), or None."""
        text = self.text
        t = toks[v]
        that_next = v + 1 < len(toks) and toks[v + 1].low == "that"
        if t.cap or t.low in NOUN_CHECKED_CUES and not that_next and _noun_cue(toks, v):
            return None
        if t.low in ADD_FORMS and v + 1 < len(toks) and toks[v + 1].low == "to" and \
                not _that_follows(toks, v + 2):
            return None  # "X added [to her lead]", "adding [to his wins]": no speech
        if t.low in PROGRESSIVE_CUES:
            b = v - 1
            while b > 0 and toks[b].low in AUX and toks[b].low not in BE_FINITE:
                b -= 1  # "is once again questioning"
            if b > 0 and toks[b].low in BE_FINITE:
                return self._progressive(toks, v, e)
        if t.low.endswith("ing"):
            # "..., adding that ..." / "..., saying ...": the sentence's speaker goes on.
            to_next = v + 1 < len(toks) and toks[v + 1].low == "to"
            if (v < 2 or toks[v - 1].text != "," or not (
                    (that_next or t.low in PARTICIPLE_CUES) and t.low in CUE_VERBS
                    or t.low in PARTICIPLE_OBJECTS
                    or t.low in PARTICIPLE_TO and (to_next or t.low in ("urging", "encouraging"))
                    or t.low in REFERRING and to_next)):
                return None
            # the speaker found earlier in the sentence, else the subject of its main verb
            subj = coordinated_subject(toks, v - 1) if last_sp is None else None
            sp = last_sp or (_span(toks, subj) if subj else None)
            if sp is None:
                return None
            cs_i = _content_start(toks, v + 1) if t.low == "telling" else \
                v + 2 if t.low in REFERRING else v + 1
            if cs_i is None or cs_i >= len(toks) or toks[cs_i].text in ("“", "\"", ":", ","):
                return None
            if t.low in PARTICIPLE_OBJECTS or t.low in REFERRING:  # "..., citing [the polls]"
                m = _OBJECT_END.search(text, toks[cs_i].start, e)
                cs, ce = _trim(text, toks[cs_i].start, m.start() if m else e)
            else:
                cs, ce = _cut(text, toks[cs_i].start, e)
            if not _has_words(text, cs, ce, 2):
                return None
            if t.low in REFERRING and text[cs:ce].rsplit(None, 1)[-1] in NAME_WORDS:
                return None  # "referring to [the country's official name]": the reporter's gloss
            return _Unit([(cs, ce)], "indirect", sp, (t.start, t.end)), None
        if t.low in AS_VERBS:
            return self._stance(toks, v, e) if not that_next else None
        if t.low in STANCE_VERBS and not that_next and not (
                t.low in CUE_VERBS and any(x.low == "that" for x in toks[v + 1:v + 4])):
            return self._stance(toks, v, e)
        shown = False  # "a new poll shows [...]", "[...], filings show"
        if t.low in SHOW_VERBS and not that_next:
            sp = speaker_before(toks, v)
            shown = sp is not None and toks[sp[1] - 1].low in DOCUMENTS
        if not ((t.low in CUE_VERBS and t.low not in QUOTE_ONLY_VERBS)
                or (that_next and t.low in THAT_VERBS) or shown):
            return None
        sp = speaker_before(toks, v)
        if sp is None and v > 1 and toks[v - 1].low in ("and", "but"):
            sp = coordinated_subject(toks, v - 1)
        antecedent = None
        w = v - 1
        while w > 2 and toks[w].low in AUX and not toks[w].cap:
            w -= 1  # "who has said"
        relative = sp is None and w > 1 and toks[w].low == "who"
        if relative:
            # "Ana Ruiz, who said [the pier ...]", "voters who said [...]": the speaker as
            # written is "who"
            named = speaker_before(toks, w - 1 if toks[w - 1].text == "," else w)
            if named is not None:
                antecedent, sp = _span(toks, named), (w, w + 1)
        if sp is None and v > 1 and toks[v - 1].low in PASSIVE_AUX and t.low.endswith("ed"):
            # "It was announced [that ...]": reported with no speaker
            k = next((x for x in range(v + 1, min(len(toks), v + 5)) if toks[x].low == "that"),
                     None)
            if k is not None:
                cs, ce = _cut(text, toks[k].start, e)
                if _has_words(text, cs, ce, 4):
                    return _Unit([(cs, ce)], "indirect", None, (toks[v - 1].start, t.end)), None
        if sp is None:
            # "..., said the spokesman."
            if v > 0 and toks[v - 1].text == "," and t.low in ("said", "says"):
                sa = speaker_after(toks, v)
                if sa and (sa[1] >= len(toks) or toks[sa[1]].text in (",", ".", ";", "!", "?")
                           or toks[sa[1]].low in TIME_WORDS):
                    cs, ce = _trim(text, s, toks[v - 1].start)
                    if ce > cs:
                        speaker = _span(toks, sa)
                        return _Unit([(cs, ce)], "indirect", speaker, (t.start, t.end)), speaker
            return None
        nxt_i = v + 1
        if t.low in ("told", "tells") and nxt_i < len(toks) and toks[nxt_i].word:
            # "..., X told reporters (on Tuesday)." : the listener stands before the end
            if toks[nxt_i].low in ("the", "a", "an", "his", "her", "their"):
                nxt_i += 1
            if nxt_i < len(toks) and toks[nxt_i].cap:
                while nxt_i < len(toks) and toks[nxt_i].cap:
                    nxt_i += 1
            elif nxt_i < len(toks) and toks[nxt_i].word:
                nxt_i += 1
        nxt = toks[nxt_i] if nxt_i < len(toks) else None
        if antecedent is None and sp[0] > 1 and toks[sp[0] - 1].text not in (",", "—", "–") and (
                nxt is None or nxt.text in (".", "!", "?") or nxt.low in TIME_WORDS):
            # "..., the mayor's spokesman said.", "..., port spokesman Tom Reyes said.": a
            # description the noun phrase left out, back to the comma
            k = sp[0]
            while k > 0 and sp[0] - k < 4 and toks[k - 1].word and \
                    toks[k - 1].low not in CUE_WORDS and toks[k - 1].low not in LEAD_STOP:
                k -= 1
            if 0 < k < sp[0] and toks[k - 1].text == ",":
                sp = (k, sp[1])
        speaker = _span(toks, sp)
        cue = (t.start, t.end)
        # "CONTENT, X said (Friday)." / "CONTENT, X said, adding ..." / "A, X said, B."
        if antecedent is None and sp[0] > 0 and toks[sp[0] - 1].text in (",", "—", "–", "”", "\"") and (
                nxt is None or nxt.text in (",", ".", ";", "!", "?") or nxt.low in TIME_WORDS
                and not _that_follows(toks, nxt_i)):
            parts = []
            cs, ce = _trim(text, s, toks[sp[0] - 1].start)
            if ce > cs:
                parts.append((cs, ce))
            if nxt is not None and nxt.text == "," and v + 2 < len(toks) and \
                    toks[v + 2].low not in CUE_VERBS and toks[v + 2].low not in REFERRING and \
                    toks[v + 2].text not in ("“", "\""):
                cs2, ce2 = _cut(text, toks[v + 2].start, e)
                if _has_words(text, cs2, ce2, 3):
                    parts.append((cs2, ce2))
            if len(parts) == 1 and parts[0][1] < toks[v].start and nxt is not None and \
                    nxt.text == "," and v + 2 < len(toks) and toks[v + 2].text in ("“", "\"") \
                    and _WORDS.match(text, parts[0][0]) and \
                    text[parts[0][0]:parts[0][0] + 8].split()[0].lower() in PREPOSITIONS:
                return None, speaker  # "On ABC's “...” Tuesday, he said, “...”": a frame
            if parts and _has_words(text, parts[0][0], parts[-1][1], 3):
                return _Unit(parts, "indirect", speaker, cue), speaker
            return None, speaker
        if nxt is not None and nxt.text == "," and not (
                v + 2 < len(toks) and toks[v + 2].text in ("“", "\"")):
            return None, speaker  # "X said, ..." is no clause of X's
        if t.low not in STRONG_CUES and not that_next and not shown:
            has_that = any(x.low == "that" for x in toks[v + 1:v + 4])
            if not has_that:
                return None, speaker
        c_i = _content_start(toks, v + 1)
        if c_i is None or toks[c_i].low in PREPOSITIONS:
            return None, speaker  # "X said [of the plan]": a circumstance, not the content
        cs, ce = _cut(text, toks[c_i].start, e)
        if relative and toks[w - 1].text == ",":
            # "Ruiz, who has said [the levy is unfair], voted ...": the clause ends at a comma
            comma = text.find(",", cs, ce)
            if comma > 0:
                cs, ce = _trim(text, cs, comma)
        if ce <= cs:
            return None, speaker
        return _Unit([(cs, ce)], "indirect", speaker, cue, antecedent=antecedent), \
            antecedent or speaker

    def _progressive(self, toks: list[Tok], v: int, e: int
                     ) -> tuple[_Unit | None, tuple[int, int] | None] | None:
        """A stance in the progressive: "X is demanding [an apology]", "X was arguing [that
        ...]", "X is promising [to act]". A named, pronoun or titled speaker only."""
        text = self.text
        t = toks[v]
        sp = speaker_before(toks, v)
        if sp is None:
            return None
        head = toks[sp[1] - 1]
        described = toks[sp[0]].low in ("the", "a", "an") and sp[1] - sp[0] > 1
        if not (head.cap or head.low in PRONOUNS or head.low in SPEAKER_NOUNS or described) or \
                head.text.endswith(("’s", "'s")) or head.low == "it":
            return None  # "the plan is promising", "it is worrying"
        speaker = _span(toks, sp)
        j = v + 1
        if j < len(toks) and toks[j].low in ("for", "on") and t.low.startswith("call"):
            j += 1
        if j >= len(toks) or not toks[j].word or toks[j].low in PREPOSITIONS:
            return None, speaker
        if toks[j].low in ("that", "to") or t.low in PARTICIPLE_CUES and t.low not in \
                PARTICIPLE_OBJECTS or t.low[:-3] in STRONG_CUES or t.low in ("saying", "telling"):
            cs, ce = _cut(text, toks[j].start, e)
        else:
            m = _OBJECT_END.search(text, toks[j].start, e)
            cs, ce = _trim(text, toks[j].start, m.start() if m else e)
        if not _has_words(text, cs, ce, 2):
            return None, speaker
        return _Unit([(cs, ce)], "indirect", speaker, (t.start, t.end)), speaker

    def _stance(self, toks: list[Tok], v: int, e: int
                ) -> tuple[_Unit | None, tuple[int, int] | None] | None:
        """A stance whose object is the content: "X criticized [the plan]", "X vowed [to
        act]", "X believes [he can win]". Only a named, pronoun or titled speaker."""
        text = self.text
        t = toks[v]
        sp = speaker_before(toks, v)
        if sp is None and v > 1 and toks[v - 1].low in ("and", "but"):
            sp = coordinated_subject(toks, v - 1)
        who: tuple[int, int] | None = None
        if sp is None and v > 2 and toks[v - 1].low == "who" and toks[v - 2].text == ",":
            sp = speaker_before(toks, v - 2)
            who = (toks[v - 1].start, toks[v - 1].end)  # "Ana Ruiz, who criticized [...]"
        if sp is None:
            return None
        head = toks[sp[1] - 1]
        if t.low == "called" and toks[sp[0]].low in ("a", "an"):
            return None  # "a group called Friends of the Harbor": a name, not a stance
        if toks[sp[0]].low in ("a", "an") and not t.low.endswith(("s", "ed")):
            return None  # "a Ukraine support summit": a singular subject needs "supports"
        described = toks[sp[0]].low in ("the", "a", "an") and sp[1] - sp[0] > 1
        if not (head.cap or head.low in PRONOUNS or head.low in SPEAKER_NOUNS or described) or \
                head.text.endswith(("’s", "'s")):
            return None  # "the mayor's plan to ...": a possessive, the verb is a noun
        speaker = _span(toks, sp)
        j = v + 1
        while j < len(toks) and toks[j].low in AUX and not toks[j].cap:
            j += 1  # "called again for"
        if j >= len(toks):
            return None, speaker
        low = toks[j].low
        if t.low in TO_VERBS and low != "to" and t.low not in OBJECT_VERBS:
            if not t.low.startswith(("want", "hope")):
                return None, speaker
        if t.low in BELIEF_VERBS and t.low not in TO_VERBS:
            # a clause: it opens with its subject
            if not (low in PRONOUNS or low in ("the", "a", "an", "his", "her", "their", "its")
                    or toks[j].cap and not t.low.startswith("kn")):
                return None, speaker
        if low in ("for", "on", "about", "of") and t.low not in BELIEF_VERBS:
            j += 1  # "called for [an inquiry]", "called on [Congress to act]"
        elif t.low.startswith("ask"):
            k = j
            while k < min(len(toks), j + 8) and toks[k].low not in WH_WORDS:
                k += 1
            if k < len(toks) and toks[k].low in WH_WORDS:
                j = k  # "asked the attorney [whether ...]"
        if j >= len(toks) or not toks[j].word or (
                (toks[j].low in PREPOSITIONS or toks[j].low in PLACE_ADVERBS)
                and j == v + 1 and toks[j].low != "for"):
            return None, speaker  # "the bureau cited [in the tweet]", "officials cited
            # [above]": a participle
        if t.low in OBJECT_VERBS and low != "to" or t.low in AS_VERBS:
            m = _OBJECT_END.search(text, toks[j].start, e)
            cs, ce = _trim(text, toks[j].start, m.start() if m else e)
        else:
            cs, ce = _cut(text, toks[j].start, e)
        if ce <= cs or t.low in AS_VERBS and not self._seen_as(cs, ce):
            return None, speaker
        if t.low in AS_VERBS:
            return _Unit([(cs, ce)], "indirect", speaker, (t.start, t.end), aside=True), speaker
        if who is not None:  # the mention as written is "who"; its antecedent the name
            return _Unit([(cs, ce)], "indirect", who, (t.start, t.end), antecedent=speaker), \
                speaker
        return _Unit([(cs, ce)], "indirect", speaker, (t.start, t.end)), speaker

    def _seen_as(self, cs: int, ce: int) -> bool:
        """Whether the object ``text[cs:ce]`` of a view verb holds "as" and what it is seen
        as ("[the levy as a tax]"), not a clause or a circumstance ("[the mayor as he
        left]", "[it as part of the deal]")."""
        k = self.text.find(" as ", cs, ce)
        if k <= cs:
            return False
        m = _WORDS.match(self.text, k + 4)
        return m is not None and m.group().lower() not in NOT_SEEN_AS

    # ---------------------------------------------------------------- headlines
    def headlines(self) -> None:
        text = self.text
        taken = _Spans([(u.start, u.end) for u in self.units])
        for ps, pe in self.layout.paras:
            if pe - ps > 200 or taken.overlaps(ps, pe):
                continue
            title = self._title_cue(ps, pe)
            if title:
                self.units.append(title)
                continue
            cue = None
            m = _HEADLINE_DASH.match(text, ps, pe) if text[pe - 1] not in ".!?”\"" else None
            if not m:
                # "Ana Ruiz: The Port Will Reopen." (a title: no sentence before it)
                m = _HEADLINE_COLON.match(text, ps, pe)
                if not m or not NOT_SOURCES.isdisjoint(m.group("n").lower().split()) or \
                        len(self.layout.sents_in(ps, pe)) > 1:
                    continue
                cue = (m.end("n"), m.end("n") + 1)
            name = m.group("n")
            if len(name.split()) > 4 or name.split()[0].lower() in PRONOUNS:
                continue
            cs, ce = _trim(text, m.start("c"), m.end("c"))
            if ce > cs:
                self.units.append(_Unit([(cs, ce)], "indirect", (m.start("n"), m.end("n")), cue))

    def _title_cue(self, ps: int, pe: int) -> _Unit | None:
        """A title-case headline whose cue is capitalised ("Ruiz Says Port Will Reopen")."""
        text = self.text
        if not _TITLE_CUE.search(text, ps, pe):
            return None
        words = _WORDS.findall(text, ps, pe)
        if len(words) < 4 or sum(1 for w in words if w[0].isupper()) < 0.6 * len(words):
            return None  # no title case
        m = _HEADLINE_SAYS.search(text, ps, pe)
        if m and m.start() > ps and text[m.start() - 2:m.start()] not in (": ", "— ", "– ", "- "):
            m = None  # the name opens the headline or follows its label ("Storm: Ruiz Says")
        m = m or _HEADLINE_SAYS_AFTER.match(text, ps, pe)
        if not m or m.group("n").split()[0].lower() in PRONOUNS | NOT_SOURCES:
            return None
        cs, ce = _trim(text, m.start("c"), m.end("c"))
        if not _has_words(text, cs, ce, 3):
            return None
        return _Unit([(cs, ce)], "indirect", (m.start("n"), m.end("n")),
                     (m.start("v"), m.end("v")))

    # ---------------------------------------------------------------- assembly
    def finish(self) -> list[Quote]:
        text, layout = self.text, self.layout
        quoted = self.quoted
        resolver = Resolver(text, lambda pos: quoted.overlaps(pos, pos + 1))
        kept: list[_Unit] = []
        for u in sorted(self.units, key=lambda u: (u.start, -u.end)):
            if kept and u.start < kept[-1].end:
                continue
            kept.append(u)
        out: list[Quote] = []
        bounds = layout.bounds
        last_person: str | None = None
        last_speaker: tuple[str, str | None, int | None, int | None, int] | None = None
        for u in kept:
            start, end = u.start, u.end
            para, s_lo, s_hi, p_lo, p_hi = bounds(start, end)
            spk_text = spk_s = spk_e = name = None
            if u.speaker:
                spk_s, spk_e = u.speaker
                if any(a < spk_e and spk_s < b for a, b in u.parts):
                    spk_s = spk_e = None
                else:
                    spk_text = text[spk_s:spk_e]
                    ref = text[u.antecedent[0]:u.antecedent[1]] if u.antecedent else spk_text
                    name = resolver.resolve(ref, spk_s, last_person,
                                            last_speaker[1] if last_speaker else None)
                    appos = _APPOS_NAME.match(text, spk_e)
                    if appos and (name is None or spk_text.split()[0].lower() in
                                  ("the", "a", "an")):
                        name = appos.group(1)  # "the President of France, Emmanuel Macron,"
            elif u.follow_on and last_speaker and para - last_speaker[4] <= 2:
                spk_text, name, spk_s, spk_e = last_speaker[0], last_speaker[1], \
                    last_speaker[2], last_speaker[3]
            if u.aside:
                pass  # "voters see [Y as Z]": the quotes around it are not theirs
            elif spk_text is not None and name:
                low = spk_text.lower()
                if low not in PRONOUNS or low in PERSON_PRONOUNS:
                    last_person = name if _is_person(name) else last_person
                if u.antecedent and u.speaker and spk_s is not None:
                    # "Ruiz, who said ...": follow-on quotes are Ruiz's, not "who"'s
                    a_s, a_e = u.antecedent
                    last_speaker = (text[a_s:a_e], name, a_s, a_e, para)
                else:
                    last_speaker = (spk_text, name, spk_s, spk_e, para)
            elif spk_text is not None and spk_text.lower() not in PRONOUNS:
                # A description with no name found ("the harbor master"): its follow-on quotes
                # are still its own.
                last_speaker = (spk_text, None, spk_s, spk_e, para)
            cue = u.cue
            out.append(_quote(  # Quote(start, end, ...), every field in order
                start, end, text[start:end], u.type,
                tuple(u.parts) if len(u.parts) > 1 else None,
                spk_text, spk_s, spk_e, name if spk_text is not None else None,
                text[cue[0]:cue[1]] if cue else None, cue[0] if cue else None,
                cue[1] if cue else None, s_lo, s_hi, p_lo, p_hi))
        return out


def _is_person(name: str) -> bool:
    return NOT_PERSON_WORDS.isdisjoint(name.lower().split())


def run(text: str) -> list[Quote]:
    eng = _Engine(text)
    eng.quotations()
    eng.reported()
    eng.headlines()
    return eng.finish()


__all__ = ["run", "Marked"]
