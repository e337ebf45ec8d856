"""``labeling segment``: articles in, one JSON line of quote units per article out.

Each line is :func:`article_record`: the article (``doc_id``, its metadata when present,
``text``), the ``segmenter`` that cut it and its ``quotes``, so the file alone can be
pushed (``labeling push units.jsonl``) without segmenting again
(:func:`labeling.corpus.readers.read_articles` reads it back).

Streams any amount of input; with ``num_proc > 1`` the pure segmenter runs in a process
pool (order kept, so the output is identical to a single-process run). The output file
is written to a temporary sibling and renamed at the end; an existing file is replaced
only if it is an earlier output (see :func:`is_segment_output`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from labeling.corpus.engines import ENGINES, segmenter, segmenter_many
from labeling.corpus.readers import META_FIELDS, Article, BadHandler, read_articles
from labeling.errors import InputError
from labeling.files import atomic_file, check_file
from labeling.segmenter import Quote
from labeling.segmenter import __version__ as segmenter_version

__all__ = ["ENGINES", "article_record", "segment_files", "segment_lines", "segment_record"]


def article_record(article: Article, engine: str = "default") -> dict[str, Any]:
    """The JSON record of one article: ``doc_id``, metadata, ``text``, ``segmenter`` and
    its ``quotes``.

    ``doc_id`` and ``quotes`` are the shape ``score.py`` reads; the text and metadata make
    the record pushable as it is, and ``segmenter`` (engine and version) marks it as ours:
    a record with ``quotes`` but no ``segmenter`` (gold annotations, say) is an article.
    ``engine="parse"``: the hybrid of :mod:`labeling.segmenter.parsed` (needs spaCy and a
    model).
    """
    return _record(article, engine, segmenter(engine)(article.text))


def _record(article: Article, engine: str, quotes: list[Quote]) -> dict[str, Any]:
    rec: dict[str, Any] = {"doc_id": article.id}
    for key in META_FIELDS:
        value = getattr(article, key)
        if value:
            rec[key] = value
    if article.targets:
        rec["targets"] = list(article.targets)
    rec["text"] = article.text
    rec["segmenter"] = {"engine": engine, "version": segmenter_version}
    rec["quotes"] = [q.to_dict() for q in quotes]
    return rec


def segment_record(doc_id: str, text: str, engine: str = "default") -> dict[str, Any]:
    """:func:`article_record` of an article given by its id and text alone."""
    return article_record(Article(id=doc_id, text=text), engine)


def _work(articles: list[Article], engine: str = "default") -> list[str]:
    """The JSON lines of a chunk of articles (an engine may cut them all at once)."""
    quotes = segmenter_many(engine)([a.text for a in articles])
    return [json.dumps(_record(a, engine, q), ensure_ascii=False)
            for a, q in zip(articles, quotes, strict=True)]


def _chunks(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    chunk: list[Article] = []
    for a in articles:
        chunk.append(a)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def segment_lines(articles: Iterable[Article], num_proc: int = 1,
                  chunksize: int = 16, engine: str = "default") -> Iterator[str]:
    """JSON lines, in input order. Articles go to the engine ``chunksize`` at a time."""
    work = partial(_work, engine=engine)
    chunks = _chunks(articles, chunksize)
    if num_proc <= 1:
        for c in chunks:
            yield from work(c)
        return
    with get_context("fork").Pool(num_proc) as pool:
        for lines in pool.imap(work, chunks):
            yield from lines


def is_segment_output(path: Path) -> bool:
    """Whether ``path`` looks like an earlier ``labeling segment`` output (its first line a
    record with ``doc_id`` and ``quotes``): only such a file is replaced."""
    try:
        with open(path, encoding="utf-8") as fh:
            first = fh.readline(1 << 20)
        rec = json.loads(first)
    except (OSError, ValueError):
        return False
    return isinstance(rec, dict) and "doc_id" in rec and "quotes" in rec


def segment_files(
    inputs: Iterable[str | Path],
    out: str | Path,
    *,
    num_proc: int = 1,
    encoding: str = "utf-8",
    skip_bad: bool = False,
    on_bad: BadHandler | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = "default",
) -> int:
    """Segment every article of ``inputs`` into ``out`` (JSONL); returns the article count."""
    segmenter(engine)  # an unknown engine, or spaCy or its model missing: fail before writing
    check_file(out, is_segment_output)  # before any work: never replace a file not ours
    n = 0
    with atomic_file(out, ours=is_segment_output) as fh:
        arts = read_articles(inputs, encoding=encoding, skip_bad=skip_bad, on_bad=on_bad)
        for line in segment_lines(arts, num_proc=num_proc, engine=engine):
            fh.write(line + "\n")
            n += 1
            if progress:
                progress(n)
        if n == 0:
            raise InputError("the input holds no articles: nothing to segment")
    return n
