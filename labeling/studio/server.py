"""The embedded local Label Studio: ``labeling studio up|down|status``.

The server lives in a state folder (``.labeling/studio`` below the working
directory unless ``LABELING_HOME`` or ``--state-dir`` says otherwise):

    studio/data/              Label Studio's own data dir (SQLite database, uploads)
    studio/credentials.json   admin e-mail, password and API token (mode 0600)
    studio/server.json        pid / process group / port of the running server
    studio/server.log         the server's output

Who gets in: sign-up needs the organisation's invite link (``labeling studio
add-annotator`` fetches it with the admin token), only the hosts the server is served at
are answered (``127.0.0.1``, ``localhost`` and ``LABELING_ALLOWED_HOSTS`` / ``--allowed-host``:
a DNS-rebinding page gets 400), and the state folder is private (0700; the server runs
with umask 077, so its database, which holds every API token, is 0600).

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
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import labeling.redact as redact
from labeling.errors import LabelingError, ServerError
from labeling.files import private_folder, write_private
from labeling.state import state_home
from labeling.studio import http

log = logging.getLogger(__name__)

DEFAULT_PORT = 8089
# Bare names Label Studio also reads from the environment: scrub them from the child.
_SCRUB = ("HOST", "PORT", "USERNAME", "PASSWORD", "DEBUG", "LABEL_STUDIO_HOST")


DATABASE_URL_VAR = "LABELING_DATABASE_URL"
ALLOWED_HOSTS_VAR = "LABELING_ALLOWED_HOSTS"
# The names the embedded server is reached at; a team server adds its own.
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def allowed_hosts(extra: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The ``Host`` names the server answers: loopback, ``LABELING_ALLOWED_HOSTS`` (comma
    separated) and ``extra``. Django refuses any other with 400."""
    names = [*LOCAL_HOSTS, *os.environ.get(ALLOWED_HOSTS_VAR, "").split(","), *extra]
    out: list[str] = []
    for name in (n.strip() for n in names):
        if name == "*":
            raise LabelingError(f"{ALLOWED_HOSTS_VAR}: '*' would let any web page's host "
                                "name reach the server (DNS rebinding); list the names")
        if name and name not in out:
            out.append(name)
    return out


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
    """Whether the server could listen on ``port``. The probe binds as the server does,
    with SO_REUSEADDR: a port whose last connections are in TIME-WAIT (just after
    ``down``) is free for it, a port another program listens on is not."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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

    def __init__(self, state_dir: str | os.PathLike[str] | None = None,
                 hosts: tuple[str, ...] | list[str] = ()):
        self.state = state_home(state_dir)
        self.home = self.state / "studio"
        self.hosts = tuple(hosts)
        self.data_dir = self.home / "data"
        self.cred_file = self.home / "credentials.json"
        self.run_file = self.home / "server.json"
        self.log_file = self.home / "server.log"

    def _private(self) -> None:
        """The state folder and the server's folders: created 0700, tightened if they exist
        (the database inside holds every API token); what an earlier version or the
        server's file storage left readable by others is tightened too."""
        for folder in (self.state, self.home, self.data_dir):
            private_folder(folder)
        for f in self.home.iterdir():
            _owner_only(f)
        # Label Studio's file storage sets 0644 on what it writes (Django's
        # FILE_UPLOAD_PERMISSIONS, whatever the umask): uploads and export snapshots sit in
        # folders made 0700 under the umask, and are tightened here at the next start.
        for root, dirs, files in os.walk(self.data_dir):
            for name in (*dirs, *files):
                _owner_only(Path(root) / name)

    def _open_log(self) -> BinaryIO:
        """The server's log, appended to; created 0600 (it may name users and paths)."""
        fd = os.open(self.log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return os.fdopen(fd, "ab")

    # -- credentials ---------------------------------------------------------
    def credentials(self) -> Credentials:
        """Load the stored admin credentials, generating them on first use (0600)."""
        if self.cred_file.exists():
            mode = self.cred_file.stat().st_mode & 0o777
            if mode & 0o077:
                os.chmod(self.cred_file, 0o600)
            raw = json.loads(self.cred_file.read_text(encoding="utf-8"))
            creds = Credentials(raw["username"], raw["password"], raw["token"])
        else:
            creds = Credentials(
                username="admin@stance-labeling.local",
                password=secrets.token_urlsafe(18),
                token=secrets.token_hex(20),  # 40 characters: Label Studio's maximum
            )
            self._private()
            write_private(self.cred_file, creds.__dict__)
        redact.secret(creds.password, creds.token)
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
            # Sign-up only through the organisation's invite link (add-annotator has it):
            # open sign-up would let anyone who reaches the port read and delete projects.
            LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
            LABEL_STUDIO_ALLOWED_HOSTS=",".join(allowed_hosts(self.hosts)),
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
        self._private()
        with self._open_log() as out:
            rc = subprocess.call(
                [label_studio_executable(), "init", "-q", "--no-browser"],
                env=self._env(creds), stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.home,
                umask=0o077,  # the database and uploads: readable by the owner only
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
        with _start_lock():  # a port found free stays unclaimed until the server listens
            current = self.running()
            if current:
                return current
            self._stop_recorded()  # a stale record: the process group may still hold the port
            creds = self.credentials()
            self._private()
            env = self._env(creds)
            chosen = port
            if chosen is None:
                chosen = DEFAULT_PORT
                if not _port_free(chosen):
                    chosen = _free_port()
                    log.warning("port %d is in use by another program: the local Label "
                                "Studio starts on port %d", DEFAULT_PORT, chosen)
            elif not _port_free(chosen):
                raise ServerError(f"port {chosen} is in use by another program: choose "
                                  "another with --port")
            try:
                return self._start(chosen, env, creds.token, timeout)
            except _PortTaken:
                if port is not None:
                    raise ServerError(
                        f"port {port} was taken by another program while Label Studio "
                        f"started (see {self.log_file}): choose another with --port"
                    ) from None
            chosen = _free_port()
            log.warning("the port was taken by another program while Label Studio started: "
                        "starting it again on port %d", chosen)
            try:
                return self._start(chosen, env, creds.token, timeout)
            except _PortTaken:
                raise ServerError(
                    f"port {chosen} was taken by another program while Label Studio started "
                    f"(see {self.log_file}): run the command again"
                ) from None

    def _start(self, port: int, env: dict[str, str], token: str,
               timeout: float) -> ServerInfo:
        url = f"http://127.0.0.1:{port}"
        cmd = [label_studio_executable(), "start", "--no-browser", "--debug",
               "--internal-host", "127.0.0.1", "--port", str(port)]
        out = self._open_log()  # handed to the child
        try:
            proc = subprocess.Popen(
                cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.home,
                umask=0o077,  # the database holds every API token: owner only
            )
        finally:
            out.close()
        write_private(self.run_file, {"url": url, "pid": proc.pid, "port": port})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self._stop_recorded()
                if not _port_free(port):  # another program listens there now
                    raise _PortTaken
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
        if _http_status(url + "/api/current-user/whoami", token) != 200:
            # Whose server answered? Ours exits when it cannot listen on the port.
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(_FOREIGN_WAIT)
            exited = proc.poll() is not None
            self._stop_recorded()
            if exited:
                raise _PortTaken
            raise ServerError(
                f"the server on port {port} refused the stored API token: if another Label "
                "Studio listens there, stop it or choose another port with --port; if it is "
                f"this folder's own, delete {self.home} to start afresh (annotations there "
                "are lost) or pass --api-key"
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


class _PortTaken(Exception):
    """Another program took the port between the check and the server listening on it."""


_FOREIGN_WAIT = 15.0  # seconds for our server to exit when another answered on its port


@contextlib.contextmanager
def _start_lock() -> Iterator[None]:
    """Serialise this user's starts of local servers on the machine: a port found free
    stays unclaimed until the server listens (10 to 40 s), and two starts at once (two
    state folders, two terminals) would otherwise both pick it. Without ``fcntl`` or a
    usable lock file the start goes on unlocked."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        yield
        return
    uid = os.getuid() if hasattr(os, "getuid") else 0
    path = Path(tempfile.gettempdir()) / f"stance-labeling-{uid}.start.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and with it the lock


def _owner_only(path: Path) -> None:
    """Remove the group's and others' permissions from ``path`` (links are left alone)."""
    with contextlib.suppress(OSError):
        st = path.lstat()
        if not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o077:
            path.chmod(stat.S_IMODE(st.st_mode) & 0o700)


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
