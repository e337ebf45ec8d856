"""Quote units: a segmenter quote placed in its article, with a stable id and context.

A unit is what one Label Studio task shows: the quote highlighted inside a context
window of its article. ``quote_id`` depends only on the article id and the quote's
span, so the same input always gives the same ids (and a second push finds them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from labeling.corpus.engines import Segmenter, segmenter
from labeling.corpus.readers import Article
from labeling.schema import StanceSchema
from labeling.segmenter import Quote


def quote_id(article_id: str, start: int, end: int) -> str:
    """Stable id of a quote unit: same article and span, same id."""
    key = f"{article_id}\x1f{start}\x1f{end}".encode("utf-8", "surrogatepass")
    return "q-" + hashlib.sha256(key).hexdigest()[:20]


@dataclass(frozen=True)
class Unit:
    """A quote in its article, with the context an annotator sees."""

    quote_id: str
    article: Article
    quote: Quote
    context_start: int
    context_end: int

    @property
    def targets(self) -> tuple[str, ...] | None:
        """The target ids asked for this unit (None: every target of the schema)."""
        return self.article.targets

    @property
    def context(self) -> str:
        return self.article.text[self.context_start:self.context_end]

    def local(self, start: int | None, end: int | None) -> tuple[int, int] | None:
        """Article offsets -> offsets in the context (None when outside it)."""
        if start is None or end is None:
            return None
        if start < self.context_start or end > self.context_end or end <= start:
            return None
        return start - self.context_start, end - self.context_start


def _snap_left(text: str, pos: int) -> int:
    while pos > 0 and not text[pos - 1].isspace():
        pos -= 1
    return pos


def _snap_right(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and not text[pos].isspace():
        pos += 1
    return pos


def context_bounds(article: Article, q: Quote, schema: StanceSchema) -> tuple[int, int]:
    """The span of the article shown with the quote, as the schema's ``context`` asks.

    It always contains the whole quote and its speaker and cue mentions.
    """
    text = article.text
    lo, hi = q.start, q.end
    for s, e in ((q.speaker_start, q.speaker_end), (q.cue_start, q.cue_end)):
        if s is not None and e is not None:
            lo, hi = min(lo, s), max(hi, e)
    mode = schema.context
    if mode == "article":
        return 0, len(text)
    if mode == "sentence":
        lo, hi = min(lo, q.sentence_start), max(hi, q.sentence_end)
    elif mode == "paragraph":
        lo, hi = min(lo, q.paragraph_start), max(hi, q.paragraph_end)
    else:  # window: characters each side, widened to whole words
        w = schema.context_window
        lo = _snap_left(text, max(0, lo - w))
        hi = _snap_right(text, min(len(text), hi + w))
    # Trim surrounding white space so the page shows no empty lines at the edges.
    while lo < q.start and text[lo].isspace():
        lo += 1
    while hi > q.end and text[hi - 1].isspace():
        hi -= 1
    return max(0, lo), min(len(text), hi)


def units_of(article: Article, schema: StanceSchema, engine: str | Segmenter = "default"
             ) -> list[Unit]:
    """The units of one article: its own quotes when it came segmented, else ``engine``'s."""
    if article.quotes is not None:
        quotes: Iterable[Quote] = article.quotes
    else:
        quotes = (segmenter(engine) if isinstance(engine, str) else engine)(article.text)
    out = []
    for q in quotes:
        lo, hi = context_bounds(article, q, schema)
        out.append(Unit(quote_id(article.id, q.start, q.end), article, q, lo, hi))
    return out


WHOLE = "whole"  # the quote type of a whole-record unit


def whole_unit(article: Article) -> Unit:
    """The whole record as one unit (a tweet, a comment, a headline): no segmentation.

    The quote and its context are the text less surrounding white space; the speaker is
    the record's ``author`` (not a mention in the text, so it has no offsets).
    """
    text = article.text
    lo = len(text) - len(text.lstrip())
    hi = len(text.rstrip())
    who = article.author or None
    q = Quote(start=lo, end=hi, text=text[lo:hi], type=WHOLE, speaker=who, speaker_name=who,
              sentence_start=lo, sentence_end=hi, paragraph_start=lo, paragraph_end=hi)
    return Unit(quote_id(article.id, lo, hi), article, q, lo, hi)


def iter_units(articles: Iterable[Article], schema: StanceSchema, engine: str = "default", *,
               whole: bool = False) -> Iterator[Unit]:
    """Stream the units of many articles: segmented by ``engine`` unless they come
    segmented, or (``whole``) each article one unit."""
    if whole:
        for art in articles:
            yield whole_unit(art)
        return
    seg = segmenter(engine)
    for art in articles:
        yield from units_of(art, schema, seg)
