"""Running the segmenter inside a distributed engine (Dask, Ray, Spark).

The segmenter is a pure function of one article's text, so an engine only has to map it
over partitions. Two entry points cover the engines' usual shapes; for each article they
give the record ``labeling segment`` writes (same keys, same order of units), or its
``doc_id`` and ``quotes``:

- :func:`segment_partition` maps an iterable of row mappings (``doc_id`` or ``id``,
  ``text``, optionally ``title``, ``url``, ``source``, ``published``) to a list of
  records. Use it with ``dask.bag.Bag.map_partitions``, Spark's
  ``RDD.mapPartitions`` (rows as ``Row.asDict()``), or Ray's ``Dataset.flat_map``.
- :func:`segment_frame` maps a pandas ``DataFrame`` (one partition) to a ``DataFrame``
  with columns ``doc_id`` and ``quotes`` (the units as one JSON string per article). Use it
  with ``dask.dataframe.DataFrame.map_partitions`` or Ray's
  ``Dataset.map_batches(..., batch_format="pandas")``.

Example with Dask on a laptop (local mode) or a cluster (``dask.distributed.Client``)::

    import dask.bag as db
    from labeling.corpus.distributed import segment_partition, to_jsonl

    bag = db.read_text("articles-*.jsonl").map(json.loads)
    records = bag.map_partitions(segment_partition)
    to_jsonl(records.compute(), "segments.jsonl")   # or records.map(json.dumps).to_textfiles()

Nothing here imports an engine: the functions are plain Python and pickle by reference.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from labeling.corpus.batch import article_record, segment_record
from labeling.corpus.readers import Article, metadata
from labeling.errors import InputError
from labeling.files import atomic_file

if TYPE_CHECKING:
    import pandas as pd

ID_KEYS = ("doc_id", "id")


def _row_id(row: Mapping[str, Any], n: int) -> str:
    for key in ID_KEYS:
        value = row.get(key)
        if value is not None and str(value) != "":
            return str(value)
    raise InputError(f"row {n} of the partition has no 'doc_id' or 'id'")


def _row_text(row: Mapping[str, Any], n: int, doc_id: str) -> str:
    text = row.get("text")
    if not isinstance(text, str):
        raise InputError(f"row {n} ({doc_id}) of the partition has no 'text' string")
    return text


def segment_partition(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The segment record of each row, in order."""
    out = []
    for n, row in enumerate(rows):
        doc_id = _row_id(row, n)
        meta = metadata(row)
        out.append(article_record(Article(
            id=doc_id, text=_row_text(row, n, doc_id), title=meta["title"], url=meta["url"],
            source=meta["source"], published=meta["published"], author=meta["author"])))
    return out


def segment_frame(frame: pd.DataFrame, id_column: str = "doc_id",
                  text_column: str = "text") -> pd.DataFrame:
    """One partition of articles to ``doc_id`` and ``quotes`` (a JSON string per row)."""
    import pandas as pd

    for col in (id_column, text_column):
        if col not in frame.columns:
            raise InputError(f"the partition has no {col!r} column (columns: {list(frame.columns)})")
    ids, quotes = [], []
    for n, (doc_id, text) in enumerate(zip(frame[id_column], frame[text_column], strict=True)):
        if not isinstance(text, str):
            raise InputError(f"row {n} ({doc_id}) of the partition has no {text_column!r} string")
        rec = segment_record(str(doc_id), text)
        ids.append(rec["doc_id"])
        quotes.append(json.dumps(rec["quotes"], ensure_ascii=False))
    return pd.DataFrame({"doc_id": pd.Series(ids, dtype=object, index=frame.index),
                         "quotes": pd.Series(quotes, dtype=object, index=frame.index)})


FRAME_META = {"doc_id": "object", "quotes": "object"}
"""The ``meta`` argument Dask's ``map_partitions(segment_frame, meta=FRAME_META)`` needs."""


def to_jsonl(records: Iterable[Mapping[str, Any]], out: str | os.PathLike[str]) -> int:
    """Write records as ``labeling segment`` does (atomically); returns the count."""
    n = 0
    with atomic_file(out) as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n


__all__ = ["segment_partition", "segment_frame", "FRAME_META", "to_jsonl"]
