"""The public workflow functions, one per CLI command, with the CLI's defaults.

``labeling push`` is :func:`push`, ``labeling pull`` is :func:`pull`, and so on. Where a
command needs a stance schema, ``schema`` takes a path or a loaded
:class:`~labeling.schema.StanceSchema` and defaults to the schema shipped with the package;
where it needs a Label Studio, ``studio`` takes a :class:`~labeling.studio.client.Studio`
(from :func:`connect`) and defaults to what the CLI would use: ``LABEL_STUDIO_URL`` and
``LABEL_STUDIO_API_KEY``, else the embedded local server (started if needed). A studio
opened here is closed here; one you pass stays open.

Import these from :mod:`labeling` (``from labeling import push``), which loads this
module on first use only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from labeling.errors import ConfigError

if TYPE_CHECKING:
    from labeling.corpus.readers import BadHandler
    from labeling.schema import StanceSchema
    from labeling.segmenter import Quote
    from labeling.studio.client import Studio
    from labeling.workflows.adjudicate import AdjudicateResult
    from labeling.workflows.pull import PullResult
    from labeling.workflows.push import Progress, PushResult
    from labeling.workflows.status import Status

def segment(text: str, *, engine: str = "default") -> list[Quote]:
    """Cut one article's ``text`` into quote units (``engine``: ``default`` or ``parse``).

    >>> [(q.type, q.speaker) for q in segment('"We stay," Macron said.')]
    [('direct', 'Macron')]
    """
    from labeling.corpus.engines import segmenter

    return segmenter(engine)(text)


def segment_files(inputs: Iterable[str | os.PathLike[str]], out: str | os.PathLike[str], *,
                  num_proc: int = 1, engine: str = "default", encoding: str = "utf-8",
                  skip_bad: bool = False, on_bad: BadHandler | None = None) -> int:
    """``labeling segment``: write the units of every article of ``inputs`` to ``out``
    (JSON lines, one article with its ``quotes`` per line); returns the article count."""
    from labeling.corpus.batch import segment_files as run

    return run([str(i) for i in inputs], Path(out),
               num_proc=num_proc, engine=engine, encoding=encoding, skip_bad=skip_bad,
               on_bad=on_bad)


def _schema(schema: StanceSchema | str | os.PathLike[str] | None) -> StanceSchema:
    from labeling.schema import StanceSchema, load_schema

    if schema is None:
        return load_schema()
    if isinstance(schema, str | os.PathLike):
        return load_schema(Path(schema))
    if isinstance(schema, StanceSchema):
        return schema
    raise ConfigError(f"schema: expected a path or a StanceSchema, not {type(schema).__name__}")


def _schema_file(schema: StanceSchema | str | os.PathLike[str] | None) -> Path | None:
    """The file to copy into an export as ``stance.yaml`` (none for a schema object)."""
    from labeling.schema import DEFAULT_SCHEMA

    if schema is None:
        return DEFAULT_SCHEMA
    return Path(schema) if isinstance(schema, str | os.PathLike) else None


@contextmanager
def _studio(studio: Studio | None, state_dir: str | os.PathLike[str] | None,
            start: bool = True) -> Iterator[Studio]:
    if studio is not None:
        with nullcontext(studio) as given:
            yield given
        return
    from labeling.studio.client import connect as run

    with run(None, None, state_dir, start=start) as opened:
        yield opened


def connect(url: str | None = None, api_key: str | None = None,
            state_dir: str | os.PathLike[str] | None = None, *, start: bool = True) -> Studio:
    """A client for a Label Studio: ``url``/``api_key`` (else ``LABEL_STUDIO_URL`` and
    ``LABEL_STUDIO_API_KEY``), else the embedded local server in the state folder, started
    if needed (``start``). Use it as a context manager to close it."""
    from labeling.studio.client import connect as run

    return run(url, api_key, state_dir, start=start)


def push(inputs: Iterable[str | os.PathLike[str]], project: str, *,
         schema: StanceSchema | str | os.PathLike[str] | None = None,
         studio: Studio | None = None, engine: str = "default", batch_size: int = 500,
         update_config: bool = False, encoding: str = "utf-8", skip_bad: bool = False,
         on_bad: BadHandler | None = None, progress: Progress | None = None,
         state_dir: str | os.PathLike[str] | None = None) -> PushResult:
    """``labeling push``: import the quote units of ``inputs`` into ``project`` (created if
    absent), never twice. ``inputs`` are article files or folders, ``hf:`` specs, or
    ``labeling segment`` output (pushed without segmenting again)."""
    from labeling.workflows.push import push as run

    paths = [str(i) for i in inputs]
    sch = _schema(schema)
    with _studio(studio, state_dir) as st:
        return run(paths, project=project, schema=sch, studio=st, engine=engine,
                   batch_size=batch_size, update_config=update_config, encoding=encoding,
                   skip_bad=skip_bad, on_bad=on_bad, progress=progress,
                   state_dir=Path(state_dir) if state_dir is not None else None)


def pull(project: str, out: str | os.PathLike[str], *,
         schema: StanceSchema | str | os.PathLike[str] | None = None,
         studio: Studio | None = None, full: bool = False, strict_spans: bool = False,
         with_text: bool = True, parquet: bool = False,
         state_dir: str | os.PathLike[str] | None = None) -> PullResult:
    """``labeling pull``: fetch the annotations of ``project`` and write the dataset folder
    ``out`` (a ``datasets.DatasetDict`` with its card and statistics), atomically."""
    from labeling.workflows.pull import pull as run

    sch = _schema(schema)
    with _studio(studio, state_dir) as st:
        return run(project=project, schema=sch, studio=st, out=Path(out),
                   config_path=_schema_file(schema), full=full, strict_spans=strict_spans,
                   with_text=with_text, parquet=parquet,
                   state_dir=Path(state_dir) if state_dir is not None else None)


def status(project: str, *, schema: StanceSchema | str | os.PathLike[str] | None = None,
           studio: Studio | None = None, state_dir: str | os.PathLike[str] | None = None
           ) -> Status:
    """``labeling status``: progress per target and annotator, alpha so far, work left.

    Without ``studio``, the local server must already be running (it is not started)."""
    from labeling.workflows.status import status as run

    sch = _schema(schema)
    with _studio(studio, state_dir, start=False) as st:
        return run(project=project, schema=sch, studio=st,
                   state_dir=Path(state_dir) if state_dir is not None else None)


def adjudicate(project: str, *, schema: StanceSchema | str | os.PathLike[str] | None = None,
               studio: Studio | None = None, state_dir: str | os.PathLike[str] | None = None
               ) -> AdjudicateResult:
    """``labeling adjudicate``: put the disputed items of ``project`` into its adjudication
    project ("TITLE · adjudication")."""
    from labeling.workflows.adjudicate import adjudicate as run

    sch = _schema(schema)
    with _studio(studio, state_dir) as st:
        return run(project=project, schema=sch, studio=st)


def hydrate(export_dir: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]],
            out: str | os.PathLike[str], *, encoding: str = "utf-8") -> int:
    """``labeling hydrate``: restore the text of a ``with_text=False`` export from your own
    copies of the articles; returns the number of rows."""
    from labeling.dataset.hydrate import hydrate as run

    return run(Path(export_dir), [str(i) for i in inputs], Path(out), encoding=encoding)


def publish(export_dir: str | os.PathLike[str], repo: str, *, private: bool = True) -> str:
    """``labeling publish``: push an export to the Hugging Face Hub (token: ``HF_TOKEN``);
    returns the dataset's URL."""
    from labeling.dataset.publish import publish as run

    return run(Path(export_dir), repo, private=private)


def write_report(export_dir: str | os.PathLike[str], out: str | os.PathLike[str] | None = None
                 ) -> Path:
    """``labeling report``: one offline HTML page of an export (default
    ``EXPORT_DIR/report.html``); returns its path."""
    from labeling.report.page import write_report as run

    target = Path(out) if out is not None else Path(export_dir) / "report.html"
    return Path(run(Path(export_dir), target))
