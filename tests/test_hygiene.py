"""The repository's own rules: the shipped schema, the CLI reference, the tests' layout."""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from pathlib import Path

import pytest

from labeling.schema import DEFAULT_SCHEMA
from labeling.studio.server import LocalStudio

from .helpers import CONFIG, REPO

TESTS = Path(__file__).resolve().parent


def test_the_shipped_schema_is_the_example() -> None:
    """labeling/data/stance.yaml (the default of every command) is configs/stance.yaml, and
    the package ships it."""
    assert DEFAULT_SCHEMA == REPO / "labeling" / "data" / "stance.yaml"
    assert DEFAULT_SCHEMA.read_bytes() == CONFIG.read_bytes(), (
        "configs/stance.yaml and labeling/data/stance.yaml differ: copy one onto the other")
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs = meta["tool"]["setuptools"]["package-data"]["labeling"]
    assert any(DEFAULT_SCHEMA in set((REPO / "labeling").glob(g)) for g in globs)


def test_the_cli_reference_is_current() -> None:
    spec = importlib.util.spec_from_file_location("cli_reference",
                                                  REPO / "scripts" / "cli_reference.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert (REPO / "docs" / "cli.md").read_text(encoding="utf-8") == mod.render(), (
        "docs/cli.md is stale: run python scripts/cli_reference.py")


def test_test_modules_do_not_import_each_other() -> None:
    """Shared helpers live in tests/helpers.py (fixtures in conftest.py)."""
    wrong = []
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                names = [("." * node.level) + mod] + [f"{'.' * node.level}{mod}.{a.name}"
                                                       for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                last = name.lstrip(".").removeprefix("tests.").split(".")[0]
                if (name.startswith(".") or name.startswith("tests.")) and (
                        last.startswith("test_") or last == "conftest"):
                    wrong.append(f"{path.name} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_a_test_without_the_server_marker_cannot_start_a_server(tmp_path: Path) -> None:
    """A server costs seconds: only tests marked ``server`` (by using a server fixture) may
    start one, so ``pytest -m "not server"`` stays fast."""
    with pytest.raises(RuntimeError, match="is not a `server` test"):
        LocalStudio(tmp_path).up()
    with pytest.raises(RuntimeError, match="is not a `server` test"):
        LocalStudio(tmp_path).init()
