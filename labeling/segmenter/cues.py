"""Cue clauses: the reported-speech unit a cue word opens, in one sentence ("X said (that)
...", "..., X said", "X criticized [the plan]", "X is demanding [...]", "..., adding that
..."), and where its content stops."""

from __future__ import annotations

import re
from typing import TypeAlias

from labeling.segmenter.clauses import WORDS, content_start, cut, has_words, trim
from labeling.segmenter.document import Unit, span
from labeling.segmenter.lexicon import (
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
    LEAD_STOP,
    NAME_WORDS,
    NOT_SEEN_AS,
    NOUN_CHECKED_CUES,
    NOUN_FIRST_CUES,
    NOUN_LIKE_CUES,
    OBJECT_VERBS,
    PARTICIPLE_CUES,
    PARTICIPLE_OBJECTS,
    PARTICIPLE_TO,
    PASSIVE_AUX,
    PLACE_ADVERBS,
    PREPOSITIONS,
    PROGRESSIVE_CUES,
    PRONOUNS,
    QUOTE_ONLY_VERBS,
    REFERRING,
    REPORTING,
    SHOW_VERBS,
    SPEAKER_NOUNS,
    STANCE_VERBS,
    STRONG_CUES,
    THAT_VERBS,
    TIME_WORDS,
    TO_VERBS,
    WH_WORDS,
)
from labeling.segmenter.speakers import coordinated_subject, speaker_after, speaker_before
from labeling.segmenter.words import Tok

# A noun-phrase object ends at a clause break.
_OBJECT_END = re.compile(r"[,;:\s](?:(?<=[,;:])|(?<=\s)[—–-]{1,2}\s|(?<=\s)(?:but|because|after|"
                         r"while|when|before|since|although|though|and then)\s)")


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


def cue_clauses(text: str, toks: list[Tok], s: int, e: int,
                 frame_speaker: tuple[int, int] | None) -> list[Unit]:
    """Reported speech in one sentence, left to right (several units when it has them)."""
    out: list[Unit] = []
    last_sp = frame_speaker
    done = -1  # characters up to here belong to a unit found already
    for v in [k for k, t in enumerate(toks) if t.low in CUE_WORDS]:
        if toks[v].start < done:
            continue
        got = _cue_clause_at(text, toks, v, s, e, last_sp)
        if got is None:
            continue
        unit, sp = got
        if sp is not None:
            last_sp = sp
        if unit is not None:
            _stop_at_next_report(text, toks, v, unit)
            out.append(unit)
            done = unit.end
    return out


def _stop_at_next_report(text: str, toks: list[Tok], v: int, unit: Unit) -> None:
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
        cs, ce = trim(text, a, toks[k].start)
        if has_words(text, cs, ce, 2):
            unit.parts[-1] = (cs, ce)
        return


# What a cue word yields: the unit it opens (or None) and the speaker found, which the
# sentence's later participles take ("..., adding that ..."); or None for no clause at all.
Found: TypeAlias = "tuple[Unit | None, tuple[int, int] | None] | None"


def _cue_clause_at(text: str, toks: list[Tok], v: int, s: int, e: int,
                   last_sp: tuple[int, int] | None) -> Found:
    """The unit whose cue is ``toks[v]`` (and the speaker found), or None.

    A noun reading or "added to" is no cue; otherwise the cue word's kind picks the step
    that reads it: a progressive stance after "be", a participle after a comma, a view or a
    stance verb, else a reporting verb (or a finding a document "shows")."""
    t = toks[v]
    that_next = v + 1 < len(toks) and toks[v + 1].low == "that"
    if t.cap or t.low in NOUN_CHECKED_CUES and not that_next and _noun_cue(toks, v):
        return None
    if t.low in ADD_FORMS and v + 1 < len(toks) and toks[v + 1].low == "to" and \
            not _that_follows(toks, v + 2):
        return None  # "X added [to her lead]", "adding [to his wins]": no speech
    if t.low in PROGRESSIVE_CUES and _after_be(toks, v):
        return _progressive(text, toks, v, e)
    if t.low.endswith("ing"):
        return _participle_clause(text, toks, v, e, last_sp, that_next)
    if t.low in AS_VERBS:
        return _stance(text, toks, v, e) if not that_next else None
    if t.low in STANCE_VERBS and not that_next and not (
            t.low in CUE_VERBS and any(x.low == "that" for x in toks[v + 1:v + 4])):
        return _stance(text, toks, v, e)
    # "a new poll shows [...]", "[...], filings show"
    shown = t.low in SHOW_VERBS and not that_next and _shown_by_document(toks, v)
    if not ((t.low in CUE_VERBS and t.low not in QUOTE_ONLY_VERBS)
            or (that_next and t.low in THAT_VERBS) or shown):
        return None
    return _reporting_clause(text, toks, v, s, e, that_next, shown)


def _after_be(toks: list[Tok], v: int) -> bool:
    """Whether a finite "be" stands before ``toks[v]``, past auxiliaries and adverbs ("is
    once again questioning")."""
    b = v - 1
    while b > 0 and toks[b].low in AUX and toks[b].low not in BE_FINITE:
        b -= 1
    return b > 0 and toks[b].low in BE_FINITE


def _shown_by_document(toks: list[Tok], v: int) -> bool:
    """Whether the subject of ``toks[v]`` ("shows", "found") is a document, a poll or a
    record: their findings are attributions too."""
    sp = speaker_before(toks, v)
    return sp is not None and toks[sp[1] - 1].low in DOCUMENTS


def _participle_clause(text: str, toks: list[Tok], v: int, e: int,
                       last_sp: tuple[int, int] | None, that_next: bool) -> Found:
    """"..., adding that ...", "..., saying ...", "..., citing [the polls]", "..., urging
    [voters to act]": the sentence's speaker goes on (the one found earlier in it, else the
    subject of its main verb)."""
    t = toks[v]
    to_next = v + 1 < len(toks) and toks[v + 1].low == "to"
    if (v < 2 or toks[v - 1].text != "," or not (
            (that_next or t.low in PARTICIPLE_CUES) and t.low in CUE_VERBS
            or t.low in PARTICIPLE_OBJECTS
            or t.low in PARTICIPLE_TO and (to_next or t.low in ("urging", "encouraging"))
            or t.low in REFERRING and to_next)):
        return None
    subj = coordinated_subject(toks, v - 1) if last_sp is None else None
    sp = last_sp or (span(toks, subj) if subj else None)
    if sp is None:
        return None
    cs_i = content_start(toks, v + 1) if t.low == "telling" else \
        v + 2 if t.low in REFERRING else v + 1
    if cs_i is None or cs_i >= len(toks) or toks[cs_i].text in ("“", "\"", ":", ","):
        return None
    if t.low in PARTICIPLE_OBJECTS or t.low in REFERRING:  # "..., citing [the polls]"
        m = _OBJECT_END.search(text, toks[cs_i].start, e)
        cs, ce = trim(text, toks[cs_i].start, m.start() if m else e)
    else:
        cs, ce = cut(text, toks[cs_i].start, e)
    if not has_words(text, cs, ce, 2):
        return None
    if t.low in REFERRING and text[cs:ce].rsplit(None, 1)[-1] in NAME_WORDS:
        return None  # "referring to [the country's official name]": the reporter's gloss
    return Unit([(cs, ce)], "indirect", sp, (t.start, t.end)), None


def _reporting_clause(text: str, toks: list[Tok], v: int, s: int, e: int,
                      that_next: bool, shown: bool) -> Found:
    """A reporting verb's clause: its speaker (see ``_subject``), then its content before
    the speaker ("CONTENT, X said", see ``_content_before``) or after the cue ("X said
    (that) CONTENT", "X told reporters CONTENT")."""
    t = toks[v]
    sp, antecedent, in_commas = _subject(toks, v)
    if sp is None:
        return _passive_report(text, toks, v, e) or _speaker_after_comma(text, toks, v, s)
    nxt_i = _after_listener(toks, v)
    nxt = toks[nxt_i] if nxt_i < len(toks) else None
    if antecedent is None:
        sp = _with_description(toks, sp, nxt)
    speaker = span(toks, sp)
    cue = (t.start, t.end)
    # "CONTENT, X said (Friday)." / "CONTENT, X said, adding ..." / "A, X said, B."
    if antecedent is None and sp[0] > 0 and toks[sp[0] - 1].text in (",", "—", "–", "”", "\"") and (
            nxt is None or nxt.text in (",", ".", ";", "!", "?") or nxt.low in TIME_WORDS
            and not _that_follows(toks, nxt_i)):
        return _content_before(text, toks, v, s, e, sp, nxt), speaker
    if nxt is not None and nxt.text == "," and not (
            v + 2 < len(toks) and toks[v + 2].text in ("“", "\"")):
        return None, speaker  # "X said, ..." is no clause of X's
    if t.low not in STRONG_CUES and not that_next and not shown:
        has_that = any(x.low == "that" for x in toks[v + 1:v + 4])
        if not has_that:
            return None, speaker
    c_i = content_start(toks, v + 1)
    if c_i is None or toks[c_i].low in PREPOSITIONS:
        return None, speaker  # "X said [of the plan]": a circumstance, not the content
    cs, ce = cut(text, toks[c_i].start, e)
    if in_commas:
        # "Ruiz, who has said [the levy is unfair], voted ...": the clause ends at a comma
        comma = text.find(",", cs, ce)
        if comma > 0:
            cs, ce = trim(text, cs, comma)
    if ce <= cs:
        return None, speaker
    return Unit([(cs, ce)], "indirect", speaker, cue, antecedent=antecedent), \
        antecedent or speaker


def _subject(toks: list[Tok], v: int
             ) -> tuple[tuple[int, int] | None, tuple[int, int] | None, bool]:
    """(speaker, antecedent, set off by commas) of the cue ``toks[v]``: the noun phrase
    before it, the subject of a verb it is coordinated with ("Ruiz met them and said"), or
    a relative "who" ("Ana Ruiz, who said [...]", "voters who said [...]"): then the speaker
    as written is "who", its antecedent the name, and a relative set off by commas ends its
    content at the next comma."""
    sp = speaker_before(toks, v)
    if sp is None and v > 1 and toks[v - 1].low in ("and", "but"):
        sp = coordinated_subject(toks, v - 1)
    antecedent = None
    w = v - 1
    while w > 2 and toks[w].low in AUX and not toks[w].cap:
        w -= 1  # "who has said"
    relative = sp is None and w > 1 and toks[w].low == "who"
    if relative:
        named = speaker_before(toks, w - 1 if toks[w - 1].text == "," else w)
        if named is not None:
            antecedent, sp = span(toks, named), (w, w + 1)
    return sp, antecedent, relative and toks[w - 1].text == ","


def _passive_report(text: str, toks: list[Tok], v: int, e: int) -> Found:
    """"It was announced [that ...]": reported with no speaker (the cue is "was announced")."""
    t = toks[v]
    if v > 1 and toks[v - 1].low in PASSIVE_AUX and t.low.endswith("ed"):
        k = next((x for x in range(v + 1, min(len(toks), v + 5)) if toks[x].low == "that"),
                 None)
        if k is not None:
            cs, ce = cut(text, toks[k].start, e)
            if has_words(text, cs, ce, 4):
                return Unit([(cs, ce)], "indirect", None, (toks[v - 1].start, t.end)), None
    return None


def _speaker_after_comma(text: str, toks: list[Tok], v: int, s: int) -> Found:
    """"CONTENT, said the spokesman.": an inverted cue after its content."""
    t = toks[v]
    if v > 0 and toks[v - 1].text == "," and t.low in ("said", "says"):
        sa = speaker_after(toks, v)
        if sa and (sa[1] >= len(toks) or toks[sa[1]].text in (",", ".", ";", "!", "?")
                   or toks[sa[1]].low in TIME_WORDS):
            cs, ce = trim(text, s, toks[v - 1].start)
            if ce > cs:
                speaker = span(toks, sa)
                return Unit([(cs, ce)], "indirect", speaker, (t.start, t.end)), speaker
    return None


def _after_listener(toks: list[Tok], v: int) -> int:
    """Index of the token after the cue ``toks[v]``, past its listener for "told"/"tells"
    ("..., X told reporters (on Tuesday).": the listener stands before the end)."""
    nxt_i = v + 1
    if toks[v].low in ("told", "tells") and nxt_i < len(toks) and toks[nxt_i].word:
        if toks[nxt_i].low in ("the", "a", "an", "his", "her", "their"):
            nxt_i += 1
        if nxt_i < len(toks) and toks[nxt_i].cap:
            while nxt_i < len(toks) and toks[nxt_i].cap:
                nxt_i += 1
        elif nxt_i < len(toks) and toks[nxt_i].word:
            nxt_i += 1
    return nxt_i


def _with_description(toks: list[Tok], sp: tuple[int, int], nxt: Tok | None
                      ) -> tuple[int, int]:
    """The speaker widened back to the comma before it when the noun phrase left out a
    description: "..., the mayor's spokesman said.", "..., port spokesman Tom Reyes said."
    (only for a cue that ends the sentence or a time phrase after it)."""
    if sp[0] > 1 and toks[sp[0] - 1].text not in (",", "—", "–") and (
            nxt is None or nxt.text in (".", "!", "?") or nxt.low in TIME_WORDS):
        k = sp[0]
        while k > 0 and sp[0] - k < 4 and toks[k - 1].word and \
                toks[k - 1].low not in CUE_WORDS and toks[k - 1].low not in LEAD_STOP:
            k -= 1
        if 0 < k < sp[0] and toks[k - 1].text == ",":
            return (k, sp[1])
    return sp


def _content_before(text: str, toks: list[Tok], v: int, s: int, e: int, sp: tuple[int, int],
                    nxt: Tok | None) -> Unit | None:
    """The unit of "CONTENT, X said (Friday).", "CONTENT, X said, adding ..." and "A, X
    said, B." (then in two parts), or None when the words before are only a frame ("On
    ABC's “...” Tuesday, he said, “...”") or too short."""
    t = toks[v]
    parts = []
    cs, ce = trim(text, s, toks[sp[0] - 1].start)
    if ce > cs:
        parts.append((cs, ce))
    if nxt is not None and nxt.text == "," and v + 2 < len(toks) and \
            toks[v + 2].low not in CUE_VERBS and toks[v + 2].low not in REFERRING and \
            toks[v + 2].text not in ("“", "\""):
        cs2, ce2 = cut(text, toks[v + 2].start, e)
        if has_words(text, cs2, ce2, 3):
            parts.append((cs2, ce2))
    if len(parts) == 1 and parts[0][1] < toks[v].start and nxt is not None and \
            nxt.text == "," and v + 2 < len(toks) and toks[v + 2].text in ("“", "\"") \
            and WORDS.match(text, parts[0][0]) and \
            text[parts[0][0]:parts[0][0] + 8].split()[0].lower() in PREPOSITIONS:
        return None  # "On ABC's “...” Tuesday, he said, “...”": a frame
    if parts and has_words(text, parts[0][0], parts[-1][1], 3):
        return Unit(parts, "indirect", span(toks, sp), (t.start, t.end))
    return None


def _progressive(text: str, toks: list[Tok], v: int, e: int) -> Found:
    """A stance in the progressive: "X is demanding [an apology]", "X was arguing [that
    ...]", "X is promising [to act]". A named, pronoun or titled speaker only."""
    t = toks[v]
    sp = speaker_before(toks, v)
    if sp is None:
        return None
    head = toks[sp[1] - 1]
    described = toks[sp[0]].low in ("the", "a", "an") and sp[1] - sp[0] > 1
    if not (head.cap or head.low in PRONOUNS or head.low in SPEAKER_NOUNS or described) or \
            head.text.endswith(("’s", "'s")) or head.low == "it":
        return None  # "the plan is promising", "it is worrying"
    speaker = span(toks, sp)
    j = v + 1
    if j < len(toks) and toks[j].low in ("for", "on") and t.low.startswith("call"):
        j += 1
    if j >= len(toks) or not toks[j].word or toks[j].low in PREPOSITIONS:
        return None, speaker
    if toks[j].low in ("that", "to") or t.low in PARTICIPLE_CUES and t.low not in \
            PARTICIPLE_OBJECTS or t.low[:-3] in STRONG_CUES or t.low in ("saying", "telling"):
        cs, ce = cut(text, toks[j].start, e)
    else:
        m = _OBJECT_END.search(text, toks[j].start, e)
        cs, ce = trim(text, toks[j].start, m.start() if m else e)
    if not has_words(text, cs, ce, 2):
        return None, speaker
    return Unit([(cs, ce)], "indirect", speaker, (t.start, t.end)), speaker


def _stance(text: str, toks: list[Tok], v: int, e: int) -> Found:
    """A stance whose object is the content: "X criticized [the plan]", "X vowed [to
    act]", "X believes [he can win]". Only a named, pronoun or titled speaker."""
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
    speaker = span(toks, sp)
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
        cs, ce = trim(text, toks[j].start, m.start() if m else e)
    else:
        cs, ce = cut(text, toks[j].start, e)
    if ce <= cs or t.low in AS_VERBS and not _seen_as(text, cs, ce):
        return None, speaker
    if t.low in AS_VERBS:
        return Unit([(cs, ce)], "indirect", speaker, (t.start, t.end), aside=True), speaker
    if who is not None:  # the mention as written is "who"; its antecedent the name
        return Unit([(cs, ce)], "indirect", who, (t.start, t.end), antecedent=speaker), \
            speaker
    return Unit([(cs, ce)], "indirect", speaker, (t.start, t.end)), speaker


def _seen_as(text: str, cs: int, ce: int) -> bool:
    """Whether the object ``text[cs:ce]`` of a view verb holds "as" and what it is seen
    as ("[the levy as a tax]"), not a clause or a circumstance ("[the mayor as he
    left]", "[it as part of the deal]")."""
    k = text.find(" as ", cs, ce)
    if k <= cs:
        return False
    m = WORDS.match(text, k + 4)
    return m is not None and m.group().lower() not in NOT_SEEN_AS
