"""Resolve speaker mentions ("he", "the French leader", "Macron") to names.

Names are collected from the text as it is read: runs of capitalised words with at least
two words ("Emmanuel Macron"), with the titles written before them ("French President")
and appositions after them ("Olaf Scholz, the German chancellor") as descriptions.
A pronoun refers to the last person speaker; a description to the most recent name whose
description shares its words (else the last speaker); a surname to the full name.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field

from labeling.segmenter.lexicon import (
    ANONYMOUS_NOUNS,
    GENERIC_TITLES,
    HEADLINE_SMALL_WORDS,
    NAME_TITLES,
    NAMED_NOUNS,
    ORG_KINDS,
    ORG_WORDS,
    PERSON_NOUNS,
    PERSON_PRONOUNS,
    PLACE_WORDS,
    PRONOUNS,
    SENTENCE_OPENERS,
    SPEAKER_NOUNS,
    THE_OF,
)

# A capital not inside a word ("O’Neill" holds no second name), then the rest of a first word
# or initials, then more words. The pattern opens with the capital (the check on the character
# before it comes after), so that the regex engine jumps from capital to capital.
_NAME = re.compile(
    r"([A-Z](?<![\w’'][A-Z])(?:[a-z]+|\.(?:[A-Z]\.)*)(?:[ \-](?:(?:de|da|van|von|bin|al|le|la)"
    r"[ \-])?(?:[A-Z][a-zA-Z’'\-]+|[A-Z]\.))+)"
)
NAMED_WITH_CHARS = 3000  # how far back "the campaign" looks for "the Ruiz campaign"
SALIENT_PEOPLE = 6  # people a bare description ("the businessman") may refer to
LOOKBACK = 400  # names looked at, nearest first, when resolving a mention
_AGE = re.compile(r",\s+(\d{1,3}),")
_MENTION_END = re.compile(r",| (?:of|for|at|with|from|in|on) ")
_POSSESSIVE = re.compile(r"[’']s?$")
_NATIONALITY = re.compile(r"[A-Z][a-z]+(?:an|ian|ish|ese|ch|i)$")
# The endings _NATIONALITY ends with ("ian" ends with "an"): a string test before the regex,
# which then runs for a word in ten. (Exact for words without white space, as ``split`` gives
# them: "$" also matches before a final line break.)
_NATIONALITY_ENDS = ("an", "ish", "ese", "ch", "i")
_APPOS = re.compile(r",\s+(?:the|a|an)\s+([^,.;]{3,60}?)(?:,|\.|;| said| says)")


def _after_titles(words: list[str]) -> int:
    """Index of the first name word after any title words ("Polish President ...")."""
    last = -1
    for k, w in enumerate(words[:-1]):
        if w.lower().rstrip(".,") in NAME_TITLES or (
                k == 0 and w.endswith(_NATIONALITY_ENDS) and _NATIONALITY.match(w)):
            last = k
    return last + 1


@dataclass
class Entity:
    name: str
    pos: int
    words: set[str] = field(default_factory=set)  # description words (titles, apposition)
    quoted: bool = False  # named inside a quotation: the quoted speaker's words, not the story's

    @property
    def person(self) -> bool:
        low = self.name.lower().split()
        return not (set(low) & ORG_WORDS or set(low) & PLACE_WORDS)


class Resolver:
    """Collects names from ``text`` once, then resolves mentions by position."""

    def __init__(self, text: str, quoted: Callable[[int], bool] | None = None):
        self.text = text
        self._quoted = quoted or (lambda pos: False)
        self.entities: list[Entity] = []
        self._positions: list[int] = []  # ascending: finditer order
        self._names = _NAME.finditer(text)
        self._read_to = -1  # every name starting before this position is collected
        # Full names by their last word ("Macron" -> positions, "Emmanuel Macron"), in order.
        self._by_surname: dict[str, tuple[list[int], list[str]]] = {}

    def _collect(self, pos: int) -> None:
        """Collect names up to ``pos``, lazily: text after the last mention is never read."""
        text, names = self.text, self._names
        entities, positions, by_surname = self.entities, self._positions, self._by_surname
        while self._read_to < pos:
            m = next(names, None)
            if m is None:
                self._read_to = len(text) + 1
                return
            start = m.start()
            self._read_to = start + 1
            words = m.group(1).split()
            # Drop title words at the front ("Polish President Andrzej Duda"): what
            # _after_titles does, written out (a call less per name).
            lead = 0
            for k in range(len(words) - 1):
                w = words[k]
                if w.lower().rstrip(".,") in NAME_TITLES or k == 0 and \
                        w.endswith(_NATIONALITY_ENDS) and _NATIONALITY.match(w):
                    lead = k + 1
            while lead < len(words) - 1 and words[lead].lower() in SENTENCE_OPENERS:
                lead += 1
            name_words = words[lead:]
            # (Most names have no title and two words: the tests below skip empty loops.)
            titled = lead > 0 and any(w.lower().rstrip(".") in NAME_TITLES for w in words[:lead])
            if len(name_words) < 2 and not titled:
                continue
            if len(name_words) == 2:
                if name_words[1].lower() in HEADLINE_SMALL_WORDS:
                    continue  # a Title Case headline, not a name
            elif any(w.lower() in HEADLINE_SMALL_WORDS for w in name_words[1:]):
                continue
            # A possessive names its owner: "Ana Ruiz’s plan" mentions "Ana Ruiz".
            if name_words[-1][-1] in "s’'":
                poss = _POSSESSIVE.search(name_words[-1])
                if poss:
                    name_words = name_words[:-1] + [name_words[-1][:poss.start()]]
            desc = {w.lower().rstrip(".") for w in words[:lead]} if lead else set()
            # Title words written just before the name ("the French president Macron").
            for w in reversed(text[max(0, start - 40):start].split()):
                lw = w.lower().rstrip(".,")
                if lw in NAME_TITLES or w.endswith(_NATIONALITY_ENDS) and _NATIONALITY.match(w):
                    desc.add(lw)
                    continue
                break
            end = m.end()
            if text.startswith(",", end):
                appos = _APPOS.match(text, end)
                if appos:
                    desc |= set(appos.group(1).lower().split())
                age = _AGE.match(text, end)
                if age:  # "Ana Ruiz, 46, said": "the 46-year-old"
                    desc.add(age.group(1) + "-year-old")
            name = " ".join(name_words)
            entities.append(Entity(name, start, desc - THE_OF, self._quoted(start)))
            positions.append(start)
            if len(name_words) > 1:
                found = by_surname.get(name_words[-1])
                if found is None:  # (not ``setdefault``, which would build two lists per name)
                    found = by_surname[name_words[-1]] = ([], [])
                found[0].append(start)
                found[1].append(name)

    def _before(self, pos: int) -> Iterator[Entity]:
        """Entities before ``pos``, nearest first, at most LOOKBACK of them.

        Bounded so that resolving every mention of a huge text stays linear in its length.
        """
        self._collect(pos)
        k = bisect_left(self._positions, pos)
        for i in range(k - 1, max(-1, k - 1 - LOOKBACK), -1):
            e = self.entities[i]
            if not e.quoted:  # a name inside a quotation is the quoted speaker's referent
                yield e

    def full_name(self, surname: str, pos: int) -> str | None:
        """The last full name before ``pos`` that ends with ``surname``."""
        self._collect(pos + len(surname) + 1)
        found = self._by_surname.get(surname)
        if not found:
            return None
        k = bisect_left(found[0], pos + len(surname) + 1)
        return found[1][k - 1] if k else None

    def resolve(self, mention: str, pos: int, last_person: str | None,
                last_speaker: str | None) -> str | None:
        """The name ``mention`` (at ``pos``) refers to, or None."""
        # The head of a longer mention: "Ana Ruiz, 59, of Ashton", "a lawyer for the port".
        words = mention.split()
        cut = _MENTION_END.search(mention)
        if cut and cut.start() > 0:
            front = mention[:cut.start()].split()
            caps = [w for w in front if w[:1].isupper()]
            if not caps or cut.group() == "," or len(caps) >= 2 and \
                    front[-1].lower().rstrip(".") not in NAME_TITLES | ORG_WORDS:
                words = front  # a description ("a lawyer for the port") or a person's name
        low = [w.lower().rstrip(".,") for w in words]
        if not words:
            return None
        if low[0] in PRONOUNS and len(words) == 1:
            if low[0] in PERSON_PRONOUNS:
                return last_person or self._last_person(pos)
            if low[0] in ("it", "they"):  # an organisation ("the committee ... it stated")
                return self._last_org(pos)
            return None  # we / you / I: the writer or a crowd, no name to give
        if low[0] in ("the", "a", "an") and len(words) > 2 and words[-1][:1].isupper() and \
                words[-2][:1].isupper() and low[-1] not in NAME_TITLES:
            words, low = words[1:], low[1:]  # "the Rev. Peter Wherry": a name after all
        elif low[0] in ("the", "a", "an") or low[-1] in SPEAKER_NOUNS and not words[-1][0].isupper():
            if low[0] in ("a", "an"):
                return None  # "a source", "an aide": someone new, not someone named before
            head = low[-1]
            mods = set(low[1:-1]) - {"the", "a", "an"}
            wanted = GENERIC_TITLES.get(head, {head})
            before = list(self._before(pos))
            best: str | None = None
            tests: list[Callable[[Entity], bool]] = [
                lambda e: bool(e.words & wanted) and (not mods or bool(mods & e.words))]
            if mods:
                tests.append(lambda e: bool(mods & e.words))
            else:
                tests.append(lambda e: bool(e.words & wanted))
            # "the fund" -> "International Coastal Fund", "the panel" -> "Harbor Review Panel"
            tests.append(lambda e: head in e.name.lower().split())
            for test in tests:
                best = next((e.name for e in before if test(e)), None)
                if best:
                    break
            if best is None and low[0] == "the" and (
                    head in PERSON_NOUNS and head not in ANONYMOUS_NOUNS
                    or head.endswith("-year-old")) and not any(
                    w[:1].isupper() for w in words[1:-1]):
                # "the businessman", "the senator": the person the story is about (not when
                # a name-like modifier tells which one: "the Vermont senator")
                best = self._salient_person(pos)
            elif best is None and low[0] == "the" and head in NAMED_NOUNS:
                if any(w[:1].isupper() for w in words[1:-1]):
                    best = " ".join(words[1:])  # "the Ruiz campaign" is a name
                else:
                    best = self._named_with(head, pos)  # "the campaign": "the Ruiz campaign"
            if best is None and len(low) == 2 and low[0] == "the" and head in ORG_KINDS:
                # "Harborline said ... the company said"
                best = self._org_speaker(last_speaker, ORG_KINDS[head])
            return best
        # A name: strip leading descriptions and titles, expand a surname.
        first_cap = next((k for k, w in enumerate(words) if w[:1].isupper()), 0)
        words = words[first_cap:]
        i = _after_titles(words)
        core = " ".join([w.strip(",") for w in words[i:]])
        if len(core.split()) == 1:
            return self.full_name(core, pos) or core
        return core

    def _named_with(self, noun: str, pos: int) -> str | None:
        """The last "Capitalised Words NOUN" before ``pos`` ("the Ruiz campaign", "a Harbor
        College poll"): what "the NOUN" refers to."""
        if not noun.isalpha():
            return None
        text = self.text
        lo = max(0, pos - NAMED_WITH_CHARS)
        found = None
        # One to four capitalised words, the first spelt out so that the pattern opens with a
        # character class (the regex engine then jumps from capital to capital).
        words_then = r"([A-Z][\w’'&-]*\s+(?:[A-Z][\w’'&-]*\s+){0,3})"
        for m in re.finditer(words_then + noun + r"\b", text[lo:pos]):
            words = m.group(1).split()
            while words and words[0].lower() in SENTENCE_OPENERS:
                words = words[1:]
            if words and not self._quoted(lo + m.start()):
                found = " ".join(words + [noun])
        return found

    def _salient_person(self, pos: int) -> str | None:
        """Of the last few people named before ``pos``, the one named most often so far (by
        surname; the latest on a tie)."""
        best, best_n, seen = None, 0, set()
        for e in self._before(pos):
            if not e.person or e.name in seen:
                continue
            seen.add(e.name)
            n = self.text.count(e.name.split()[-1], 0, pos)
            if n > best_n:
                best, best_n = e.name, n
            if len(seen) >= SALIENT_PEOPLE:
                break
        return best

    def _org_speaker(self, name: str | None, kinds: Collection[str]) -> str | None:
        """The last speaker if it is an organisation: a name with one of the words ``kinds``,
        or one capitalised word in the singular that is no person's surname ("Harborline")."""
        if not name:
            return None
        low = name.lower().split()
        if any(w in kinds for w in low):
            return name
        if len(low) == 1 and name[:1].isupper() and name not in self._by_surname and \
                low[0] not in PRONOUNS and not low[0].endswith("s"):
            return name
        return None

    def _last_org(self, pos: int) -> str | None:
        for e in self._before(pos):
            if set(e.name.lower().split()) & ORG_WORDS:
                return e.name
        return None

    def _last_person(self, pos: int) -> str | None:
        for e in self._before(pos):
            if e.person:
                return e.name
        return None
