"""The Label Studio client on label-studio-sdk: error mapping and retries on a real server.

The server's own answers (404, 401, 400 on a bad labelling config) must reach the user as
our exception tree, with the status and the server's message, chained to the SDK's
``ApiError``; transient failures (5xx, dropped connections) come from the fault proxy in
front of the real server: reads and idempotent writes are retried, creates are not.
"""

from __future__ import annotations

import logging
import socket
import uuid

import httpx
import pytest
from label_studio_sdk.core.api_error import ApiError

from labeling.errors import AuthError, NotFound, ServerError, ServerUnreachable
from labeling.studio.client import Connection, Studio

from .faultproxy import FaultProxy
from .helpers import RunningStudio

pytestmark = pytest.mark.server

BAD_CONFIG = '<View><Text name="t" value="$text"/><Choices name="c" toName="t"/></View>'
GOOD_CONFIG = ('<View><Text name="t" value="$text"/>'
               '<Choices name="c" toName="t"><Choice value="A"/></Choices></View>')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_missing_project_is_not_found(studio: Studio) -> None:
    with pytest.raises(NotFound) as err:
        studio.get_project(987654321)
    assert err.value.status == 404
    assert "No Project matches" in (err.value.detail or "")  # the server's own words
    assert isinstance(err.value.__cause__, ApiError)
    # The server answers a token with a session cookie: a credential, kept out of the trace.
    assert "sessionid=" not in str(err.value.__cause__)


def test_wrong_token_is_an_auth_error_that_never_shows_the_token(
        studio_server: RunningStudio, caplog: pytest.LogCaptureFixture) -> None:
    wrong = f"wrong-{uuid.uuid4().hex}"
    caplog.set_level(logging.DEBUG)  # httpx and the SDK log every request at this level
    with Studio(Connection(studio_server.url, wrong), retries=0) as st, \
            pytest.raises(AuthError) as err:
        st.whoami()
    assert err.value.status == 401
    assert "refused the API token" in str(err.value)
    assert isinstance(err.value.__cause__, ApiError)
    for text in (str(err.value), repr(err.value), str(err.value.__cause__),
                 repr(err.value.__cause__), err.value.detail or "", repr(st), repr(st.conn),
                 caplog.text):
        assert wrong not in text
        assert studio_server.token not in text


def test_bad_label_config_is_a_server_error_with_the_servers_message(
        studio: Studio, project_title: str) -> None:
    with pytest.raises(ServerError) as err:
        studio.create_project(title=project_title, label_config=BAD_CONFIG)
    assert type(err.value) is ServerError  # not NotFound, not AuthError
    assert err.value.status == 400
    assert "'Choice' is a required property" in (err.value.detail or "")
    assert "HTTP 400" in str(err.value) and "'Choice' is a required property" in str(err.value)
    assert isinstance(err.value.__cause__, ApiError)
    assert studio.find_project(project_title) is None


def test_dead_server_is_unreachable() -> None:
    port = free_port()
    with Studio(Connection(f"http://127.0.0.1:{port}", "tok"), retries=0) as st, \
            pytest.raises(ServerUnreachable) as err:
        st.whoami()
    assert f"cannot reach Label Studio at http://127.0.0.1:{port}" in str(err.value)
    assert isinstance(err.value.__cause__, httpx.ConnectError)


def test_transient_failures_of_reads_are_retried(studio_server: RunningStudio,
                                                 project_title: str) -> None:
    with studio_server.client() as st:
        pid = int(st.create_project(title=project_title, label_config=GOOD_CONFIG)["id"])
    with FaultProxy(studio_server.url) as proxy, \
            Studio(Connection(proxy.url, studio_server.token), retries=2, backoff=0.05) as st:
        # A 503 (the SDK's retry) and a dropped connection (ours) on typed calls.
        r503 = proxy.add("status", "GET", "/api/projects/?", status=503, times=2)
        assert (st.find_project(project_title, fields=("task_number",)) or {}).get("id") == pid
        assert r503.fired == 2
        rst = proxy.add("reset", "GET", f"/api/projects/{pid}/", times=2)
        assert int(st.get_project(pid)["id"]) == pid
        assert rst.fired == 2
        # A raw call (the task listing) goes through the same retries.
        r502 = proxy.add("status", "GET", "/api/tasks?", status=502, times=1)
        assert list(st.iter_tasks(pid)) == []
        assert r502.fired == 1
        # Bounded: one more failure than the retries allow is an error with the status.
        proxy.add("status", "PATCH", f"/api/projects/{pid}/", status=503, times=None)
        with pytest.raises(ServerError) as err:
            st.update_project(pid, description="x")
        assert err.value.status == 503 and proxy.count("PATCH", "/api/projects/") == 3


def test_creates_are_not_retried(studio_server: RunningStudio, project_title: str) -> None:
    with FaultProxy(studio_server.url) as proxy, \
            Studio(Connection(proxy.url, studio_server.token), retries=3, backoff=0.05) as st:
        rule = proxy.add("reset_after", "POST", "/api/projects/", times=1)  # created, unanswered
        with pytest.raises(ServerError):
            st.create_project(title=project_title, label_config=GOOD_CONFIG)
        assert rule.fired == 1 and proxy.count("POST", "/api/projects/") == 1
        assert len(st.projects_titled(project_title)) == 1  # made once, never twice


def test_a_mock_transport_reaches_the_sdk_calls() -> None:
    """Our httpx client is the SDK's: a transport passed in carries its typed calls."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500, text="<html>Server Error (500)</html>")

    with Studio(Connection("http://studio.test", "tok-123"), retries=0,
                transport=httpx.MockTransport(answer)) as st, \
            pytest.raises(ServerError) as err:
        st.users()
    assert [r.url.path for r in seen] == ["/api/users/"]
    assert seen[0].headers["Authorization"] == "Token tok-123"
    assert err.value.status == 500 and "Server Error (500)" in (err.value.detail or "")
