"""One exception tree for the whole package.

    LabelingError                 anything the user can act on
    ├── ConfigError               the stance schema (configs/*.yaml) is wrong
    ├── InputError                an input file or record cannot be read
    ├── OutputError               an output path cannot be written or is not ours to replace
    └── ServerError               Label Studio answered badly or not at all
        ├── ServerUnreachable     nothing answers at the URL
        ├── AuthError             the token was refused (401/403)
        └── NotFound              the project (or task) does not exist

The CLI turns every ``LabelingError`` into one ``Error: ...`` line and exit 1.
Messages name the file, line or field and say what to do next.
"""

from __future__ import annotations


class LabelingError(Exception):
    """Base class: an error the user can understand and act on."""


class ConfigError(LabelingError):
    """The stance schema or another configuration is invalid."""


class InputError(LabelingError):
    """An input file or record cannot be read (names the file and line)."""


class ServerError(LabelingError):
    """Label Studio failed; keeps the HTTP status and the server's message."""

    def __init__(self, message: str, status: int | None = None, detail: str | None = None):
        super().__init__(message)
        self.status = status
        self.detail = detail


class ServerUnreachable(ServerError):
    """Nothing answers at the server URL."""


class ServerNoAnswer(ServerError):
    """The server took the request but gave no answer (connection reset, time-out)."""


class AuthError(ServerError):
    """The API token was refused."""


class NotFound(ServerError):
    """A project or task that was asked for does not exist."""


class OutputError(LabelingError):
    """An output path cannot be written, or holds something the tool must not replace."""
