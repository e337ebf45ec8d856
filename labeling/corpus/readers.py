"""Read news articles: folders of ``.txt``, JSONL, CSV, Parquet, Hugging Face datasets.

Every input yields :class:`Article` records, streamed (a JSONL or Parquet file of any
size is read record by record / batch by batch). Article ids are stable across runs:
the file name for ``.txt`` files, the ``id`` or ``doc_id`` column for tables, else a
hash of the text. Bad records raise :class:`~labeling.errors.InputError` naming the
file and line; with ``skip_bad`` they are reported through ``on_bad`` and skipped.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from labeling.errors import InputError

TABLE_SUFFIXES = {".jsonl", ".ndjson", ".json", ".csv", ".parquet"}
TEXT_SUFFIXES = {".txt"}
_META = ("title", "url", "source", "published")


@dataclass(frozen=True)
class Article:
    """One news article; ``text`` is exactly what the offsets of its quote units index."""

    id: str
    text: str
    title: str = ""
    url: str = ""
    source: str = ""
    published: str = ""
    origin: str = ""  # "file:line" where it came from, for messages


def text_id(text: str) -> str:
    """A stable id for an article without one: a hash of its text."""
    return "sha1-" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


BadHandler = Callable[[InputError], None]


def _raise(err: InputError) -> None:
    raise err


def _present(value: object) -> bool:
    """A usable cell: not None, not NaN (pandas, Arrow), not blank."""
    if value is None:
        return False
    if isinstance(value, float) and value != value:
        return False
    return bool(str(value).strip())


def _record(row: Mapping[str, object], origin: str) -> Article:
    text = row.get("text")
    if not isinstance(text, str):
        kind = "missing" if text is None else f"not a string ({type(text).__name__})"
        raise InputError(f"{origin}: the 'text' field is {kind}")
    if not text.strip():
        raise InputError(f"{origin}: the 'text' field is empty")
    art_id = next((str(v).strip() for v in (row.get("id"), row.get("doc_id")) if _present(v)),
                  None) or text_id(text)
    meta = {key: str(row[key]) if _present(row.get(key)) else "" for key in _META}
    return Article(id=art_id, text=text, origin=origin, **meta)


def _read_text(path: Path, encoding: str) -> str:
    try:
        # Bytes, then decode: keep "\r\n" exactly (offsets index the text as stored).
        return path.read_bytes().decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not valid {encoding} at byte {exc.start}; convert the file to UTF-8 "
            "or pass --encoding (e.g. --encoding latin-1)"
        ) from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _txt(path: Path, encoding: str) -> Iterator[Article]:
    text = _read_text(path, encoding)
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    # Windows line ends are kept: offsets index the text exactly as read.
    yield Article(id=path.stem, text=text, origin=str(path))


def _jsonl(path: Path, encoding: str, on_bad: BadHandler) -> Iterator[Article]:
    try:
        fh = open(path, encoding=encoding, newline="")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        lineno = 0
        while True:
            lineno += 1
            try:
                line = fh.readline()
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}:{lineno}: not valid {encoding}; convert the file to UTF-8 "
                    "or pass --encoding"
                ) from exc
            if not line:
                break
            if not line.strip():
                continue
            origin = f"{path}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                on_bad(InputError(f"{origin}: invalid JSON ({exc.msg} at column {exc.colno})"))
                continue
            if not isinstance(row, dict):
                on_bad(InputError(f"{origin}: expected a JSON object with a 'text' field"))
                continue
            try:
                yield _record(row, origin)
            except InputError as err:
                on_bad(err)


def _json_array(path: Path, encoding: str, on_bad: BadHandler) -> Iterator[Article]:
    text = _read_text(path, encoding)
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        # Perhaps it is JSON Lines with a .json name.
        if text.lstrip().startswith("{"):
            yield from _jsonl(path, encoding, on_bad)
            return
        raise InputError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from exc
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list):
        raise InputError(f"{path}: expected a list of objects with a 'text' field")
    for i, row in enumerate(rows):
        origin = f"{path}[{i}]"
        if not isinstance(row, dict):
            on_bad(InputError(f"{origin}: expected an object with a 'text' field"))
            continue
        try:
            yield _record(row, origin)
        except InputError as err:
            on_bad(err)


def _csv(path: Path, encoding: str, on_bad: BadHandler) -> Iterator[Article]:
    csv.field_size_limit(sys.maxsize)
    try:
        fh = open(path, encoding=encoding, newline="")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        reader = csv.DictReader(fh)
        try:
            header = reader.fieldnames
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}:1: not valid {encoding}; pass --encoding") from exc
        if not header or "text" not in header:
            raise InputError(f"{path}:1: no 'text' column in the header ({', '.join(header or [])})")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}:{reader.line_num + 1}: not valid {encoding}; pass --encoding"
                ) from exc
            except csv.Error as exc:
                raise InputError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from exc
            origin = f"{path}:{reader.line_num}"
            try:
                yield _record(row, origin)
            except InputError as err:
                on_bad(err)


def _parquet(path: Path, on_bad: BadHandler) -> Iterator[Article]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)  # type: ignore[no-untyped-call]
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    if "text" not in pf.schema_arrow.names:
        raise InputError(f"{path}: no 'text' column ({', '.join(pf.schema_arrow.names)})")
    cols = [c for c in ("text", "id", "doc_id", *_META) if c in pf.schema_arrow.names]
    row_no = 0
    for batch in pf.iter_batches(batch_size=1024, columns=cols):  # type: ignore[no-untyped-call]
        for row in batch.to_pylist():
            row_no += 1
            try:
                yield _record(row, f"{path}:row {row_no}")
            except InputError as err:
                on_bad(err)


def _hf(spec: str, on_bad: BadHandler) -> Iterator[Article]:
    """``hf:PATH_OR_NAME[:split]``: a dataset saved with ``save_to_disk`` or a hub name."""
    import datasets

    body = spec[3:]
    name, _, split = body.partition(":")
    try:
        if Path(name).exists():
            ds = datasets.load_from_disk(name)
        else:
            ds = datasets.load_dataset(name, split=split or None)
    except Exception as exc:
        raise InputError(f"{spec}: cannot load the Hugging Face dataset ({exc})") from exc
    if isinstance(ds, datasets.DatasetDict):
        if split:
            if split not in ds:
                raise InputError(f"{spec}: no split {split!r} (splits: {', '.join(ds)})")
            parts = [(split, ds[split])]
        else:
            parts = list(ds.items())
    else:
        parts = [(split or "data", ds)]
    for split_name, part in parts:
        if "text" not in part.column_names:
            raise InputError(f"{spec}: no 'text' column in split {split_name!r}")
        for i, row in enumerate(part):
            try:
                yield _record(row, f"{spec}[{split_name}][{i}]")
            except InputError as err:
                on_bad(err)


def _expand(inputs: Iterable[str | Path]) -> Iterator[str | Path]:
    for item in inputs:
        if isinstance(item, str) and item.startswith("hf:"):
            yield item
            continue
        p = Path(item)
        if p.is_dir():
            if (p / "dataset_dict.json").exists() or (p / "dataset_info.json").exists():
                yield f"hf:{p}"
                continue
            files = sorted(
                f for f in p.iterdir()
                if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES | TABLE_SUFFIXES
            )
            if not files:
                raise InputError(f"{p}: no .txt, .jsonl, .csv or .parquet files in this folder")
            yield from files
        elif p.exists():
            yield p
        else:
            raise InputError(f"{p}: no such file or folder")


def read_articles(
    inputs: Iterable[str | Path],
    *,
    encoding: str = "utf-8",
    skip_bad: bool = False,
    on_bad: BadHandler | None = None,
) -> Iterator[Article]:
    """Stream the articles of every input (files, folders, ``hf:`` specs), in order.

    A bad record raises :class:`InputError` unless ``skip_bad``; then it is passed to
    ``on_bad`` (which may log it) and skipped. Two articles with the same id are an error,
    since ids key the tasks on the server.
    """
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r} (--encoding): use a Python codec "
                         "name such as utf-8, latin-1 or cp1252") from None
    handler: BadHandler = (on_bad or (lambda err: None)) if skip_bad else _raise
    seen: dict[str, str] = {}
    for src in _expand(inputs):
        if isinstance(src, str):
            it: Iterator[Article] = _hf(src, handler)
        else:
            suffix = src.suffix.lower()
            if suffix in TEXT_SUFFIXES:
                it = _txt(src, encoding)
            elif suffix in (".jsonl", ".ndjson"):
                it = _jsonl(src, encoding, handler)
            elif suffix == ".json":
                it = _json_array(src, encoding, handler)
            elif suffix == ".csv":
                it = _csv(src, encoding, handler)
            elif suffix == ".parquet":
                it = _parquet(src, handler)
            else:
                raise InputError(
                    f"{src}: unknown file type {suffix or '(none)'}; "
                    "use .txt, .jsonl, .csv or .parquet"
                )
        for art in it:
            first = seen.get(art.id)
            if first is not None:
                if first == hashlib.sha1(art.text.encode("utf-8", "surrogatepass")).hexdigest():
                    continue  # the same article twice: harmless
                handler(InputError(
                    f"{art.origin}: article id {art.id!r} is used twice with different texts"
                ))
                continue
            seen[art.id] = hashlib.sha1(art.text.encode("utf-8", "surrogatepass")).hexdigest()
            yield art
