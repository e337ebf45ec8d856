"""Writing files all at once or not at all: the one atomic-write helper of the package.

Every file and folder the tool writes goes through here. A write goes to a temporary
sibling that is renamed over the target only when complete, so an interrupted run leaves
the previous file (or nothing) behind, never half a file.

What may be replaced: the tool never deletes or overwrites what it did not write.

- A folder (an export) is replaced only if it is missing, empty, or a previous export:
  every export holds a marker file (:data:`EXPORT_MARKER`) listing the files written
  into it, and only those (plus the caches ``datasets`` derives from them) are removed
  when a new export takes its place. Any other file stops the write with an error.
- A file is replaced only if it is missing, empty, or recognised by the caller as an
  output of the tool (``ours``).
- An output that exists and is not a regular file (``/dev/null``, a FIFO, a terminal) is
  written in place: renaming over it would replace a device by a file.

Errors from the file system (a read-only folder, a path under a file) become
:class:`~labeling.errors.OutputError` naming the path.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fnmatch
import json
import logging
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Literal, overload

from labeling.errors import OutputError

__all__ = ["EXPORT_MARKER", "REPORT_SIGNATURES", "atomic_file", "atomic_folder", "check_file",
           "check_folder", "claim", "has_signature", "private_folder", "write_json",
           "write_private", "write_text"]

log = logging.getLogger(__name__)

EXPORT_MARKER = ".stance-labeling-export"
# Files that ``datasets`` itself derives from an export when it is loaded and mapped:
# they hold nothing but a copy of the export's own data, so they go with it.
_DERIVED = ("*/cache-*.arrow",)

# What an HTML report of the tool holds (the second: reports made before the first existed).
REPORT_SIGNATURES = ('<meta name="generator" content="stance-labeling">',
                     "Made by stance-labeling from")

Recognise = Callable[[Path], bool]
LegacyManifest = Callable[[Path], set[str] | None]


def _os_error(path: Path, exc: OSError) -> OutputError:
    why = exc.strerror or type(exc).__name__
    if isinstance(exc, (NotADirectoryError, FileExistsError)) or exc.errno in (
            errno.ENOTDIR, errno.EEXIST):
        why = "a part of the path is a file, not a folder"
    return OutputError(f"cannot write {path}: {why}; choose another output path")


# ----------------------------------------------------------------------------- files
@overload
def atomic_file(path: str | os.PathLike[str], mode: Literal["w"] = "w", *,
                private: bool = False, fsync: bool = False, ours: Recognise | None = None
                ) -> contextlib.AbstractContextManager[IO[str]]:
    ...


@overload
def atomic_file(path: str | os.PathLike[str], mode: Literal["wb"], *,
                private: bool = False, fsync: bool = False, ours: Recognise | None = None
                ) -> contextlib.AbstractContextManager[IO[bytes]]:
    ...


def atomic_file(path: str | os.PathLike[str], mode: str = "w", *, private: bool = False,
                fsync: bool = False, ours: Recognise | None = None
                ) -> contextlib.AbstractContextManager[Any]:
    """Open a temporary sibling of ``path`` for writing; rename it over ``path`` on success.

    ``private`` makes the file readable by its owner only (0600); otherwise it gets the
    usual 0644. On any exception the temporary file is removed and ``path`` is untouched.
    ``ours`` tells whether an existing non-empty file is an earlier output of the tool;
    when it is given, any other file is refused (:class:`OutputError`). A symbolic link
    is kept and its target replaced; a device or FIFO is written in place.
    """
    return _atomic_file(Path(path), mode, private, fsync, ours)


def has_signature(path: str | os.PathLike[str], *signatures: str) -> bool:
    """Whether the start or the end (4 KiB each) of a text file holds one of ``signatures``:
    how a file the tool wrote (a report page) is recognised before it is replaced."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - 4096))
            tail = fh.read(4096)
    except OSError:
        return False
    return any(sig.encode() in head or sig.encode() in tail for sig in signatures)


def check_file(path: str | os.PathLike[str], ours: Recognise | None = None) -> None:
    """Raise :class:`OutputError` now if writing ``path`` would be refused later."""
    _target_file(Path(path), ours)


def _target_file(path: Path, ours: Recognise | None) -> tuple[Path, bool]:
    """Where to write for ``path`` and whether in place (not a regular file)."""
    try:
        st = path.stat()  # follows a symbolic link: its target is what gets written
    except FileNotFoundError:
        return path, False
    except OSError as exc:
        raise _os_error(path, exc) from exc
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write {path}: it is a folder; give a file name")
    if not stat.S_ISREG(st.st_mode):
        return path, True
    real = Path(os.path.realpath(path))
    if ours is not None and st.st_size > 0 and not ours(real):
        raise OutputError(
            f"{path} exists and was not written by stance-labeling: it is left as it is. "
            "Choose another output path, or move that file away yourself")
    return real, False


@contextlib.contextmanager
def _atomic_file(path: Path, mode: str, private: bool, fsync: bool,
                 ours: Recognise | None) -> Iterator[Any]:
    target, in_place = _target_file(path, ours)
    enc = None if "b" in mode else "utf-8"
    if in_place:
        # A device, FIFO or terminal: renaming over it would put a file in its place.
        try:
            fh: Any = open(target, mode, encoding=enc)  # noqa: SIM115
        except OSError as exc:
            raise _os_error(path, exc) from exc
        with fh:
            yield fh
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _os_error(path, exc) from exc
    try:
        os.fchmod(fd, 0o600 if private else 0o644)
        fh = os.fdopen(fd, mode, encoding=enc)
        with fh:
            yield fh
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        _target_file(path, ours)  # created meanwhile by someone else? still refused
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise _os_error(path, exc) from exc
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


def private_folder(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and its parents) readable by the owner only (0700); an existing
    folder is tightened to 0700."""
    folder = Path(path)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if stat.S_IMODE(folder.stat().st_mode) != 0o700:
            folder.chmod(0o700)
    except OSError as exc:
        raise _os_error(folder, exc) from exc
    return folder


# ----------------------------------------------------------------------------- folders
def _files_in(folder: Path) -> set[str]:
    """Every file below ``folder`` as a POSIX path relative to it (links not followed)."""
    out: set[str] = set()
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        for name in files + [d for d in dirs if (Path(root) / d).is_symlink()]:
            out.add((rel / name).as_posix())
    return out


def _manifest(folder: Path, legacy: LegacyManifest | None) -> set[str] | None:
    """The files the tool wrote into ``folder`` (None: not an export of ours)."""
    marker = folder / EXPORT_MARKER
    if marker.is_file():
        try:
            raw = json.loads(marker.read_text(encoding="utf-8"))
            return {str(f) for f in raw["files"]} | {EXPORT_MARKER}
        except (ValueError, KeyError, TypeError, OSError):
            return None
    return legacy(folder) if legacy else None


def _foreign(folder: Path, manifest: set[str]) -> list[str]:
    return sorted(f for f in _files_in(folder) - manifest
                  if not any(fnmatch.fnmatch(f, p) for p in _DERIVED))


def check_folder(out: str | os.PathLike[str], legacy: LegacyManifest | None = None) -> None:
    """Raise :class:`OutputError` unless ``out`` may be replaced by a new export.

    It may if it does not exist, is an empty folder, or is an earlier export holding
    only files the tool wrote (``legacy`` recognises exports made before the marker
    existed and returns their files).
    """
    target = Path(out)
    try:
        if not target.exists():
            return
        if not target.is_dir():
            raise OutputError(f"{target} is a file, not a folder: choose another output folder")
        if not any(target.iterdir()):
            return
    except OSError as exc:
        raise _os_error(target, exc) from exc
    manifest = _manifest(target, legacy)
    if manifest is None:
        raise OutputError(
            f"{target} is not empty and is not an export of stance-labeling (no "
            f"{EXPORT_MARKER} file): nothing in it was touched. Choose a new or empty "
            "folder for the export, or move that folder away yourself")
    foreign = _foreign(target, manifest)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5
                                          else "")
        raise OutputError(
            f"{target} is an earlier export but also holds files the tool did not write "
            f"({shown}): nothing was touched. Move them out of the folder, or choose "
            "another output folder")


def claim(path: str | os.PathLike[str]) -> None:
    """Record in the export around ``path`` (if any) that the tool wrote ``path`` there,
    so that the next export may replace it (``labeling report`` into an export)."""
    p = Path(path).resolve()
    marker = p.parent / EXPORT_MARKER
    if not marker.is_file():
        return
    try:
        raw = json.loads(marker.read_text(encoding="utf-8"))
        files = set(raw["files"])
    except (ValueError, KeyError, TypeError):
        return
    if p.name not in files:
        raw["files"] = sorted(files | {p.name})
        write_json(marker, raw)


def _write_marker(folder: Path) -> None:
    files = sorted(_files_in(folder))
    with open(folder / EXPORT_MARKER, "w", encoding="utf-8") as fh:
        json.dump({"written_by": "stance-labeling", "files": files}, fh, indent=1)
        fh.write("\n")


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


def _remove_ours(old: Path, manifest: set[str]) -> None:
    """Delete the files of a replaced export that the tool wrote, then its empty folders.

    Anything else (only possible if it appeared between the check and the swap) is left
    where it is, and said so.
    """
    files = _files_in(old)
    mine = {f for f in files if f in manifest or any(fnmatch.fnmatch(f, p) for p in _DERIVED)}
    for rel in mine:
        with contextlib.suppress(OSError):
            (old / rel).unlink()
    for root, _dirs, _files in sorted(os.walk(old, topdown=False), key=lambda w: -len(w[0])):
        with contextlib.suppress(OSError):
            Path(root).rmdir()  # only succeeds when empty
    if old.exists():
        log.warning("files the tool did not write were kept in %s", old)


def _replace_folder(tmp: Path, out: Path, legacy: LegacyManifest | None = None) -> None:
    """Put the finished folder ``tmp`` at ``out``, replacing an old one.

    Where the system can swap two folders in one step the old folder is never absent;
    elsewhere it is moved aside and put back if anything (an interrupt included) stops
    the second rename. Of the old folder only what the tool wrote is deleted.
    """
    if not out.exists():
        os.replace(tmp, out)
        return
    check_folder(out, legacy)  # again, just before: it may have changed during the build
    manifest = _manifest(out, legacy) or set()  # an empty folder: nothing of ours in it
    if _exchange(tmp, out):
        _remove_ours(tmp, manifest)  # the old folder, now at tmp
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)  # put the previous folder back
        raise
    _remove_ours(old, manifest)


@contextlib.contextmanager
def atomic_folder(out: str | os.PathLike[str], *, legacy: LegacyManifest | None = None
                  ) -> Iterator[Path]:
    """Yield an empty temporary sibling folder; it replaces ``out`` whole on success.

    The finished folder gets the export marker listing its files. ``out`` must be
    replaceable (see :func:`check_folder`), else :class:`OutputError` before anything is
    written.
    """
    target = Path(out).resolve()
    check_folder(target, legacy)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    except OSError as exc:
        raise _os_error(target, exc) from exc
    try:
        yield tmp
        _write_marker(tmp)
        try:
            _replace_folder(tmp, target, legacy)
        except OSError as exc:
            raise _os_error(target, exc) from exc
    except BaseException:
        _rmtree_own(tmp)
        raise


def _rmtree_own(tmp: Path) -> None:
    """Remove a temporary folder of ours (everything in it was written by this run)."""
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
