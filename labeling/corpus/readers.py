"""Read news articles: folders of ``.txt``, JSONL, CSV, Parquet, Hugging Face datasets.

Every input yields :class:`Article` records, streamed (a JSONL or Parquet file of any
size is read record by record / batch by batch). Article ids are stable across runs:
the file name for ``.txt`` files, the ``id`` or ``doc_id`` column for tables, else a
hash of the text. Bad records raise :class:`~labeling.errors.InputError` naming the
file and line; with ``skip_bad`` they are reported through ``on_bad`` and skipped.

A JSON record with a ``segmenter`` field is ``labeling segment`` output: the article comes
with its quote units (``Article.quotes``), checked against its text, and is not
segmented again.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from labeling.errors import InputError
from labeling.segmenter import Quote

TABLE_SUFFIXES = {".jsonl", ".ndjson", ".json", ".csv", ".parquet"}
TEXT_SUFFIXES = {".txt"}
META_FIELDS = ("title", "url", "source", "published", "author")
_META = META_FIELDS


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
    quotes: tuple[Quote, ...] | None = None  # already segmented (read from `labeling segment`)
    author: str = ""  # who wrote it (the speaker of a whole-record unit: a tweet's author)
    # The target ids asked for this record's units (``targets`` field); None: every target.
    targets: tuple[str, ...] | None = None


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


def metadata(row: Mapping[str, object]) -> dict[str, str]:
    """The article metadata of a record (``title``, ``url``, ``source``, ``published``)."""
    return {key: str(row[key]) if _present(row.get(key)) else "" for key in META_FIELDS}


_QUOTE_FIELDS = {f.name: f for f in fields(Quote)}
_REQUIRED = ("start", "end", "text", "type")
_SPANS = (("start", "end"), ("speaker_start", "speaker_end"), ("cue_start", "cue_end"),
          ("sentence_start", "sentence_end"), ("paragraph_start", "paragraph_end"))


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _quote(d: object, text: str, where: str) -> Quote:
    """One unit of ``labeling segment`` output, checked against its article's text."""
    if not isinstance(d, dict):
        raise InputError(f"{where}: expected an object (a quote unit)")
    unknown = sorted(set(d) - set(_QUOTE_FIELDS))
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r} (fields: "
                         f"{', '.join(_QUOTE_FIELDS)})")
    missing = [k for k in _REQUIRED if d.get(k) is None]
    if missing:
        raise InputError(f"{where}: the {missing[0]!r} field is missing")
    kw: dict[str, Any] = {}
    for name, value in d.items():
        if name == "parts":
            continue
        if name in ("text", "type", "speaker", "speaker_name", "cue"):
            if value is not None and not isinstance(value, str):
                raise InputError(f"{where}: {name!r} is not a string")
        elif value is not None and not _is_int(value):
            raise InputError(f"{where}: {name!r} is not an integer offset")
        kw[name] = value
    n = len(text)
    for a, b in _SPANS:
        s, e = kw.get(a), kw.get(b)
        if (s is None) != (e is None):
            raise InputError(f"{where}: {a!r} and {b!r} must both be set or both null")
        if s is not None and e is not None and not 0 <= s <= e <= n:
            raise InputError(f"{where}: {a}/{b} ({s}, {e}) outside the article's text "
                             f"(length {n})")
    if kw["start"] == kw["end"]:
        raise InputError(f"{where}: an empty quote (start == end == {kw['start']})")
    if text[kw["start"]:kw["end"]] != kw["text"]:
        raise InputError(f"{where}: 'text' is not the article's text at {kw['start']}:{kw['end']} "
                         "(units and article do not match)")
    parts = d.get("parts")
    if parts is not None:
        if not isinstance(parts, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(_is_int(x) for x in p) for p in parts):
            raise InputError(f"{where}: 'parts' is not a list of [start, end] pairs")
        if not all(kw["start"] <= s < e <= kw["end"] for s, e in parts):
            raise InputError(f"{where}: a part of 'parts' lies outside start/end")
        kw["parts"] = tuple((s, e) for s, e in parts) or None
    return Quote(**kw)


def _units(value: object, text: str, origin: str) -> tuple[Quote, ...]:
    if not isinstance(value, list):
        raise InputError(f"{origin}: 'quotes' is not a list of quote units")
    return tuple(_quote(d, text, f"{origin}: quotes[{i}]") for i, d in enumerate(value))


def _targets(value: object, origin: str) -> tuple[str, ...] | None:
    """A record's ``targets``: a list of ids, or one string of ids separated by ``;``."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        if not value.strip():
            return None  # an empty CSV cell: every target
        ids = [v.strip() for v in value.split(";")]
    elif isinstance(value, (list, tuple)):
        if not all(isinstance(v, str) for v in value):
            raise InputError(f"{origin}: the 'targets' field must list target ids (strings)")
        ids = [v.strip() for v in value]
    else:
        raise InputError(f"{origin}: the 'targets' field must be a list of target ids or a "
                         f"';'-separated string, not {type(value).__name__}")
    ids = [v for v in ids if v]
    if not ids:
        raise InputError(f"{origin}: the 'targets' field is empty (leave it out to ask every target)")
    return tuple(dict.fromkeys(ids))  # in order, each once


def _record(row: Mapping[str, object], origin: str, units: bool = False) -> Article:
    text = row.get("text")
    units = units and "segmenter" in row  # ours: gold files have other "quotes"
    if text is None and units:
        raise InputError(f"{origin}: quote units without their article's 'text' (from an older "
                         "`labeling segment`?): segment the articles again")
    if not isinstance(text, str):
        kind = "missing" if text is None else f"not a string ({type(text).__name__})"
        raise InputError(f"{origin}: the 'text' field is {kind}")
    if not text.strip():
        raise InputError(f"{origin}: the 'text' field is empty")
    art_id = next((str(v).strip() for v in (row.get("id"), row.get("doc_id")) if _present(v)),
                  None) or text_id(text)
    meta = metadata(row)
    quotes = _units(row.get("quotes"), text, origin) if units else None
    return Article(id=art_id, text=text, origin=origin, quotes=quotes,
                   targets=_targets(row.get("targets"), origin), **meta)


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
                yield _record(row, origin, units=True)
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
            yield _record(row, origin, units=True)
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
    cols = [c for c in ("text", "id", "doc_id", "targets", *_META) if c in pf.schema_arrow.names]
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
    known_targets: Sequence[str] | None = None,
) -> Iterator[Article]:
    """Stream the articles of every input (files, folders, ``hf:`` specs), in order.

    A bad record raises :class:`InputError` unless ``skip_bad``; then it is passed to
    ``on_bad`` (which may log it) and skipped. Two articles with the same id are an error,
    since ids key the tasks on the server. With ``known_targets`` (the schema's target
    ids), a record whose ``targets`` names another id is a bad record.
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
            if known_targets is not None and art.targets:
                unknown = [t for t in art.targets if t not in known_targets]
                if unknown:
                    handler(InputError(
                        f"{art.origin}: unknown target {unknown[0]!r} in 'targets' (the schema's "
                        f"targets: {', '.join(known_targets)})"))
                    continue
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
