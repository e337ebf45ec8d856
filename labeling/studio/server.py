"""The embedded local Label Studio: ``labeling studio up|down|status``.

The server lives in a state folder (``.labeling/studio`` below the working
directory unless ``LABELING_HOME`` or ``--state-dir`` says otherwise):

    studio/data/              Label Studio's own data dir (SQLite database, uploads)
    studio/credentials.json   admin e-mail, password and API token (mode 0600)
    studio/server.json        pid / process group / port of the running server
    studio/server.log         the server's output

It is started in its own process group and stopped by that group's id, never
by name. Readiness is polled on ``/health`` and the token is checked before
``up`` returns. Secrets are generated once, kept 0600 and never printed by
this module (the CLI prints the login on request, to the user's terminal).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from labeling.errors import LabelingError, ServerError
from labeling.files import write_private
from labeling.state import state_home
from labeling.studio import http

log = logging.getLogger(__name__)

DEFAULT_PORT = 8089
# Bare names Label Studio also reads from the environment: scrub them from the child.
_SCRUB = ("HOST", "PORT", "USERNAME", "PASSWORD", "DEBUG", "LABEL_STUDIO_HOST")


DATABASE_URL_VAR = "LABELING_DATABASE_URL"


def database_env(url: str | None) -> dict[str, str]:
    """Label Studio's database settings for ``postgresql://USER:PASSWORD@HOST:PORT/NAME``.

    Without a URL the server keeps its SQLite file in the state folder. The password is
    only handed to the server's environment, never logged.
    """
    if not url:
        return {}
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql") or not parts.hostname:
        raise LabelingError(
            f"{DATABASE_URL_VAR} must look like postgresql://USER:PASSWORD@HOST:5432/NAME "
            f"(got a URL with scheme {parts.scheme!r})"
        )
    name = parts.path.lstrip("/")
    if not name or not parts.username:
        raise LabelingError(f"{DATABASE_URL_VAR} needs a user and a database name "
                            "(postgresql://USER:PASSWORD@HOST:5432/NAME)")
    return {
        "DJANGO_DB": "default",
        "POSTGRE_NAME": urllib.parse.unquote(name),
        "POSTGRE_USER": urllib.parse.unquote(parts.username),
        "POSTGRE_PASSWORD": urllib.parse.unquote(parts.password or ""),
        "POSTGRE_HOST": parts.hostname,
        "POSTGRE_PORT": str(parts.port or 5432),
    }


def database_label(url: str | None) -> str:
    """Where the server keeps its data, for messages (no password)."""
    if not url:
        return "SQLite in the state folder"
    p = urllib.parse.urlsplit(url)
    return f"PostgreSQL {p.hostname}:{p.port or 5432}/{p.path.lstrip('/')}"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    token: str


@dataclass(frozen=True)
class ServerInfo:
    url: str
    pid: int
    port: int
    state_dir: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _http_status(url: str, token: str | None = None) -> int | None:
    """The health check: the status of ``GET url``, None if nothing answers."""
    return http.status(url, token)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still answers kill(0): reap it if we can.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def label_studio_executable() -> str:
    """The ``label-studio`` script of this environment (the ``server`` extra)."""
    beside = Path(sys.executable).parent / "label-studio"
    if beside.exists():
        return str(beside)
    found = shutil.which("label-studio")
    if found:
        return found
    raise LabelingError(
        "Label Studio is not installed here: install the server extra "
        "(pip install 'stance-labeling[server]') or pass --url/--api-key for a remote server."
    )


class LocalStudio:
    """One embedded Label Studio server kept in ``state_dir/studio``."""

    def __init__(self, state_dir: str | os.PathLike[str] | None = None):
        self.home = state_home(state_dir) / "studio"
        self.data_dir = self.home / "data"
        self.cred_file = self.home / "credentials.json"
        self.run_file = self.home / "server.json"
        self.log_file = self.home / "server.log"

    # -- credentials ---------------------------------------------------------
    def credentials(self) -> Credentials:
        """Load the stored admin credentials, generating them on first use (0600)."""
        if self.cred_file.exists():
            mode = self.cred_file.stat().st_mode & 0o777
            if mode & 0o077:
                os.chmod(self.cred_file, 0o600)
            raw = json.loads(self.cred_file.read_text(encoding="utf-8"))
            return Credentials(raw["username"], raw["password"], raw["token"])
        creds = Credentials(
            username="admin@stance-labeling.local",
            password=secrets.token_urlsafe(18),
            token=secrets.token_hex(20),  # 40 characters: Label Studio's maximum
        )
        write_private(self.cred_file, creds.__dict__)
        return creds

    def _env(self, creds: Credentials) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        env.update(database_env(os.environ.get(DATABASE_URL_VAR)))
        env.update(
            LABEL_STUDIO_BASE_DATA_DIR=str(self.data_dir),
            LABEL_STUDIO_USERNAME=creds.username,
            LABEL_STUDIO_PASSWORD=creds.password,
            LABEL_STUDIO_USER_TOKEN=creds.token,
            LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
            LABEL_STUDIO_LATEST_VERSION_CHECK="false",
            LABEL_STUDIO_COLLECT_ANALYTICS="false",
            LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="false",
            SENTRY_DSN="",
            FRONTEND_SENTRY_DSN="",
            XDG_CONFIG_HOME=str(self.home / "xdg"),
            PYTHONUNBUFFERED="1",
        )
        return env

    # -- lifecycle -----------------------------------------------------------
    def init(self) -> None:
        """Run the migrations and create the admin user without serving (``label-studio init``)."""
        creds = self.credentials()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as out:
            rc = subprocess.call(
                [label_studio_executable(), "init", "-q", "--no-browser"],
                env=self._env(creds), stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.home,
            )
        if rc != 0:
            raise ServerError(f"label-studio init failed (exit {rc}); see {self.log_file}")

    def running(self) -> ServerInfo | None:
        """The server recorded in ``server.json`` if its process is alive and healthy."""
        if not self.run_file.exists():
            return None
        raw = json.loads(self.run_file.read_text(encoding="utf-8"))
        info = ServerInfo(raw["url"], int(raw["pid"]), int(raw["port"]), self.home)
        if not _alive(info.pid):
            return None
        if _http_status(info.url + "/health") != 200:
            return None
        return info

    def up(self, port: int | None = None, timeout: float = 240.0) -> ServerInfo:
        """Start the server (or return the one already running) and wait until it serves."""
        current = self.running()
        if current:
            return current
        self._stop_recorded()  # a stale record: the process group may still hold the port
        creds = self.credentials()
        self.home.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if port is None:
            port = DEFAULT_PORT if _port_free(DEFAULT_PORT) else _free_port()
        elif not _port_free(port):
            raise ServerError(f"port {port} is busy: choose another with --port")
        url = f"http://127.0.0.1:{port}"
        cmd = [label_studio_executable(), "start", "--no-browser", "--debug",
               "--internal-host", "127.0.0.1", "--port", str(port)]
        out = open(self.log_file, "ab")  # noqa: SIM115 (handed to the child)
        try:
            proc = subprocess.Popen(
                cmd, env=self._env(creds), stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.home,
            )
        finally:
            out.close()
        write_private(self.run_file, {"url": url, "pid": proc.pid, "port": port})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self._stop_recorded()
                raise ServerError(
                    f"Label Studio exited during start (exit {proc.returncode}); "
                    f"see {self.log_file}"
                )
            if _http_status(url + "/health") == 200:
                break
            time.sleep(0.5)
        else:
            self._stop_recorded()
            raise ServerError(f"Label Studio did not answer within {timeout:.0f} s; see {self.log_file}")
        if _http_status(url + "/api/current-user/whoami", creds.token) != 200:
            self._stop_recorded()
            raise ServerError(
                f"the stored API token was refused by the local server; delete {self.home} "
                "to start afresh (annotations there are lost) or pass --api-key"
            )
        log.info("Label Studio is up at %s (pid %d)", url, proc.pid)
        return ServerInfo(url, proc.pid, port, self.home)

    def _stop_recorded(self) -> bool:
        if not self.run_file.exists():
            return False
        raw = json.loads(self.run_file.read_text(encoding="utf-8"))
        pid = int(raw["pid"])
        stopped = _stop_group(pid)
        self.run_file.unlink(missing_ok=True)
        return stopped

    def down(self) -> bool:
        """Stop the server's process group (SIGTERM, then SIGKILL). True if one was running."""
        return self._stop_recorded()


def _stop_group(pid: int, wait: float = 10.0) -> bool:
    """Stop the process group led by ``pid``; True if it was alive."""
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        return False
    if pgid != pid:
        # Not the leader of its own group any more: that pid was reused. Leave it alone.
        return False
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    return True
