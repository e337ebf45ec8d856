"""A small fault-injecting HTTP proxy for tests, on loopback, in front of a real server.

A real Label Studio cannot be made to fail on demand, so the fault tests talk to it
through this proxy, which forwards every request unchanged except those matched by a
rule, for which it can

- ``status``: answer with an HTTP error (e.g. 503) without forwarding;
- ``reset``: drop the connection (TCP RST) before forwarding;
- ``reset_after``: forward, let the server do the work, then drop the connection
  instead of answering (the client cannot know whether the request took effect);
- ``delay_after``: forward, then hold the answer for ``seconds`` (a client time-out);
- ``hook``: call a function (e.g. to kill the server) and forward.

Rules match a method and a path prefix, skip the first ``after`` matching requests
(counted over all requests, whichever rule acted on them) and fire ``times`` times
(``None``: always); the first rule due acts. Every request is logged as
``(method, path)``. Traffic only ever goes to the one upstream address, on loopback.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
        "content-length", "te", "trailer"}


@dataclass
class Rule:
    action: str  # status | reset | reset_after | delay_after | hook
    method: str = "*"
    path: str = ""
    status: int = 503
    seconds: float = 0.0
    after: int = 0
    times: int | None = 1
    hook: Callable[[str, str], None] | None = None
    seen: int = 0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        """``path`` is a prefix of the request's path; ``*`` in it stands for any text."""
        pattern = ".*".join(re.escape(part) for part in self.path.split("*"))
        return (self.method in ("*", method)) and re.match(pattern, path) is not None


class FaultProxy:
    """``with FaultProxy("http://127.0.0.1:PORT") as p: ... p.url ...``"""

    def __init__(self, upstream: str):
        parts = urlsplit(upstream)
        assert parts.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
        self.upstream = (str(parts.hostname), parts.port or 80)
        self.rules: list[Rule] = []
        self.log: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _handle(self) -> None:
                proxy._serve(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- set-up ------------------------------------------------------------------
    def add(self, action: str, method: str = "*", path: str = "", **kw: object) -> Rule:
        rule = Rule(action, method, path, **kw)  # type: ignore[arg-type]
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def count(self, method: str, path: str) -> int:
        with self._lock:
            return sum(1 for m, p in self.log if m == method and p.startswith(path))

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- serving -----------------------------------------------------------------
    def _pick(self, method: str, path: str) -> Rule | None:
        """The first rule due for this request; every matching rule counts it as seen."""
        with self._lock:
            self.log.append((method, path))
            chosen = None
            for rule in self.rules:
                if not rule.matches(method, path):
                    continue
                rule.seen += 1
                if chosen is not None or rule.seen <= rule.after:
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                rule.fired += 1
                chosen = rule
            return chosen

    @staticmethod
    def _reset(h: BaseHTTPRequestHandler) -> None:
        """Close with an RST (SO_LINGER 0), as a crashed peer would."""
        with contextlib.suppress(OSError):
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True
        with contextlib.suppress(OSError):
            h.connection.close()

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        rule = self._pick(h.command, h.path)
        action = rule.action if rule else None
        if rule and action == "hook" and rule.hook:
            rule.hook(h.command, h.path)
        if action == "status":
            payload = b'{"detail": "injected fault"}'
            h.send_response(rule.status if rule else 503)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
            return
        if action == "reset":
            self._reset(h)
            return
        headers = {k: v for k, v in h.headers.items() if k.lower() not in _HOP}
        conn = http.client.HTTPConnection(*self.upstream, timeout=600)
        try:
            conn.request(h.command, h.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self._reset(h)  # the server died: the client sees a dropped connection
            return
        finally:
            conn.close()
        if action == "reset_after":
            self._reset(h)
            return
        if action == "delay_after" and rule:
            time.sleep(rule.seconds)
        h.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in _HOP:
                h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        with contextlib.suppress(OSError):
            h.wfile.write(data)
