"""The sync tests once more against Label Studio on a real PostgreSQL (a team's server).

The module starts a PostgreSQL cluster of Debian's binaries on loopback in a temporary
folder (as the ``postgres`` user when run as root), points the tool's local server at it
with ``LABELING_DATABASE_URL``, and stops both at the end.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from labeling.studio.client import Connection, Studio
from labeling.studio.server import DATABASE_URL_VAR, LocalStudio, database_env

from .helpers import CONFIG, SEEDS, RunningStudio, assert_exactly_once, cli, corpus, unit_ids
from .helpers import rows_of as _rows

pytestmark = [pytest.mark.server, pytest.mark.postgres]


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    bindir = _pg_bindir()
    if bindir is None:
        msg = "PostgreSQL is not installed: run `bash scripts/setup-postgres.sh`"
        if os.environ.get("LABELING_REQUIRE_POSTGRES"):
            pytest.fail(msg)
        pytest.skip(msg)
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="labeling-pg-"))
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as Debian's postgres user
        pw = pwd.getpwnam("postgres")
        os.chown(folder, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, pwfile = folder / "data", folder / "pw"
    password = secrets.token_urlsafe(12)
    pwfile.write_text(password + "\n")
    if as_user:
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    pwfile.chmod(0o600)
    port = _free_port()

    def run(*cmd: str) -> None:
        subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)

    run(str(bindir / "initdb"), "-D", str(data), "-U", "labeling", f"--pwfile={pwfile}",
        "--auth=scram-sha-256", "-E", "UTF8", "--no-locale")
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder}"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(folder / "log"), "-w",
        "start")
    try:
        env = {**os.environ, "PGPASSWORD": password}
        subprocess.run([str(bindir.parent / "bin" / "createdb"), "-h", "127.0.0.1", "-p",
                        str(port), "-U", "labeling", "studio"], check=True, env=env,
                       capture_output=True, timeout=60)
        yield f"postgresql://labeling:{password}@127.0.0.1:{port}/studio"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_server(postgres_url: str, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[RunningStudio]:
    old = os.environ.get(DATABASE_URL_VAR)
    os.environ[DATABASE_URL_VAR] = postgres_url
    state = tmp_path_factory.mktemp("pg-studio")
    local = LocalStudio(state)
    try:
        local.init()  # migrations into PostgreSQL
        info = local.up()
        yield RunningStudio(local, info, state)
    finally:
        local.down()
        if old is None:
            os.environ.pop(DATABASE_URL_VAR, None)
        else:
            os.environ[DATABASE_URL_VAR] = old


def test_the_server_keeps_its_data_in_postgresql(pg_server: RunningStudio,
                                                 postgres_url: str) -> None:
    assert not list(pg_server.state.rglob("*.sqlite3")), "Label Studio used SQLite"
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        n = conn.execute("select count(*) from htx_user").fetchone()
    assert n is not None and n[0] >= 1  # the admin user lives in PostgreSQL


def test_push_twice_annotate_pull_and_incremental_pull(pg_server: RunningStudio,
                                                       tmp_path: Path) -> None:
    env = pg_server.env()
    title = "seeds on postgres"
    push = ["push", str(SEEDS), "-p", title, "--config", str(CONFIG), "-q"]
    code, out = cli(push, env)
    assert code == 0, out
    expected = unit_ids(SEEDS)
    client = pg_server.client()
    assert_exactly_once(client, title, expected)
    code, out = cli(push, env)
    assert code == 0 and "0 tasks created" in out, out
    assert_exactly_once(client, title, expected)

    pid = int(client.project(title)["id"])
    tasks = sorted(client.iter_tasks(pid, include="id"), key=lambda t: t["id"])
    users = [client.find_user(f"{n}@pg.test") or client.create_user(f"{n}@pg.test")
             for n in ("ann", "ben")]
    choice = {"from_name": "stance_ground_troops", "to_name": "context", "type": "choices"}
    first = None
    for i, t in enumerate(tasks):
        for j, u in enumerate(users):
            label = "AGAINST" if (i + j) % 3 else "FAVOR"
            ann = client.create_annotation(t["id"], completed_by=u["id"], lead_time=3.0,
                                           result=[{**choice, "value": {"choices": [label]}}])
            first = first or ann
    out_dir = tmp_path / "export"
    pull = ["pull", "-p", title, "--config", str(CONFIG), "-o", str(out_dir)]
    code, out = cli(pull, env)
    assert code == 0, out
    rows = _rows(out_dir)
    troops = [r for r in rows if r["target"] == "ground_troops"]
    assert len(troops) == len(expected)
    assert all(len(r["votes"]) == 2 for r in troops)

    import time

    time.sleep(2.5)  # beyond the pull cursor's margin
    assert first is not None
    client.update_annotation(first["id"], result=[{**choice, "value": {"choices": ["NONE"]}}])
    code, out = cli(pull, env)
    assert code == 0 and "incremental" in out, out
    full = tmp_path / "full"
    assert cli([*pull[:-1], str(full), "--full"], env)[0] == 0
    assert _rows(full) == _rows(out_dir) != rows


def test_two_concurrent_pushes_on_postgresql(pg_server: RunningStudio, tmp_path: Path) -> None:
    a = corpus(tmp_path / "a.jsonl", 7000, 40)
    b = corpus(tmp_path / "b.jsonl", 7020, 40)
    expected = unit_ids(a, b)
    exe = str(Path(sys.executable).parent / "labeling")
    title = "concurrent on postgres"
    procs = [subprocess.Popen(
        [exe, "push", str(src), "-p", title, "--config", str(CONFIG), "-q", "--batch-size", "10"],
        env={**os.environ, **pg_server.env(), "LABELING_HOME": str(tmp_path / home)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for src, home in ((a, "one"), (b, "two"))]
    for p in procs:
        o, e = p.communicate(timeout=300)
        assert p.returncode == 0, o + e
    with Studio(Connection(pg_server.url, pg_server.token)) as client:
        assert_exactly_once(client, title, expected)


def test_database_url_is_checked_and_its_password_kept_out_of_messages() -> None:
    from labeling.errors import LabelingError
    from labeling.studio.server import database_label

    env = database_env("postgresql://u:s%40cret@db.example:5433/labels")
    assert env["POSTGRE_PASSWORD"] == "s@cret" and env["POSTGRE_PORT"] == "5433"
    assert env["POSTGRE_NAME"] == "labels" and env["DJANGO_DB"] == "default"
    assert "cret" not in database_label("postgresql://u:s%40cret@db.example:5433/labels")
    with pytest.raises(LabelingError, match="postgresql://USER:PASSWORD@HOST"):
        database_env("mysql://u:p@h/db")
