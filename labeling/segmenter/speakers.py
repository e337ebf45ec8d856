"""Speakers: the noun phrase before a cue ("the port's spokesman said"), after an inverted
cue ("said Ana Ruiz"), or the subject of an earlier verb that a cue is coordinated with
("Ruiz met them and said"), as token ranges."""

from __future__ import annotations

from labeling.segmenter.lexicon import (
    ABBREVIATIONS,
    ADJECTIVE_ENDINGS,
    AFTER_PARTICIPLE,
    AMBIGUOUS,
    AUX,
    BE_FORMS,
    CIRCUMSTANCE_PREPOSITIONS,
    CLAUSE_STARTS,
    CUE_VERBS,
    DETERMINERS,
    NON_NAMES,
    NOT_HEADS,
    NOUN_LOOKALIKES,
    NOUN_MARKERS,
    NOUN_PREPOSITIONS,
    PERSON_NOUNS,
    PHRASE_BREAKS,
    PRONOUNS,
    QUANTIFIERS,
    SPEAKER_NOUNS,
    SPEAKER_PREPOSITIONS,
    THAT_VERBS,
    TIME_NOUNS,
    TIME_OPENERS,
    TIME_WORDS,
    TITLES,
)
from labeling.segmenter.words import Tok


def _common_head(tok: Tok) -> bool:
    """A lower-case word that can head a description ("protest groups", "the legend")."""
    low = tok.low
    return (not tok.cap and tok.text.isalpha() and len(low) > 2 and low not in NOT_HEADS
            and (not low.endswith(("ly",) + ADJECTIVE_ENDINGS) or low in NOUN_LOOKALIKES)
            and low not in CUE_VERBS and low not in THAT_VERBS)


def _adverb(tok: Tok) -> bool:
    """An auxiliary or an adverb between a speaker and its verb ("has also", "did",
    "similarly", "subsequently")."""
    if tok.cap:
        return False
    low = tok.low
    return low in AUX or (low.endswith("ly") and tok.text.isalpha() and low not in SPEAKER_NOUNS
                          and low not in NOUN_LOOKALIKES)


def _np_word(tok: Tok) -> bool:
    low = tok.low
    if not tok.word:
        return tok.text in ("’", "'", ".", "-", "(", ")")
    if low in PHRASE_BREAKS or low in CUE_VERBS and not tok.cap:
        return False
    return True


def _object_of(toks: list[Tok], i: int) -> bool:
    """Whether the phrase starting at ``toks[i]`` is the object of a verb or a preposition
    ("winning Ohio", "in the primary"), hence no subject."""
    if i == 0:
        return False
    prev = toks[i - 1]
    return not prev.cap and prev.text.isalpha() and (
        prev.low in SPEAKER_PREPOSITIONS
        or (prev.low.endswith(("ing", "ed")) and prev.low not in SPEAKER_NOUNS))


def noun_reading(toks: list[Tok], x: int) -> bool:
    """A cue word read as a noun after a determiner ("one of the states", "the reports")."""
    return x > 0 and toks[x].low in AMBIGUOUS and toks[x - 1].low in NOUN_MARKERS


def participle_phrase(toks: list[Tok], i: int) -> bool:
    """``toks[i]`` opens a participle phrase set off after a comma: "Ruiz, speaking to
    reporters, said", "Robert Fico, criticized by some for ..., acknowledged", "Ulf
    Kristersson, poised to join NATO, downplayed" (a past participle, then a preposition:
    not the verb of a clause)."""
    low = toks[i].low
    return i > 0 and toks[i - 1].text == "," and (low.endswith("ing") or (
        low.endswith("ed") and i + 1 < len(toks) and toks[i + 1].low in AFTER_PARTICIPLE))


def _verb_in_apposition(toks: list[Tok], x: int) -> bool:
    """A cue verb inside a would-be apposition (then it is a clause of its own)."""
    # after a determiner or a possessive it is a noun: "criticized for his caution"
    return toks[x].low in CUE_VERBS and not (x > 0 and toks[x - 1].low in NOUN_MARKERS)


def _time_phrase(toks: list[Tok], j: int) -> bool:
    """Whether ``toks[j - 2:j]`` is a time phrase between a subject and its verb ("on
    Monday", "last week", "in 2011")."""
    opener, noun = toks[j - 2], toks[j - 1]
    return opener.low in TIME_OPENERS and not opener.cap and (
        noun.low in TIME_NOUNS or noun.text.isdigit() and len(noun.text) == 4
        and opener.low == "in") and toks[j - 3].word


def speaker_before(toks: list[Tok], verb: int, limit: int = 8,
                   pp: bool = True) -> tuple[int, int] | None:
    """Token range [i, j) of the speaker noun phrase ending right before ``toks[verb]``.

    Skips auxiliaries and adverbs ("has also said") and a prepositional phrase after a name
    ("Ruiz at the time said"); keeps one inside a description ("a spokesman for the port
    said"); handles comma-set appositions ("Olaf Scholz, the German chancellor, said") by
    returning the name before them.
    """
    j = verb
    while j > 0 and _adverb(toks[j - 1]):
        j -= 1
    if j > 2 and _time_phrase(toks, j):
        j -= 2  # "Ana Ruiz on Monday said", "the council last week endorsed"
        while j > 0 and _adverb(toks[j - 1]):
            j -= 1
    if j == 0:
        return None
    if j < verb and any(toks[k].low in BE_FORMS for k in range(j, verb)) and \
            not toks[verb].low.endswith("ing"):
        return None  # passive ("was first reported by"): the subject is no speaker
    # Apposition: NAME , APPOSITION , verb (and NAME , APPOSITION , APPOSITION , verb)
    if toks[j - 1].text == ",":
        k = j - 2
        for _ in range(2):
            while k >= 0 and toks[k].text != "," and j - k < 30:
                k -= 1
            if not (k > 0 and toks[k].text == "," and toks[k + 1].low not in CLAUSE_STARTS and (
                    toks[k + 1].low == "who" or not any(
                        _verb_in_apposition(toks, x) for x in range(
                            # a participle phrase: "Ruiz, speaking to reporters, said"
                            k + 2 if participle_phrase(toks, k + 1) else k + 1, j - 1)))):
                break
            name = speaker_before(toks, k, limit)
            if name and (toks[name[1] - 1].cap or toks[name[0]].low in DETERMINERS
                         or toks[name[1] - 1].low in SPEAKER_NOUNS):
                if name[0] > 1 and toks[name[0] - 1].text == "," and (
                        not toks[name[1] - 1].cap or toks[name[0]].low in DETERMINERS):
                    k = name[0] - 1  # an apposition itself: the name is before it
                    continue
                if not _object_of(toks, name[0]):
                    return name  # "Olaf Scholz, the chancellor, said"; "the hawks, like X, say"
                # "After winning Ohio in the primary, Gov. Ana Ruiz (R), said": the name is
                # what stands between the commas.
                mid = speaker_before(toks, j - 1, limit)
                if mid and mid[0] == k + 1 and toks[mid[1] - 1].cap:
                    return mid
                break
            if name is not None or toks[k - 1].text == ",":
                break
            k -= 1  # "Ana Ruiz, the port's lawyer, one of its founders, said"
        return None
    if toks[j - 1].text == ")":  # "Ana Ruiz (D-Ore.) said": the name before the brackets
        k = j - 2
        while k > 0 and toks[k].text != "(" and j - k < 8:
            k -= 1
        if k > 0 and toks[k].text == "(":
            j = k
    np = _noun_phrase(toks, j, verb, limit)
    if not pp:
        return np
    # A prepositional phrase right before the cue.
    if np is None:
        # "Ruiz at the time said", "who has in the past described": skip it.
        k = j - 1
        while k > 0 and j - k <= 4 and toks[k].text.isalpha() and not toks[k].cap and \
                toks[k].low not in SPEAKER_PREPOSITIONS and toks[k].low not in PHRASE_BREAKS:
            k -= 1
        if k > 0 and k < j - 1 and toks[k].low in CIRCUMSTANCE_PREPOSITIONS and not toks[k].cap and \
                toks[verb].low not in AMBIGUOUS:
            before = speaker_before(toks, k, limit, pp=False)
            if before and (toks[before[1] - 1].cap or toks[before[1] - 1].low in PRONOUNS):
                return before
        return None
    i = np[0]
    if i > 1 and toks[i - 1].low in SPEAKER_PREPOSITIONS and not toks[i - 1].cap:
        if i > 2 and toks[i - 2].low.endswith("ing") and toks[i - 2].text.isalpha() and \
                not toks[i - 2].cap and toks[i - 2].low not in CUE_VERBS:
            # "Protesters marching through the streets chanted": the participle's subject
            subj = speaker_before(toks, i - 2, limit, pp=False)
            if subj is not None and subj[1] == i - 2 and (toks[subj[1] - 1].cap or toks[subj[1] - 1].low in
                                     SPEAKER_NOUNS or toks[subj[1] - 1].low in PERSON_NOUNS):
                return subj
        before = speaker_before(toks, i - 1, limit, pp=False)
        if before is None:
            return np
        head, prep, named = toks[before[1] - 1], toks[i - 1].low, toks[np[1] - 1].cap
        if prep in NOUN_PREPOSITIONS and (head.low in SPEAKER_NOUNS or head.low in PERSON_NOUNS) or \
                head.cap and named and prep in ("of", "for", "on"):
            # "the head of the agency", "a spokesman for the port", "Council on Trade"
            return (before[0], np[1])
        if (head.cap or head.low in PRONOUNS) and not named and prep in CIRCUMSTANCE_PREPOSITIONS:
            return before  # "Ruiz at the rally said": the phrase is a circumstance
    return np


def _noun_phrase(toks: list[Tok], j: int, verb: int, limit: int) -> tuple[int, int] | None:
    """The noun phrase ending at ``toks[j - 1]`` that can be the subject of ``toks[verb]``."""
    last = toks[j - 1]
    if last.low in PRONOUNS:
        return (j - 1, j)
    if toks[verb].low in AMBIGUOUS and (not last.cap or last.low.endswith(("’s", "'s"))):
        return None  # "member states", "the editor's note"
    common = _common_head(last) or not last.cap and last.low.endswith("-year-old")
    if not _np_word(last) or not (last.cap or last.low in SPEAKER_NOUNS or last.text == ")"
                                  or common):
        return None
    i = j - 1
    while i > 0 and j - i < limit:
        prev = toks[i - 1]
        if prev.low in ("the", "a", "an") or prev.low in QUANTIFIERS and not prev.cap:
            i -= 1  # "the spokesman", "one port official"
            if i > 0 and toks[i].low in QUANTIFIERS and toks[i - 1].low == "the":
                i -= 1  # "the two senators"
            break
        if prev.text == "." and i > 1 and _abbreviation(toks[i - 2]) and toks[i].cap:
            i -= 2  # "Mr. Okafor", "Sen. Ada Lowe"
            continue
        if not _np_word(prev):
            break
        if prev.low in TIME_WORDS and not prev.cap:
            break
        if not prev.cap and prev.low not in SPEAKER_NOUNS and prev.low not in TITLES:
            # lower-case modifiers only inside a description ("top black lawmakers")
            if not ((last.low in SPEAKER_NOUNS or common) and not last.cap and j - i <= 3
                    and prev.text.isalpha() and prev.low not in NOT_HEADS):
                break
        i -= 1
    # Trim a leading sentence word that is no name ("Meanwhile Macron said").
    while i < j - 1 and toks[i].low in NON_NAMES and toks[i].low not in ("the", "a", "an"):
        i += 1
    head = toks[j - 1]
    if head.low in NON_NAMES and head.low not in PRONOUNS:
        return None
    return (i, j)


def _abbreviation(tok: Tok) -> bool:
    """A title or an initial that a full stop follows inside a name ("Mr.", "Ana M.")."""
    return tok.low in ABBREVIATIONS or (len(tok.text) == 1 and tok.cap)


def _noun_ahead(toks: list[Tok], j: int) -> bool:
    """A speaker noun within the next three words ("a [senior port] official")."""
    for k in range(j, min(len(toks), j + 3)):
        if toks[k].low in SPEAKER_NOUNS:
            return True
        if not toks[k].text.isalpha():
            return False
    return False


def speaker_after(toks: list[Tok], verb: int, limit: int = 10) -> tuple[int, int] | None:
    """Token range of the speaker right after an inverted cue ("said Macron")."""
    i = verb + 1
    if i >= len(toks):
        return None
    first = toks[i]
    if first.low in PRONOUNS:
        return (i, i + 1)
    j = i
    if toks[j].low in ("the", "a", "an"):
        j += 1
    lead = j  # where a lower-case role before a name may stand ("said 9/11 widow Ana Ruiz")
    while lead < len(toks) and lead - i < 3 and (toks[lead].text[:1].isdigit() or
                                                 toks[lead].text == "/"):
        lead += 1
    if lead > j and lead + 1 < len(toks) and toks[lead + 1].cap:
        j = lead
    while j < len(toks) and j - i < limit:
        t = toks[j]
        if j == lead and not t.cap and t.text.isalpha() and t.low not in NOT_HEADS and \
                t.low not in SPEAKER_PREPOSITIONS and j + 2 < len(toks) and toks[j + 1].cap and \
                toks[j + 2].cap:
            j += 1  # "said 9/11 widow Ana Ruiz", "said attorney Ana Ruiz"
            continue
        if t.text == "." and j > i and _abbreviation(toks[j - 1]) and \
                j + 1 < len(toks) and toks[j + 1].cap:
            j += 1  # "Mr. Okafor", "the Rev. Ada Lowe"
            continue
        if t.text in (",", ";", ":", ".") or (not t.word and t.text not in ("’", "'", "-")):
            break
        if not t.cap and t.low not in SPEAKER_NOUNS and t.low not in TITLES and not (
                t.text.isalpha() and _noun_ahead(toks, j + 1)) and not (
                t.low.endswith("year-old") and j == i + 1):
            break  # ("said the 52-year-old": an age as the description)
        if t.low in TIME_WORDS and not t.cap:
            break
        j += 1
    while j > i + 1 and not toks[j - 1].cap and toks[j - 1].low not in SPEAKER_NOUNS and \
            not toks[j - 1].low.endswith("year-old"):
        j -= 1  # "said the Rev. Ada Lowe [of the]"
    if j == i + 1 and toks[i].low in ("the", "a", "an"):
        # "says a narrator.", "said the tall man who ...": any noun closing the phrase
        k = j
        while k < len(toks) and k - j < 3 and _common_head(toks[k]):
            k += 1
        if k > j and (k == len(toks) or toks[k].text in (",", ".", ";", "!", "?")
                      or toks[k].low in ("who", "of", "at", "in", "from", "with")):
            return (i, k)
    if j == i or (j == i + 1 and toks[i].low in ("the", "a", "an")):
        return None
    last = toks[j - 1]
    if not (last.cap or last.low in SPEAKER_NOUNS or last.low.endswith("year-old")):
        return None
    return (i, j)


def coordinated_subject(toks: list[Tok], conj: int) -> tuple[int, int] | None:
    """The subject of a cue coordinated with an earlier verb ("Ruiz met them and said ...",
    "Sanders, who endorsed him, and said ..."): the speaker of the clause's first verb."""
    for m in range(1, conj):
        t = toks[m]
        if t.cap or not t.text.replace("’", "").replace("'", "").isalpha():
            continue
        low = t.low
        if toks[m - 1].low == "who" and m > 2 and toks[m - 2].text == ",":
            return speaker_before(toks, m - 2)  # "NAME, who VERB ... and said"
        if not (low.endswith(("ed", "n’t", "n't")) or low in BE_FORMS
                or low in ("has", "have", "had", "will") or low in CUE_VERBS):
            continue
        if participle_phrase(toks, m) and any(
                toks[n].text == "," and toks[n + 1].low.endswith("ed") for n in range(m + 1, conj - 1)):
            continue  # "X, poised to join NATO, downplayed the idea, stating ..."
        sp = speaker_before(toks, m)
        if sp is not None and toks[sp[0]].low not in PRONOUNS or sp is not None and sp[0] == 0:
            return sp
        return None
    return None
