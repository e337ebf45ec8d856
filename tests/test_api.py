"""The public Python API, used as a user would: imports from ``labeling`` only.

The example of docs/python-api.md runs as written against a real server; the rest checks
what a user relies on: the names, the typed results, the defaults, the errors, and that
``import labeling`` stays light.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import labeling
from labeling import (
    DEFAULT_SCHEMA,
    InputError,
    LabelingError,
    PullResult,
    PushResult,
    Status,
    connect,
    load_schema,
    pull,
    push,
    segment,
    segment_files,
    status,
)

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "python-api.md"


def _python_blocks(markdown: str) -> list[str]:
    blocks: list[str] = []
    buf: list[str] = []
    inside = False
    for line in markdown.splitlines():
        if line.strip() == "```python":
            inside, buf = True, []
        elif inside and line.strip() == "```":
            inside = False
            blocks.append("\n".join(buf))
        elif inside:
            buf.append(line)
    return blocks


def _example() -> str:
    """The runnable example: the block of docs/python-api.md that pushes."""
    return next(b for b in _python_blocks(DOC.read_text(encoding="utf-8")) if "push(" in b)


def test_import_is_light() -> None:
    """``import labeling`` loads none of the heavy dependencies, nor the segmenter."""
    heavy = ["datasets", "httpx", "label_studio_sdk", "pandas", "pyarrow", "pydantic", "click",
             "labeling.segmenter", "labeling.workflows", "labeling.studio"]
    code = f"import sys, labeling; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves() -> None:
    for name in labeling.__all__:
        assert getattr(labeling, name) is not None, name
    assert set(labeling.__all__) <= set(dir(labeling))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        labeling.nope  # noqa: B018
    assert issubclass(InputError, LabelingError) and issubclass(labeling.NotFound,
                                                                labeling.ServerError)


def test_the_example_imports_from_labeling_only() -> None:
    tree = ast.parse(_example())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert [a.name for a in node.names] == ["labeling"]
        elif isinstance(node, ast.ImportFrom):
            assert node.module == "labeling"


def test_segment_and_the_default_schema() -> None:
    text = '"We will not send troops," Emmanuel Macron said on Monday.'
    (q,) = segment(text)
    assert q.speaker == "Emmanuel Macron" and text[q.start:q.end] == q.text
    assert segment("") == []
    assert load_schema() == load_schema(REPO / "configs" / "stance.yaml")
    assert DEFAULT_SCHEMA.is_file()
    with pytest.raises(InputError, match="unknown segmenter engine 'fast'"):
        segment(text, engine="fast")


def test_bad_input_is_an_input_error_before_any_server(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        segment_files([tmp_path / "missing"], tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()


def test_the_documented_example_runs(studio_server: Any, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/python-api.md's example as written, in a folder with the seeds, against a real
    server named by the environment (as a user's would be)."""
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    for key, value in studio_server.env().items():
        monkeypatch.setenv(key, value)
    scope: dict[str, Any] = {}
    exec(compile(_example(), str(DOC), "exec"), scope)  # noqa: S102 (our own document)
    pushed, pulled = scope["pushed"], scope["pulled"]
    assert isinstance(pushed, PushResult) and isinstance(pulled, PullResult)
    assert isinstance(scope["progress"], Status)
    units = sum(len(json.loads(line)["quotes"])
                for line in (tmp_path / "units.jsonl").read_text(encoding="utf-8").splitlines())
    assert scope["articles"] == 5 and units > 0
    assert pushed.created == units and pushed.present == 0
    assert scope["progress"].tasks == units
    assert pulled.tasks == units and pulled.annotations == 0
    assert (tmp_path / "exports" / "troops" / "dataset_dict.json").exists()


def test_defaults_connect_like_the_cli(studio_server: Any, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       project_title: str) -> None:
    """Without a studio, each call connects from the environment and closes again; a second
    push finds every unit present; typed results throughout."""
    for key, value in studio_server.env().items():
        monkeypatch.setenv(key, value)
    seeds = REPO / "seeds"
    first = push([seeds], project_title)
    again = push([seeds], project_title)
    assert first.project_created and first.created > 0
    assert not again.project_created and again.created == 0 and again.present == first.units
    st = status(project_title)
    assert st.tasks == first.created and st.annotations == 0
    res = pull(project_title, tmp_path / "out")
    assert res.tasks == first.created
    assert (tmp_path / "out" / "stance.yaml").read_bytes() == DEFAULT_SCHEMA.read_bytes()
    with connect() as studio:
        assert studio.url == studio_server.url
        with pytest.raises(labeling.NotFound):
            pull("no such project " + project_title, tmp_path / "x", studio=studio)
