"""Word tokens with their offsets: what every pass reads."""

from __future__ import annotations

import re

from labeling.segmenter.lexicon import CUE_VERBS

# Words (with inner apostrophes, hyphens, dots of initials), or single punctuation marks:
# the tokens of "(?:[A-Z]\.){2,}|\w[\w’'\-.&]*\w|\w|[^\w\s]". Written to open with one
# character class (any non-space), which lets the regex engine skip white space without trying
# each alternative there; after that first character come the rest of initials ("U.S."), the
# rest of a word (back to its last letter or digit), or nothing (a punctuation mark).
_TOKEN = re.compile(r"\S(?:(?<=[A-Z])\.(?:[A-Z]\.)+|(?<=\w)[\w’'\-.&]*(?<=\w)|)")
# The white space before a token, and the token: what ``tokens`` reads.
_SPACE_TOKEN = re.compile(r"(\s*)(" + _TOKEN.pattern + ")")


class Tok:
    """A token with its offsets; ``low`` is computed once (and the same way in ``tokens``),
    ``end``, ``cap`` and ``word`` when asked (most tokens never are)."""

    __slots__ = ("text", "start", "low")

    def __init__(self, text: str, start: int):
        self.text = text
        self.start = start
        self.low = text.lower().rstrip(".")  # "U.S." -> "u.s"; "." -> ""

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def cap(self) -> bool:
        return self.text[0].isupper()

    @property
    def word(self) -> bool:
        return self.text[0].isalnum()


def tokens(text: str, start: int, end: int) -> list[Tok]:
    # A word token ends with a letter or digit: a full stop after it belongs to the sentence
    # (only initials, "U.S.", keep theirs).
    # The hottest loop of the segmenter: what Tok.__init__ does, written out (a call less
    # per token), and offsets counted from the lengths of the white space before each token
    # and of the token (``findall`` of pairs: no match object, no method call per token).
    out: list[Tok] = []
    append = out.append
    new = object.__new__
    pos = start
    for space, word in _SPACE_TOKEN.findall(text, start, end):
        t = new(Tok)
        t.text = word
        t.start = pos = pos + len(space)
        pos += len(word)
        t.low = word.lower().rstrip(".")
        append(t)
    return out


def is_cue(tok: Tok) -> bool:
    return tok.low in CUE_VERBS
