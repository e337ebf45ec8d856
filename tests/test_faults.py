"""Faults against the real server: nothing lost, nothing duplicated, nothing leaked.

The server is killed mid-import and restarted; transient failures (5xx, dropped
connections, time-outs) come from :mod:`tests.faultproxy` in front of the real server;
pulls are interrupted at every step of writing the export; two pushes race; bad input
and tokens. Inputs are small: each test takes seconds.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import datasets
import pytest
from click.testing import CliRunner

from labeling.cli import main
from labeling.errors import ServerError
from labeling.schema import load_schema
from labeling.segmenter import segment
from labeling.studio.client import Connection, Studio
from labeling.workflows.push import push

from .faultproxy import FaultProxy
from .helpers import (
    CONFIG,
    RunningStudio,
    article,
    assert_exactly_once,
    cli,
    corpus,
    start_copy,
    unit_ids,
)
from .helpers import rows_of as _rows

pytestmark = pytest.mark.server

IMPORT = "/api/projects/*/import"  # a batch import (not a project creation)


# ----------------------------------------------------------------------------- server killed
def test_server_killed_mid_import_then_rerun_is_exact(studio_template: Path, tmp_path: Path,
                                                      project_title: str) -> None:
    """SIGKILL the server's process group while an import is in flight; restart; rerun."""
    running = start_copy(studio_template, tmp_path / "state")
    src = corpus(tmp_path / "a.jsonl", 0, 60)  # 180 units, batches of 30: 6 imports
    expected = unit_ids(src)
    schema = load_schema(CONFIG)
    killed = threading.Event()

    def kill(method: str, path: str) -> None:
        def later() -> None:
            time.sleep(0.05)  # the server is inside the import transaction
            os.killpg(running.info.pid, signal.SIGKILL)
            killed.set()
        threading.Thread(target=later, daemon=True).start()

    try:
        with FaultProxy(running.url) as proxy:
            proxy.add("hook", "POST", IMPORT, after=2, hook=kill)  # the third import
            with Studio(Connection(proxy.url, running.token), retries=1, backoff=0.05) as st, \
                    pytest.raises(ServerError) as err:
                push([src], project=project_title, schema=schema, studio=st,
                     batch_size=30, state_dir=tmp_path / "home")
            assert killed.is_set()
            assert "run the same push again" in str(err.value)
            assert running.token not in str(err.value)
        info = running.local.up()  # the old port may still be held by closing sockets
        with Studio(Connection(info.url, running.token)) as st:
            before = len(list(st.iter_tasks(int(st.project(project_title)["id"]), include="id")))
            assert 0 < before < len(expected)
            res = push([src], project=project_title, schema=schema, studio=st, batch_size=30,
                       state_dir=tmp_path / "home")
            assert res.created == len(expected) - before and res.present == before
            assert_exactly_once(st, project_title, expected)
    finally:
        running.local.down()


# ----------------------------------------------------------------------------- transient
def test_transient_failures_are_retried_without_duplicates(studio_server: RunningStudio,
                                                           tmp_path: Path,
                                                           project_title: str) -> None:
    src = corpus(tmp_path / "a.jsonl", 1000, 30)
    expected = unit_ids(src)
    schema = load_schema(CONFIG)
    with FaultProxy(studio_server.url) as proxy:
        imp = IMPORT
        r503 = proxy.add("status", "POST", imp, status=503, times=1)
        rst = proxy.add("reset", "POST", imp, after=1, times=1)
        done = proxy.add("reset_after", "POST", imp, after=3, times=1)  # imported, no answer
        slow = proxy.add("delay_after", "POST", imp, after=5, times=1, seconds=5.0)
        g502 = proxy.add("status", "GET", "/api/projects/?", status=502, times=2)
        with Studio(Connection(proxy.url, studio_server.token), timeout=2.5, retries=3,
                    backoff=0.05) as st:
            res = push([src], project=project_title, schema=schema, studio=st, batch_size=15,
                       state_dir=tmp_path / "home")
        assert (r503.fired, rst.fired, done.fired, slow.fired, g502.fired) == (1, 1, 1, 1, 2)
        assert res.created + res.present == len(expected)
        # One listing per failed batch at most, never one per batch.
        assert proxy.count("GET", "/api/tasks?") == 4
    with studio_server.client() as st:
        assert_exactly_once(st, project_title, expected)


def test_persistent_failure_is_a_clear_error_and_a_rerun_repairs(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    src = corpus(tmp_path / "a.jsonl", 2000, 20)
    expected = unit_ids(src)
    schema = load_schema(CONFIG)
    with FaultProxy(studio_server.url) as proxy:
        # The first batch goes through, every later import is dropped before it reaches
        # the server (one taken in but never answered counts as arrived: see above).
        proxy.add("reset", "POST", IMPORT, after=2, times=None)
        with Studio(Connection(proxy.url, studio_server.token), retries=1,
                    backoff=0.05) as st:
            t0 = time.monotonic()
            with pytest.raises(ServerError) as err:
                push([src], project=project_title, schema=schema, studio=st, batch_size=10,
                     state_dir=tmp_path / "home")
            assert time.monotonic() - t0 < 60  # bounded retries
    msg = str(err.value)
    assert "failed" in msg and "run the same push again" in msg
    assert studio_server.token not in msg
    with studio_server.client() as st:
        res = push([src], project=project_title, schema=schema, studio=st, batch_size=10,
                   state_dir=tmp_path / "home")
        assert res.created + res.present == len(expected)
        assert_exactly_once(st, project_title, expected)


def test_bounded_retries_on_reads_then_a_clear_error(studio_server: RunningStudio) -> None:
    with FaultProxy(studio_server.url) as proxy:
        rule = proxy.add("status", "GET", "/api/current-user/whoami", status=503, times=None)
        with Studio(Connection(proxy.url, studio_server.token), retries=3, backoff=0.01) as st, \
                pytest.raises(ServerError) as err:
            st.whoami()
        assert rule.fired == 4  # the first try and three retries
        assert "HTTP 503" in str(err.value) and studio_server.token not in str(err.value)
        proxy.clear()
        rule = proxy.add("reset", "GET", "/api/current-user/whoami", times=None)
        with Studio(Connection(proxy.url, studio_server.token), retries=2, backoff=0.01) as st, \
                pytest.raises(ServerError) as err:
            st.whoami()
        assert rule.fired == 3
        assert "did not answer" in str(err.value) or "cannot reach" in str(err.value)


# ----------------------------------------------------------------------------- pulls
def _annotate_all(client: Studio, title: str, label: str) -> None:
    pid = int(client.project(title)["id"])
    for t in client.iter_tasks(pid, include="id"):
        client.create_annotation(t["id"], result=[
            {"from_name": "stance_ground_troops", "to_name": "context", "type": "choices",
             "value": {"choices": [label]}}])


def test_interrupted_pull_leaves_the_previous_export(studio_server: RunningStudio,
                                                     tmp_path: Path, project_title: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Interrupt the writing of the export at every file-system step in turn."""
    env = studio_server.env()
    src = corpus(tmp_path / "a.jsonl", 3000, 4)
    assert cli(["push", str(src), "-p", project_title, "--config", str(CONFIG), "-q"], env)[0] == 0
    client = studio_server.client()
    _annotate_all(client, project_title, "FAVOR")
    out = tmp_path / "export"
    args = ["pull", "-p", project_title, "--config", str(CONFIG), "-o", str(out), "--full"]
    code, text = cli(args, env)
    assert code == 0, text
    before = _rows(out)
    _annotate_all(client, project_title, "AGAINST")  # the next pull differs
    other = tmp_path / "other"
    assert cli([*args[:-3], "-o", str(other), "--full"], env)[0] == 0
    new = _rows(other)
    assert new != before
    args = args[:-1]  # incremental from here on: the pull cache is written too

    steps: list[str] = []
    real = {"replace": os.replace, "write_text": Path.write_text,
            "save_to_disk": datasets.DatasetDict.save_to_disk}

    class Interrupt(KeyboardInterrupt):
        pass

    def install(fail_at: int) -> None:
        count = {"n": 0}

        def step(name: str) -> None:
            steps.append(name)
            count["n"] += 1
            if count["n"] == fail_at:
                raise Interrupt(name)

        def replace(a: Any, b: Any) -> None:
            step("replace")
            real["replace"](a, b)

        def write_text(self: Path, *a: Any, **kw: Any) -> int:
            step("write_text")
            return real["write_text"](self, *a, **kw)  # type: ignore[no-any-return]

        def save_to_disk(self: Any, *a: Any, **kw: Any) -> None:
            step("save_to_disk")
            real["save_to_disk"](self, *a, **kw)

        monkeypatch.setattr(os, "replace", replace)  # labeling.files calls os.replace
        monkeypatch.setattr(Path, "write_text", write_text)
        monkeypatch.setattr(datasets.DatasetDict, "save_to_disk", save_to_disk)

    fail_at = 1
    while True:
        steps.clear()
        install(fail_at)
        r = CliRunner().invoke(main, args, env=env)
        monkeypatch.undo()
        if r.exit_code == 0:
            break  # every step has been interrupted once
        assert out.exists(), f"interrupted at step {fail_at} ({steps[-1]}): the export is gone"
        rows = _rows(out)
        assert rows in (before, new), f"interrupted at step {fail_at} ({steps[-1]}): mixed export"
        fail_at += 1
        assert fail_at < 50
    assert fail_at > 3  # several steps were interrupted
    # A clean rerun succeeds and leaves no temporary folders behind.
    code, text = cli(args, env)
    assert code == 0, text
    assert _rows(out) == new
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".export")) == []


def test_killed_pull_process_leaves_the_previous_export(studio_server: RunningStudio,
                                                        tmp_path: Path,
                                                        project_title: str) -> None:
    """SIGKILL a real ``labeling pull`` at several moments; the old export always loads."""
    env = {**os.environ, **studio_server.env(), "LABELING_HOME": str(tmp_path / "home")}
    src = corpus(tmp_path / "a.jsonl", 4000, 6)
    assert cli(["push", str(src), "-p", project_title, "--config", str(CONFIG), "-q"],
               studio_server.env())[0] == 0
    client = studio_server.client()
    _annotate_all(client, project_title, "NONE")
    out = tmp_path / "export"
    exe = str(Path(sys.executable).parent / "labeling")
    args = [exe, "pull", "-p", project_title, "--config", str(CONFIG), "-o", str(out), "--full"]
    subprocess.run(args, env=env, check=True, capture_output=True)
    before = _rows(out)
    t0 = time.monotonic()
    subprocess.run(args, env=env, check=True, capture_output=True)
    whole = time.monotonic() - t0
    for frac in (0.2, 0.5, 0.7, 0.85, 0.95):
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(whole * frac)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert _rows(out) == before, f"killed at {frac:.0%} of a pull"
    subprocess.run(args, env=env, check=True, capture_output=True)
    assert _rows(out) == before


def test_edits_and_deletions_after_a_pull_reach_the_next_pull(
        studio_server: RunningStudio, tmp_path: Path, project_title: str) -> None:
    env = studio_server.env()
    src = corpus(tmp_path / "a.jsonl", 5000, 3)
    assert cli(["push", str(src), "-p", project_title, "--config", str(CONFIG), "-q"], env)[0] == 0
    client = studio_server.client()
    pid = int(client.project(project_title)["id"])
    tasks = sorted(client.iter_tasks(pid, include="id"), key=lambda t: t["id"])
    choice = {"from_name": "stance_military_aid", "to_name": "context", "type": "choices"}
    anns = [client.create_annotation(t["id"], result=[{**choice, "value": {"choices": ["FAVOR"]}}])
            for t in tasks[:4]]
    out = tmp_path / "export"
    pull = ["pull", "-p", project_title, "--config", str(CONFIG), "-o", str(out)]
    time.sleep(2.5)  # the annotations above are older than the pull cursor's margin
    assert cli(pull, env)[0] == 0
    time.sleep(2.5)  # and the changes below newer
    client.update_annotation(anns[0]["id"], result=[{**choice, "value": {"choices": ["NONE"]}}])
    client.delete_annotation(anns[1]["id"])
    # A second annotator skips (one annotator's later annotation would replace the first).
    other = client.find_user("skipper@faults.test") or client.create_user("skipper@faults.test")
    client.create_annotation(tasks[2]["id"], result=[], was_cancelled=True,
                             completed_by=other["id"])
    client.delete_task(tasks[3]["id"])  # a whole task removed on the server
    code, text = cli(pull, env)
    assert code == 0 and "incremental: 3 " in text, text  # only the three changed tasks
    rows = {(r["task_id"], r["target"]): r for r in _rows(out)}

    def aid(task: dict[str, Any]) -> dict[str, Any]:
        return rows[(task["id"], "military_aid")]

    labels = load_schema(CONFIG).label_names
    assert [labels[v["stance"]] for v in aid(tasks[0])["votes"]] == ["NONE"]
    assert aid(tasks[1])["votes"] == []
    assert sorted(v["skipped"] for v in aid(tasks[2])["votes"]) == [False, True]
    assert (tasks[3]["id"], "military_aid") not in rows
    full = tmp_path / "full"
    assert cli([*pull[:-1], str(full), "--full"], env)[0] == 0
    assert _rows(full) == _rows(out)


# ----------------------------------------------------------------------------- races
def test_two_concurrent_pushes_create_no_duplicates(studio_server: RunningStudio,
                                                    tmp_path: Path, project_title: str) -> None:
    """Two processes, overlapping input, one project: same state folder, then two."""
    a = corpus(tmp_path / "a.jsonl", 6000, 40)
    b = corpus(tmp_path / "b.jsonl", 6020, 40)  # half of it overlaps a
    expected = unit_ids(a, b)
    exe = str(Path(sys.executable).parent / "labeling")
    client = studio_server.client()
    for title, homes in ((project_title, ("same", "same")),
                         (project_title + " 2", ("one", "two"))):
        procs = [subprocess.Popen(
            [exe, "push", str(src), "-p", title, "--config", str(CONFIG), "-q",
             "--batch-size", "10"],
            env={**os.environ, **studio_server.env(), "LABELING_HOME": str(tmp_path / home)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for src, home in ((a, homes[0]), (b, homes[1]))]
        outs = [p.communicate(timeout=300) for p in procs]
        for p, (o, e) in zip(procs, outs, strict=True):
            assert p.returncode == 0, o + e
        assert_exactly_once(client, title, expected)


def test_a_copy_the_other_push_deleted_mid_race_is_not_an_error(
        studio_server: RunningStudio, project_title: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two pushes deleting the same duplicate at once: the server may answer the loser
    with HTTP 500 (seen on SQLite and PostgreSQL), which no real server does on demand.
    The copy is really deleted (the winner's request), then the loser's call fails: the
    push goes on. A 500 while the copy is still there stays an error."""
    from labeling.workflows.push import project_fields, remove_duplicates

    schema = load_schema(CONFIG)
    with studio_server.client() as st:
        pid = int(st.create_project(title=project_title, **project_fields(schema))["id"])
        task = {"data": {"quote": "q", "context": "q", "quote_id": "u1"},
                "meta": {"quote_id": "u1"}}
        first, copy, copy2 = st.import_tasks(pid, [task, task, task])
        real_delete = Studio.delete_task

        def lose_the_race(self: Studio, tid: int) -> None:
            real_delete(self, tid)  # the other push's request
            raise ServerError("HTTP 500 on DELETE /api/tasks/", 500)

        monkeypatch.setattr(Studio, "delete_task", lose_the_race)
        removed, kept = remove_duplicates(st, pid)
        assert removed == {copy, copy2} and kept == {"u1": first}
        assert [t["id"] for t in st.iter_tasks(pid, include="id")] == [first]

        def fail(self: Studio, tid: int) -> None:
            raise ServerError("HTTP 500 on DELETE /api/tasks/", 500)

        (again,) = st.import_tasks(pid, [task])
        monkeypatch.setattr(Studio, "delete_task", fail)
        with pytest.raises(ServerError):
            remove_duplicates(st, pid)
        assert [t["id"] for t in st.iter_tasks(pid, include="id")] == [first, again]


def test_a_task_the_other_push_deleted_before_the_repair_is_not_restored(
        studio_server: RunningStudio, project_title: str) -> None:
    """Seen in a run of the test above: push B imports unit u1 as task T, push A (which
    imported u1 first) deletes T as its duplicate, then B finds T without predictions and
    tried to restore them on a task that no longer exists (HTTP 400 "Invalid pk"). Now
    the unit is found in the copy A kept, which gets B's prediction only if it has none."""
    from labeling.studio import wire
    from labeling.workflows.push import project_fields, repair_predictions

    schema = load_schema(CONFIG)
    text = 'Emmanuel Macron said on Monday: "We will not rule out sending troops."'
    unit = _units_of(text)[0]
    version = "stance-labeling-segmenter-test"
    ((_, task),) = list(wire.validated_tasks([unit], schema, version))
    bare = {"data": task["data"], "meta": task["meta"]}
    with studio_server.client() as st:
        pid = int(st.create_project(title=project_title, **project_fields(schema))["id"])
        kept, ours = st.import_tasks(pid, [task, bare])  # A's (with prediction), then B's
        st.delete_task(ours)  # A removes B's copy
        made, moved = repair_predictions(st, pid, {unit.quote_id: ours}, lambda: [unit],
                                         schema, version)
        assert (made, moved) == (0, {unit.quote_id: kept})  # A's copy has its prediction
        assert [int(p["task"]) for p in st.predictions(pid)] == [kept]

        # The same, but A's copy lost its prediction too (a concurrent import): B restores it.
        (again,) = st.import_tasks(pid, [bare])
        st.delete_task(again)
        for p in st.predictions(pid):
            st.json("DELETE", f"/api/predictions/{p['id']}/")
        made, moved = repair_predictions(st, pid, {unit.quote_id: again}, lambda: [unit],
                                         schema, version)
        assert made == len(task["predictions"]) and moved == {unit.quote_id: kept}
        assert {int(p["task"]) for p in st.predictions(pid)} == {kept}


def _units_of(text: str) -> list[Any]:
    from labeling.corpus.readers import Article
    from labeling.corpus.units import iter_units

    art = Article(id="race-1", title="Race", source="Outlet", text=text)
    return list(iter_units([art], load_schema(CONFIG), "default"))


def test_a_project_created_twice_unseen_ends_as_one(studio_server: RunningStudio, tmp_path: Path,
                                                     project_title: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The moment both pushes create the project and neither sees the other's yet: the
    later one moves its units to the older project at the end and deletes its own."""
    from labeling.workflows import push as push_mod
    from labeling.workflows.push import project_fields

    schema = load_schema(CONFIG)
    src = corpus(tmp_path / "a.jsonl", 6500, 5)
    client = studio_server.client()
    older = client.create_project(title=project_title, **project_fields(schema))
    real_find = Studio.find_project
    hidden = {"left": 1}

    def find_once_blind(self: Studio, title: str) -> dict[str, Any] | None:
        if title == project_title and hidden["left"]:
            hidden["left"] -= 1
            return None  # the other push's project is not visible yet
        return real_find(self, title)

    monkeypatch.setattr(Studio, "find_project", find_once_blind)
    monkeypatch.setattr(push_mod, "settle_project_race", lambda st, t, proj: proj)
    with studio_server.client() as st:
        res = push([src], project=project_title, schema=schema, studio=st, batch_size=4,
                   state_dir=tmp_path / "home")
    monkeypatch.undo()
    assert res.project_id == int(older["id"]) and res.created == len(unit_ids(src))
    same = [p for p in client.json("GET", "/api/projects", params={"title": project_title})
            ["results"] if p["title"] == project_title]
    assert [p["id"] for p in same] == [older["id"]]
    assert_exactly_once(client, project_title, unit_ids(src))


# ----------------------------------------------------------------------------- bad input
def test_broken_lines_in_a_large_corpus_are_named_and_skipped(tmp_path: Path) -> None:
    src = tmp_path / "big.jsonl"
    lines = [json.dumps(article(i)) for i in range(2000)]
    broken = {17: '{"id": "x", "text": ', 400: '["not", "an", "object"]', 999: '{"id": "y"}',
              1500: '{"id": "z", "text": "   "}', 1998: '{"id": "w", "text": 12}'}
    for k, v in broken.items():
        lines[k] = v
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "units.jsonl"
    code, text = cli(["segment", str(src), "-o", str(out), "-q"], {})
    assert code == 1 and f"big.jsonl:{17 + 1}: invalid JSON" in text and not out.exists()
    code, text = cli(["segment", str(src), "-o", str(out), "-q", "--skip-bad"], {})
    assert code == 0, text
    for k in broken:
        assert f"big.jsonl:{k + 1}:" in text, (k, text)
    reasons = [line for line in text.splitlines() if line.startswith("skipped:")]
    assert len(reasons) == len(broken)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2000 - len(broken)


def _check_units(text: str) -> None:
    for q in segment(text):
        assert 0 <= q.start < q.end <= len(text)
        assert text[q.start:q.end] == q.text
        for s, e in ((q.speaker_start, q.speaker_end), (q.cue_start, q.cue_end)):
            if s is not None:
                assert e is not None and 0 <= s <= e <= len(text)


def test_segmenter_survives_random_bytes_and_odd_unicode() -> None:
    rng = random.Random(7)
    for _ in range(200):
        raw = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 2000)))
        _check_units(raw.decode("utf-8", "surrogateescape"))
        _check_units(raw.decode("latin-1"))
    odd = ["\u200d\u200c\u2060", "\u202e\u202d\u2066", "\ud800 lone \udfff", "\x00\x01\x1b",
           "\u2028\u2029\x85", "e\u0301\u0301\u0301", "👩‍👩‍👧‍👦🇫🇷", "ﬃ ﬀ Ⅻ", "\ufeff", "“”„‟«»‹›「」『』",
           '"' * 500, "“" * 300 + "said", "\t\r\n\r\n\r\n"]
    for piece in odd:
        for text in (piece, f'{piece} "We stay{piece}," Macron said{piece}. {piece}',
                     f"He said: “{piece * 20}”", piece * 200):
            _check_units(text)
    for _ in range(300):
        text = "".join(rng.choice(odd + ['"', "“", "”", " said ", "Macron", ".", "\n\n", ": "])
                       for _ in range(rng.randint(1, 60)))
        _check_units(text)


def test_segmenter_time_grows_linearly_with_article_size() -> None:
    """A huge article must not hang: 8x the text may cost at most 8x the time (and some)."""
    para = "\n\n".join(article(i)["text"] for i in range(50))

    def took(mb: float) -> float:
        text = (para + "\n\n") * max(1, int(mb * 2**20 / len(para)))
        t0 = time.process_time()
        units = segment(text)
        assert units
        return time.process_time() - t0

    small, big = took(0.125), took(1.0)
    assert big < 16 * small + 0.5, f"0.125 MB: {small:.2f} s, 1 MB: {big:.2f} s (superlinear)"


def test_segmenter_handles_a_100_mb_article() -> None:
    """About 2 minutes and 2 GB: the units of a 100 MB article, all of them found."""
    para = "\n\n".join(article(i)["text"] for i in range(50))
    text = (para + "\n\n") * int(100 * 2**20 / len(para))
    units = segment(text)
    assert len(units) >= 3 * 50 * (int(100 * 2**20 / len(para)) - 1)


# ----------------------------------------------------------------------------- tokens
def test_tokens_never_reach_logs_errors_or_exports(studio_server: RunningStudio,
                                                   tmp_path: Path, project_title: str) -> None:
    token = studio_server.token
    home = tmp_path / "home"
    env = {**os.environ, "LABELING_HOME": str(home)}
    exe = str(Path(sys.executable).parent / "labeling")
    src = corpus(tmp_path / "a.jsonl", 7000, 3)
    out = tmp_path / "export"
    seen: list[str] = []

    def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
        r = subprocess.run([exe, "-vv", *args, "--url", url, "--api-key", token], env=env,
                           capture_output=True, text=True, timeout=300)
        seen.append(r.stdout + r.stderr)
        return r

    with FaultProxy(studio_server.url) as proxy:
        proxy.add("status", "POST", IMPORT, status=500, times=None)
        r = run(proxy.url, "push", str(src), "-p", project_title, "--config", str(CONFIG), "-q")
        assert r.returncode == 1 and "HTTP 500" in r.stdout + r.stderr
        proxy.add("reset", "*", "/api/", times=None)
        r = run(proxy.url, "pull", "-p", project_title, "--config", str(CONFIG), "-o", str(out))
        assert r.returncode == 1
        proxy.clear()
        r = run(proxy.url, "push", str(src), "-p", project_title, "--config", str(CONFIG), "-q")
        assert r.returncode == 0, r.stderr
        _annotate_all(studio_server.client(), project_title, "FAVOR")
        r = run(proxy.url, "pull", "-p", project_title, "--config", str(CONFIG), "-o", str(out))
        assert r.returncode == 0, r.stderr
    r = run("http://127.0.0.1:9", "pull", "-p", project_title, "--config", str(CONFIG), "-o",
            str(out))
    assert r.returncode == 1
    assert any("HTTP Request: POST" in s for s in seen)  # -vv really logged the requests
    for text in seen:
        assert token not in text
    files = [p for p in (*out.rglob("*"), *home.rglob("*")) if p.is_file()]
    assert files
    for p in files:
        data = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
        assert token.encode() not in data, p
