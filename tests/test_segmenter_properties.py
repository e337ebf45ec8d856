"""Invariants of the segmenter on any string (Hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labeling.segmenter import segment

from .helpers import anything, quote_heavy


def check(text: str) -> None:
    units = segment(text)
    last_end = -1
    for u in units:
        assert 0 <= u.start < u.end <= len(text)
        assert text[u.start:u.end] == u.text
        assert u.start >= last_end, "units overlap"
        last_end = u.end
        parts = u.parts or ((u.start, u.end),)
        for a, b in parts:
            assert u.start <= a < b <= u.end
        if u.speaker_start is not None:
            assert u.speaker_end is not None and 0 <= u.speaker_start < u.speaker_end <= len(text)
            assert text[u.speaker_start:u.speaker_end] == u.speaker
            for a, b in parts:
                assert u.speaker_end <= a or u.speaker_start >= b, "speaker inside quote"
        if u.cue_start is not None:
            assert text[u.cue_start:u.cue_end] == u.cue
        assert u.sentence_start <= u.start and u.end <= u.sentence_end
        assert u.paragraph_start <= u.start and u.end <= u.paragraph_end
        assert u.type in ("direct", "indirect", "mixed")
    assert segment(text) == units  # deterministic


@given(anything)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_string(text: str) -> None:
    check(text)


@given(quote_heavy)
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_quote_heavy_strings(text: str) -> None:
    check(text)


def test_huge_and_odd_inputs() -> None:
    check("“" * 5000 + "said Macron" + "”" * 5000)
    check("\x00\ud800 said “x” \U0010ffff")
    check(("Macron said that troops are an option. " * 2000) + "“unclosed")


@given(quote_heavy, st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), max_size=8))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_shared_token_ranges(text: str, ranges: list[tuple[int, int]]) -> None:
    """Tokens built from ranges tokenised before (same start or same end) are those of a
    fresh tokenisation."""
    from labeling.segmenter.document import Doc
    from labeling.segmenter.words import tokens

    doc = Doc(text)
    n = len(text)
    asked = []
    for a, b in ranges:
        s, e = sorted((a % (n + 1), b % (n + 1)))
        # Ranges that share a start or an end with one asked before, as the passes ask them.
        asked += [(s, e), (s, n), (0, e)] if e > s else []
    for s, e in asked:
        got = [(t.text, t.start, t.low) for t in doc.tokens(s, e)]
        assert got == [(t.text, t.start, t.low) for t in tokens(text, s, e)]


@given(st.text(alphabet=st.sampled_from(list("AaBcdeGhIiKnrsSt.,’'-") + ["é"]), max_size=14))
@settings(max_examples=2000, deadline=None)
def test_nationality_ending_prefilter(word: str) -> None:
    # Name collection tests a word's ending before running the nationality pattern: the
    # test must never reject a word the pattern accepts. (Words as ``split`` gives them: no
    # white space, where "$" could match before a final line break.)
    from labeling.segmenter.coref import _NATIONALITY, _NATIONALITY_ENDS

    for w in (word, word.title(), "Dan" + word, word + "ian", word + "i"):
        fast = w.endswith(_NATIONALITY_ENDS) and _NATIONALITY.match(w) is not None
        assert fast == (_NATIONALITY.match(w) is not None)
