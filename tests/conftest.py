"""Shared fixtures: a real Label Studio server started and stopped by the test session.

The first server of a session runs the migrations once (``label-studio init``, about
30 s) into a template state folder; each server fixture copies that folder (a few
seconds) and starts its own process on a free port, through the same
:class:`labeling.studio.server.LocalStudio` code the users run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from labeling.studio.client import Connection, Studio
from labeling.studio.server import LocalStudio, ServerInfo

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
CONFIG = REPO / "configs" / "stance.yaml"
SHARED = REPO.parent / "shared"


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


class RunningStudio:
    """A started server plus what a test needs to reach it."""

    def __init__(self, local: LocalStudio, info: ServerInfo, state: Path):
        self.local = local
        self.info = info
        self.state = state
        self.token = local.credentials().token
        self.url = info.url

    def client(self) -> Studio:
        return Studio(Connection(self.url, self.token))

    def env(self) -> dict[str, str]:
        return {"LABEL_STUDIO_URL": self.url, "LABEL_STUDIO_API_KEY": self.token}


def start_copy(template: Path, dest: Path) -> RunningStudio:
    shutil.copytree(template, dest)
    # The template's log and run record belong to the template.
    (dest / "studio" / "server.json").unlink(missing_ok=True)
    local = LocalStudio(dest)
    info = local.up()
    return RunningStudio(local, info, dest)


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


def pytest_configure(config: pytest.Config) -> None:
    """Tests never reach a server or state folder of the developer's own (module and
    session fixtures included)."""
    for var in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "LABELING_DEBUG"):
        os.environ.pop(var, None)
    os.environ["LABELING_HOME"] = tempfile.mkdtemp(prefix="labeling-home-")


@pytest.fixture(autouse=True)
def _own_state_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test gets a state folder of its own."""
    monkeypatch.setenv("LABELING_HOME", str(tmp_path / "labeling-home"))
