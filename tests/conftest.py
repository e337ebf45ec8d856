"""Shared fixtures: a real Label Studio server started and stopped by the test session.

The first server of a session runs the migrations once (``label-studio init``, about
30 s) into a template state folder; each server fixture copies that folder (a few
seconds) and starts its own process on a free port, through the same
:class:`labeling.studio.server.LocalStudio` code the users run.

Every test that uses a server fixture is marked ``server`` at collection, so
``pytest -m "not server"`` is the fast suite; a test that starts a server in-process
without that marker fails with a message saying how to mark it. Helpers the test modules
share live in ``tests/helpers.py``.
"""

from __future__ import annotations

import functools
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from labeling.studio.server import LocalStudio

from .helpers import ARGS, CHROMIUM, RunningStudio, start_copy

if TYPE_CHECKING:
    from labeling.studio.client import Studio

# Fixtures that start a Label Studio (directly or through one of these): a test using any
# of them is a `server` test. A new server fixture belongs here (or depends on one).
SERVER_FIXTURES = frozenset({"studio_template", "studio_server", "studio", "pg_server"})


def _has_label_studio() -> bool:
    from labeling.studio.server import label_studio_executable

    try:
        label_studio_executable()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def studio_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated Label Studio state folder to copy for each server."""
    if not _has_label_studio():
        pytest.fail("Label Studio is not installed: run `bash scripts/test.sh` (installs the "
                    "server extra)")
    state = tmp_path_factory.mktemp("studio-template")
    LocalStudio(state).init()
    return state


@pytest.fixture(scope="session")
def studio_server(studio_template: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[RunningStudio]:
    """One real server shared by the session (tests use their own projects)."""
    dest = tmp_path_factory.mktemp("studio") / "state"
    running = start_copy(studio_template, dest)
    try:
        yield running
    finally:
        running.local.down()


@pytest.fixture()
def studio(studio_server: RunningStudio) -> Iterator[Studio]:
    client = studio_server.client()
    yield client
    client.close()


@pytest.fixture()
def project_title() -> str:
    return f"test {uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by playwright (no browser download)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run `bash scripts/setup-browser.sh` (Debian package)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


# ----------------------------------------------------------------------------- the server marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a server fixture (its whole fixture closure counts)."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


_RUNNING: dict[str, pytest.Item | None] = {"item": None}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Remember the test being set up: its fixtures (any scope) start in its name."""
    _RUNNING["item"] = item


def _needs_the_marker(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def guarded(self: LocalStudio, *args: Any, **kw: Any) -> Any:
        item = _RUNNING["item"]
        if item is not None and item.get_closest_marker("server") is None:
            raise RuntimeError(
                f"{item.nodeid} starts a Label Studio server but is not a `server` test: use "
                f"a server fixture ({', '.join(sorted(SERVER_FIXTURES))}), which marks it, so "
                "that `pytest -m 'not server'` stays fast")
        return fn(self, *args, **kw)

    return guarded


def pytest_configure(config: pytest.Config) -> None:
    """Tests never reach a server or state folder of the developer's own (module and
    session fixtures included), and only `server` tests start a server."""
    for var in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "LABELING_DEBUG"):
        os.environ.pop(var, None)
    os.environ["LABELING_HOME"] = tempfile.mkdtemp(prefix="labeling-home-")
    for name in ("init", "up"):
        setattr(LocalStudio, name, _needs_the_marker(getattr(LocalStudio, name)))


@pytest.fixture(autouse=True)
def _own_state_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test gets a state folder of its own."""
    monkeypatch.setenv("LABELING_HOME", str(tmp_path / "labeling-home"))
