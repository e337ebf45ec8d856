"""``labeling segment``: articles in, one JSON line of quote units per article out.

Streams any amount of input; with ``num_proc > 1`` the pure segmenter runs in a
process pool (order kept, so the output is identical to a single-process run).
The output file is written to a temporary sibling and renamed at the end; an existing
file is replaced only if it is an earlier output (see :func:`is_segment_output`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from labeling.corpus.readers import Article, BadHandler, read_articles
from labeling.errors import InputError
from labeling.files import atomic_file, check_file
from labeling.segmenter import segment

ENGINES = ("default", "parse")


def segment_record(doc_id: str, text: str, engine: str = "default") -> dict[str, Any]:
    """The JSON record of one article (the shape ``score.py`` reads).

    ``engine="parse"``: the hybrid of :mod:`.segmenter.parsed` (needs spaCy and a model).
    """
    if engine == "parse":
        from labeling.segmenter.parsed import segment_parsed

        units = segment_parsed(text)
    else:
        units = segment(text)
    return {"doc_id": doc_id, "quotes": [q.to_dict() for q in units]}


def _work(item: tuple[str, str], engine: str = "default") -> str:
    return json.dumps(segment_record(*item, engine=engine), ensure_ascii=False)


def segment_lines(articles: Iterable[Article], num_proc: int = 1,
                  chunksize: int = 16, engine: str = "default") -> Iterator[str]:
    """JSON lines, in input order."""
    pairs = ((a.id, a.text) for a in articles)
    work = partial(_work, engine=engine)
    if num_proc <= 1:
        yield from (work(p) for p in pairs)
        return
    with get_context("fork").Pool(num_proc) as pool:
        yield from pool.imap(work, pairs, chunksize=chunksize)


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
    if engine not in ENGINES:
        raise InputError(f"unknown segmenter engine {engine!r}: use one of {', '.join(ENGINES)}")
    if engine == "parse":  # fail before any file is written when spaCy or its model is missing
        from labeling.segmenter.parsed import load_model

        load_model()
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
