"""The frame of a quotation: the speaker and the cue in the words after it ('"...," Ruiz
said') or before it ('Ruiz said: "..."', 'Ruiz attacked "..."', 'Ruiz posted: "..."')."""

from __future__ import annotations

from labeling.segmenter.document import span
from labeling.segmenter.lexicon import (
    CUE_VERBS,
    NOT_AGENT,
    OBJECT_LINKS,
    PERSON_NOUNS,
    PRONOUNS,
    QUOTE_STANCES,
    SPEAKER_NOUNS,
    TAIL_SUBORDINATORS,
    TELL_FORMS,
    TITLES,
)
from labeling.segmenter.speakers import coordinated_subject, noun_reading, speaker_after, speaker_before
from labeling.segmenter.words import Tok

DASHES = frozenset("―—–-")


def attribute_tail(text: str, toks: list[Tok]) -> tuple[tuple[int, int], tuple[int, int], int] | None:
    """(speaker span, cue span, index after the cue phrase) from words after a quote."""
    if len(toks) >= 2 and toks[0].text in DASHES and toks[1].cap:
        # '“...” ― Ana Ruiz': a signature after a dash, alone up to the line's end
        j = 1
        while j < len(toks) and j < 7 and (toks[j].cap or toks[j].text in ".’'-"):
            j += 1
        if j == len(toks) or (j == len(toks) - 1 and toks[j].text == "."):
            return span(toks, (1, j)), (toks[0].start, toks[0].end), j
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
                return span(toks, sp), (t.start, t.end), sp[1]
            return None
        sp = speaker_before(toks, v)
        if sp and sp[0] >= k:
            return span(toks, sp), (t.start, t.end), v + 1
        return None
    return None


def attribute_head(toks: list[Tok]) -> tuple[tuple[int, int], tuple[int, int], int] | None:
    """(speaker, cue, index of the first token after the cue) from words before a quote."""
    if not toks:
        return None
    # A round-up line "Pollsters agree - Ana Ruiz: “...”": the name after the dash
    if len(toks) >= 4 and toks[-1].text == ":":
        d = len(toks) - 2
        while d > 0 and len(toks) - d <= 6 and (toks[d].cap or toks[d].text in ".’'&"):
            d -= 1
        if toks[d].text in DASHES and d < len(toks) - 2 and toks[d + 1].cap:
            return span(toks, (d + 1, len(toks) - 1)), (toks[-1].start, toks[-1].end), \
                len(toks)
    for v in range(len(toks) - 1):
        if toks[v].low == "according" and toks[v + 1].low == "to":
            j = v + 2
            while j < len(toks) and toks[j].text != ",":
                j += 1
            if j > v + 2 and j >= len(toks) - 1:
                return span(toks, (v + 2, j)), (toks[v].start, toks[v + 1].end), len(toks)
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
                    return span(toks, sp), (t.start, t.end), v + 1
            if v < 2 or toks[v - 1].text not in (",", "by") or len(toks) - v > 6:
                continue
            sp = coordinated_subject(toks, v - 1)
            if sp is None:
                continue
            return span(toks, sp), (t.start, t.end), v + 1
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
        return span(toks, sp), (t.start, t.end), v + 1
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
    got = attribute_head(toks[:j + 1])
    if got is None or got[1][0] != c.start:
        return None
    return got


def stance_head(toks: list[Tok]
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
        return span(toks, sp), (t.start, t.end), toks[v + 1].start if mixed else None
    return None


def colon_intro(toks: list[Tok]) -> tuple[tuple[int, int], tuple[int, int], int] | None:
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
        return span(toks, sp), (toks[-1].start, toks[-1].end), len(toks)
    return None
