"""The ``labeling`` command: a thin layer over the library.

Each command parses options, calls one library function of the same name, and
prints the result; progress goes to stderr, data to stdout or files. Errors the
user can act on end as one ``Error: ...`` line and exit 1 (set LABELING_DEBUG=1
for the traceback).
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from labeling.errors import InputError, LabelingError

F = TypeVar("F", bound=Callable[..., Any])
CONFIG_HELP = "Stance schema YAML (default: the one shipped with the package, a copy of " \
              "configs/stance.yaml)."
ENGINE_HELP = "parse: the rule engine plus a spaCy dependency parse (optional extra 'parse' " \
              "and an English model; slower)."


def _config_option(help: str = CONFIG_HELP) -> Callable[[F], F]:
    return click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False),
                        help=help)


def _schema_path(config_path: str | None) -> Path:
    """The schema file a command uses: ``--config``, else the shipped default."""
    from labeling.schema import DEFAULT_SCHEMA

    return Path(config_path) if config_path else DEFAULT_SCHEMA


def _errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except LabelingError as exc:
            if os.environ.get("LABELING_DEBUG"):
                raise
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt:
            click.echo("Interrupted: nothing half-written was kept; run the command again.",
                       err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def _bad_reporter(quiet: bool) -> Callable[[InputError], None]:
    def report(err: InputError) -> None:
        click.echo(f"skipped: {err}", err=True)

    return report


def _project_title(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A project title: not empty, not only spaces (it names the project on the server)."""
    if not value.strip():
        raise click.BadParameter("the project title is empty: give the project's title, "
                                 'e.g. --project "Western troops for Ukraine"')
    return value


def _encoding(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A text encoding Python knows, checked before any work (or connection) starts."""
    import codecs

    try:
        codecs.lookup(value)
    except LookupError:
        raise click.BadParameter(f"unknown encoding {value!r}: use a Python codec name such "
                                 "as utf-8, latin-1 or cp1252") from None
    return value


def _connection_options(fn: F) -> F:
    fn = click.option("--state-dir", type=click.Path(file_okay=False), default=None,
                      help="State folder of the embedded server (default ./.labeling or "
                           "$LABELING_HOME).")(fn)
    fn = click.option("--api-key", envvar="LABEL_STUDIO_API_KEY", default=None,
                      help="API token (or LABEL_STUDIO_API_KEY). Never printed.")(fn)
    fn = click.option("--url", envvar="LABEL_STUDIO_URL", default=None,
                      help="Label Studio URL (or LABEL_STUDIO_URL); default: the embedded "
                           "local server, started if needed.")(fn)
    return fn


@click.group()
@click.version_option(package_name="stance-labeling")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """Segment news into quote units, label stances in Label Studio, export datasets.

    \b
    labeling segment seeds/ -o units.jsonl
    labeling push seeds/ --project "Western troops for Ukraine"
    labeling pull --project "Western troops for Ukraine" -o exports/troops
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if verbose < 2:
        logging.getLogger("httpx").setLevel(logging.WARNING)
    # Every line that reaches the terminal is scrubbed of cookies, tokens, passwords and
    # CSRF values first (httpx/httpcore debug output prints headers), at every verbosity.
    from labeling.redact import install as install_redaction

    install_redaction()


# ----------------------------------------------------------------------------- segment
@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="JSONL file to write: one line per article (its text and metadata) with "
                   "its quote units; `labeling push` takes it as it is.")
@click.option("--num-proc", default=1, show_default=True, type=click.IntRange(1, 256),
              help="Worker processes.")
@click.option("--encoding", default="utf-8", show_default=True, callback=_encoding,
              help="Encoding of text inputs.")
@click.option("--skip-bad", is_flag=True, help="Report and skip bad records instead of stopping.")
@click.option("--engine", type=click.Choice(["default", "parse"]), default="default",
              show_default=True,
              help=ENGINE_HELP)
@click.option("--model", "model_dir", default=None, type=click.Path(file_okay=False),
              help="A model folder from `labeling segmenter train`: rules plus the model.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_errors
def segment(inputs: tuple[str, ...], output: str, num_proc: int, encoding: str,
            skip_bad: bool, engine: str, model_dir: str | None, quiet: bool) -> None:
    """Cut articles into quote units and write them as JSON lines.

    INPUTS are .txt files, folders of them, .jsonl/.csv/.parquet files with a `text`
    column (and optional id/doc_id, title, url, source, published), or hf:NAME[:split].

    \b
    labeling segment seeds/ -o units.jsonl
    """
    from tqdm import tqdm

    from labeling.corpus.batch import segment_files

    if model_dir and engine != "default":
        raise click.UsageError("--model works with the default engine only")
    from labeling.learn.use import using_model

    with using_model(model_dir) as learned, \
            tqdm(unit=" articles", disable=quiet, file=sys.stderr) as bar:
        n = segment_files(inputs, output, num_proc=num_proc, encoding=encoding,
                          skip_bad=skip_bad, on_bad=_bad_reporter(quiet),
                          progress=lambda i: bar.update(1), engine=learned or engine)
    click.echo(f"segmented {n} articles into {output}")


# ----------------------------------------------------------------------------- push
@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--project", "-p", required=True, callback=_project_title,
              help="Project title (created if absent).")
@_config_option()
@_connection_options
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100000))
@click.option("--update-config", is_flag=True,
              help="Replace the labelling config of an existing project with this schema's.")
@click.option("--encoding", default="utf-8", show_default=True, callback=_encoding)
@click.option("--skip-bad", is_flag=True, help="Report and skip bad records instead of stopping.")
@click.option("--engine", type=click.Choice(["default", "parse"]), default="default",
              show_default=True, help=ENGINE_HELP + " Units read from `labeling segment` "
              "output are pushed as they are.")
@click.option("--units", "unit_kind", type=click.Choice(["quotes", "whole"]), default="quotes",
              show_default=True,
              help="quotes: segment each article into quote units; whole: each record is one "
                   "unit (tweets, comments, headlines), its speaker the record's 'author'.")
@click.option("--model", "model_dir", default=None, type=click.Path(file_okay=False),
              help="A model folder from `labeling segmenter train`: rules plus the model.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_errors
def push(inputs: tuple[str, ...], project: str, config_path: str | None, url: str | None,
         api_key: str | None, state_dir: str | None, batch_size: int, update_config: bool,
         encoding: str, skip_bad: bool, engine: str, unit_kind: str, model_dir: str | None,
         quiet: bool) -> None:
    """Segment articles and import their quote units as tasks (never twice).

    INPUTS are articles (as for `labeling segment`) or the JSON lines `labeling segment`
    writes (units with their article), pushed without segmenting again. A record's
    'targets' (a list, or ids separated by ';') limits the targets asked for its units.

    \b
    labeling push seeds/ --project "Western troops for Ukraine"
    labeling segment seeds/ -o units.jsonl && labeling push units.jsonl -p "Troops"
    labeling push tweets.jsonl --units whole --project "Tweets"
    """
    from tqdm import tqdm

    from labeling.learn.model import load_model
    from labeling.learn.use import using_model
    from labeling.schema import load_schema
    from labeling.studio.client import connect
    from labeling.workflows import push as push_mod

    schema = load_schema(_schema_path(config_path))
    if model_dir and engine != "default":
        raise click.UsageError("--model works with the default engine only")
    model = load_model(model_dir) if model_dir else None  # checked before the server starts
    local = not (url or os.environ.get("LABEL_STUDIO_URL"))
    if local and not quiet:
        click.echo("Starting the local Label Studio (the first start takes about 30 s)...",
                   err=True)
    studio = connect(url, api_key, state_dir)
    with using_model(model) as learned, studio, tqdm(unit=" articles", disable=quiet,
                                                     file=sys.stderr) as bar:
        def progress(articles: int, units: int, created: int) -> None:
            bar.n = articles
            bar.set_postfix(units=units, created=created, refresh=False)
            bar.refresh()

        res = push_mod.push(inputs, project=project, schema=schema, studio=studio,
                            batch_size=batch_size, update_config=update_config,
                            encoding=encoding, skip_bad=skip_bad, on_bad=_bad_reporter(quiet),
                            progress=progress, state_dir=state_dir, engine=learned or engine,
                            units="whole" if unit_kind == "whole" else "quotes")
    made = "created" if res.project_created else "existing"
    click.echo(f"project {res.title!r} ({made}, id {res.project_id}): {res.articles} articles, "
               f"{res.units} {'units' if unit_kind == 'whole' else 'quote units'}: "
               f"{res.created} tasks created, "
               f"{res.present} already present"
               + (f", {res.propagated} near-duplicates labelled with their cluster"
                  if res.propagated else "")
               + (f", {res.repaired} missing predictions restored" if res.repaired else ""))
    click.echo(f"open: {res.project_url}")
    if local:
        from labeling.studio.server import LocalStudio

        creds = LocalStudio(state_dir).credentials()
        click.echo(f"log in as {creds.username} (password: `labeling studio login`); "
                   "add annotators with `labeling studio add-annotator EMAIL`")
    click.echo(f"when labelled: labeling pull --project {_q(res.title)} "
               f"-o exports/{_slug(res.title)}")


# ----------------------------------------------------------------------------- segmenter
@main.group()
def segmenter() -> None:
    """A learned segmenter layer, trained on the team's corrections."""


@segmenter.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="The model folder to write (manifest.json + weights).")
@click.option("--folds", default=3, show_default=True, type=click.IntRange(0, 20),
              help="Cross-validation folds for the manifest's figures (0 or 1: none).")
@click.option("--iterations", default=None, type=click.IntRange(1, 10000),
              help="L-BFGS iterations (default 120).")
@click.option("--limit", default=None, type=click.IntRange(1), help="Use the first N documents.")
@click.option("--add-threshold", default=0.9, show_default=True, type=click.FloatRange(0, 1),
              help="Mean content probability a unit the model adds needs (lower: more "
                   "recall, less precision).")
@_errors
def train(sources: tuple[str, ...], output: str, folds: int, iterations: int | None,
          limit: int | None, add_threshold: float) -> None:
    """Train rules+model from gold units: pulled exports and .jsonl files.

    SOURCES are folders written by `labeling pull` (corrected spans and flags; units
    nobody corrected count as confirmed, "not a quote" as negative) and JSON lines with
    doc_id, text and quotes (start/end/parts/speaker_start/speaker_end/cue_start/cue_end).

    \b
    labeling segmenter train exports/troops -o models/troops
    """
    from labeling.learn.model import train_model

    params = {"max_iterations": iterations} if iterations else None
    m = train_model(sources, output, folds=folds, params=params, limit=limit,
                    add_above=add_threshold, log=lambda s: click.echo(s, err=True))
    cv = m.get("cross_validation")
    click.echo(f"model written to {output}: {m['training_data']['documents']} documents, "
               f"{m['training_data']['units']} gold units")
    if cv:
        for name in ("rules", "model"):
            r = cv[name]
            click.echo(f"  {cv['folds']}-fold cross-validation, {name:<6}: P {100 * r['precision']:.1f}"
                       f" R {100 * r['recall']:.1f} F1 {100 * r['f1']:.1f} speaker "
                       f"{100 * r['speaker_accuracy']:.1f}")


def _q(s: str) -> str:
    return f'"{s}"' if any(c.isspace() for c in s) else s


def _slug(s: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in s).strip("-")
    while "--" in out:
        out = out.replace("--", "-")
    return out or "export"


# ----------------------------------------------------------------------------- pull
@main.command()
@click.option("--project", "-p", required=True, callback=_project_title, help="Project title.")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="Export folder: new, empty or an earlier export (replaced atomically).")
@_config_option("The stance schema the project was pushed with (default: the shipped schema).")
@_connection_options
@click.option("--strict-spans", is_flag=True,
              help="Fail if any annotated span does not match the article text.")
@click.option("--full", is_flag=True,
              help="Fetch every task, not only those changed since the last pull.")
@click.option("--no-text", is_flag=True,
              help="Copyright-safe: ship offsets, ids, URLs and hashes, no article text "
                   "(restore it with `labeling hydrate`).")
@click.option("--parquet", is_flag=True, help="Also write each split as Parquet.")
@_errors
def pull(project: str, output: str, config_path: str | None, url: str | None, api_key: str | None,
         state_dir: str | None, strict_spans: bool, full: bool, no_text: bool,
         parquet: bool) -> None:
    """Fetch all annotations and write a Hugging Face dataset folder.

    \b
    labeling pull --project "Western troops for Ukraine" -o exports/troops
    python -c "import datasets; print(datasets.load_from_disk('exports/troops'))"
    """
    from labeling.dataset.build import check_export_folder
    from labeling.schema import load_schema
    from labeling.studio.client import connect
    from labeling.workflows import pull as pull_mod

    schema = load_schema(_schema_path(config_path))
    check_export_folder(output)  # before the fetch: a folder not ours is refused at once
    with connect(url, api_key, state_dir) as studio:
        res = pull_mod.pull(project=project, schema=schema, studio=studio, out=output,
                            config_path=_schema_path(config_path), strict_spans=strict_spans, full=full,
                            state_dir=state_dir, with_text=not no_text, parquet=parquet)
    alpha = (res.stats.get("agreement") or {}).get("alpha")
    if isinstance(alpha, dict):
        alpha = alpha.get("alpha")
    how = f"incremental: {res.fetched} changed tasks fetched" if res.incremental else "full"
    click.echo(
        f"pulled ({how}) {res.tasks} tasks, {res.annotations} annotations ({res.skipped} skipped) "
        f"-> {res.rows} rows in {output}; Krippendorff's alpha: "
        f"{'n/a' if alpha is None else f'{alpha:.3f}'}"
    )
    if res.span_problems:
        click.echo(f"warning: {len(res.span_problems)} spans did not match the text "
                   "(see stats.json)", err=True)


# ----------------------------------------------------------------------------- status
@main.command(name="status")
@click.option("--project", "-p", required=True, callback=_project_title, help="Project title.")
@_config_option("The stance schema of the project (default: the shipped schema).")
@_connection_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_errors
def status_cmd(project: str, config_path: str | None, url: str | None, api_key: str | None,
               state_dir: str | None, as_json: bool) -> None:
    """Progress per target and annotator, overlap reached, alpha so far, work left.

    \b
    labeling status --project "Western troops for Ukraine"
    """
    import json as json_mod

    from labeling.schema import load_schema
    from labeling.studio.client import connect
    from labeling.workflows.status import status as run

    schema = load_schema(_schema_path(config_path))
    with connect(url, api_key, state_dir, start=False) as studio:
        st = run(project=project, schema=schema, studio=studio, state_dir=state_dir)
    if as_json:
        click.echo(json_mod.dumps(st.as_dict(), indent=2))
        return

    def f(x: float | None, fmt: str = ".3f") -> str:
        return "n/a" if x is None else format(x, fmt)

    click.echo(f"{st.title}: {st.tasks} tasks, {st.annotations} annotations; overlap {st.overlap}: "
               f"{st.tasks_complete}/{st.tasks} tasks complete; alpha so far {f(st.alpha)}")
    eta = "" if st.eta_hours is None else (
        f"about {st.eta_hours:.2f} h with the current annotators at their own pace, "
        f"{st.team_items_per_hour:.0f} items/h together; {st.annotator_hours_left:.2f} h of "
        "annotator time")
    if not st.votes_blocked:
        click.echo(f"work left: {st.annotations_left} annotations" + (eta and f" ({eta})"))
    else:
        reachable = st.annotations_left - st.votes_blocked
        click.echo(f"work left: {st.annotations_left} annotations")
        if reachable:
            click.echo(f"  {reachable} the current annotators can give" + (eta and f": {eta}"))
        more = "" if st.blocked_annotator_hours is None else (
            f": about {st.blocked_annotator_hours:.2f} h of annotator time at the current "
            "annotators' median pace")
        click.echo(f"  {st.votes_blocked} need more annotators (the current ones already "
                   f"labelled those tasks){more}")
    click.echo(f"\n{'target':<24}{'items':>7}{'voted':>7}{'complete':>10}{'alpha':>8}  labels")
    for t in st.targets:
        labs = ", ".join(f"{k} {v}" for k, v in sorted(t.labels.items()))
        click.echo(f"{t.target:<24}{t.items:>7}{t.with_votes:>7}{t.complete:>10}"
                   f"{f(t.alpha):>8}  {labs}")
    click.echo(f"\n{'annotator':<16}{'done':>6}{'skipped':>9}{'median s':>10}{'gold acc':>10}")
    for a in st.annotators:
        click.echo(f"{a.annotator:<16}{a.annotations:>6}{a.skipped:>9}"
                   f"{f(a.median_lead_time, '.1f'):>10}{f(a.gold_accuracy, '.2f'):>10}")


# ----------------------------------------------------------------------------- suggest
@main.command()
@click.option("--project", "-p", required=True, help="Project title.")
@_config_option()
@_connection_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--every", type=click.IntRange(min=1), default=None, metavar="N",
              help="Keep running: suggest again each time the project has N more "
                   "annotations (until Ctrl-C).")
@click.option("--poll", type=click.FloatRange(min=1.0), default=30.0, show_default=True,
              metavar="SECONDS", help="With --every: how often to ask the server for its "
                                      "annotation count.")
@_errors
def suggest(project: str, config_path: str | None, url: str | None, api_key: str | None,
            state_dir: str | None, quiet: bool, every: int | None, poll: float) -> None:
    """Learn stance from the labels so far; suggest it and serve uncertain tasks first.

    Trains the schema's model (`suggestions:`) on each item's majority or adjudicated
    label, prints its cross-validated quality, writes a suggestion for every task that
    still needs votes (shown, hidden or A/B per `suggestions.show`) and switches the
    project to uncertainty sampling. Run it again as labels come in (or let `--every N`
    do it): it replaces its earlier suggestions. Exits 1, changing nothing, below
    `suggestions.min_labels` (with --every it waits for them instead).

    \b
    labeling suggest --project "Western troops for Ukraine"
    labeling suggest --project "Western troops for Ukraine" --every 100
    """
    from labeling.schema import load_schema
    from labeling.studio.client import connect
    from labeling.workflows import suggest as suggest_mod

    schema = load_schema(_schema_path(config_path))
    if every is not None:
        with connect(url, api_key, state_dir) as studio:
            _watch(project, schema, studio, state_dir, every, poll)
        return
    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if quiet:
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = click.progressbar(length=max(total, 1), label=f"{stage:<15}",
                                                  file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    with connect(url, api_key, state_dir) as studio:
        res = suggest_mod.suggest(project=project, schema=schema, studio=studio,
                                  state_dir=state_dir, progress=progress)
    _suggest_summary(res, schema.suggestions.show)


def _suggest_summary(res: Any, show: str) -> None:
    if res.quality is not None:
        click.echo(res.quality.line())
    else:
        click.echo(f"model quality: not measured ({res.labels} labels, one label only)")
    shown = {"prefill": "shown pre-selected", "hidden": "hidden (queue order only)",
             "ab": f"hidden for {res.hidden}, shown for {res.predicted - res.hidden}"}
    click.echo(f"trained on {res.labels} labelled items; suggestions for {res.predicted} of "
               f"{res.tasks} tasks ({shown[show]}); "
               f"{res.replaced} earlier suggestions replaced")
    if res.no_suggestion:
        click.echo(f"no suggestion for {res.no_suggestion} task x target (the model gave none)")
    click.echo(f"project model version {res.model_version}; sampling: {res.sampling}")


def _watch(project: str, schema: Any, studio: Any, state_dir: str | None, every: int,
           poll: float) -> None:
    """``suggest --every``: a summary per run, until Ctrl-C or SIGTERM (exit 0)."""
    import signal
    import threading
    from datetime import datetime

    from labeling.workflows.watch import Event, watch

    stop = threading.Event()
    runs = 0

    def told(e: Event) -> None:
        nonlocal runs
        stamp = datetime.now().strftime("%H:%M:%S")
        if e.kind == "run" and e.result is not None:
            runs += 1
            click.echo(f"[{stamp}] run {runs}, at {e.annotations} annotations:")
            _suggest_summary(e.result, schema.suggestions.show)
            click.echo(f"[{stamp}] next run at {e.annotations + every} annotations "
                       f"(checked every {poll:g} s; Ctrl-C stops)")
        elif e.kind == "waiting":
            click.echo(f"[{stamp}] {e.labels} labelled items; suggestions need {e.needed} "
                       "(suggestions.min_labels): waiting for labels")
        else:
            click.echo(f"[{stamp}] {e.message}; trying again every {poll:g} s", err=True)

    def on_term(signum: int, frame: Any) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        watch(project=project, schema=schema, studio=studio, every=every, poll=poll,
              state_dir=state_dir, on_event=told, stop=stop)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(f"stopped after {runs} run{'s' if runs != 1 else ''}")


# ----------------------------------------------------------------------------- hydrate
@main.command()
@click.argument("export_dir", type=click.Path(file_okay=False, exists=True))
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="Folder for the export with text.")
@click.option("--encoding", default="utf-8", show_default=True, callback=_encoding)
@_errors
def hydrate(export_dir: str, inputs: tuple[str, ...], output: str, encoding: str) -> None:
    """Restore the article text of a copyright-safe export from your own copies.

    \b
    labeling hydrate exports/troops-notext my_articles/ -o exports/troops
    """
    from labeling.dataset.hydrate import hydrate as run

    n = run(export_dir, inputs, output, encoding=encoding)
    click.echo(f"hydrated {n} rows into {output}")


# ----------------------------------------------------------------------------- publish
@main.command()
@click.argument("export_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--repo", required=True, help="Hub dataset repository, e.g. me/troops-stance.")
@click.option("--private/--public", default=True, show_default=True)
@_errors
def publish(export_dir: str, repo: str, private: bool) -> None:
    """Push an export (splits and card) to the Hugging Face Hub (token: HF_TOKEN).

    \b
    HF_TOKEN=... labeling publish exports/troops --repo me/troops-stance
    """
    from labeling.dataset.publish import publish as run

    url = run(export_dir, repo, private=private)
    click.echo(f"published {export_dir} to {url}")


# ----------------------------------------------------------------------------- report
@main.command()
@click.argument("export_dir", type=click.Path(file_okay=False, exists=True))
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="HTML file (default: EXPORT_DIR/report.html).")
@_errors
def report(export_dir: str, output: str | None) -> None:
    """One offline HTML page: labels per target and speaker, agreement, annotator speed.

    \b
    labeling report exports/troops
    """
    from labeling.report import write_report

    path = write_report(export_dir, output or str(Path(export_dir) / "report.html"))
    click.echo(f"report written to {path}")


# ----------------------------------------------------------------------------- adjudicate
@main.command()
@click.option("--project", "-p", required=True, callback=_project_title, help="Project title.")
@_config_option("The stance schema of the project (default: the shipped schema).")
@_connection_options
@_errors
def adjudicate(project: str, config_path: str | None, url: str | None, api_key: str | None,
               state_dir: str | None) -> None:
    """Put the disputed items (ties, low agreement) into an adjudication project.

    Unanimous and clear items are accepted as they are. The next `labeling pull` lets
    the adjudicator's labels override the aggregate, keeping the earlier votes.

    \b
    labeling adjudicate --project "Western troops for Ukraine"
    """
    from labeling.schema import load_schema
    from labeling.studio.client import connect
    from labeling.workflows import adjudicate as adj_mod

    schema = load_schema(_schema_path(config_path))
    with connect(url, api_key, state_dir) as studio:
        res = adj_mod.adjudicate(project=project, schema=schema, studio=studio)
        url_ = studio.url
    click.echo(f"{res.items} labelled items: {res.accepted_items} accepted, "
               f"{res.disputed_items} disputed; adjudication project {res.title!r}: "
               f"{res.created} tasks created, {res.present} already there")
    click.echo(f"open: {url_}/projects/{res.project_id}/data")


# ----------------------------------------------------------------------------- studio
@main.group()
def studio() -> None:
    """Manage the embedded local Label Studio."""


@studio.command()
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port (default 8089, or a free one).")
@click.option("--state-dir", type=click.Path(file_okay=False), default=None)
@click.option("--allowed-host", "allowed_host", multiple=True,
              help="Another host name the server answers at (a team server behind a proxy; "
                   "repeatable; or LABELING_ALLOWED_HOSTS=a,b). 127.0.0.1 and localhost "
                   "always.")
@_errors
def up(port: int | None, state_dir: str | None, allowed_host: tuple[str, ...]) -> None:
    """Start the local server (kept running) and print its URL and login.

    The server keeps its data in SQLite in the state folder; set LABELING_DATABASE_URL
    (postgresql://USER:PASSWORD@HOST:5432/NAME) to keep it in PostgreSQL instead.
    """
    from labeling.studio.server import DATABASE_URL_VAR, LocalStudio, database_label

    local = LocalStudio(state_dir, hosts=allowed_host)
    info = local.up(port=port)
    creds = local.credentials()
    click.echo(f"Label Studio is running at {info.url} (pid {info.pid}); "
               f"data: {database_label(os.environ.get(DATABASE_URL_VAR))}")
    click.echo(f"login: {creds.username} (password: `labeling studio login`)")


@studio.command()
@click.option("--state-dir", type=click.Path(file_okay=False), default=None)
@_errors
def down(state_dir: str | None) -> None:
    """Stop the local server."""
    from labeling.studio.server import LocalStudio

    stopped = LocalStudio(state_dir).down()
    click.echo("stopped" if stopped else "not running")


@studio.command()
@click.option("--state-dir", type=click.Path(file_okay=False), default=None)
@_errors
def status(state_dir: str | None) -> None:
    """Say whether the local server runs, and where."""
    from labeling.studio.server import LocalStudio

    info = LocalStudio(state_dir).running()
    if info is None:
        click.echo("not running")
        sys.exit(3)
    click.echo(f"running at {info.url} (pid {info.pid}); data in {info.state_dir}")


@studio.command()
@click.option("--state-dir", type=click.Path(file_okay=False), default=None)
@click.option("--annotator", default=None, help="Show an annotator's login instead.")
@_errors
def login(state_dir: str | None, annotator: str | None) -> None:
    """Print a login of the local server (to your terminal only)."""
    from labeling.studio.accounts import stored_password
    from labeling.studio.server import LocalStudio

    if annotator:
        pw = stored_password(annotator, state_dir)
        if pw is None:
            raise click.ClickException(f"no stored login for {annotator}: add it with "
                                       "`labeling studio add-annotator`")
        click.echo(f"user: {annotator}\npassword: {pw}")
        return
    local = LocalStudio(state_dir)
    if not local.cred_file.exists():
        raise click.ClickException("no local server yet: run `labeling studio up`")
    creds = local.credentials()
    click.echo(f"user: {creds.username}\npassword: {creds.password}")


@studio.command(name="add-annotator")
@click.argument("email")
@click.option("--password", envvar="LABELING_ANNOTATOR_PASSWORD", default=None,
              help="Password (or LABELING_ANNOTATOR_PASSWORD); generated if absent.")
@click.option("--invite-token", default=None,
              help="Token of the organization's invite link (default: fetched with the "
                   "admin's API token).")
@click.option("--url", envvar="LABEL_STUDIO_URL", default=None,
              help="Server URL; default: the embedded local server.")
@click.option("--api-key", envvar="LABEL_STUDIO_API_KEY", default=None,
              help="An admin's API token (or LABEL_STUDIO_API_KEY), to fetch the invite "
                   "link of a remote server. Never printed.")
@click.option("--state-dir", type=click.Path(file_okay=False), default=None)
@_errors
def add_annotator(email: str, password: str | None, invite_token: str | None, url: str | None,
                  api_key: str | None, state_dir: str | None) -> None:
    """Create an annotator account that can log in to the web UI.

    \b
    labeling studio add-annotator alice@example.org
    labeling studio login --annotator alice@example.org   # shows the password
    """
    from labeling.studio.accounts import add_annotator as run
    from labeling.studio.server import LocalStudio

    if not url:
        local = LocalStudio(state_dir)
        info = local.running()
        if info is None:
            raise click.ClickException("the local Label Studio is not running: "
                                       "`labeling studio up` first, or pass --url")
        url = info.url
        api_key = api_key or local.credentials().token
    ann = run(url, email, password=password, invite_token=invite_token, api_key=api_key,
              state_dir=state_dir)
    state = "created" if ann.created else "already there"
    click.echo(f"annotator {email}: {state}; log in at {url}/user/login/ "
               f"(password: `labeling studio login --annotator {email}`)")
