"""The log filter: what it removes from a line, and what it leaves readable."""

from __future__ import annotations

import logging

import pytest

from labeling.redact import RedactFilter, redact, secret

LEAKY = [
    ("(b'Set-Cookie', b'sessionid=eyJ1aWQi.abc:1x; expires=Sat; HttpOnly; Path=/')",
     "eyJ1aWQi"),
    ("[(b'Cookie', b'csrftoken=Zq9xLmN0pQrS; sessionid=abcDEF123')]", "Zq9xLmN0pQrS"),
    ("Authorization: Token 0123456789abcdef0123", "0123456789abcdef0123"),
    ("headers={'authorization': 'Bearer eyJhbGciOiJIUzI1NiJ9.payload'}", "eyJhbGciOiJI"),
    ('POST http://127.0.0.1:8089/user/signup/?token=8f3a9c1d2e&next=/ "HTTP/1.1 302"',
     "8f3a9c1d2e"),
    ("data={'csrfmiddlewaretoken': 'Hj8kLm9nOp', 'password': 'hunter2hunter2'}", "hunter2"),
    ('{"api_key": "sk-live-abcdef123456", "email": "a@b.org"}', "sk-live-abcdef"),
    ("X-CSRFToken: Qw3rTy8uIoP", "Qw3rTy8uIoP"),
]


@pytest.mark.parametrize(("line", "value"), LEAKY)
def test_secret_values_are_removed(line: str, value: str) -> None:
    out = redact(line)
    assert value not in out
    assert "***" in out


def test_ordinary_lines_stay_readable() -> None:
    for line in ('HTTP Request: GET http://127.0.0.1:8089/api/projects?page_size=100 '
                 '"HTTP/1.1 200 OK"', "(b'Vary', b'Cookie, Origin')",
                 "pulled 13 tasks, 20 annotations"):
        assert redact(line) == line


def test_a_registered_secret_is_removed_in_any_form() -> None:
    secret("correct-horse-battery")
    assert redact("saw correct-horse-battery in a body") == "saw *** in a body"


def test_the_filter_formats_arguments_before_scrubbing() -> None:
    rec = logging.LogRecord("httpcore.http11", logging.DEBUG, __file__, 1,
                            "receive_response_headers.complete return_value=%r",
                            ((b"HTTP/1.1", 302, [(b"Set-Cookie", b"sessionid=SeCrEt42xyz")]),),
                            None)
    assert RedactFilter().filter(rec)
    assert "SeCrEt42xyz" not in rec.getMessage() and "Set-Cookie" in rec.getMessage()
