"""stance-labeling: segment news into quote units, label stances in Label Studio,
export typed Hugging Face datasets.

The public API: one function per CLI command, with the CLI's defaults (the shipped
stance schema; the server from ``LABEL_STUDIO_URL``/``LABEL_STUDIO_API_KEY``, else the
embedded local one)::

    import labeling

    units = labeling.segment('"We will not send troops," Macron said.')
    labeling.segment_files(["seeds/"], "units.jsonl")
    pushed = labeling.push(["units.jsonl"], "Western troops for Ukraine")
    pulled = labeling.pull("Western troops for Ukraine", "exports/troops")

See ``docs/python-api.md``. Importing :mod:`labeling` is cheap: each name loads its
module on first use (Label Studio's client, ``datasets`` and the segmenter load only
when needed).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from labeling.version import __version__

if TYPE_CHECKING:  # what mypy and editors see; at run time, __getattr__ below loads lazily
    from labeling.api import (
        adjudicate,
        connect,
        hydrate,
        publish,
        pull,
        push,
        segment,
        segment_files,
        status,
        write_report,
    )
    from labeling.corpus.readers import Article, read_articles
    from labeling.corpus.units import Unit
    from labeling.errors import (
        AuthError,
        ConfigError,
        InputError,
        LabelingError,
        NotFound,
        ServerError,
        ServerUnreachable,
    )
    from labeling.schema import DEFAULT_SCHEMA, StanceSchema, load_schema
    from labeling.segmenter import Quote
    from labeling.studio.client import Studio
    from labeling.workflows.adjudicate import AdjudicateResult
    from labeling.workflows.pull import PullResult
    from labeling.workflows.push import PushResult
    from labeling.workflows.status import AnnotatorProgress, Status, TargetProgress

# name -> the module that defines it
_LAZY = {
    **dict.fromkeys(("segment", "segment_files", "connect", "push", "pull", "status",
                     "adjudicate", "hydrate", "publish", "write_report"), "labeling.api"),
    "read_articles": "labeling.corpus.readers",
    "Article": "labeling.corpus.readers",
    "Unit": "labeling.corpus.units",
    "Quote": "labeling.segmenter",
    "load_schema": "labeling.schema",
    "StanceSchema": "labeling.schema",
    "DEFAULT_SCHEMA": "labeling.schema",
    "Studio": "labeling.studio.client",
    "PushResult": "labeling.workflows.push",
    "PullResult": "labeling.workflows.pull",
    "Status": "labeling.workflows.status",
    "TargetProgress": "labeling.workflows.status",
    "AnnotatorProgress": "labeling.workflows.status",
    "AdjudicateResult": "labeling.workflows.adjudicate",
    **dict.fromkeys(("LabelingError", "ConfigError", "InputError", "ServerError",
                     "ServerUnreachable", "AuthError", "NotFound"), "labeling.errors"),
}

__all__ = [
    "__version__",
    # the workflows, one per command
    "segment", "segment_files", "read_articles", "load_schema", "connect", "push", "pull",
    "status", "adjudicate", "hydrate", "publish", "write_report",
    # the types they take and return
    "Article", "Quote", "Unit", "StanceSchema", "DEFAULT_SCHEMA", "Studio", "PushResult",
    "PullResult", "Status", "TargetProgress", "AnnotatorProgress", "AdjudicateResult",
    # the exception tree
    "LabelingError", "ConfigError", "InputError", "ServerError", "ServerUnreachable",
    "AuthError", "NotFound",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'labeling' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
