"""A local stand-in for the Hugging Face Hub's HTTP API, for tests without network.

It serves just the endpoints that the installed ``huggingface_hub`` and ``datasets``
call to push a ``DatasetDict`` with a card (``push_to_hub`` + ``upload_file``) and to
``load_dataset`` a dataset repo by name: ``whoami-v2``, ``validate-yaml``,
``repos/create``, dataset info (by branch or commit), ``preupload`` (binary files in
"lfs" mode, as the Hub does: ``datasets`` deletes each Parquet shard once it is
pre-uploaded, so a "regular" answer would lose it), the LFS batch API with "basic"
transfers (a PUT of the whole file, then a verify), ``commit`` (NDJSON: regular files
base64, LFS files by sha256), ``tree``, ``paths-info`` and file downloads through
``/datasets/{repo}/resolve/{rev}/{path}``. It has no Xet storage: a client run against
it needs ``HF_HUB_DISABLE_XET=1`` (with ``hf_xet`` installed the client would otherwise
upload LFS files through Xet, a protocol of its own).

Repositories live in memory, one snapshot of every file per commit, so a test can
check exactly what was uploaded (:meth:`HubStandIn.files`). Requests it does not
know are answered 404 and listed in :attr:`HubStandIn.unhandled`, so a library
upgrade that calls something new fails loudly instead of silently.

Point a process at it with ``HF_ENDPOINT=hub.url`` (the libraries read it at import).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

_REPO = r"(?P<repo>[^/]+/[^/]+)"
_REV = r"(?P<rev>[^/]+)"
# Asked by huggingface_hub on its own (agent detection); a 404 is a fine answer.
QUIET = {"/api/agent-harnesses"}


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


@dataclass
class Repo:
    """A dataset repository: who made it, how, and every commit's files."""

    repo_id: str
    private: bool
    created_with: dict[str, Any]
    commits: list[tuple[str, dict[str, bytes]]] = field(default_factory=list)

    def commit(self, files: dict[str, bytes], message: str) -> str:
        listing = "".join(f"{p}:{_sha1(files[p])}|" for p in sorted(files))
        sha = _sha1(f"{self.repo_id}|{len(self.commits)}|{message}|{listing}".encode())
        self.commits.append((sha, files))
        return sha

    def snapshot(self, rev: str) -> tuple[str, dict[str, bytes]] | None:
        """The commit a revision (``main`` or a commit sha) names, or None."""
        if rev == "main":
            return self.commits[-1]
        for sha, files in self.commits:
            if sha == rev:
                return sha, files
        return None


class HubStandIn:
    """A Hub on 127.0.0.1 with one user (``user``) whose write token is ``token``."""

    def __init__(self, token: str = "hf_standin_write_token_0123456789", user: str = "me"):
        self.token = token
        self.user = user
        self.repos: dict[str, Repo] = {}
        self.unhandled: list[str] = []
        self.lfs: dict[str, bytes] = {}  # LFS objects by sha256
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> HubStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------------ for tests
    def add_dataset(self, repo_id: str, files: dict[str, bytes], *, private: bool = False) -> None:
        """A dataset repository that already holds ``files`` (one commit)."""
        repo = Repo(repo_id, private, {"seeded": True})
        repo.commit({".gitattributes": b"*.parquet filter=lfs diff=lfs merge=lfs -text\n",
                     **files}, "initial commit")
        self.repos[repo_id] = repo

    def files(self, repo_id: str) -> dict[str, bytes]:
        """The files of ``repo_id`` at its last commit."""
        return dict(self.repos[repo_id].commits[-1][1])


def _handler(hub: HubStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: the tests look at hub.requests

        # ------------------------------------------------------------ plumbing
        def _body(self) -> bytes:
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def _send(self, status: int, body: bytes = b"", *, ctype: str = "application/json",
                  headers: dict[str, str] | None = None, head: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(obj).encode(), headers=headers)

        def _error(self, status: int, message: str, code: str | None = None,
                   head: bool = False) -> None:
            headers = {"X-Error-Message": message}
            if code:
                headers["X-Error-Code"] = code
            self._send(status, json.dumps({"error": message}).encode(), headers=headers,
                       head=head)

        def _auth(self) -> bool | None:
            """True: the user's token; False: no token; None: a wrong token (answered 401)."""
            value = self.headers.get("Authorization", "")
            if not value:
                return False
            if value == f"Bearer {hub.token}":
                return True
            self._error(401, "Invalid credentials in Authorization header")
            return None

        def _repo(self, repo_id: str, authed: bool, head: bool = False) -> Repo | None:
            repo = hub.repos.get(repo_id)
            if repo is None or (repo.private and not authed):
                self._error(404, "Repository not found", "RepoNotFound", head=head)
                return None
            return repo

        def _snapshot(self, repo: Repo, rev: str, head: bool = False
                      ) -> tuple[str, dict[str, bytes]] | None:
            snap = repo.snapshot(unquote(rev))
            if snap is None:
                self._error(404, "Invalid rev id", "RevisionNotFound", head=head)
            return snap

        # ------------------------------------------------------------ routing
        def do_GET(self) -> None:
            self._route("GET")

        def do_HEAD(self) -> None:
            self._route("HEAD")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

        def _route(self, method: str) -> None:
            parts = urlsplit(self.path)
            path, query = parts.path, parse_qs(parts.query)
            with hub._lock:
                hub.requests.append(f"{method} {self.path}")
                authed = self._auth()
                if authed is None:
                    return
                for verb, pattern, fn in ROUTES:
                    m = re.fullmatch(pattern, path)
                    if m and (verb == method or (verb == "GET" and method == "HEAD")):
                        fn(self, m, query, authed, method == "HEAD")
                        return
                if path not in QUIET:
                    hub.unhandled.append(f"{method} {self.path}")
                self._error(404, f"the Hub stand-in does not serve {method} {path}")

        # ------------------------------------------------------------ endpoints
        def whoami(self, m: re.Match[str], q: Any, authed: bool, head: bool) -> None:
            if not authed:
                self._error(401, "Invalid credentials in Authorization header")
                return
            self._json(200, {"type": "user", "id": "1", "name": hub.user, "fullname": "Me",
                             "orgs": [], "auth": {"type": "access_token", "accessToken": {
                                 "displayName": "standin", "role": "write"}}})

        def validate_yaml(self, m: re.Match[str], q: Any, authed: bool, head: bool) -> None:
            self._body()
            self._json(200, {"errors": [], "warnings": []})

        def create_repo(self, m: re.Match[str], q: Any, authed: bool, head: bool) -> None:
            payload = json.loads(self._body())
            if not authed:
                self._error(401, "You must be authenticated")
                return
            repo_id = f"{payload.get('organization') or hub.user}/{payload['name']}"
            if payload.get("type") != "dataset":
                self._error(400, "the Hub stand-in only holds dataset repos")
                return
            if repo_id in hub.repos:
                self._error(409, "You already created this dataset repo")
                return
            private = payload.get("visibility", "public") != "public" or bool(
                payload.get("private"))
            repo = Repo(repo_id, private, payload)
            repo.commit({".gitattributes": b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"},
                        "initial commit")
            hub.repos[repo_id] = repo
            self._json(200, {"url": f"{hub.url}/datasets/{repo_id}", "name": repo_id,
                             "id": repo_id})

        def info(self, m: re.Match[str], q: Any, authed: bool, head: bool) -> None:
            repo = self._repo(m["repo"], authed)
            if repo is None:
                return
            snap = self._snapshot(repo, m.groupdict().get("rev") or "main")
            if snap is None:
                return
            sha, files = snap
            self._json(200, {
                "_id": _sha1(repo.repo_id.encode())[:24], "id": repo.repo_id, "sha": sha,
                "private": repo.private, "gated": False, "disabled": False, "downloads": 0,
                "likes": 0, "tags": [], "author": repo.repo_id.split("/")[0],
                "lastModified": "2026-01-01T00:00:00.000Z",
                "createdAt": "2026-01-01T00:00:00.000Z",
                "siblings": [{"rfilename": p} for p in sorted(files)]})

        def preupload(self, m: re.Match[str], q: Any, authed: bool, head: bool) -> None:
            payload = json.loads(self._body())
            if not authed:
                self._error(401, "You must be authenticated")
                return
            if self._repo(m["repo"], authed) is None:
                return
            # Binary files go through LFS; text comes base64 in the commit itself.
            self._json(200, {"files": [
                {"path": f["path"], "shouldIgnore": False, "uploadMode": "lfs" if (
                    f["path"].endswith((".parquet", ".arrow"))
                    or b"\0" in base64.b64decode(f["sample"])) else "regular"}
                for f in payload["files"]]})

        def lfs_batch(self, m: re.Match[str], q: Any, authed: bool, head: bool) -> None:
            payload = json.loads(self._body())
            if not authed:
                self._error(401, "You must be authenticated")
                return
            if self._repo(m["repo"], authed) is None:
                return
            if payload.get("operation") != "upload" or "basic" not in payload.get(
                    "transfers", ["basic"]):
                self._error(400, "the Hub stand-in only takes basic LFS uploads")
                return
            objects = []
            for obj in payload["objects"]:
                oid, size = obj["oid"], obj["size"]
                entry: dict[str, Any] = {"oid": oid, "size": size}
                if oid not in hub.lfs:  # else: already stored, nothing to upload
                    entry["actions"] = {
                        "upload": {"href": f"{hub.url}/lfs-store/{oid}"},
                        "verify": {"href": f"{hub.url}/lfs-verify/{oid}"}}
                objects.append(entry)
            self._json(200, {"transfer": "basic", "objects": objects})

        def lfs_put(self, m: re.Match[str], q: Any, authed: bool, head: bool) -> None:
            data = self._body()
            if hashlib.sha256(data).hexdigest() != m["oid"]:
                self._error(400, "the content does not match its sha256")
                return
            hub.lfs[m["oid"]] = data
            self._send(200)

        def lfs_verify(self, m: re.Match[str], q: Any, authed: bool, head: bool) -> None:
            payload = json.loads(self._body())
            stored = hub.lfs.get(m["oid"])
            if stored is None or len(stored) != payload.get("size"):
                self._error(404, "object not uploaded")
                return
            self._json(200, {"success": True})

        def commit(self, m: re.Match[str], q: Any, authed: bool, head: bool) -> None:
            lines = [json.loads(x) for x in self._body().splitlines() if x.strip()]
            if not authed:
                self._error(401, "You must be authenticated")
                return
            repo = self._repo(m["repo"], authed)
            if repo is None:
                return
            snap = self._snapshot(repo, m["rev"])
            if snap is None:
                return
            files = dict(snap[1])
            header = lines[0]["value"]
            parent = header.get("parentCommit")
            if parent and parent != repo.commits[-1][0]:
                self._error(412, "parent commit is not the head of the branch")
                return
            for item in lines[1:]:
                key, value = item["key"], item["value"]
                if key == "file":
                    assert value["encoding"] == "base64"
                    files[value["path"]] = base64.b64decode(value["content"])
                elif key == "lfsFile":
                    if value["oid"] not in hub.lfs:
                        self._error(422, f"LFS object of {value['path']} was never uploaded")
                        return
                    files[value["path"]] = hub.lfs[value["oid"]]
                elif key == "deletedFile":
                    files.pop(value["path"], None)
                elif key == "deletedFolder":
                    prefix = value["path"].rstrip("/") + "/"
                    files = {p: b for p, b in files.items() if not p.startswith(prefix)}
                else:
                    self._error(400, f"the Hub stand-in does not take {key!r} operations")
                    return
            sha = repo.commit(files, header.get("summary", ""))
            self._json(200, {"success": True, "commitOid": sha,
                             "commitUrl": f"{hub.url}/datasets/{repo.repo_id}/commit/{sha}"})

        def _entries(self, files: dict[str, bytes], paths: list[str], recursive: bool,
                     listing: bool) -> list[dict[str, Any]] | None:
            """Tree entries: the contents of folder ``paths[0]`` (``listing``) or the
            entries named by ``paths``; None if a listed folder does not exist."""
            folders = {"/".join(p.split("/")[:i]) for p in files
                       for i in range(1, p.count("/") + 1)}

            def file_entry(p: str) -> dict[str, Any]:
                return {"type": "file", "path": p, "size": len(files[p]), "oid": _sha1(files[p])}

            def folder_entry(p: str) -> dict[str, Any]:
                return {"type": "directory", "path": p, "size": 0,
                        "oid": _sha1(("tree:" + p).encode())}

            if not listing:
                return [file_entry(p) if p in files else folder_entry(p)
                        for p in paths if p in files or p in folders]
            base = paths[0].strip("/")
            if base and base not in folders:
                return None
            prefix = base + "/" if base else ""
            out = []
            for p in sorted(folders):
                if p.startswith(prefix) and (recursive or "/" not in p[len(prefix):]):
                    out.append(folder_entry(p))
            for p in sorted(files):
                if p.startswith(prefix) and (recursive or "/" not in p[len(prefix):]):
                    out.append(file_entry(p))
            return out

        def tree(self, m: re.Match[str], q: Any, authed: bool, head: bool) -> None:
            repo = self._repo(m["repo"], authed)
            if repo is None:
                return
            snap = self._snapshot(repo, m["rev"])
            if snap is None:
                return
            recursive = q.get("recursive", ["false"])[0].lower() in ("1", "true")
            entries = self._entries(snap[1], [unquote(m["path"] or "")], recursive, True)
            if entries is None:
                self._error(404, "folder not found", "EntryNotFound")
                return
            self._json(200, entries)

        def paths_info(self, m: re.Match[str], q: Any, authed: bool, head: bool) -> None:
            body = self._body().decode()
            ctype = self.headers.get("Content-Type", "")
            if "json" in ctype:
                paths = list(json.loads(body).get("paths", []))
            else:
                paths = parse_qs(body).get("paths", [])
            repo = self._repo(m["repo"], authed)
            if repo is None:
                return
            snap = self._snapshot(repo, m["rev"])
            if snap is None:
                return
            self._json(200, self._entries(snap[1], paths, False, False))

        def resolve(self, m: re.Match[str], q: Any, authed: bool, head: bool) -> None:
            repo = self._repo(m["repo"], authed, head=head)
            if repo is None:
                return
            snap = self._snapshot(repo, m["rev"], head=head)
            if snap is None:
                return
            sha, files = snap
            path = unquote(m["path"])
            if path not in files:
                self._error(404, "Entry not found", "EntryNotFound", head=head)
                return
            data = files[path]
            headers = {"X-Repo-Commit": sha, "ETag": f'"{_sha1(data)}"',
                       "Accept-Ranges": "bytes"}
            status = 200
            rng = self.headers.get("Range")
            if rng and not head:
                r = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
                if r:
                    start = int(r[1]) if r[1] else max(0, len(data) - int(r[2]))
                    end = int(r[2]) if r[1] and r[2] else len(data) - 1
                    end = min(end, len(data) - 1)
                    headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
                    data, status = data[start:end + 1], 206
            self._send(status, data, ctype="application/octet-stream", headers=headers,
                       head=head)

    ROUTES = [
        ("GET", r"/api/whoami-v2", Handler.whoami),
        ("POST", r"/api/validate-yaml", Handler.validate_yaml),
        ("POST", r"/api/repos/create", Handler.create_repo),
        ("GET", rf"/api/datasets/{_REPO}", Handler.info),
        ("GET", rf"/api/datasets/{_REPO}/revision/{_REV}", Handler.info),
        ("POST", rf"/api/datasets/{_REPO}/preupload/{_REV}", Handler.preupload),
        ("POST", rf"/api/datasets/{_REPO}/commit/{_REV}", Handler.commit),
        ("GET", rf"/api/datasets/{_REPO}/tree/{_REV}(?:/(?P<path>.*))?", Handler.tree),
        ("POST", rf"/api/datasets/{_REPO}/paths-info/{_REV}", Handler.paths_info),
        ("GET", rf"/datasets/{_REPO}/resolve/{_REV}/(?P<path>.+)", Handler.resolve),
        ("POST", r"/datasets/(?P<repo>[^/]+/[^/]+?)\.git/info/lfs/objects/batch",
         Handler.lfs_batch),
        ("PUT", r"/lfs-store/(?P<oid>[0-9a-f]{64})", Handler.lfs_put),
        ("POST", r"/lfs-verify/(?P<oid>[0-9a-f]{64})", Handler.lfs_verify),
    ]
    return Handler
