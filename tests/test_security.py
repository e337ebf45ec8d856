"""No one in: the embedded server against a stranger on the same machine, and what an
annotator can read (the README's Security section states exactly this).

Every test talks to a real embedded Label Studio started by the fixtures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from labeling.cli import main
from labeling.studio.accounts import add_annotator, stored_password
from labeling.studio.server import LocalStudio, _port_free

from .helpers import CONFIG, REPO, SEEDS, RunningStudio, form_post, session

pytestmark = pytest.mark.server


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    r = CliRunner().invoke(main, args, env=env or {})
    return r.exit_code, r.output


# ----------------------------------------------------------------------------- sign-up
def test_sign_up_without_the_invite_link_is_refused(studio_server: RunningStudio) -> None:
    email = f"stranger-{uuid.uuid4().hex[:6]}@example.org"
    with httpx.Client(base_url=studio_server.url, follow_redirects=False, timeout=60) as http:
        resp = form_post(http, "/user/signup/", {"email": email, "password": "stranger-pw-123",
                                                  "allow_newsletters": "false"})
        assert resp.status_code == 403  # no account made
    users = studio_server.client().users()
    assert email not in {u.get("email") for u in users}


def test_add_annotator_joins_through_the_invite_link(studio_server: RunningStudio) -> None:
    email = f"ann-{uuid.uuid4().hex[:6]}@example.org"
    code, out = run(["studio", "add-annotator", email, "--state-dir", str(studio_server.state)])
    assert code == 0, out
    assert f"annotator {email}: created" in out
    password = stored_password(email, studio_server.state)
    assert password and password not in out
    http = session(studio_server.url, email, password)
    try:
        assert http.get("/api/current-user/whoami").json()["email"] == email
    finally:
        http.close()


def test_add_annotator_without_a_valid_invite_says_what_to_pass(
        studio_server: RunningStudio, tmp_path: Path) -> None:
    # A server given by --url, with neither an admin token nor the invite link: the
    # error says how to get in (not the server's bare "not permitted" page), and a
    # wrong invite token is not echoed.
    email = f"nokey-{uuid.uuid4().hex[:6]}@example.org"
    base = ["studio", "add-annotator", email, "--url", studio_server.url,
            "--state-dir", str(tmp_path / "st")]
    code, out = run(base)
    assert code == 1
    assert "HTTP 403" in out and "--invite-token" in out and "--api-key" in out
    bad = "not-the-invite-" + uuid.uuid4().hex
    code, out = run([*base, "--invite-token", bad])
    assert code == 1
    assert "invite token was refused" in out and bad not in out
    assert email not in {u.get("email") for u in studio_server.client().users()}
    assert stored_password(email, tmp_path / "st") is None


# ----------------------------------------------------------------------------- hosts, port, modes
def _time_wait_port() -> int:
    """A port whose last connection the server side closed first: it stays in TIME-WAIT
    (as the server's port does right after `labeling studio down`)."""
    with socket.socket() as lst:
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind(("127.0.0.1", 0))
        lst.listen()
        port = int(lst.getsockname()[1])
        cli = socket.create_connection(("127.0.0.1", port))
        conn, _ = lst.accept()
        conn.close()  # active close on the server side: TIME-WAIT on port
        time.sleep(0.2)
        cli.close()
    return port


@pytest.fixture(scope="module")
def fresh_server(studio_template: Path, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[tuple[LocalStudio, int]]:
    """A server started on a port in TIME-WAIT, from a state folder left readable by all
    (as one made by an earlier version is)."""
    dest = tmp_path_factory.mktemp("fresh") / "state"
    shutil.copytree(studio_template, dest)
    (dest / "studio" / "server.json").unlink(missing_ok=True)
    for folder in (dest, dest / "studio", dest / "studio" / "data"):
        folder.chmod(0o755)
    for f in (dest / "studio" / "data").iterdir():
        if f.is_file():
            f.chmod(0o644)
    port = _time_wait_port()
    local = LocalStudio(dest)
    code, out = run(["studio", "up", "--port", str(port), "--state-dir", str(dest)])
    try:
        assert code == 0, out
        yield local, port
    finally:
        local.down()


def test_studio_up_on_a_port_in_time_wait_starts(fresh_server: tuple[LocalStudio, int]) -> None:
    local, port = fresh_server
    info = local.running()
    assert info is not None and info.port == port
    # ... while a port another program listens on is busy, for `up --port` and the probe alike
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = int(s.getsockname()[1])
        assert not _port_free(busy)
        code, out = run(["studio", "up", "--port", str(busy), "--state-dir",
                         str(local.home.parent / "other")])
        assert code == 1 and f"Error: port {busy} is in use by another program" in out


def test_state_folder_is_private(fresh_server: tuple[LocalStudio, int]) -> None:
    local, port = fresh_server
    for folder in (local.state, local.home, local.data_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    db = local.data_dir / "label_studio.sqlite3"
    assert db.exists()
    for f in (db, local.cred_file, local.log_file, local.run_file):
        assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, f
    # Files the server creates while running (umask 077): an uploaded file, an export
    # snapshot (both hold article text).
    token = local.credentials().token
    with httpx.Client(base_url=f"http://127.0.0.1:{port}",
                      headers={"Authorization": f"Token {token}"}, timeout=60) as http:
        pid = http.post("/api/projects", json={"title": "modes"}).json()["id"]
        up = http.post(f"/api/projects/{pid}/import",
                       files={"file": ("a.json", b'[{"text": "secret article"}]',
                                       "application/json")})
        assert up.status_code == 201, up.text
        assert http.post(f"/api/projects/{pid}/exports", json={}).status_code == 201
    # Folders the server made during the run (umask 077) are the owner's only; the files
    # Label Studio's storage writes get 0644 from Django whatever the umask (README), so
    # they rely on those folders, and are tightened at the next start.
    made = [p for p in local.data_dir.rglob("*") if p.is_dir()]
    assert any(p.name == str(pid) for p in made), made  # created by this run
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in made), [
        (p, oct(p.stat().st_mode)) for p in made if p.stat().st_mode & 0o077]
    snapshots = [p for p in local.data_dir.rglob("*.json") if p.parent.name == str(pid)]
    assert snapshots
    local.down()
    local.up(port=port)
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in snapshots)


def test_only_the_served_host_names_are_answered(fresh_server: tuple[LocalStudio, int]) -> None:
    local, port = fresh_server
    token = local.credentials().token
    auth = {"Authorization": f"Token {token}"}
    url = f"http://127.0.0.1:{port}"
    assert httpx.get(url + "/api/projects", headers=auth).status_code == 200
    assert httpx.get(f"http://localhost:{port}/health").status_code == 200
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example"):
        r = httpx.get(url + "/api/projects", headers={**auth, "Host": host})
        assert r.status_code == 400, (host, r.status_code)


def test_a_team_server_adds_its_host_names(studio_template: Path, tmp_path: Path) -> None:
    dest = tmp_path / "state"
    shutil.copytree(studio_template, dest)
    (dest / "studio" / "server.json").unlink(missing_ok=True)
    code, out = run(["studio", "up", "--state-dir", str(dest), "--allowed-host",
                     "labels.example.org"], {"LABELING_ALLOWED_HOSTS": "intranet.local"})
    local = LocalStudio(dest)
    try:
        assert code == 0, out
        info = local.running()
        assert info is not None
        for host, status in (("labels.example.org", 200), ("intranet.local", 200),
                             ("127.0.0.1", 200), ("other.example.org", 400)):
            assert httpx.get(info.url + "/health", headers={"Host": host}).status_code == status
    finally:
        local.down()


# ----------------------------------------------------------------------------- logs
_LEAKS = re.compile(r"(sessionid|csrftoken)=(?!\*\*\*)[^;\s'\"]")


def test_no_secret_reaches_the_log_at_debug_verbosity(studio_server: RunningStudio,
                                                      tmp_path: Path) -> None:
    """`labeling -vv`: httpx/httpcore print every header; none of the secrets survive."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("LABEL_STUDIO_URL", None)
    email = f"vv-{uuid.uuid4().hex[:6]}@example.org"

    def cli(*args: str, extra: dict[str, str] | None = None) -> str:
        r = subprocess.run([sys.executable, "-m", "labeling", "-vv", *args],
                           env={**env, **(extra or {})}, capture_output=True, text=True,
                           timeout=300, check=False)
        assert r.returncode == 0, r.stderr
        return r.stdout + r.stderr

    out = cli("studio", "add-annotator", email, "--state-dir", str(studio_server.state))
    assert "(b'Set-Cookie', b'***')" in out  # the debug lines are there, scrubbed
    title = f"vv {uuid.uuid4().hex[:6]}"
    out += cli("push", str(SEEDS / sorted(p.name for p in SEEDS.iterdir())[0]), "-p", title,
               "--config", str(CONFIG), "-q", extra=studio_server.env())
    out += cli("pull", "-p", title, "--config", str(CONFIG), "-o", str(tmp_path / "x"),
               extra=studio_server.env())
    out += cli("status", "-p", title, "--config", str(CONFIG), extra=studio_server.env())
    assert "HTTP Request" in out
    admin = studio_server.local.credentials()
    invite = httpx.get(studio_server.url + "/api/invite",
                       headers={"Authorization": f"Token {admin.token}"}).json()["token"]
    password = stored_password(email, studio_server.state)
    assert password
    for secret in (admin.token, admin.password, password, invite):
        assert secret not in out
    assert not _LEAKS.findall(out), _LEAKS.findall(out)[:3]
    assert not re.search(r"csrfmiddlewaretoken['\"]?\s*[:=]\s*b?['\"]?(?!\*\*\*)\w", out)


# ----------------------------------------------------------------------------- blindness
def test_what_an_annotator_can_read_on_the_embedded_server(studio_server: RunningStudio,
                                                           tmp_path: Path,
                                                           project_title: str) -> None:
    """The label stream is blind; the API of Label Studio Community is not (README)."""
    env = studio_server.env()
    seed = SEEDS / sorted(p.name for p in SEEDS.iterdir())[1]
    assert run(["push", str(seed), "-p", project_title, "--config", str(CONFIG), "-q"],
               env)[0] == 0
    admin = studio_server.client()
    pid = int(admin.project(project_title)["id"])
    # Someone turned the annotation history on: a push with --update-config turns it off.
    admin.update_project(pid, show_annotation_history=True)
    assert run(["push", str(seed), "-p", project_title, "--config", str(CONFIG), "-q",
                "--update-config"], env)[0] == 0
    assert admin.get_project(pid)["show_annotation_history"] is False
    token = studio_server.token
    anns = [add_annotator(studio_server.url, f"{n}-{uuid.uuid4().hex[:6]}@example.org",
                          api_key=token, state_dir=tmp_path) for n in ("a", "b")]
    a, b = (session(studio_server.url, x.email, x.password) for x in anns)
    try:
        # Annotator A labels the first task of the stream.
        task = a.get(f"/api/projects/{pid}/next").json()
        tid = task["id"]
        made = a.post(f"/api/tasks/{tid}/annotations/", json={"result": [
            {"from_name": "stance_ground_troops", "to_name": "context", "type": "choices",
             "value": {"choices": ["AGAINST"]}}], "lead_time": 3.0})
        assert made.status_code == 201, made.text

        # Blind where the tool promises it: B's label stream shows no one else's result.
        seen = b.get(f"/api/projects/{pid}/next").json()
        assert "AGAINST" not in json.dumps(seen.get("annotations") or [])
        assert anns[0].email not in json.dumps(seen)

        # Not blind beyond it (Community has no roles): B reads A's label and e-mail
        # through the API, and can export the whole project.
        other = b.get(f"/api/tasks/{tid}")
        assert other.status_code == 200
        assert "AGAINST" in json.dumps(other.json()["annotations"])
        assert anns[0].email in other.text
        exported = b.get(f"/api/projects/{pid}/export", params={"exportType": "JSON"})
        assert exported.status_code == 200 and "AGAINST" in exported.text
        assert b.get("/api/invite").status_code == 200  # members may invite others
        # ... and the secrets of others stay out of reach: no one else's API token.
        assert token not in b.get("/api/users").text
        assert token not in b.get("/api/current-user/token").text

        # The dataset card claims exactly that much.
        export = tmp_path / "export"
        code, out = run(["pull", "-p", project_title, "--config", str(CONFIG), "-o",
                         str(export)], env)
        assert code == 0, out
        card = " ".join((export / "README.md").read_text().split())
        assert "blind to each other" not in card
        assert "which shows an annotator no one else's label" in card
        assert "every member of the server can open the project's Data Manager or API and " \
               "read the other annotators' labels" in card

        # Any member may even delete the project (README: Community has no roles).
        assert b.delete(f"/api/projects/{pid}/").status_code == 204
    finally:
        a.close()
        b.close()
