"""The one module that speaks HTTP to Label Studio.

A thin, typed client over Label Studio's REST API (``/api/...``) with bounded
retries and backoff for transient failures (connection errors, time-outs, 502/503/504)
on requests that are safe to repeat. Imports are *not* retried here: a repeated import
could duplicate tasks, so :mod:`labeling.workflows.push` re-checks what arrived before it tries
again. Every failure becomes a :class:`~labeling.errors.ServerError` subclass whose
message says what to do; the API token is never part of a message or a log line.

We use the label-studio-sdk for the labelling interface (config parsing, prediction
validation) and talk to the REST endpoints directly: the SDK 2.x client is generated
for the Enterprise API (many of its calls answer 404 on the community edition) and
gives us no control over retries and streaming downloads.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from labeling.errors import AuthError, NotFound, ServerError, ServerUnreachable
from labeling.studio.snapshot import Snapshot, spool_file

log = logging.getLogger(__name__)

_TRANSIENT_STATUS = {502, 503, 504}
_TRANSIENT_EXC = (
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.TimeoutException,
)


@dataclass(frozen=True)
class Connection:
    """Where the server is and the token to use (the token is never printed)."""

    url: str
    api_key: str

    def __repr__(self) -> str:  # keep the token out of tracebacks and logs
        return f"Connection(url={self.url!r}, api_key='***')"


def _detail(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:300]
    if isinstance(body, dict):
        for key in ("validation_errors", "detail", "message", "error"):
            if body.get(key):
                val = body[key]
                return val if isinstance(val, str) else json.dumps(val)[:500]
    return json.dumps(body)[:300]


class Studio:
    """A Label Studio server reached over HTTP."""

    def __init__(
        self,
        conn: Connection,
        *,
        timeout: float = 300.0,
        retries: int = 4,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ):
        self.conn = conn
        self.url = conn.url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Token {conn.api_key}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=10.0),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Studio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------
    def request(
        self, method: str, path: str, *, retry: bool | None = None, **kw: Any
    ) -> httpx.Response:
        """Send a request; retry transient failures when it is safe; map errors."""
        if retry is None:
            retry = method in ("GET", "HEAD", "DELETE", "PATCH", "PUT")
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self._http.request(method, path, **kw)
            except _TRANSIENT_EXC as exc:
                if retry and attempt <= self.retries:
                    self._sleep(attempt, f"{type(exc).__name__} on {method} {path}")
                    continue
                if isinstance(exc, httpx.ConnectError):
                    raise ServerUnreachable(
                        f"cannot reach Label Studio at {self.url}: is it running? "
                        "(start the local one with `labeling studio up`, or check --url)"
                    ) from exc
                raise ServerError(
                    f"Label Studio at {self.url} did not answer {method} {path} "
                    f"({type(exc).__name__}); try again"
                ) from exc
            if resp.status_code in _TRANSIENT_STATUS and retry and attempt <= self.retries:
                self._sleep(attempt, f"HTTP {resp.status_code} on {method} {path}")
                continue
            if resp.status_code >= 400:
                raise self._error(resp, method, path)
            return resp

    def _sleep(self, attempt: int, why: str) -> None:
        delay = self.backoff * (2 ** (attempt - 1))
        log.warning("%s; retry %d/%d in %.1f s", why, attempt, self.retries, delay)
        time.sleep(delay)

    def _error(self, resp: httpx.Response, method: str, path: str) -> ServerError:
        detail = _detail(resp)
        code = resp.status_code
        if code in (401, 403):
            return AuthError(
                f"Label Studio at {self.url} refused the API token (HTTP {code}): check "
                "--api-key / LABEL_STUDIO_API_KEY (Account & Settings > Access Token)",
                code, detail,
            )
        if code == 404:
            return NotFound(f"not found on {self.url}: {method} {path}", code, detail)
        return ServerError(
            f"Label Studio answered HTTP {code} to {method} {path}: {detail}", code, detail
        )

    def json(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.request(method, path, **kw)
        return resp.json() if resp.content else None

    # -- users ----------------------------------------------------------------
    def whoami(self) -> dict[str, Any]:
        """The user the token belongs to; raises AuthError / ServerUnreachable."""
        result: dict[str, Any] = self.json("GET", "/api/current-user/whoami")
        return result

    def version(self) -> str:
        info = self.json("GET", "/api/version")
        return str(info.get("release") or info.get("label-studio-os-package", {}).get("version"))

    def users(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.json("GET", "/api/users")
        return result

    def create_user(self, email: str, *, first_name: str = "", last_name: str = "") -> dict[str, Any]:
        """Create an organization member (for annotations made through the API)."""
        me = self.whoami()
        user: dict[str, Any] = self.json(
            "POST", "/api/users/", retry=False,
            json={"username": email, "email": email, "first_name": first_name,
                  "last_name": last_name},
        )
        org = me.get("active_organization")
        if org is not None and user.get("active_organization") != org:
            user = self.json("PATCH", f"/api/users/{user['id']}",
                             json={"active_organization": org})
        return user

    def find_user(self, email: str) -> dict[str, Any] | None:
        for user in self.users():
            if str(user.get("email", "")).lower() == email.lower():
                return user
        return None

    # -- projects -------------------------------------------------------------
    def find_project(self, title: str, fields: Sequence[str] = ()) -> dict[str, Any] | None:
        """The project with exactly this title, or None (error if several match).

        ``fields`` limits the answer to those fields (the server then skips counting what
        is not asked for: on a project of 50,000 tasks, 40 ms instead of 400 ms).
        """
        found: list[dict[str, Any]] = []
        page = 1
        extra = {"include": ",".join(["id", "title", *fields])} if fields else {}
        while True:
            body = self.json("GET", "/api/projects", params={"title": title, "page": page,
                                                             "page_size": 100, **extra})
            rows = body["results"] if isinstance(body, dict) else body
            found.extend(p for p in rows if p.get("title") == title)
            if not isinstance(body, dict) or not body.get("next"):
                break
            page += 1
        if len(found) > 1:
            ids = ", ".join(str(p["id"]) for p in found)
            raise ServerError(f"several projects are titled {title!r} (ids {ids}): rename all but one")
        return found[0] if found else None

    def project(self, title: str, fields: Sequence[str] = ()) -> dict[str, Any]:
        proj = self.find_project(title, fields)
        if proj is None:
            raise NotFound(
                f"no project titled {title!r} on {self.url}: check --project, "
                "or create it with `labeling push`"
            )
        return proj

    def get_project(self, project_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self.json("GET", f"/api/projects/{project_id}")
        return result

    def create_project(self, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.json("POST", "/api/projects", json=fields)
        return result

    def update_project(self, project_id: int, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.json("PATCH", f"/api/projects/{project_id}", json=fields)
        return result

    def delete_project(self, project_id: int) -> None:
        self.request("DELETE", f"/api/projects/{project_id}")

    # -- tasks ----------------------------------------------------------------
    def iter_tasks(
        self, project_id: int, *, include: str = "id,meta", page_size: int = 1000
    ) -> Iterator[dict[str, Any]]:
        """Page through the project's tasks, only the fields in ``include``."""
        page = 1
        while True:
            try:
                body = self.json(
                    "GET", "/api/tasks",
                    params={"project": project_id, "include": include,
                            "page_size": page_size, "page": page},
                )
            except NotFound:
                return  # past the last page
            tasks = body.get("tasks", []) if isinstance(body, dict) else body
            yield from tasks
            if len(tasks) < page_size:
                return
            page += 1

    def task_keys(self, project_id: int) -> dict[str, int]:
        """quote_id -> task id for every task of the project, in one listing."""
        keys: dict[str, int] = {}
        # Only ids and meta: the keys of a 50,000-task project, not its text.
        for t in self.iter_tasks(project_id, include="id,meta"):
            meta = t.get("meta") or {}
            qid = meta.get("quote_id")
            if qid is None:  # a task imported by something else: look at its data
                qid = (self.json("GET", f"/api/tasks/{t['id']}").get("data") or {}).get(
                    "quote_id")
            if qid is not None:
                keys.setdefault(str(qid), int(t["id"]))
            for dup in meta.get("duplicates") or []:  # near-duplicates labelled with this task
                keys.setdefault(str(dup), int(t["id"]))
        return keys

    def task_quotes(self, project_id: int) -> dict[str, tuple[int, str]]:
        """quote_id -> (task id, quote text) of every task (not of attached duplicates)."""
        out: dict[str, tuple[int, str]] = {}
        for t in self.iter_tasks(project_id, include="id,data"):
            data = t.get("data") or {}
            if data.get("quote_id") is not None:
                out[str(data["quote_id"])] = (int(t["id"]), str(data.get("quote") or ""))
        return out

    def import_tasks(self, project_id: int, tasks: Sequence[Mapping[str, Any]]) -> list[int]:
        """Import one batch (atomic on the server); returns the new task ids."""
        body = self.json(
            "POST", f"/api/projects/{project_id}/import", params={"return_task_ids": "true"},
            content=json.dumps(list(tasks), ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"}, retry=False,
        )
        return [int(i) for i in (body or {}).get("task_ids", [])]

    def delete_task(self, task_id: int) -> None:
        self.request("DELETE", f"/api/tasks/{task_id}")

    # -- annotations ----------------------------------------------------------
    def create_annotation(self, task_id: int, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.json(
            "POST", f"/api/tasks/{task_id}/annotations", json=fields, retry=False
        )
        return result

    def update_annotation(self, annotation_id: int, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.json("PATCH", f"/api/annotations/{annotation_id}", json=fields)
        return result

    def delete_annotation(self, annotation_id: int) -> None:
        self.request("DELETE", f"/api/annotations/{annotation_id}")

    # -- export ---------------------------------------------------------------
    def export_tasks(
        self, project_id: int, *, updated_since: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Every task with all its annotations (usual, skipped and ground truth), as JSON.

        Uses a snapshot export (the server's fastest path), downloaded and then deleted.
        With ``updated_since`` only tasks updated after that moment are exported. Holds
        every task in memory: a large project is read with :meth:`snapshot` instead.
        """
        with self.snapshot(project_id, updated_since=updated_since) as snap:
            return list(snap.tasks())

    def snapshot(
        self, project_id: int, *, updated_since: datetime | None = None,
        spool_dir: str | os.PathLike[str] | None = None,
    ) -> Snapshot:
        """A snapshot export of the project, streamed into a temporary file in
        ``spool_dir`` (read its tasks one at a time with :meth:`Snapshot.tasks`; closing
        it removes the file), with the server's time when the snapshot was started (what
        a later ``updated_since`` should start from). The export record is deleted."""
        spec: dict[str, Any] = {
            "title": "stance-labeling pull",
            "annotation_filter_options": {"usual": True, "ground_truth": True, "skipped": True},
            "serialization_options": {
                "drafts": {"only_id": True},
                "predictions": {"only_id": True},
                "annotations__completed_by": {"only_id": True},
            },
        }
        view_id: int | None = None
        if updated_since is not None:
            # Snapshot exports filter through a Data Manager view: make a temporary one.
            stamp = updated_since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            view = self.json("POST", "/api/dm/views", retry=False, json={
                "project": project_id,
                "data": {"filters": {"conjunction": "and", "items": [
                    {"filter": "filter:tasks:updated_at", "operator": "greater",
                     "type": "Datetime", "value": stamp}]}},
            })
            view_id = int(view["id"])
            spec["task_filter_options"] = {"view": view_id}
        try:
            return self._snapshot(project_id, spec, spool_dir)
        finally:
            if view_id is not None:
                try:
                    self.request("DELETE", f"/api/dm/views/{view_id}")
                except ServerError as exc:
                    log.warning("could not delete temporary view %s: %s", view_id, exc)

    def _snapshot(self, project_id: int, spec: dict[str, Any],
                  spool_dir: str | os.PathLike[str] | None) -> Snapshot:
        snap = self.json("POST", f"/api/projects/{project_id}/exports", json=spec, retry=False)
        export_id = int(snap["id"])
        started = snap.get("created_at")
        spool = spool_file(spool_dir)
        try:
            deadline = time.monotonic() + 3600
            while snap.get("status") not in ("completed", "failed"):
                if time.monotonic() > deadline:
                    raise ServerError("the export snapshot did not complete within an hour")
                time.sleep(0.5)
                snap = self.json("GET", f"/api/projects/{project_id}/exports/{export_id}")
            if snap.get("status") == "failed":
                raise ServerError(f"Label Studio failed to build the export snapshot {export_id}")
            # Streamed to the file, never whole in memory (160 MB at 50,000 tasks).
            path = f"/api/projects/{project_id}/exports/{export_id}/download"
            try:
                with self._http.stream("GET", path, params={"exportType": "JSON"}) as resp:
                    if resp.status_code >= 400:
                        resp.read()
                        raise self._error(resp, "GET", path)
                    for block in resp.iter_bytes(1 << 20):
                        spool.write(block)
            except _TRANSIENT_EXC as exc:
                raise ServerError(f"the download of export snapshot {export_id} from "
                                  f"{self.url} broke off ({type(exc).__name__}); try again"
                                  ) from exc
            spool.flush()
        except BaseException:
            spool.close()
            raise
        finally:
            try:
                self.request("DELETE", f"/api/projects/{project_id}/exports/{export_id}")
            except ServerError as exc:  # a leftover snapshot is harmless
                log.warning("could not delete export snapshot %s: %s", export_id, exc)
        return Snapshot(spool, str(started) if started else None, dict(snap), spool.tell())


def connect(url: str | None, api_key: str | None, state_dir: str | os.PathLike[str] | None = None,
            *, start: bool = True) -> Studio:
    """A client for ``url``/``api_key`` (options, then the environment), else the local server.

    With neither, the embedded Label Studio in the state folder is used, started if needed
    (``start``), and its stored token is read from the 0600 credentials file.
    """
    url = url or os.environ.get("LABEL_STUDIO_URL")
    api_key = api_key or os.environ.get("LABEL_STUDIO_API_KEY")
    if url:
        if not api_key:
            raise AuthError(
                f"no API token for {url}: pass --api-key or set LABEL_STUDIO_API_KEY"
            )
        studio = Studio(Connection(url, api_key))
    else:
        from labeling.studio.server import LocalStudio

        local = LocalStudio(state_dir)
        info = local.up() if start else local.running()
        if info is None:
            raise ServerUnreachable(
                "the local Label Studio is not running: start it with `labeling studio up`"
            )
        studio = Studio(Connection(info.url, api_key or local.credentials().token))
    studio.whoami()  # fail early and clearly on a wrong token or a dead server
    return studio


def utcnow() -> datetime:
    return datetime.now(UTC)
