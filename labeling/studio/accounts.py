"""Annotator accounts that can log in to Label Studio's web UI.

Accounts are made through the server's own sign-up form (``/user/signup/``), exactly as a
person would, so they get a usable password and join the server's organization; sign-up
goes through the organization's invite link, whose token is fetched with an admin's API
token (``/api/invite``) or given (Organization > Invite people: the ``token=`` part of the
link). The embedded server refuses sign-up without it.

Passwords are generated when not given and kept, one file per annotator, in the state
folder (mode 0600); they are never logged. ``labeling studio login --annotator EMAIL``
shows one on the terminal that asks for it.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx

import labeling.redact as redact
from labeling.errors import LabelingError, ServerError, ServerUnreachable
from labeling.files import write_private
from labeling.state import state_home
from labeling.studio import http

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Annotator:
    email: str
    password: str
    created: bool


def _store(state_dir: str | Path | None) -> Path:
    return state_home(state_dir) / "studio" / "annotators"


def stored_password(email: str, state_dir: str | Path | None = None) -> str | None:
    path = _store(state_dir) / f"{email.lower()}.json"
    if not path.exists():
        return None
    return str(json.loads(path.read_text(encoding="utf-8"))["password"])


def signup(url: str, email: str, password: str, invite_token: str | None = None) -> None:
    """Create the account through the sign-up form; raises if the server refuses it."""
    base = url.rstrip("/")
    path = "/user/signup/" + (f"?token={invite_token}" if invite_token else "")
    # The form keeps its CSRF cookie in this client between the GET and the POST.
    with http.client(base, timeout=60) as form:
        try:
            page = form.get(path)
            m = _CSRF.search(page.text)
            if page.status_code != 200 or not m:
                raise ServerError(f"{base} shows no sign-up form (HTTP {page.status_code}): "
                                  "pass --invite-token from the organization's invite link")
            resp = form.post(path, data={"csrfmiddlewaretoken": m.group(1), "email": email,
                                         "password": password, "allow_newsletters": "false"},
                             headers={"Referer": base + path})
        except httpx.TransportError as exc:
            # The message names the server, never the invite token of the URL.
            raise ServerUnreachable(f"cannot reach Label Studio at {base}") from exc
    if resp.status_code == 403:
        # An invite-only server (the embedded one, or signup without link disabled) answers
        # a sign-up without a valid invite token with its bare "not permitted" page.
        why = ("the invite token was refused (the invite link may have been reset: copy "
               "the current one from Organization > Invite people)" if invite_token else
               "this server admits new accounts only through the organisation's invite "
               "link: pass --invite-token (Organization > Invite people) or --api-key (an "
               "admin's API token, to fetch it)")
        raise ServerError(f"Label Studio refused to create {email} (HTTP 403): {why}")
    if resp.status_code != 302:
        errors = [e.strip() for e in
                  re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]{3,200})<', resp.text)]
        why = "; ".join(e for e in errors if e) or f"HTTP {resp.status_code}"
        raise ServerError(f"Label Studio refused to create {email}: {why}")


def invite_token_of(url: str, api_key: str) -> str:
    """The token of the organisation's invite link (``GET /api/invite`` with an admin's
    API token): sign-up without it is refused on the embedded server."""
    base = url.rstrip("/")
    try:
        resp = httpx.get(base + "/api/invite", headers={"Authorization": f"Token {api_key}"},
                         timeout=60)
    except httpx.TransportError as exc:
        raise ServerUnreachable(f"cannot reach Label Studio at {base}") from exc
    try:
        token = resp.json()["token"] if resp.status_code == 200 else None
    except (ValueError, KeyError, TypeError):
        token = None
    if not token:
        raise ServerError(f"{base} gave no invite link (HTTP {resp.status_code}): check the "
                          "API token, or pass --invite-token from Organization > Invite people")
    redact.secret(str(token))
    return str(token)


def add_annotator(
    url: str, email: str, *, password: str | None = None, invite_token: str | None = None,
    api_key: str | None = None, state_dir: str | Path | None = None,
) -> Annotator:
    """Create a login for ``email`` (idempotent: an account made before is reused).

    Sign-up goes through the organisation's invite link: ``invite_token``, or fetched
    with ``api_key`` (an admin's API token) when not given.
    """
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise LabelingError(f"{email!r} is not an e-mail address")
    known = stored_password(email, state_dir)
    if known is not None and password in (None, known):
        return Annotator(email, known, created=False)
    password = password or secrets.token_urlsafe(12)
    redact.secret(password)
    if invite_token is None and api_key:
        invite_token = invite_token_of(url, api_key)
    signup(url, email, password, invite_token)
    write_private(_store(state_dir) / f"{email.lower()}.json",
                  {"email": email, "password": password})
    return Annotator(email, password, created=True)
