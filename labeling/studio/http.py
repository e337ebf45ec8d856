"""The one place that builds HTTP clients for Label Studio.

Every connection this package opens to a Label Studio server comes from here: the API
client under :class:`~labeling.studio.client.Studio` (handed to label-studio-sdk as its
``httpx_client``), the sign-up form of :mod:`labeling.studio.accounts` and the health
check of :mod:`labeling.studio.server`. One place therefore decides the time-outs (a short
connect time-out, so that a dead server is reported in seconds; a long read time-out,
because imports and snapshot exports of 50,000 tasks take minutes) and keeps secrets out
of what is printed.

Secrets never go into a URL here (the token travels in a header), so an httpx error,
whose message names the URL, cannot carry them; :func:`redact` is the last guard for
text that quotes a server's answer.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

CONNECT_TIMEOUT = 10.0  # seconds to open a connection: a dead server fails fast
READ_TIMEOUT = 300.0  # seconds for an answer: a large import or export is slow
HEALTH_TIMEOUT = 3.0  # a health probe of the local server


def client(
    base_url: str = "",
    *,
    timeout: float = READ_TIMEOUT,
    headers: dict[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    follow_redirects: bool = False,
) -> httpx.Client:
    """An httpx client for ``base_url`` with this package's time-outs.

    ``transport`` replaces the network (tests pass an ``httpx.MockTransport``). Redirects
    are not followed unless asked: the API answers directly, and the sign-up form's
    success *is* a redirect.
    """
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        headers=headers,
        timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
        transport=transport,
        follow_redirects=follow_redirects,
    )


def status(url: str, token: str | None = None, *, timeout: float = HEALTH_TIMEOUT) -> int | None:
    """The HTTP status of ``GET url`` (with the API token if given), None if nothing answers."""
    headers = {"Authorization": f"Token {token}"} if token else None
    try:
        with client(timeout=timeout, headers=headers) as http:
            return http.get(url).status_code
    except httpx.HTTPError:
        return None


# Headers that carry credentials, in requests or answers (a token-authenticated request
# can be answered with a session cookie: a login of its own).
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-api-key",
                            "proxy-authorization", "x-csrftoken"})


def redact_headers(headers: Mapping[str, str] | None) -> dict[str, str] | None:
    """``headers`` with the value of every credential-carrying header replaced by ``***``."""
    if headers is None:
        return None
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every non-empty secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
