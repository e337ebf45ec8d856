"""`labeling suggest --every N` against a real Label Studio: a run now, another after every
N new annotations, waiting below `min_labels`, stopping on a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from labeling.schema import load_schema
from labeling.studio.client import Connection, Studio
from labeling.workflows.watch import Event, annotation_count, watch

from .faultproxy import FaultProxy
from .helpers import RunningStudio
from .suggest_toy import config, gold_of, label, push_toy


def _until(cond: Callable[[], bool], timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.2)


def test_watch_runs_now_then_after_every_n_new_annotations(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    cfg = config(tmp_path, show="hidden")  # min_labels 6: three labelled tasks (two targets)
    schema = load_schema(cfg)
    tasks = push_toy(studio_server, tmp_path, project_title, cfg)
    events: list[Event] = []
    stop = threading.Event()
    with studio_server.client() as studio:
        label(studio, tasks["a00"], gold_of(0))  # 2 labelled items: too few
        loop = threading.Thread(target=watch, kwargs=dict(
            project=project_title, schema=schema, studio=studio, every=3, poll=0.3,
            state_dir=tmp_path / "home", on_event=events.append, stop=stop))
        loop.start()
        try:
            _until(lambda: any(e.kind == "waiting" for e in events))
            waiting = next(e for e in events if e.kind == "waiting")
            assert (waiting.labels, waiting.needed) == (2, 6)
            label(studio, tasks["a01"], gold_of(1))  # 4 items: retried, still too few
            time.sleep(3)
            assert [e.kind for e in events] == ["waiting"]  # said once
            label(studio, tasks["a02"], gold_of(2))  # 6: any new annotation retries
            _until(lambda: sum(e.kind == "run" for e in events) == 1)
            first = next(e for e in events if e.kind == "run")
            assert first.result is not None and first.result.labels == 6
            for i in (3, 4):  # two new annotations: fewer than every=3, no run
                label(studio, tasks[f"a{i:02d}"], gold_of(i))
            time.sleep(3)  # ten polls
            assert sum(e.kind == "run" for e in events) == 1
            label(studio, tasks["a05"], gold_of(5))  # the third: a run
            _until(lambda: sum(e.kind == "run" for e in events) == 2)
        finally:
            stop.set()
            loop.join(timeout=120)
        assert not loop.is_alive()
        second = [e for e in events if e.kind == "run"][1]
        assert second.result is not None and second.result.labels == 12
        assert second.annotations == annotation_count(studio, project_title) == 6
        proj = studio.project(project_title, fields=("model_version",))
        assert proj["model_version"] == second.result.model_version
        assert second.result.model_version != first.result.model_version
        assert second.result.replaced > 0  # the first run's suggestions went


def test_watch_rejects_nonsense_settings(studio_server: RunningStudio, tmp_path: Path) -> None:
    schema = load_schema(config(tmp_path))
    with studio_server.client() as studio:
        for bad in ({"every": 0}, {"every": 1, "poll": 0.0}):
            with pytest.raises(ValueError):
                watch(project="x", schema=schema, studio=studio, **bad)


def test_suggest_every_stops_cleanly_on_sigterm(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    cfg = config(tmp_path)
    tasks = push_toy(studio_server, tmp_path, project_title, cfg)
    with studio_server.client() as studio:
        for i in range(3):
            label(studio, tasks[f"a{i:02d}"], gold_of(i))
    exe = str(Path(sys.executable).parent / "labeling")
    proc = subprocess.Popen(
        [exe, "suggest", "-p", project_title, "--config", str(cfg), "--every", "5",
         "--poll", "1"], env={**os.environ, **studio_server.env(),
                              "LABELING_HOME": str(tmp_path / "home")},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:  # the first run's summary, then the next run's count
            lines.append(line)
            if "next run at" in line:
                break
        assert any("run 1, at 3 annotations" in x for x in lines), lines
        assert any("next run at 8 annotations" in x for x in lines), lines
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped after 1 run" in out


def test_watch_waits_out_a_server_that_stops_answering(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    # The connection drops (a proxy resets it; a real server cannot be made to on demand):
    # the loop says so once, keeps polling, and runs again once the server answers.
    cfg = config(tmp_path)
    schema = load_schema(cfg)
    tasks = push_toy(studio_server, tmp_path, project_title, cfg)
    events: list[Event] = []
    stop = threading.Event()
    with studio_server.client() as direct, FaultProxy(studio_server.url) as proxy, \
            Studio(Connection(proxy.url, studio_server.token), retries=1, backoff=0.01) as st:
        for i in range(3):
            label(direct, tasks[f"a{i:02d}"], gold_of(i))
        loop = threading.Thread(target=watch, kwargs=dict(
            project=project_title, schema=schema, studio=st, every=3, poll=0.3,
            state_dir=tmp_path / "home", on_event=events.append, stop=stop))
        loop.start()
        try:
            _until(lambda: [e.kind for e in events] == ["run"])
            proxy.add("reset", "GET", "/api/projects", times=None)
            for i in range(3, 6):
                label(direct, tasks[f"a{i:02d}"], gold_of(i))
            _until(lambda: any(e.kind == "unreachable" for e in events))
            time.sleep(2)
            assert [e.kind for e in events] == ["run", "unreachable"]  # said once
            proxy.clear()
            _until(lambda: [e.kind for e in events] == ["run", "unreachable", "run"])
        finally:
            stop.set()
            loop.join(timeout=120)
        assert not loop.is_alive()
        assert events[-1].annotations == 6


def test_which_server_failures_the_loop_waits_out() -> None:
    from labeling.errors import AuthError, NotFound, ServerError, ServerNoAnswer, ServerUnreachable
    from labeling.workflows.watch import _passing

    assert _passing(ServerUnreachable("down"))
    assert _passing(ServerNoAnswer("reset"))
    assert _passing(ServerError("HTTP 503", 503)) and _passing(ServerError("HTTP 500", 500))
    assert not _passing(ServerError("HTTP 400", 400))
    assert not _passing(ServerError("several projects are titled 'x'"))
    assert not _passing(AuthError("HTTP 401", 401))
    assert not _passing(NotFound("no project", 404))
    assert not _passing(AuthError("HTTP 503?", 503))  # a subclass is never passing by status
