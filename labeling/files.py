"""Writing files all at once or not at all: the one atomic-write helper of the package.

Every file and folder the tool writes goes through here. A write goes to a temporary
sibling that is renamed over the target only when complete, so an interrupted run leaves
the previous file (or nothing) behind, never half a file.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, overload

__all__ = ["atomic_file", "atomic_folder", "write_json", "write_private", "write_text"]


@overload
def atomic_file(path: str | os.PathLike[str], mode: Literal["w"] = "w", *,
                private: bool = False, fsync: bool = False) -> contextlib.AbstractContextManager[IO[str]]:
    ...


@overload
def atomic_file(path: str | os.PathLike[str], mode: Literal["wb"], *,
                private: bool = False, fsync: bool = False
                ) -> contextlib.AbstractContextManager[IO[bytes]]:
    ...


def atomic_file(path: str | os.PathLike[str], mode: str = "w", *, private: bool = False,
                fsync: bool = False) -> contextlib.AbstractContextManager[Any]:
    """Open a temporary sibling of ``path`` for writing; rename it over ``path`` on success.

    ``private`` makes the file readable by its owner only (0600); otherwise it gets the
    usual 0644. On any exception the temporary file is removed and ``path`` is untouched.
    """
    return _atomic_file(Path(path), mode, private, fsync)


@contextlib.contextmanager
def _atomic_file(path: Path, mode: str, private: bool, fsync: bool) -> Iterator[Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600 if private else 0o644)
        if "b" in mode:
            fh: Any = os.fdopen(fd, mode)
        else:
            fh = os.fdopen(fd, mode, encoding="utf-8")
        with fh:
            yield fh
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike[str], text: str, *, private: bool = False) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_file(path, private=private) as fh:
        fh.write(text)


def write_json(path: str | os.PathLike[str], payload: Any, *, private: bool = False) -> None:
    """Write ``payload`` as JSON atomically."""
    with atomic_file(path, private=private) as fh:
        json.dump(payload, fh)


def write_private(path: str | os.PathLike[str], payload: Any) -> None:
    """Write JSON readable by the owner only (0600), atomically: credentials, passwords."""
    write_json(path, payload, private=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False  # a file system without the exchange: fall back to two renames
    raise OSError(err, os.strerror(err), str(b))


def _replace_folder(tmp: Path, out: Path) -> None:
    """Put the finished folder ``tmp`` at ``out``, replacing an old one.

    Where the system can swap two folders in one step the old folder is never absent;
    elsewhere it is moved aside and put back if anything (an interrupt included) stops
    the second rename.
    """
    if not out.exists():
        os.replace(tmp, out)
        return
    if _exchange(tmp, out):
        shutil.rmtree(tmp, ignore_errors=True)  # the old folder, now at tmp
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)  # put the previous folder back
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_folder(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary sibling folder; it replaces ``out`` whole on success."""
    target = Path(out).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        _replace_folder(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
