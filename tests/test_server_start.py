"""Starting the embedded server when others start too: two local servers started at once
(two state folders, two terminals) each get a port of their own and answer for their own
folder; a port another program takes while the server starts is a clear error.

Real Label Studio processes, started by the tests.
"""

from __future__ import annotations

import shutil
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

import labeling.studio.server as server_mod
from labeling.errors import ServerError
from labeling.studio.server import LocalStudio, ServerInfo

pytestmark = pytest.mark.server


def _copy(template: Path, dest: Path) -> LocalStudio:
    shutil.copytree(template, dest)
    (dest / "studio" / "server.json").unlink(missing_ok=True)
    return LocalStudio(dest)


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_servers_started_at_once_take_a_port_each(
        studio_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Both find the default port free; without the start lock both started on it, the
    # second server could not listen and its start answered with the first one's.
    port = _unused_port()
    monkeypatch.setattr(server_mod, "DEFAULT_PORT", port)
    studios = [_copy(studio_template, tmp_path / name) for name in ("a", "b")]
    gate = threading.Barrier(2)

    def start(local: LocalStudio) -> ServerInfo:
        gate.wait()
        return local.up()

    try:
        with ThreadPoolExecutor(2) as pool:
            infos = list(pool.map(start, studios))
        assert sorted(i.port == port for i in infos) == [False, True]
        for local, info in zip(studios, infos, strict=True):
            assert local.running() == info  # each folder's record names its own server
            token = local.credentials().token
            r = httpx.get(f"{info.url}/api/current-user/whoami",
                          headers={"Authorization": f"Token {token}"}, timeout=30)
            assert r.status_code == 200
            assert local.log_file.read_text(encoding="utf-8", errors="replace").count(
                "already in use") == 0
    finally:
        for local in studios:
            local.down()


def _take_after_check(port: int, monkeypatch: pytest.MonkeyPatch) -> socket.socket:
    """Another program starts listening on ``port`` right after the start has found it
    free (once): the socket that holds it, for the test to close."""
    taker = socket.socket()
    real_free = server_mod._port_free
    taken: list[bool] = []

    def free_then_taken(p: int) -> bool:
        ok = real_free(p)
        if ok and p == port and not taken:
            taker.bind(("127.0.0.1", port))
            taker.listen()
            taken.append(True)
        return ok

    monkeypatch.setattr(server_mod, "_port_free", free_then_taken)
    return taker


def test_a_port_taken_during_the_start_is_a_clear_error(
        studio_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another program listens on the port once the check has passed: the server cannot
    # listen there, and the start says so (not "delete the state folder").
    local = _copy(studio_template, tmp_path / "s")
    port = _unused_port()
    taker = _take_after_check(port, monkeypatch)
    try:
        with pytest.raises(ServerError, match=f"port {port} was taken by another program"):
            local.up(port=port, timeout=120)
        assert local.running() is None
    finally:
        taker.close()
        local.down()


def test_without_a_port_asked_for_a_start_whose_port_is_taken_moves_on(
        studio_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The default port is taken once the check has passed: the server starts again on a
    # free port and answers for its folder.
    local = _copy(studio_template, tmp_path / "s")
    port = _unused_port()
    monkeypatch.setattr(server_mod, "DEFAULT_PORT", port)
    taker = _take_after_check(port, monkeypatch)
    try:
        info = local.up(timeout=120)
        assert info.port != port and local.running() == info
        r = httpx.get(f"{info.url}/api/current-user/whoami",
                      headers={"Authorization": f"Token {local.credentials().token}"},
                      timeout=30)
        assert r.status_code == 200
    finally:
        taker.close()
        local.down()
