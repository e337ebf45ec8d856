"""The learned layer: a token tagger (a linear-chain CRF) on top of the rule engine.

Pure: text, the rule engine's units and an in-memory model in, units out; no file I/O
(reading and writing model folders, and training, live in :mod:`labeling.learn`).

Every paragraph is one sequence of tokens. Each token gets one of seven tags, BIO for
three roles: ``Q`` the reported content, ``S`` its source (the speaker), ``C`` the cue.
Its features are the word and its neighbours, its shape, the lexicon's word classes
(speech, belief, "to" and object verbs, speaker nouns, pronouns), whether it sits inside
quotation marks, inside a rule unit (and which type), the rule unit's speaker or cue,
its distance to the nearest cue word of the sentence, and its place in the sentence.

:func:`apply` merges the tagger's content spans with the rule units:
- a rule unit stays as it is (its offsets, parts, speaker and resolved name) unless the
  tagger tags none of its words as content and gives each a content probability below
  ``DROP_BELOW``: then the model says it is no quote and it is dropped (types in ``keep``
  are never dropped);
- a tagged span that no rule unit covers (the scorer's criterion: the overlap is at least
  half of both) and that overlaps no kept unit becomes a new unit, with the nearest tagged
  cue of its paragraph as cue and as speaker a tagged source of its own sentences (the
  nearest to the cue) or else the paragraph's nearest, if it has at least ``MIN_WORDS``
  words and a source or a cue, and its words' mean content probability is at least
  ``add_above``.
Every unit's offsets index the text exactly (``text[start:end]``).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any, Protocol

from labeling.segmenter.lexicon import (
    BELIEF_VERBS,
    CUE_VERBS,
    LEARNED_CUE_WORDS,
    OBJECT_VERBS,
    PRONOUNS,
    SPEAKER_NOUNS,
    THAT_VERBS,
    TO_VERBS,
)
from labeling.segmenter.types import Quote

# Bump when the features or tags change: a model trained on other features is refused.
FEATURES = "crf-tokens-v1"
TAGS = ("O", "B-Q", "I-Q", "B-S", "I-S", "B-C", "I-C")

MIN_WORDS = 4  # the fewest words of a unit the model adds
# A new unit's words need at least this mean content probability (the default; a model's
# manifest sets its own): 0.9 trades 1.2 points of F1 on PolNeAR dev for no loss on another
# corpus (the Vaccination news) with a model trained on PolNeAR.
ADD_ABOVE = 0.9
DROP_BELOW = 0.1  # a rule unit whose words all have a lower content probability is dropped
_TOKEN = re.compile(r"\w+(?:[’'.\-]\w+)*|[^\w\s]")
_PARAGRAPH = re.compile(r"[^\n]+")
_OPEN = frozenset("“«„")
_CLOSE = frozenset("”»")
_STRAIGHT = '"'
_QUOTE_CHARS = _OPEN | _CLOSE | {_STRAIGHT}
_SENT_END = frozenset(".!?")


def _lexclass(low: str) -> str:
    if low in CUE_VERBS or low in LEARNED_CUE_WORDS:
        return "cue"
    if low in THAT_VERBS or low in BELIEF_VERBS:
        return "bel"
    if low in TO_VERBS:
        return "to"
    if low in OBJECT_VERBS:
        return "obj"
    if low in SPEAKER_NOUNS:
        return "spk"
    if low in PRONOUNS:
        return "pro"
    return "-"


def _shape(w: str) -> str:
    if w.isalpha():
        if w.islower():
            return "x"
        if w.isupper():
            return "X" if len(w) > 1 else "Xx"
        return "Xx" if w[0].isupper() else "xX"
    if w.isdigit():
        return "d"
    if len(w) == 1:
        return w
    return "m"


def _bucket(d: int) -> str:
    if d < 0:
        return "n"
    if d <= 3:
        return str(d)
    if d <= 6:
        return "6"
    if d <= 12:
        return "12"
    return "far"


_BUCKETS = ("n", "0", "1", "2", "3", "6", "12", "far")


def _bi(d: int) -> int:
    """The index in _BUCKETS of a distance (-1: none)."""
    return _BUCKETS.index(_bucket(d)) if d < 0 or d > 3 else d + 1


# _bi of -1, 0, 1, ... 13 (index d + 1), and of every larger distance: one list index.
_BI = tuple(_bi(d) for d in range(-1, 14))
_BI_FAR = _bi(13)


_DL = tuple("dl=" + b for b in _BUCKETS)
_DR = tuple("dr=" + b for b in _BUCKETS)
_DLR = tuple(tuple(f"dlr={a}|{b}" for b in _BUCKETS) for a in _BUCKETS)
_SP = ("sp=0", "sp=1", "sp=2")
_ROLES = ("-", "qd", "qm", "qi", "s", "c")
_ROLE = {(r, bg): "r=" + r + ("B" if bg else "") for r in _ROLES for bg in (False, True)}
_ROLE_Q = {(r, q): "rq=" + r + ("1" if q else "0") for r in _ROLES for q in (False, True)}
# Per word: its own features, as a neighbour's, its lowercase form (index 12), lexicon
# feature prefix (13) and "1" if it is a cue or belief word (14; else ""). Words repeat, so
# building them once pays.
_WORD_CACHE: dict[str, tuple[str, ...]] = {}


def _word_features(word: str) -> tuple[str, ...]:
    w = word.lower()
    lx = _lexclass(w)
    t = ("w=" + w, "sh=" + _shape(word), "s3=" + w[-3:], "w-1=" + w, "w+1=" + w, "w-2=" + w,
         "w+2=" + w, "l=" + lx, "l-1=" + lx, "l+1=" + lx, "l-2=" + lx, "l+2=" + lx, w,
         "lw=" + lx + "|", "1" if lx in ("cue", "bel") else "")
    _WORD_CACHE[word] = t
    return t


def _pad(tok: str) -> tuple[str, ...]:
    return ("w=" + tok, "sh=" + tok, "s3=" + tok, "w-1=" + tok, "w+1=" + tok, "w-2=" + tok,
            "w+2=" + tok, "l=" + tok, "l-1=" + tok, "l+1=" + tok, "l-2=" + tok, "l+2=" + tok,
            tok, "lw=" + tok + "|", "")


_PAD0, _PAD1 = _pad("<s>"), _pad("</s>")


class Tagger(Protocol):
    """What :func:`apply` needs of a tagger: for each paragraph its tags and each token's
    content probability (B-Q plus I-Q). :class:`CompiledModel` is one; :class:`CrfsuiteTagger`
    wraps ``pycrfsuite.Tagger``."""

    def tag_paragraphs(self, pars: Sequence[Paragraph]
                       ) -> list[tuple[Sequence[str], Sequence[float]]]: ...


@dataclass(frozen=True)
class Paragraph:
    """One sequence: its tokens' (start, end) offsets, words and context attributes.

    ``contexts`` holds per token the attributes that do not depend on the words alone
    (quotation marks, rule roles, distances to cue words, place in the sentence), packed
    in one int (:func:`_context_code`); :attr:`features` spells out every attribute
    CRFsuite trains on.
    """

    start: int
    end: int
    spans: list[tuple[int, int]]
    words: list[str]
    contexts: list[int]
    sentence_starts: list[int]  # character offsets where sentences start

    @cached_property
    def starts(self) -> list[int]:
        """The tokens' start offsets."""
        return [a for a, _ in self.spans]

    @cached_property
    def ends(self) -> list[int]:
        """The tokens' end offsets (increasing, like the starts)."""
        return [b for _, b in self.spans]

    @cached_property
    def features(self) -> list[list[str]]:
        """Every token's attributes (strings), the input CRFsuite trains and tags on."""
        cache = _WORD_CACHE
        ws = [cache.get(w) or _word_features(w) for w in self.words]
        pad = [_PAD0, _PAD0, *ws, _PAD1, _PAD1]
        feats: list[list[str]] = []
        for i, ctx in enumerate(self.contexts):
            c = ws[i]
            pw, nw = pad[i + 1], pad[i + 3]
            feats.append([
                "b", c[0], c[1], c[2], pw[3], nw[4], pad[i][5], pad[i + 4][6],
                "w-1w=" + pw[12] + "|" + c[12], "ww+1=" + c[12] + "|" + nw[12],
                c[7], pw[8], nw[9], pad[i][10], pad[i + 4][11], *_context_features(ctx),
                c[13] + nw[12],
            ])
        return feats


def _rule_marks(units: Sequence[Quote]) -> list[tuple[int, int, str]]:
    """Character intervals of the rule units' parts, speakers and cues, with a role."""
    out: list[tuple[int, int, str]] = []
    for q in units:
        for a, b in (q.parts or ((q.start, q.end),)):
            out.append((a, b, "q" + q.type[0]))
        if q.speaker_start is not None and q.speaker_end is not None:
            out.append((q.speaker_start, q.speaker_end, "s"))
        if q.cue_start is not None and q.cue_end is not None:
            out.append((q.cue_start, q.cue_end, "c"))
    out.sort()
    return out


# A token's context, packed in one int (the compiled model caches a score row per code):
# its rule role and whether the role begins there, inside quotation marks or not, the
# roles of the tokens before and after (or the paragraph's edge), the distance buckets to
# the nearest cue word left and right, and its place in the sentence (0, 1, 2, later).
_RB = [(r, bg) for r in _ROLES for bg in (False, True)]
_NB = len(_BUCKETS)
_RN = len(_ROLES) + 1  # neighbour roles: the roles and the paragraph's edge (the last)


def _context_code(rb: int, q: int, rp: int, rn: int, a: int, b: int, sp: int) -> int:
    return ((((((rb * 2 + q) * _RN + rp) * _RN + rn) * _NB + a) * _NB + b) * 4) + sp


@cache
def _context_features(code: int) -> tuple[str, ...]:
    """The attributes of a context code (the order :attr:`Paragraph.features` lists)."""
    code, sp = divmod(code, 4)
    code, b = divmod(code, _NB)
    code, a = divmod(code, _NB)
    code, rn = divmod(code, _RN)
    code, rp = divmod(code, _RN)
    rb, q = divmod(code, 2)
    r, bg = _RB[rb]
    return ("q=1" if q else "q=0", _ROLE[r, bg],
            "r-1=" + (_ROLES[rp] if rp < len(_ROLES) else "<s>"),
            "r+1=" + (_ROLES[rn] if rn < len(_ROLES) else "</s>"), _ROLE_Q[r, bool(q)],
            _DL[a], _DR[b], _DLR[a][b], _SP[sp] if sp < 3 else "sp=+")


_QUOTE_SEARCH = re.compile("[" + re.escape("".join(sorted(_QUOTE_CHARS))) + "]")
_EDGE = len(_ROLES)
_ROLE_INDEX = {r: i for i, r in enumerate(_ROLES)}


def paragraphs(text: str, units: Sequence[Quote]) -> list[Paragraph]:
    """The text's paragraphs as token sequences with their features."""
    marks = _rule_marks(units)
    out: list[Paragraph] = []
    cache = _WORD_CACHE
    if len(cache) > 200_000:
        cache.clear()
    for pm in _PARAGRAPH.finditer(text):
        p0, p1 = pm.span()
        ms = list(_TOKEN.finditer(text, p0, p1))
        if not ms:
            continue
        toks = [m.span() for m in ms]
        words = [m.group() for m in ms]
        n = len(toks)
        # Rule roles per token (indices into _ROLES): the innermost mark that holds the
        # token's start.
        role = [0] * n
        begin = [0] * n
        mi = 0
        while mi < len(marks) and marks[mi][1] <= p0:
            mi += 1
        if mi < len(marks) and marks[mi][0] < p1:
            ri = _ROLE_INDEX
            for i, (a, _b) in enumerate(toks):
                while mi < len(marks) and marks[mi][1] <= a:
                    mi += 1
                j = mi
                while j < len(marks) and marks[j][0] <= a:
                    if marks[j][1] > a:
                        if role[i] == 0 or marks[j][2] in ("s", "c"):
                            role[i] = ri[marks[j][2]]
                            begin[i] = marks[j][0] >= (toks[i - 1][1] if i else p0)
                    j += 1
        # Inside quotation marks (curly marks open/close; straight ones toggle).
        inq = [0] * n
        if _QUOTE_SEARCH.search(text, p0, p1):
            state = 0
            for i, w in enumerate(words):
                if w in _QUOTE_CHARS:
                    if w in _OPEN:
                        state = 1
                    elif w in _CLOSE:
                        inq[i] = 1
                        state = 0
                        continue
                    else:
                        state = 1 - state
                    inq[i] = 1
                    continue
                inq[i] = state
        # Sentences: after . ! ? (and a closing mark) when a capital or a mark follows.
        stops = [i for i, w in enumerate(words) if w in _SENT_END]
        cand = {i + 1 for i in stops} | {i + 2 for i in stops
                                         if i + 1 < n and words[i + 1] in _QUOTE_CHARS}
        sidx = [0, *(i for i in sorted(cand) if i < n and (
            words[i][:1].isupper() or words[i] in _QUOTE_CHARS))]
        sstarts = [p0, *(toks[i][0] for i in sidx[1:])]
        # Per token: place in the sentence, distance buckets to the nearest cue word of
        # the sentence on each side (_BUCKETS indices, 0: none).
        bi, far = _BI, _BI_FAR
        spos = [0] * n
        dl = [0] * n
        dr = [0] * n
        lex = [(cache.get(w) or _word_features(w))[14] for w in words]
        for s0, s1 in zip(sidx, [*sidx[1:], n], strict=True):
            m = s1 - s0
            spos[s0:s1] = [0, 1, 2, *([3] * (m - 3))][:m]
            if not any(lex[s0:s1]):
                continue
            last = -1
            for i in range(s0, s1):
                dl[i] = (bi[i - last + 1] if i - last < 14 else far) if last >= 0 else 0
                if lex[i]:
                    last = i
            nxt = -1
            for i in range(s1 - 1, s0 - 1, -1):
                dr[i] = (bi[nxt - i + 1] if nxt - i < 14 else far) if nxt >= 0 else 0
                if lex[i]:
                    nxt = i
        rb = [2 * r + g for r, g in zip(role, begin, strict=True)]
        rprev = [_EDGE, *role[:-1]]
        rnext = [*role[1:], _EDGE]
        ctxs = [((((((x * 2 + q) * _RN + rp) * _RN + rn) * _NB + a) * _NB + b) * 4) + sp
                for x, q, rp, rn, a, b, sp in zip(rb, inq, rprev, rnext, dl, dr, spos,
                                                  strict=True)]
        out.append(Paragraph(p0, p1, toks, words, ctxs, sstarts))
    return out


_BATCH = 64  # paragraphs tagged together (numpy's cost per call is paid once per batch)
# A batch whose longest paragraph has more than LONG_AFTER tokens and makes up more than
# 1 / LONG_RATIO of the batch's tokens is tagged by CRFsuite (see CompiledModel).
LONG_AFTER = 100
LONG_RATIO = 4.0


class CompiledModel:
    """A trained CRF's weights as arrays, tagging an article's paragraphs with numpy.

    It gives the tags and marginals CRFsuite's tagger gives for the same model (tested),
    without building a string per attribute: the attributes that depend on the word alone
    (the word, shape, suffix and lexicon class, as the token or as a neighbour), on two
    adjacent words (the bigrams) or on the context (rule roles, quotation marks, distances)
    are summed once per distinct word, pair or context and cached as score rows, so a
    token's state scores are eight row lookups.
    """

    def __init__(self, labels: Sequence[str], attributes: dict[str, int], state: Any,
                 transition: Any) -> None:
        import numpy as np

        self._np = np
        self.labels = list(labels)
        self._attr = attributes
        self._none = len(attributes)  # state's last row is zeros: an attribute not in the model
        self._state = state
        self._transition = transition
        self._content = [self.labels.index(t) for t in ("B-Q", "I-Q") if t in self.labels]
        # Batches of paragraphs that a very long one dominates go to ``long_tagger``
        # (CRFsuite's own, when given): numpy's recursions cost a call per position, which
        # a batch of short paragraphs shares but one very long paragraph (a page without
        # line breaks) pays alone, about four times CRFsuite's cost per token.
        self.long_tagger: Tagger | None = None
        self.long_after = LONG_AFTER
        self.long_ratio = LONG_RATIO
        self._reset()

    def _reset(self) -> None:
        np = self._np
        k = len(self.labels)
        # Rows: per word (own; as the left, right, second left, second right neighbour), per
        # adjacent pair (to the left word; to the right word), per context.
        self._types: dict[str, int] = {}
        self._type_rows = np.zeros((1024, 5, k))
        self._pairs: dict[tuple[str, str], int] = {}
        self._pair_list: list[tuple[str, str]] = [("", "")]  # row 0: zeros
        self._pair_rows = np.zeros((4096, 2, k))
        self._lw: dict[str, str] = {"<s>": "lw=<s>|"}  # lexicon prefix of a lowercase word
        self._ctxs: dict[int, int] = {}
        self._ctx_rows = np.zeros((256, k))
        for pad in (_PAD0, _PAD1):
            self._type_ids([pad[12]], {pad[12]: pad})

    def labels_of(self, ids: Any) -> list[str]:
        """Tag names of label indices."""
        names = self.labels
        return [names[i] for i in ids.tolist()]

    def _rows(self, names: list[list[list[str]]]) -> Any:
        """The summed weights of each group of attribute names: (items, groups, K)."""
        np = self._np
        get, none = self._attr.get, self._none
        width = max(len(g) for item in names for g in item)
        ids = np.full((len(names), len(names[0]), width), none, dtype=np.intp)
        for a, item in enumerate(names):
            for b, g in enumerate(item):
                ids[a, b, :len(g)] = [get(x, none) for x in g]
        return self._state[ids].sum(axis=2)

    def _grow(self, rows: Any, n: int) -> Any:
        if n <= len(rows):
            return rows
        np = self._np
        bigger = np.zeros((max(n, 2 * len(rows)), *rows.shape[1:]))
        bigger[:len(rows)] = rows
        return bigger

    def _type_ids(self, words: list[str], feats: dict[str, tuple[str, ...]] | None = None
                  ) -> list[int]:
        index = self._types
        new = [w for w in dict.fromkeys(words) if w not in index]
        if new:
            cache = _WORD_CACHE
            groups = []
            for w in new:
                c = feats[w] if feats else (cache.get(w) or _word_features(w))
                groups.append([[c[0], c[1], c[2], c[7]], [c[3], c[8]], [c[4], c[9]],
                               [c[5], c[10]], [c[6], c[11]]])
            n0 = len(index)
            self._type_rows = self._grow(self._type_rows, n0 + len(new))
            self._type_rows[n0:n0 + len(new)] = self._rows(groups)
            for j, w in enumerate(new):
                index[w] = n0 + j
        return [index[w] for w in words]

    def _pair_ids(self, pairs: list[tuple[str, str]]) -> list[int]:
        """Row ids of adjacent (lowercase) word pairs; 0, a row of zeros, for the many pairs
        none of whose three attributes the model knows."""
        index = self._pairs
        get, none, lxs = self._attr.get, self._none, self._lw
        out: list[int] = []
        new: list[list[list[int]]] = []
        n0 = len(self._pair_list)
        for p in pairs:
            i = index.get(p)
            if i is None:
                x, y = p
                lx = lxs.get(x)
                if lx is None:
                    lx = lxs[x] = (_WORD_CACHE.get(x) or _word_features(x))[13]
                a, b, c = (get("ww+1=" + x + "|" + y, none), get(lx + y, none),
                           get("w-1w=" + x + "|" + y, none))
                if a == none and b == none and c == none:
                    i = 0
                else:
                    i = n0 + len(new)
                    new.append([[a, b], [c, none]])
                    self._pair_list.append(p)
                index[p] = i
            out.append(i)
        if new:
            np = self._np
            self._pair_rows = self._grow(self._pair_rows, n0 + len(new))
            self._pair_rows[n0:n0 + len(new)] = self._state[np.asarray(new)].sum(axis=2)
        return out

    def _ctx_ids(self, ctxs: list[int]) -> list[int]:
        index = self._ctxs
        new = [c for c in dict.fromkeys(ctxs) if c not in index]
        if new:
            n0 = len(index)
            self._ctx_rows = self._grow(self._ctx_rows, n0 + len(new))
            self._ctx_rows[n0:n0 + len(new)] = self._rows(
                [[["b", *_context_features(c)]] for c in new])[:, 0]
            for j, c in enumerate(new):
                index[c] = n0 + j
        return [index[c] for c in ctxs]

    def state_scores(self, pars: Sequence[Paragraph]) -> Any:
        """Every token's state score per label, the paragraphs' tokens one after the other
        (tokens, K): what CRFsuite sums from :attr:`Paragraph.features`."""
        np = self._np
        if len(self._types) > 200_000 or len(self._pairs) > 1_000_000:
            self._reset()  # a long run over many articles: bound the caches
        seq: list[str] = []  # the words, two pads on each side of each paragraph
        pairs: list[tuple[str, str]] = []  # per token, then its right pair: n + 1 a paragraph
        ctxs: list[int] = []
        pos: list[int] = []
        lefts: list[int] = []
        cache = _WORD_CACHE
        for par in pars:
            at = len(seq) + 2
            pos.extend(range(at, at + len(par.words)))
            seq += ["<s>", "<s>", *par.words, "</s>", "</s>"]
            lows = [(cache.get(w) or _word_features(w))[12] for w in par.words]
            lefts.extend(range(len(pairs), len(pairs) + len(lows)))
            pairs += zip(["<s>", *lows], [*lows, "</s>"], strict=True)
            ctxs += par.contexts
        g = np.asarray(self._type_ids(seq), dtype=np.intp)
        p = np.asarray(pos, dtype=np.intp)
        pid = np.asarray(self._pair_ids(pairs), dtype=np.intp)
        lp = np.asarray(lefts, dtype=np.intp)
        ty, pr = self._type_rows, self._pair_rows
        s = (ty[g[p], 0] + ty[g[p - 1], 1] + ty[g[p + 1], 2] + ty[g[p - 2], 3]
             + ty[g[p + 2], 4] + pr[pid[lp], 1] + pr[pid[lp + 1], 0])
        cid = np.asarray(self._ctx_ids(ctxs), dtype=np.intp)  # may grow the rows: first
        s += self._ctx_rows[cid]
        return s

    def tag_paragraphs(self, pars: Sequence[Paragraph]
                       ) -> list[tuple[Sequence[str], Sequence[float]]]:
        """Each paragraph's best tags and its tokens' content probabilities."""
        from labeling.segmenter.crf import marginals, pack, viterbi

        np = self._np
        out: list[tuple[Sequence[str], Sequence[float]]] = [([], [])] * len(pars)
        if not pars:
            return out
        # The recursions step once per position of a batch's longest paragraph, whatever
        # the batch's size: paragraphs of similar lengths go together.
        order = sorted(range(len(pars)), key=lambda i: len(pars[i].words))
        batches = [order[b:b + _BATCH] for b in range(0, len(order), _BATCH)]
        mine: list[list[int]] = []
        for idx in batches:
            longest = len(pars[idx[-1]].words)
            # A batch that one or a few very long paragraphs dominate (a page without line
            # breaks) costs numpy a call per position: CRFsuite's own tagger, about
            # LONG_RATIO times numpy's cost per token, is cheaper there.
            if self.long_tagger is not None and longest > self.long_after and \
                    self.long_ratio * longest > sum(len(pars[i].words) for i in idx):
                for i, r in zip(idx, self.long_tagger.tag_paragraphs([pars[i] for i in idx]),
                                strict=True):
                    out[i] = r
            else:
                mine.append(idx)
        if not mine:
            return out
        todo = [i for idx in mine for i in idx]
        scores = self.state_scores([pars[i] for i in todo])
        starts = dict(zip(todo, np.cumsum([0] + [len(pars[i].words) for i in todo]).tolist(),
                          strict=False))
        for idx in mine:
            lengths = [len(pars[i].words) for i in idx]
            rows = np.concatenate([np.arange(starts[i], starts[i] + n)
                                   for i, n in zip(idx, lengths, strict=True)])
            state = pack(scores[rows], lengths)
            best = viterbi(state, lengths, self._transition)
            if self._content:
                m = marginals(state, lengths, self._transition)[:, :, self._content].sum(axis=2)
            else:
                m = np.zeros(state.shape[:2])
            for j, i in enumerate(idx):
                out[i] = (self.labels_of(best[j]), m[j, :lengths[j]])
        return out


class CrfsuiteTagger:
    """:class:`Tagger` over a ``pycrfsuite.Tagger`` (slower: a string per attribute)."""

    def __init__(self, tagger: Any) -> None:
        self._tagger = tagger

    def tag_paragraphs(self, pars: Sequence[Paragraph]
                       ) -> list[tuple[Sequence[str], Sequence[float]]]:
        """Each paragraph's best tags and its tokens' content probabilities."""
        out: list[tuple[Sequence[str], Sequence[float]]] = []
        t = self._tagger
        labels = set(t.labels())
        for par in pars:
            tags = t.tag(par.features)
            probs = [sum(t.marginal(y, i) for y in ("B-Q", "I-Q") if y in labels)
                     for i in range(len(tags))]
            out.append((tags, probs))
        return out


def gold_tags(par: Paragraph, quotes: Sequence[dict[str, Any]]) -> list[str]:
    """The tags of a paragraph's tokens under gold units (dicts with the bench's fields).

    Sources and cues first, content last: where an attribution is nested inside another's
    content, the outer content wins.
    """
    n = len(par.spans)
    tags = ["O"] * n
    starts = [a for a, _ in par.spans]

    def mark(a: int | None, b: int | None, role: str) -> None:
        if a is None or b is None or b <= a or b <= par.start or a >= par.end:
            return
        i = max(0, bisect_right(starts, a) - 1)
        if par.spans[i][1] <= a:
            i += 1
        first = True
        while i < n and par.spans[i][0] < b:
            tags[i] = ("B-" if first else "I-") + role
            first = False
            i += 1

    for q in quotes:
        mark(q.get("speaker_start"), q.get("speaker_end"), "S")
        mark(q.get("cue_start"), q.get("cue_end"), "C")
    for q in quotes:
        for a, b in (q.get("parts") or [(q["start"], q["end"])]):
            mark(a, b, "Q")
    return tags


def _runs(par: Paragraph, tags: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
    """Character spans of the tagged runs of each role (``Q``, ``S``, ``C``): a run starts
    at a B tag, or an I tag that does not continue a run of its role, and goes on while
    I tags of its role follow."""
    out: dict[str, list[tuple[int, int]]] = {"Q": [], "S": [], "C": []}
    spans = par.spans
    cur: list[int] | None = None
    last, role = -2, ""
    for i in [i for i, t in enumerate(tags) if t != "O"]:
        t = tags[i]
        if t[0] == "I" and cur is not None and last == i - 1 and t[2:] == role:
            cur[1] = spans[i][1]
        else:
            if cur is not None:
                out[role].append((cur[0], cur[1]))
            cur = [spans[i][0], spans[i][1]]
            role = t[2:]
        last = i
    if cur is not None:
        out[role].append((cur[0], cur[1]))
    return out


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _covers(span: tuple[int, int], q: Quote) -> bool:
    """The scorer's match: the overlap is at least half of both spans."""
    a, b = span
    for s, e in (q.parts or ((q.start, q.end),)):
        ov = _overlap(a, b, s, e)
        if ov and 2 * ov >= max(b - a, e - s):
            return True
    return False


def _qtype(s: str) -> str:
    marks = [c for c in s if c in _QUOTE_CHARS]
    if not marks:
        return "indirect"
    t = s.strip(" ,.;:")
    if t[:1] in _QUOTE_CHARS and t[-1:] in _QUOTE_CHARS and len(marks) == 2:
        return "direct"
    return "mixed"


_TRIM = " \t,;:—–-"


def _nearest(spans: list[tuple[int, int]], a: int, b: int) -> tuple[int, int] | None:
    best: tuple[int, int] | None = None
    bd = 0
    for s, e in spans:
        d = a - e if e <= a else s - b if s >= b else 0
        if best is None or d < bd:
            best, bd = (s, e), d
    return best


def _content_probability(par: Paragraph, probs: Sequence[float],
                         pieces: Sequence[tuple[int, int]], mean: bool = False) -> float:
    """The highest (or the mean) content probability of the words of ``pieces``."""
    idx: set[int] = set()
    for s, e in pieces:  # the tokens that overlap [s, e)
        idx.update(range(bisect_right(par.ends, s), bisect_left(par.starts, e)))
    if not idx:
        return 0.0
    ps = [float(probs[i]) for i in idx]
    return sum(ps) / len(ps) if mean else max(ps)


def apply(text: str, units: Sequence[Quote], tagger: Tagger,
          keep: frozenset[str] = frozenset(), add_above: float = ADD_ABOVE) -> list[Quote]:
    """The rule units ``units`` of ``text`` corrected by the tagger (see the module doc)."""
    return apply_many([text], [units], tagger, keep, add_above)[0]


def apply_many(texts: Sequence[str], units: Sequence[Sequence[Quote]], tagger: Tagger,
               keep: frozenset[str] = frozenset(), add_above: float = ADD_ABOVE
               ) -> list[list[Quote]]:
    """:func:`apply` on several texts at once (their rule units ``units``): the same units
    as one at a time, faster, since the tagger takes all their paragraphs in one call."""
    pars = [paragraphs(t, u) for t, u in zip(texts, units, strict=True)]
    tagged = tagger.tag_paragraphs([p for ps in pars for p in ps])
    out: list[list[Quote]] = []
    k = 0
    for text, us, ps in zip(texts, units, pars, strict=True):
        out.append(_merge(text, us, ps, tagged[k:k + len(ps)], keep, add_above))
        k += len(ps)
    return out


def _merge(text: str, units: Sequence[Quote], pars: Sequence[Paragraph],
           tagged: Sequence[tuple[Sequence[str], Sequence[float]]], keep: frozenset[str],
           add_above: float) -> list[Quote]:
    kept: list[Quote] = []
    new: list[Quote] = []
    used = [False] * len(units)
    ui = 0
    for par, (tags, probs) in zip(pars, tagged, strict=True):
        runs = _runs(par, tags) if "B-Q" in tags or "I-Q" in tags else None
        qspans = runs["Q"] if runs else []
        # The rule units of this paragraph.
        while ui < len(units) and units[ui].end <= par.start:
            ui += 1
        mine = []
        j = ui
        while j < len(units) and units[j].start < par.end:
            mine.append(j)
            j += 1
        for k in mine:
            # A rule unit stays unless the tagger tags none of its words as content and
            # gives every one of them a content probability below DROP_BELOW.
            q = units[k]
            pieces = q.parts or ((q.start, q.end),)
            if any(_overlap(a, b, s, e) for a, b in qspans for s, e in pieces) or \
                    _content_probability(par, probs, pieces) >= DROP_BELOW:
                used[k] = True
        if not qspans:
            continue
        sspans = runs["S"] if runs else []
        cspans = runs["C"] if runs else []
        for span in qspans:
            if any(_covers(span, units[k]) for k in mine):
                continue
            a, b = span
            while b > a and text[b - 1] in _TRIM:
                b -= 1
            while a < b and text[a] in _TRIM:
                a += 1
            if b - a < 2:
                continue
            si = max(0, bisect_right(par.sentence_starts, a) - 1)
            sent_start = par.sentence_starts[si]
            ei = bisect_right(par.sentence_starts, b - 1)
            sent_end = par.sentence_starts[ei] if ei < len(par.sentence_starts) else par.end
            cue = _nearest([c for c in cspans if _overlap(c[0], c[1], a, b) == 0], a, b)
            # The speaker: a tagged source of the unit's own sentences if there is one (the
            # nearest to the cue, when the cue is there too), else the paragraph's nearest:
            # speaker accuracy 92.4 -> 92.7 on PolNeAR dev, 90.1 -> 90.6 on the Vaccination
            # news (model trained on 840 PolNeAR articles).
            others = [s for s in sspans if _overlap(s[0], s[1], a, b) == 0]
            near = [s for s in others if sent_start <= s[0] < sent_end]
            sp = _nearest(near or others, *(cue if cue and near else (a, b)))
            # A new unit needs a source or a cue beside it, and a few words: the tagger's
            # bare or very short content runs are mostly wrong (measured on PolNeAR dev).
            if (sp is None and cue is None) or len(text[a:b].split()) < MIN_WORDS:
                continue
            if add_above and _content_probability(par, probs, ((a, b),), True) < add_above:
                continue
            while sent_end > sent_start and text[sent_end - 1].isspace():
                sent_end -= 1
            new.append(Quote(
                start=a, end=b, text=text[a:b], type=_qtype(text[a:b]),
                speaker=text[sp[0]:sp[1]] if sp else None,
                speaker_start=sp[0] if sp else None, speaker_end=sp[1] if sp else None,
                cue=text[cue[0]:cue[1]] if cue else None,
                cue_start=cue[0] if cue else None, cue_end=cue[1] if cue else None,
                sentence_start=sent_start, sentence_end=max(sent_end, b),
                paragraph_start=par.start, paragraph_end=par.end))
    kept = [q for q, u in zip(units, used, strict=True) if u or q.type in keep]
    # New units never overlap a kept one (units stay non-overlapping).
    out = list(kept)
    for q in new:
        if not any(_overlap(q.start, q.end, k.start, k.end) for k in kept):
            out.append(q)
    out.sort(key=lambda q: q.start)
    final: list[Quote] = []
    for q in out:
        if final and q.start < final[-1].end:
            continue
        final.append(q)
    return final
