"""The embedded local Label Studio: up, status, down, credentials, process group."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from labeling.cli import main
from labeling.studio.server import LocalStudio

from .helpers import CONFIG, SEEDS


def test_up_status_down_and_push_without_url(studio_template: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    shutil.copytree(studio_template, state)
    (state / "studio" / "server.json").unlink(missing_ok=True)
    runner = CliRunner()
    r = runner.invoke(main, ["studio", "status", "--state-dir", str(state)])
    assert r.exit_code == 3 and "not running" in r.output
    r = runner.invoke(main, ["studio", "up", "--state-dir", str(state)])
    assert r.exit_code == 0, r.output
    local = LocalStudio(state)
    creds = local.credentials()
    try:
        assert "Label Studio is running at http://127.0.0.1:" in r.output
        assert creds.username in r.output
        assert creds.password not in r.output and creds.token not in r.output
        cred_file = state / "studio" / "credentials.json"
        assert stat.S_IMODE(cred_file.stat().st_mode) == 0o600
        info = local.running()
        assert info is not None
        assert os.getpgid(info.pid) == info.pid  # leads its own process group
        r = runner.invoke(main, ["studio", "status", "--state-dir", str(state)])
        assert r.exit_code == 0 and info.url in r.output
        # With no --url, push uses the running local server and its stored token.
        one = sorted(SEEDS.iterdir())[2]
        r = runner.invoke(main, ["push", str(one), "-p", "local push", "--config", str(CONFIG),
                                 "--state-dir", str(state), "-q"])
        assert r.exit_code == 0, r.output
        assert "tasks created" in r.output and creds.token not in r.output
        r = runner.invoke(main, ["studio", "login", "--state-dir", str(state)])
        assert creds.password in r.output  # only on explicit request
    finally:
        r = runner.invoke(main, ["studio", "down", "--state-dir", str(state)])
    assert r.exit_code == 0 and "stopped" in r.output
    assert local.running() is None
    with pytest.raises(ProcessLookupError):
        os.kill(info.pid, 0)
    assert not (state / "studio" / "server.json").exists()
    assert json.loads((state / "studio" / "credentials.json").read_text())["token"] == creds.token
