"""Secrets out of every log line: cookies, tokens, passwords and CSRF values.

The CLI installs :class:`RedactFilter` on the root logger's handlers, so every record
that reaches the terminal (httpx, httpcore and urllib3 debug output included: their
request and response headers are in the record's arguments) is formatted first and then
scrubbed. Values the tool knows to be secret (the admin token and password, annotator
passwords, invite tokens) are registered with :func:`secret` and replaced wherever they
appear, whatever the surrounding text.
"""

from __future__ import annotations

import logging
import re
import threading

__all__ = ["MASK", "RedactFilter", "install", "redact", "secret"]

MASK = "***"
_known: set[str] = set()
_lock = threading.Lock()

# A header whose whole value is secret, as text ("Cookie: a=b") or as httpcore's byte
# tuples ((b'Set-Cookie', b'sessionid=...; Path=/')).
_HEADER = re.compile(
    r"""(?ix)
    (?P<name>(?:set-)?cookie|authorization|proxy-authorization|x-csrftoken|x-api-key)
    (?P<sep>\s*[:=]\s*|['"]\s*,\s*b?['"])
    (?P<value>[^'"\r\n]+)""")
# name=value or "name": "value" pairs whose value is secret (query strings, forms, JSON).
_PAIR = re.compile(
    r"""(?ix)
    (?P<name>[\w-]*(?:sessionid|csrftoken|csrfmiddlewaretoken|csrf|password|passwd|token|
        api[_-]?key|secret|access[_-]?key)[\w-]*)
    (?P<sep>['"]?\s*[=:]\s*b?['"]?)
    (?P<value>[^\s&'";,)]+)""")
_SCHEME = re.compile(r"(?i)\b(Token|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}")


def secret(*values: str | None) -> None:
    """Register values that must never appear in a log line (at least 6 characters)."""
    with _lock:
        _known.update(v for v in values if v and len(v) >= 6)


def redact(text: str) -> str:
    """``text`` with every secret it holds replaced by ``***``."""
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    text = _HEADER.sub(lambda m: f"{m['name']}{m['sep']}{MASK}", text)
    text = _SCHEME.sub(lambda m: f"{m[1]} {MASK}", text)
    return _PAIR.sub(lambda m: f"{m['name']}{m['sep']}{MASK}", text)


class RedactFilter(logging.Filter):
    """Formats each record's message with its arguments, then removes secrets from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its message: keep as is
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put one :class:`RedactFilter` on every handler of ``logger`` (default: the root)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactFilter) for f in handler.filters):
            handler.addFilter(RedactFilter())
