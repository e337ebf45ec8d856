"""The one module that speaks Label Studio's REST API: a client on label-studio-sdk.

:class:`Studio` wraps the SDK's generated client, ``LabelStudioBase`` (``LabelStudio`` is
it plus extensions we do not use: its export helpers import pandas and smart_open, measured
1.7 s and 90 MiB more at start-up against 0.5 s and 10 MiB for the base). Projects, tasks,
annotations, predictions and users go through its typed calls (measured to work on the
Community edition 1.23.2 we embed), with the SDK's ``request_options`` deciding the retries of each
call. The SDK is handed an httpx client of ours (:func:`labeling.studio.http.client`), so
the time-outs are ours (a 10 s connect time-out, a long read time-out: the SDK's
per-call ``timeout`` is a single float that would drop the connect one) and tests can put
a fault proxy or an ``httpx.MockTransport`` under it.

A few calls are made "raw", on the SDK's own HTTP layer (``_client_wrapper.httpx_client``:
the same auth headers, retries and time-outs): where the SDK is measured to be slower,
lacks the call, or where the snapshot export must stay under :mod:`labeling.workflows.sync`'s
control. Each such method says why, with the figure.

Retries: reads and idempotent writes get ``retries`` retries; creates and imports get
none (a repeated import would duplicate tasks, so :mod:`labeling.workflows.push` checks
what arrived before it tries again). The SDK retries 5xx/408/409/429 answers and
connection and protocol errors (back-off 1 s, 2 s, 4 s...); it does not retry a read or
write error or a time-out, so :meth:`Studio._call` adds those (back-off ``backoff``).

Every failure becomes a :class:`~labeling.errors.ServerError` subclass chained (``raise
... from``) to the SDK's ``ApiError`` or httpx's error: 401/403 -> AuthError, 404 ->
NotFound, other statuses -> ServerError with the status and the server's message, no
answer -> ServerUnreachable or ServerError. The API token is never part of a message,
a log line or a repr.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from label_studio_sdk.base_client import LabelStudioBase
from label_studio_sdk.core.api_error import ApiError
from label_studio_sdk.core.parse_error import ParsingError
from label_studio_sdk.core.request_options import RequestOptions

from labeling.errors import (
    AuthError,
    NotFound,
    ServerError,
    ServerNoAnswer,
    ServerUnreachable,
)
from labeling.studio import http
from labeling.studio.snapshot import Snapshot, spool_file

log = logging.getLogger(__name__)

_T = TypeVar("_T")

# The SDK retries connect and protocol errors itself; these it lets through at once.
_NOT_RETRIED_BY_SDK = (httpx.ReadError, httpx.WriteError, httpx.TimeoutException)


@dataclass(frozen=True)
class Connection:
    """Where the server is and the token to use (the token is never printed)."""

    url: str
    api_key: str

    def __repr__(self) -> str:  # keep the token out of tracebacks and logs
        return f"Connection(url={self.url!r}, api_key='***')"


def _detail(body: Any) -> str:
    """The server's own message out of an error body (JSON or text)."""
    if isinstance(body, dict):
        for key in ("validation_errors", "detail", "message", "error"):
            if body.get(key):
                val = body[key]
                return val if isinstance(val, str) else json.dumps(val)[:500]
        return json.dumps(body)[:300]
    if isinstance(body, (list, int, float)):
        return json.dumps(body)[:300]
    return str(body or "")[:300]


def _body(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return resp.text


def _dump(model: Any) -> dict[str, Any]:
    """An SDK model as the JSON object the server sent (only the fields it sent)."""
    out: dict[str, Any] = model.model_dump(mode="json", exclude_unset=True, by_alias=True)
    return out


class Studio:
    """A Label Studio server reached through label-studio-sdk.

    ``timeout`` is the read time-out of each request (the connect one is 10 s),
    ``retries`` how often a read or an idempotent write is retried, ``backoff`` the first
    pause before retrying an error the SDK does not retry. ``transport`` replaces the
    network under the client (an ``httpx.MockTransport``); ``httpx_client`` replaces the
    whole client (then ``timeout`` and ``transport`` are its own, and it is not closed here).
    """

    def __init__(
        self,
        conn: Connection,
        *,
        timeout: float = http.READ_TIMEOUT,
        retries: int = 4,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        httpx_client: httpx.Client | None = None,
    ):
        self.conn = conn
        self.url = conn.url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        # Ours, so that time-outs, transports (fault proxy, MockTransport) stay in our hands.
        self._owns_http = httpx_client is None
        self._http = httpx_client or http.client(self.url, timeout=timeout, transport=transport,
                                                 headers={"Accept": "application/json"})
        try:
            # The SDK sends the token (``Authorization: Token ...``, or refreshes a JWT).
            self.sdk = LabelStudioBase(base_url=self.url, api_key=conn.api_key,
                                       httpx_client=self._http, max_retries=retries)
        except ApiError as exc:  # an expired personal access token is refused at once
            raise self._api_error(exc, "the API token") from exc
        self._raw = self.sdk._client_wrapper.httpx_client

    def __repr__(self) -> str:
        return f"Studio(url={self.url!r})"

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Studio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------
    def _call(self, what: str, fn: Callable[[RequestOptions], _T], *, retry: bool = True,
              retries: int | None = None) -> _T:
        """Run one SDK call with our retry options; map every failure onto our errors."""
        if retries is None:
            retries = self.retries if retry else 0
        opts: RequestOptions = {"max_retries": retries}
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn(opts)
            except ApiError as exc:
                raise self._api_error(exc, what) from exc
            except ParsingError as exc:
                raise ServerError(f"Label Studio at {self.url} sent an answer to {what} "
                                  f"that the SDK cannot read: {exc}", exc.status_code) from exc
            except _NOT_RETRIED_BY_SDK as exc:
                if attempt <= retries:
                    delay = self.backoff * (2 ** (attempt - 1))
                    log.warning("%s on %s; retry %d/%d in %.1f s", type(exc).__name__, what,
                                attempt, retries, delay)
                    time.sleep(delay)
                    continue
                raise self._transport_error(exc, what) from exc
            except httpx.TransportError as exc:
                raise self._transport_error(exc, what) from exc
            except json.JSONDecodeError as exc:
                # The SDK parsed a web page where the API should answer (a proxy, a login
                # wall, another app at that address).
                raise self._web_page(what) from exc

    def _web_page(self, what: str, status: int | None = None) -> ServerError:
        return ServerError(f"{self.url} answered {what} with a web page, not Label Studio's "
                           "API: check --url (the address of the Label Studio server)", status)

    def _transport_error(self, exc: httpx.TransportError, what: str) -> ServerError:
        if isinstance(exc, httpx.ConnectError):
            return ServerUnreachable(
                f"cannot reach Label Studio at {self.url}: is it running? "
                "(start the local one with `labeling studio up`, or check --url)"
            )
        return ServerNoAnswer(
            f"Label Studio at {self.url} did not answer {what} ({type(exc).__name__}); try again"
        )

    def _api_error(self, exc: ApiError, what: str) -> ServerError:
        # The SDK's error prints the answer's headers, among them the session cookie the
        # server issues to a token-authenticated request: it is chained to ours, so redact.
        exc.headers = http.redact_headers(exc.headers)
        code = exc.status_code
        if code is not None and code < 400:
            # A success the SDK could not read as JSON: a web page where the API should
            # answer (a proxy, a login wall, another app at that address).
            return self._web_page(what, code)
        return self._status_error(code, exc.body, what)

    def _status_error(self, code: int | None, body: Any, what: str) -> ServerError:
        detail = http.redact(_detail(body), self.conn.api_key)
        if code in (401, 403):
            return AuthError(
                f"Label Studio at {self.url} refused the API token (HTTP {code}): check "
                "--api-key / LABEL_STUDIO_API_KEY (Account & Settings > Access Token)",
                code, detail,
            )
        if code == 404:
            return NotFound(f"not found on {self.url}: {what}", code, detail)
        return ServerError(f"Label Studio answered HTTP {code} to {what}: {detail}", code, detail)

    def request(
        self, method: str, path: str, *, retry: bool | None = None, **kw: Any
    ) -> httpx.Response:
        """A raw call on the SDK's HTTP layer (its auth, retries, time-outs); errors mapped.

        For the endpoints the SDK lacks or is measured to be slower on (see each caller).
        """
        if retry is None:
            retry = method in ("GET", "HEAD", "DELETE", "PATCH", "PUT")
        what = f"{method} {path}"

        def send(opts: RequestOptions) -> httpx.Response:
            return self._raw.request(path, method=method, request_options=opts, **kw)

        resp = self._call(what, send, retry=retry)
        if resp.status_code >= 400:
            raise self._status_error(resp.status_code, _body(resp), what)
        if path.startswith("/api") and "html" in resp.headers.get("content-type", ""):
            raise self._web_page(what, resp.status_code)
        return resp

    @contextmanager
    def stream(self, method: str, path: str, **kw: Any) -> Iterator[httpx.Response]:
        """A raw streamed answer (not retried: a half-read body cannot be resumed)."""
        what = f"{method} {path}"
        try:
            with self._raw.stream(path, method=method, request_options={"max_retries": 0},
                                  **kw) as resp:
                if resp.status_code >= 400:
                    resp.read()
                    raise self._status_error(resp.status_code, _body(resp), what)
                yield resp
        except httpx.TransportError as exc:
            raise self._transport_error(exc, what) from exc

    def json(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.request(method, path, **kw)
        return resp.json() if resp.content else None

    # -- users ----------------------------------------------------------------
    def whoami(self, *, retries: int | None = None) -> dict[str, Any]:
        """The user the token belongs to; raises AuthError / ServerUnreachable.

        ``retries`` overrides the client's (a first probe of a server should fail fast:
        the SDK waits 1, 2, 4, 8 s between its retries of a refused connection).
        """
        return _dump(self._call("whoami", lambda o: self.sdk.users.whoami(request_options=o),
                                retries=retries))

    def version(self) -> str:
        info = _dump(self._call("version", lambda o: self.sdk.versions.get(request_options=o)))
        return str(info.get("release") or info.get("label-studio-os-package", {}).get("version"))

    def users(self) -> list[dict[str, Any]]:
        return [_dump(u) for u in
                self._call("users.list", lambda o: self.sdk.users.list(request_options=o))]

    def create_user(self, email: str, *, first_name: str = "", last_name: str = "") -> dict[str, Any]:
        """Create an organization member (for annotations made through the API)."""
        me = self.whoami()
        user = _dump(self._call("users.create", lambda o: self.sdk.users.create(
            username=email, email=email, first_name=first_name, last_name=last_name,
            request_options=o), retry=False))
        org = me.get("active_organization")
        if org is not None and user.get("active_organization") != org:
            # Users made through the API get no active organization (docs/label-studio.md).
            user = _dump(self._call("users.update", lambda o: self.sdk.users.update(
                int(user["id"]), active_organization=org, request_options=o)))
        return user

    def find_user(self, email: str) -> dict[str, Any] | None:
        for user in self.users():
            if str(user.get("email", "")).lower() == email.lower():
                return user
        return None

    # -- projects -------------------------------------------------------------
    def projects_titled(self, title: str, fields: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Every project titled exactly ``title``, oldest (lowest id) first.

        ``fields`` limits the answer to those fields (the server then skips counting what
        is not asked for: on a project of 50,000 tasks, 40 ms instead of 400 ms).
        """
        include = ",".join(["id", "title", *fields]) if fields else None

        def listing(o: RequestOptions) -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = []
            pager = self.sdk.projects.list(title=title, include=include, page_size=100,
                                           request_options=o)
            try:
                for page in pager.iter_pages():
                    items = page.items or []
                    rows.extend(_dump(p) for p in items)
                    # A short page is the last: the server answers 404 to the one after.
                    if len(items) < 100:
                        break
            except ApiError as exc:  # a full last page: the page after it is a 404
                if exc.status_code != 404 or not rows:
                    raise
            return rows

        found = [p for p in self._call("projects.list", listing) if p.get("title") == title]
        return sorted(found, key=lambda p: int(p["id"]))

    def find_project(self, title: str, fields: Sequence[str] = ()) -> dict[str, Any] | None:
        """The project with exactly this title, or None (error if several match)."""
        found = self.projects_titled(title, fields)
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
        return _dump(self._call(f"projects.get({project_id})",
                                lambda o: self.sdk.projects.get(project_id, request_options=o)))

    def create_project(self, **fields: Any) -> dict[str, Any]:
        return _dump(self._call("projects.create", lambda o: self.sdk.projects.create(
            **fields, request_options=o), retry=False))

    def update_project(self, project_id: int, **fields: Any) -> dict[str, Any]:
        return _dump(self._call(f"projects.update({project_id})", lambda o: self.sdk.projects.update(
            project_id, **fields, request_options=o)))

    def delete_project(self, project_id: int) -> None:
        self._call(f"projects.delete({project_id})",
                   lambda o: self.sdk.projects.delete(project_id, request_options=o))

    # -- tasks ----------------------------------------------------------------
    def iter_tasks(
        self, project_id: int, *, include: str = "id,meta", page_size: int = 1000
    ) -> Iterator[dict[str, Any]]:
        """Page through the project's tasks, only the fields in ``include``.

        Raw ``GET /api/tasks``: the SDK's ``tasks.list`` builds a pydantic model per task,
        measured 1.4-1.5x slower than this on 10,000 tasks (``include=id,meta``: 8.7-9.5 s
        against 5.9-6.4 s on the embedded 1.23.2, two rounds).
        """
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

    def get_task(self, task_id: int) -> dict[str, Any]:
        return _dump(self._call(f"tasks.get({task_id})",
                                lambda o: self.sdk.tasks.get(str(task_id), request_options=o)))

    def update_task(self, task_id: int, **fields: Any) -> dict[str, Any]:
        """Change a task's fields (``data``, ``meta``, ``overlap``...)."""
        return _dump(self._call(f"tasks.update({task_id})", lambda o: self.sdk.tasks.update(
            str(task_id), **fields, request_options=o)))

    def task_keys(self, project_id: int) -> dict[str, int]:
        """quote_id -> task id for every task of the project, in one listing."""
        keys: dict[str, int] = {}
        # Only ids and meta: the keys of a 50,000-task project, not its text.
        for t in self.iter_tasks(project_id, include="id,meta"):
            meta = t.get("meta") or {}
            qid = meta.get("quote_id")
            if qid is None:  # a task imported by something else: look at its data
                qid = (self.get_task(int(t["id"])).get("data") or {}).get("quote_id")
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
        """Import one batch (atomic on the server); returns the new task ids.

        Raw ``POST /api/projects/ID/import`` with a body we encode ourselves: the SDK's
        ``projects.import_tasks`` (which does return the ids) runs its ``jsonable_encoder``
        over every task, measured 1.73 s against 0.52 s for ``json.dumps`` on 5,000
        tasks with predictions, on the client's one thread that also segments the input.
        Never retried here (see the module's docstring).
        """
        body = self.json(
            "POST", f"/api/projects/{project_id}/import", params={"return_task_ids": "true"},
            content=json.dumps(list(tasks), ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"}, retry=False,
        )
        return [int(i) for i in (body or {}).get("task_ids", [])]

    def delete_task(self, task_id: int) -> None:
        self._call(f"tasks.delete({task_id})",
                   lambda o: self.sdk.tasks.delete(str(task_id), request_options=o))

    # -- predictions ----------------------------------------------------------
    def predictions(self, project_id: int, *, task: int | None = None) -> list[dict[str, Any]]:
        """Every prediction of the project (all model versions), or of one of its tasks,
        oldest first."""
        # The raw JSON, not the SDK's list: its typed models cost about 25 s of client
        # time for 40,000 predictions on a loaded machine (half of the whole listing).
        params: dict[str, Any] = {"project": project_id}
        if task is not None:
            params["task"] = task
        body = self.json("GET", "/api/predictions/", params=params)
        rows: list[dict[str, Any]] = []
        while isinstance(body, dict) and "results" in body:  # a server that pages the list
            rows.extend(body["results"])
            if not body.get("next"):
                break
            params["page"] = int(params.get("page", 1)) + 1
            body = self.json("GET", "/api/predictions/", params=params)
        if isinstance(body, list):
            rows.extend(body)
        return sorted(rows, key=lambda p: int(p["id"]))

    def create_prediction(self, task_id: int, **fields: Any) -> dict[str, Any]:
        """Add a prediction (``result``, ``model_version``, ``score``) to a task."""
        return _dump(self._call("predictions.create", lambda o: self.sdk.predictions.create(
            task=task_id, **fields, request_options=o), retry=False))

    # -- annotations ----------------------------------------------------------
    def create_annotation(self, task_id: int, **fields: Any) -> dict[str, Any]:
        return _dump(self._call(f"annotations.create(task {task_id})",
                                lambda o: self.sdk.annotations.create(
                                    task_id, **fields, request_options=o), retry=False))

    def update_annotation(self, annotation_id: int, **fields: Any) -> dict[str, Any]:
        return _dump(self._call(f"annotations.update({annotation_id})",
                                lambda o: self.sdk.annotations.update(
                                    annotation_id, **fields, request_options=o)))

    def delete_annotation(self, annotation_id: int) -> None:
        self._call(f"annotations.delete({annotation_id})",
                   lambda o: self.sdk.annotations.delete(annotation_id, request_options=o))

    def next_task(self, project_id: int) -> dict[str, Any] | None:
        """The task the labelling stream serves the token's user next (None when done)."""
        try:
            result: dict[str, Any] | None = self.json("GET", f"/api/projects/{project_id}/next")
        except NotFound:
            return None
        return result

    def import_predictions(self, project_id: int,
                           predictions: Sequence[Mapping[str, Any]]) -> int:
        """Add predictions to existing tasks in one request (each names its ``task``);
        returns how many were created. The server keeps ``result``, ``score`` and
        ``model_version`` of each, not ``cluster``, and recounts every task of the project
        after each request (Label Studio 1.23.2): send many predictions at once."""
        body = self.json(
            "POST", f"/api/projects/{project_id}/import/predictions", retry=False,
            content=json.dumps(list(predictions), ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        return int((body or {}).get("created", 0))

    def model_versions(self, project_id: int) -> dict[str, int]:
        """model_version -> number of predictions of that version in the project."""
        body = self.json("GET", f"/api/projects/{project_id}/model-versions/")
        if isinstance(body, dict):
            return {str(k): int(v) for k, v in body.items()}
        return {str(r.get("model_version")): int(r.get("count") or 0) for r in body or []}

    def delete_predictions(self, project_id: int, model_version: str) -> int:
        """Delete every prediction of one model version in the project; returns the count."""
        body = self.json("DELETE", f"/api/projects/{project_id}/model-versions/",
                         json={"model_version": model_version})
        if isinstance(body, dict):  # {"deleted_predictions": n}
            return int(body.get("deleted_predictions", body.get("count", 0)) or 0)
        return int(body or 0)

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
            # Not retried: a half-read body cannot be resumed; a broken download is a
            # ServerError (``stream`` maps it), and the next pull starts it again.
            with self.stream("GET", path, params={"exportType": "JSON"}) as resp:
                for block in resp.iter_bytes(1 << 20):
                    spool.write(block)
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
    studio.whoami(retries=1)  # fail early and clearly on a wrong token or a dead server
    return studio


def utcnow() -> datetime:
    return datetime.now(UTC)
