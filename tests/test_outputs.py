"""Outputs: the tool replaces only what it wrote, never a device, and says why it cannot write.

Every test runs the real CLI; the pulls talk to the session's real Label Studio server.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import datasets
import pytest
from click.testing import CliRunner

from labeling.cli import main

from .helpers import CONFIG, REPO, SEEDS, RunningStudio

EXPORT_MARKER = ".stance-labeling-export"  # the marker file every export holds (README)
ONE_SEED = SEEDS / sorted(p.name for p in SEEDS.iterdir())[1]


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    r = CliRunner().invoke(main, args, env=env or {})
    return r.exit_code, r.output


def _user_files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*")
            if p.is_file()}


@pytest.fixture(scope="module")
def pushed(studio_server: RunningStudio) -> Iterator[tuple[str, dict[str, str]]]:
    """One project of one seed article on the session's server: (title, env)."""
    import uuid

    title = f"outputs {uuid.uuid4().hex[:8]}"
    env = studio_server.env()
    code, out = run(["push", str(ONE_SEED), "-p", title, "--config", str(CONFIG), "-q"], env)
    assert code == 0, out
    yield title, env


def _pull(pushed: tuple[str, dict[str, str]], out: Path, *extra: str) -> tuple[int, str]:
    title, env = pushed
    return run(["pull", "-p", title, "--config", str(CONFIG), "-o", str(out), *extra], env)


# ----------------------------------------------------------------------------- folders
def test_pull_never_replaces_a_folder_that_is_not_an_export(pushed: tuple[str, dict[str, str]],
                                                           tmp_path: Path) -> None:
    thesis = tmp_path / "thesis"
    (thesis / "sub").mkdir(parents=True)
    (thesis / "thesis.tex").write_text("\\documentclass{article}")
    (thesis / "sub" / "data.csv").write_text("a,b\n1,2\n")
    before = _user_files(thesis)
    code, out = _pull(pushed, thesis)
    assert code == 1, out
    assert f"Error: {thesis} is not empty and is not an export of stance-labeling" in out
    assert "Choose a new or empty folder" in out
    assert _user_files(thesis) == before
    assert [p.name for p in tmp_path.iterdir()] == ["thesis"]  # no temporary folder left

    empty = tmp_path / "empty"
    empty.mkdir()
    assert _pull(pushed, empty)[0] == 0  # an empty folder takes the export
    datasets.load_from_disk(str(empty))


def test_an_export_is_replaced_with_only_what_the_tool_wrote(pushed: tuple[str, dict[str, str]],
                                                             tmp_path: Path) -> None:
    out_dir = tmp_path / "export"
    code, out = _pull(pushed, out_dir)
    assert code == 0, out
    marker = json.loads((out_dir / EXPORT_MARKER).read_text())
    assert "dataset_dict.json" in marker["files"] and "stats.json" in marker["files"]

    # A file of the user's inside the export: the next pull refuses and keeps everything.
    (out_dir / "notes.txt").write_text("my notes")
    code, out = _pull(pushed, out_dir)
    assert code == 1
    assert "also holds files the tool did not write (notes.txt)" in out
    assert (out_dir / "notes.txt").read_text() == "my notes"
    (out_dir / "notes.txt").unlink()

    # The report written into the export is the tool's: the next pull may replace it.
    code, out = run(["report", str(out_dir)])
    assert code == 0, out
    assert "report.html" in json.loads((out_dir / EXPORT_MARKER).read_text())["files"]
    code, out = _pull(pushed, out_dir, "--full")
    assert code == 0, out
    datasets.load_from_disk(str(out_dir))

    # An export made before the marker existed is still recognised by its stats.json.
    (out_dir / EXPORT_MARKER).unlink()
    assert _pull(pushed, out_dir, "--full")[0] == 0
    (out_dir / EXPORT_MARKER).unlink()
    (out_dir / "train" / "mine.py").write_text("x = 1")
    code, out = _pull(pushed, out_dir, "--full")
    assert code == 1 and "train/mine.py" in out
    assert (out_dir / "train" / "mine.py").exists()


def test_hydrate_never_replaces_a_folder_that_is_not_an_export(
        pushed: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    notext = tmp_path / "notext"
    assert _pull(pushed, notext, "--no-text", "--full")[0] == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("chapter one")
    code, out = run(["hydrate", str(notext), str(ONE_SEED), "-o", str(mine)])
    assert code == 1, out
    assert f"Error: {mine} is not empty and is not an export" in out
    assert _user_files(mine) == {"thesis.tex": "chapter one"}
    code, out = run(["hydrate", str(notext), str(ONE_SEED), "-o", str(tmp_path / "full")])
    assert code == 0, out
    assert (tmp_path / "full" / EXPORT_MARKER).exists()


# ----------------------------------------------------------------------------- files
def test_segment_and_report_replace_only_their_own_files(pushed: tuple[str, dict[str, str]],
                                                         tmp_path: Path) -> None:
    essay = tmp_path / "essay.txt"
    essay.write_text("my essay, not a segment output\n")
    code, out = run(["segment", str(ONE_SEED), "-o", str(essay), "-q"])
    assert code == 1
    assert f"Error: {essay} exists and was not written by stance-labeling" in out
    assert essay.read_text() == "my essay, not a segment output\n"

    units = tmp_path / "units.jsonl"
    assert run(["segment", str(ONE_SEED), "-o", str(units), "-q"])[0] == 0
    assert run(["segment", str(SEEDS), "-o", str(units), "-q"])[0] == 0  # its own: replaced
    assert len(units.read_text().splitlines()) == len(list(SEEDS.glob("*.txt")))

    export = tmp_path / "export"
    assert _pull(pushed, export)[0] == 0
    page = tmp_path / "index.html"
    page.write_text("<html>my home page</html>")
    code, out = run(["report", str(export), "-o", str(page)])
    assert code == 1 and f"Error: {page} exists and was not written by stance-labeling" in out
    assert page.read_text() == "<html>my home page</html>"
    mine = tmp_path / "report.html"
    assert run(["report", str(export), "-o", str(mine)])[0] == 0
    assert run(["report", str(export), "-o", str(mine)])[0] == 0  # its own: replaced


def _null_device(tmp_path: Path) -> Path:
    """A null device to write to. As root, a node of /dev/null's own device in tmp_path:
    a broken tool would replace the machine's /dev/null itself (as root it can), which
    breaks every other program. Others cannot replace /dev/null: they use it."""
    if os.geteuid() != 0:
        return Path("/dev/null")
    node = tmp_path / "null"
    dev = os.stat("/dev/null").st_rdev
    os.mknod(node, 0o666 | stat.S_IFCHR, dev)
    return node


def test_segment_writes_into_dev_null_and_a_fifo_in_place(tmp_path: Path) -> None:
    null = _null_device(tmp_path)
    before = os.stat(null)
    code, out = run(["segment", str(ONE_SEED), "-o", str(null), "-q"])
    assert code == 0, out
    after = os.stat(null)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)
    assert not list(null.parent.glob(".null.*"))
    if null.parent == tmp_path:
        null.unlink()

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, out = run(["segment", str(ONE_SEED), "-o", str(fifo), "-q"])
    reader.join(30)
    assert code == 0, out
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert json.loads(got[0].decode().splitlines()[0])["doc_id"] == ONE_SEED.stem
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_symbolic_link_is_kept_and_its_target_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.jsonl"
    assert run(["segment", str(ONE_SEED), "-o", str(real), "-q"])[0] == 0
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    assert run(["segment", str(SEEDS), "-o", str(link), "-q"])[0] == 0
    assert link.is_symlink()
    assert len(real.read_text().splitlines()) == len(list(SEEDS.glob("*.txt")))


# ----------------------------------------------------------------------------- errors
def test_an_output_under_a_file_is_a_clear_error(pushed: tuple[str, dict[str, str]],
                                                 tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, out = run(["segment", str(ONE_SEED), "-o", str(blocker / "units.jsonl"), "-q"])
    assert code == 1, out
    assert f"Error: cannot write {blocker / 'units.jsonl'}: a part of the path is a file" in out
    code, out = _pull(pushed, blocker / "export")
    assert code == 1, out
    assert "Error: cannot write" in out and "a part of the path is a file" in out
    export = tmp_path / "export"
    assert _pull(pushed, export)[0] == 0
    code, out = run(["report", str(export), "-o", str(blocker / "r.html")])
    assert code == 1 and "Error: cannot write" in out, out
    assert "Traceback" not in out
    assert blocker.read_text() == "x"


def _without_root_powers(args: list[str], env: dict[str, str]
                         ) -> subprocess.CompletedProcess[str]:
    """Run the CLI so that folder modes bind it: as root, without the capabilities that
    let root write anywhere (setpriv drops them from the bounding set)."""
    cmd = [sys.executable, "-m", "labeling", *args]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--", *cmd]
    return subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(REPO), **env},
                          capture_output=True, text=True, timeout=300, check=False)


def test_an_output_in_a_read_only_folder_is_a_clear_error(pushed: tuple[str, dict[str, str]],
                                                          tmp_path: Path) -> None:
    ro = tmp_path / "read-only"
    ro.mkdir()
    export = tmp_path / "export"
    assert _pull(pushed, export)[0] == 0
    ro.chmod(0o555)
    try:
        for args in (["segment", str(ONE_SEED), "-o", str(ro / "u.jsonl"), "-q"],
                     ["report", str(export), "-o", str(ro / "r.html")],
                     ["pull", "-p", pushed[0], "--config", str(CONFIG),
                      "-o", str(ro / "export"), "--full"]):
            r = _without_root_powers(args, {"LABELING_HOME": str(tmp_path / "home"),
                                            **pushed[1]})
            assert r.returncode == 1, (args, r.stdout, r.stderr)
            assert f"Error: cannot write {ro}" in r.stderr, r.stderr
            assert "Permission denied" in r.stderr and "Traceback" not in r.stderr
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)
