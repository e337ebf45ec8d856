"""A downloaded export snapshot, read one task at a time.

A snapshot of 50,000 tasks is a JSON array of about 160 MB; parsed whole it held about
1 GB of Python objects. Here the download is streamed into an anonymous temporary file
(in the state folder when the caller gives one; it disappears when closed, or when the
process dies), and :meth:`Snapshot.tasks` yields the array's items one by one, so a
pull holds one chunk of tasks at a time.

Each item is decoded by the standard library's own JSON scanner
(:meth:`json.JSONDecoder.raw_decode`, the C scanner :func:`json.loads` uses) over a
sliding window of the file, so every task is exactly what :func:`json.loads` of the
whole document gives, and about as fast. (``ijson``'s C backend, tried first, is not:
it refuses integers beyond 64 bits, escaped lone surrogates such as ``"\\ud800"`` and
``NaN``, all of which :func:`json.loads` accepts.)

:func:`remove_local_copy` deletes the file an embedded server keeps in its
``media/export/`` folder after the export record was deleted through the API.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from labeling.errors import ServerError

log = logging.getLogger(__name__)

__all__ = ["Snapshot", "iter_json_array", "read_blocks", "remove_local_copy", "spool_file"]

_READ = 1 << 20  # bytes read at a time
_WS = " \t\n\r"


def spool_file(folder: str | os.PathLike[str] | None) -> IO[bytes]:
    """An anonymous temporary file in ``folder`` (created if needed; the system's
    temporary folder if None): nothing is left behind, even by a killed process."""
    if folder is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryFile(prefix="snapshot-", suffix=".json", dir=folder)


def read_blocks(fd: int, start: int = 0) -> Iterator[bytes]:
    """The bytes of ``fd`` from offset ``start``, read with ``pread`` (the file position
    is not used, so a forked process may read the same file at the same time)."""
    offset, size = start, _READ
    while True:
        block = os.pread(fd, size, offset)
        if not block:
            return
        offset += len(block)
        yield block


def iter_json_array(blocks: Iterable[bytes]) -> Iterator[Any]:
    """The items of the JSON array whose UTF-8 bytes are ``blocks``, one at a time, each
    equal to the item :func:`json.loads` of the whole document would give.

    Raises :class:`json.JSONDecodeError` (position relative to the window) on a document
    that is not one JSON array.
    """
    decode = codecs.getincrementaldecoder("utf-8-sig")("surrogatepass").decode
    raw_decode = json.JSONDecoder().raw_decode
    source = iter(blocks)
    buf, pos, eof = "", 0, False

    def more(at_least: int = 1) -> bool:
        """Append the next blocks to the window (dropping what was consumed)."""
        nonlocal buf, pos, eof
        if eof:
            return False
        parts, got = [buf[pos:]], 0
        while got < at_least:
            block = next(source, None)
            if block is None:
                eof = True
                parts.append(decode(b"", final=True))
                break
            text = decode(block)
            parts.append(text)
            got += len(text)
        buf, pos = "".join(parts), 0
        return True

    def skip_ws() -> str:
        """The next character that is not white space ("" at the end)."""
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in _WS:
                pos += 1
            if pos < len(buf):
                return buf[pos]
            if not more():
                return ""

    if skip_ws() != "[":
        raise json.JSONDecodeError("the snapshot is not a JSON array", buf, pos)
    pos += 1
    if skip_ws() == "]":
        pos += 1
    else:
        want = _READ
        while True:
            try:
                item, end = raw_decode(buf, pos)
                # A value that ends the window may go on in the next block (a number).
                complete = end < len(buf) or eof
            except json.JSONDecodeError:
                complete = False
                if eof:
                    raise
            if not complete:
                # An item larger than the window: read more, doubling, so that a
                # 100 MB task costs a few re-scans, not one per block.
                more(want)
                want *= 2
                continue
            want = _READ
            yield item
            pos = end
            sep = skip_ws()
            pos += 1
            if sep == "]":
                break
            if sep != ",":
                raise json.JSONDecodeError("expected ',' or ']' between tasks", buf, pos - 1)
            skip_ws()
    if skip_ws() != "":
        raise json.JSONDecodeError("extra data after the snapshot's array", buf, pos)


@dataclass
class Snapshot:
    """A downloaded export snapshot: its tasks are read from ``file`` on demand.

    ``started`` is the server's clock when the snapshot began (where the next
    incremental sync starts); ``export`` the export record (id, md5, times) the server
    answered. Closing it (or leaving its ``with`` block) removes the temporary file.
    """

    file: IO[bytes]
    started: str | None
    export: dict[str, Any]
    size: int = 0

    def tasks(self) -> Iterator[dict[str, Any]]:
        """Every task, one at a time, as :func:`json.loads` would give it."""
        try:
            for task in iter_json_array(read_blocks(self.file.fileno(), 0)):
                if not isinstance(task, dict):
                    raise ServerError("the export snapshot holds an item that is not a task")
                yield task
        except json.JSONDecodeError as exc:
            raise ServerError(f"the export snapshot is not valid JSON ({exc.msg})") from exc

    def chunks(self, size: int) -> Iterator[list[dict[str, Any]]]:
        """The tasks in lists of at most ``size``."""
        chunk: list[dict[str, Any]] = []
        for task in self.tasks():
            chunk.append(task)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stamp(value: object) -> float | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def remove_local_copy(data_dir: Path, project_id: int, export: dict[str, Any]) -> list[Path]:
    """Delete the file the embedded server (data in ``data_dir``) kept of this export.

    Label Studio writes a snapshot to ``media/export/<project>/project-<project>-at-<time>-
    <md5[:8]>.json`` and, unless a feature flag is set, keeps it after the export record is
    deleted. Only a file of this project with this export's checksum, written no earlier
    than the export began, is removed. Returns what was removed.
    """
    md5 = str(export.get("md5") or "")
    folder = data_dir / "media" / "export" / str(project_id)
    if len(md5) < 8 or not folder.is_dir():
        return []
    began = _stamp(export.get("created_at"))
    removed = []
    for path in folder.glob(f"project-{project_id}-at-*-{md5[:8]}.json"):
        try:
            if began is not None and path.stat().st_mtime < began - 5:
                continue  # an older export with the same content: not ours
            path.unlink()
            removed.append(path)
        except FileNotFoundError:
            continue
    return removed
