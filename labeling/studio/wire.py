"""Label Studio's wire format, in one place: labelling config XML, task JSON, results.

Everything else in the package sees :class:`~labeling.corpus.units.Unit` and the small
dataclasses here (:class:`ParsedAnnotation`); this module converts both ways.

The generated page shows, top to bottom: the article's title and outlet/date line,
the speaker and cue the segmenter found, the context with the quote highlighted
(as a QUOTE pre-annotation that the annotator can move), span labels to correct
QUOTE / SPEAKER / CUE, flags for segmenter errors, then one single-choice question
``stance_<target id>`` per target, each with its own hotkeys.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import quoteattr

from labeling.annotations.records import ParsedAnnotation, Span, TaskRecord, latest_per_annotator
from labeling.corpus.units import Unit
from labeling.errors import ConfigError
from labeling.schema import StanceSchema

log = logging.getLogger(__name__)

CONTEXT = "context"  # the Text object tag; spans are offsets into data["context"]
SPANS = "spans"  # the Labels control for span correction
FLAGS = "flags"
# A hidden multiple-choice control whose selected choices are the targets a task does NOT
# ask; each target's questions are visible only while its id is unselected there. Label
# Studio has no visibility condition on task data, and choices pre-selected through task
# data are reset when the page loads, so the selection comes with the task's prediction
# (the one the page is prefilled from). A hidden question is also not required.
NOT_ASKED = "not_asked"
CONFIDENCE = "confidence"
NOTE = "note"
SPAN_LABELS = ("QUOTE", "SPEAKER", "CUE")
FLAG_VALUES = ("not_a_quote", "wrong_speaker")
# Hotkeys are global to the page: every control gets keys of its own.
_SPAN_KEYS = {"QUOTE": "z", "SPEAKER": "x", "CUE": "v"}
_FLAG_KEYS = {"not_a_quote": "n", "wrong_speaker": "m"}
STANCE_KEYS = "1234567890qwertyuiopasdfghjkl"
MODEL_VERSION_PREFIX = "stance-labeling-segmenter"
# Keys every task carries (a task missing a key the config uses fails the whole import).
DATA_KEYS = (
    "quote_id", "article_id", "title", "info_line", "speaker_line", "context", "context_start",
    "quote", "quote_start", "quote_end", "quote_type", "parts", "speaker", "speaker_name",
    "speaker_start", "speaker_end", "cue", "cue_start", "cue_end", "url", "source", "published",
)


def stance_control(target_id: str) -> str:
    return f"stance_{target_id}"


def stance_hotkeys(schema: StanceSchema) -> dict[tuple[str, str], str]:
    """(target id, label) -> hotkey: 1 2 3 for the first target, 4 5 6 for the next, ..."""
    keys: dict[tuple[str, str], str] = {}
    i = 0
    for t in schema.targets:
        for lab in schema.labels:
            keys[(t.id, lab.value)] = STANCE_KEYS[i]
            i += 1
    return keys


def _when_asked(target_id: str, per_item: bool) -> str:
    """The attributes that hide a view when the task does not ask ``target_id``."""
    if not per_item:
        return ""
    return (f' visibleWhen="choice-unselected" whenTagName="{NOT_ASKED}" '
            f'whenChoiceValue="{target_id}"')


def label_config(schema: StanceSchema, *, adjudication: bool = False,
                 per_item_targets: bool = True) -> str:
    """The Label Studio labelling config (XML) generated from the schema.

    With ``adjudication`` the page also shows the prior votes (``$prior_votes``). With
    ``per_item_targets`` (the default; ``False`` gives the config of projects made before
    it) each target's questions hide on a task that does not ask that target.
    """
    a = quoteattr
    keys = stance_hotkeys(schema)
    per = per_item_targets
    out: list[str] = ['<View className="stance-labeling">']
    out.append(
        "  <Style>.sl-box{padding:8px 12px;margin:6px 0;border-radius:6px;background:#f4f6f8}"
        ".sl-target{border-left:4px solid #1976d2}.sl-hint{color:#555;font-size:90%}"
        + (".sl-not-asked{display:none}" if per else "") + "</Style>"
    )
    if per:
        out.append('  <View className="sl-not-asked">')
        out.append(f'    <Choices name="{NOT_ASKED}" toName="{CONTEXT}" choice="multiple">')
        for t in schema.targets:
            out.append(f"      <Choice value={a(t.id)}/>")
        out.append("    </Choices>")
        out.append("  </View>")
    out.append('  <View className="sl-box">')
    out.append('    <Header value="$title" size="4"/>')
    out.append('    <Header value="$info_line" size="6"/>')
    out.append('    <Header value="$speaker_line" size="5"/>')
    out.append("  </View>")
    if adjudication:
        out.append('  <View className="sl-box">')
        out.append('    <Header value="Adjudication: earlier votes" size="5"/>')
        out.append('    <Text name="prior" value="$prior_votes"/>')
        out.append("  </View>")
    out.append('  <View className="sl-box sl-target">')
    for t in schema.targets:
        if per:
            out.append(f"    <View{_when_asked(t.id, per)}>")
        out.append(f"    <Header value={a('Target: ' + t.name)} size=\"5\"/>")
        if t.description.strip():
            out.append(f"    <Header value={a(t.description.strip())} size=\"6\" underline=\"false\"/>")
        if per:
            out.append("    </View>")
    out.append("  </View>")
    out.append(f'  <Labels name="{SPANS}" toName="{CONTEXT}" showInline="true">')
    colors = {"QUOTE": "#ffd54f", "SPEAKER": "#4fc3f7", "CUE": "#aed581"}
    for lab in SPAN_LABELS:
        out.append(
            f'    <Label value="{lab}" background="{colors[lab]}" hotkey="{_SPAN_KEYS[lab]}"/>'
        )
    out.append("  </Labels>")
    out.append(f'  <Text name="{CONTEXT}" value="$context" granularity="symbol"/>')
    for t in schema.targets:
        out.append(f'  <View className="sl-box sl-target"{_when_asked(t.id, per)}>')
        out.append(f"    <Header value={a('Stance toward: ' + t.name)} size=\"5\"/>")
        out.append(
            f'    <Choices name="{stance_control(t.id)}" toName="{CONTEXT}" '
            'choice="single-radio" showInline="true" required="true" '
            f"requiredMessage={a('Choose a stance toward ' + t.name)}>"
        )
        for label in schema.labels:
            hint = f" hint={a(label.hint)}" if label.hint else ""
            out.append(
                f"      <Choice value={a(label.value)} hotkey=\"{keys[(t.id, label.value)]}\"{hint}/>"
            )
        out.append("    </Choices>")
        out.append("  </View>")
    out.append('  <View className="sl-box">')
    out.append('    <Header value="Segmentation problems (optional)" size="6"/>')
    out.append(f'    <Choices name="{FLAGS}" toName="{CONTEXT}" choice="multiple" showInline="true">')
    flag_hints = {"not_a_quote": "The highlighted text is not something the speaker said",
                  "wrong_speaker": "The speaker shown is not who said it"}
    for flag in FLAG_VALUES:
        out.append(f'      <Choice value="{flag}" alias="{flag}" hotkey="{_FLAG_KEYS[flag]}" '
                   f'hint="{flag_hints[flag]}"/>')
    out.append("    </Choices>")
    if schema.ask_confidence:
        out.append('    <Header value="How sure are you?" size="6"/>')
        out.append(f'    <Rating name="{CONFIDENCE}" toName="{CONTEXT}" maxRating="3" icon="star"/>')
    if schema.ask_note:
        out.append(
            f'    <TextArea name="{NOTE}" toName="{CONTEXT}" rows="2" maxSubmissions="1" '
            'editable="true" placeholder="Note (optional)"/>'
        )
    out.append("  </View>")
    out.append("</View>")
    return "\n".join(out)


def instructions_html(schema: StanceSchema) -> str:
    """The project's instructions (``expert_instruction``): guidelines, labels, examples."""
    e = html.escape
    parts = [f"<h2>{e(schema.title)}</h2>"]
    if schema.guidelines.strip():
        parts.append("".join(f"<p>{e(p.strip())}</p>" for p in schema.guidelines.split("\n\n")))
    parts.append("<h3>Targets</h3><ul>")
    for t in schema.targets:
        parts.append(f"<li><b>{e(t.name)}</b>: {e(t.description.strip())}</li>")
    parts.append("</ul><h3>Labels</h3><ul>")
    for lab in schema.labels:
        parts.append(f"<li><b>{e(lab.value)}</b>: {e(lab.hint)}</li>")
    parts.append("</ul>")
    if schema.examples:
        parts.append("<h3>Examples</h3><ul>")
        for ex in schema.examples:
            parts.append(
                f"<li>&ldquo;{e(ex.quote)}&rdquo; &rarr; <b>{e(ex.label)}</b> toward "
                f"<i>{e(schema.target(ex.target).name)}</i>. {e(ex.why)}</li>"
            )
        parts.append("</ul>")
    parts.append(
        "<h3>Keys</h3><p>"
        + ", ".join(
            f"{e(t)} / {e(lab)}: <kbd>{k}</kbd>" for (t, lab), k in stance_hotkeys(schema).items()
        )
        + "; span labels QUOTE <kbd>z</kbd>, SPEAKER <kbd>x</kbd>, CUE <kbd>v</kbd>; "
        "flags <kbd>n</kbd> (not a quote), <kbd>m</kbd> (wrong speaker).</p>"
    )
    return "".join(parts)


def model_version(segmenter_version: str) -> str:
    return f"{MODEL_VERSION_PREFIX}-{segmenter_version}"


def _region(rid: str, label: str, start: int, end: int, context: str) -> dict[str, Any]:
    return {
        "id": rid,
        "from_name": SPANS,
        "to_name": CONTEXT,
        "type": "labels",
        "origin": "prediction",
        "value": {"start": start, "end": end, "text": context[start:end], "labels": [label]},
    }


def prediction_result(unit: Unit) -> list[dict[str, Any]]:
    """The segmenter's spans as Label Studio regions (offsets into the context)."""
    q, ctx = unit.quote, unit.context
    regions: list[dict[str, Any]] = []
    parts = q.parts or ((q.start, q.end),)
    for i, (s, e) in enumerate(parts):
        loc = unit.local(s, e)
        if loc:
            regions.append(_region(f"quote{i}", "QUOTE", loc[0], loc[1], ctx))
    for rid, label, s2, e2 in (
        ("speaker", "SPEAKER", q.speaker_start, q.speaker_end),
        ("cue", "CUE", q.cue_start, q.cue_end),
    ):
        loc = unit.local(s2, e2)
        if loc:
            regions.append(_region(rid, label, loc[0], loc[1], ctx))
    return regions


def not_asked_result(asked: Sequence[str] | None, schema: StanceSchema) -> list[dict[str, Any]]:
    """The prediction result that hides the questions of the targets a task does not ask
    (none when it asks every target). Every prediction the page is prefilled from needs it."""
    if not asked:
        return []
    missing = [t.id for t in schema.targets if t.id not in set(asked)]
    if not missing:
        return []
    return [{"id": NOT_ASKED, "from_name": NOT_ASKED, "to_name": CONTEXT, "type": "choices",
             "origin": "prediction", "value": {"choices": missing}}]


def regions_from_data(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The quote/speaker/cue regions of a task's data (for a task made from another)."""
    ctx = str(data.get("context") or "")
    off = int(data.get("context_start") or 0)
    spans = [("quote0", "QUOTE", data.get("quote_start"), data.get("quote_end"))]
    if data.get("parts"):
        spans = [(f"quote{i}", "QUOTE", s, e) for i, (s, e) in enumerate(data["parts"])]
    spans += [("speaker", "SPEAKER", data.get("speaker_start"), data.get("speaker_end")),
              ("cue", "CUE", data.get("cue_start"), data.get("cue_end"))]
    out = []
    for rid, label, s, e in spans:
        if isinstance(s, int) and isinstance(e, int) and 0 <= s - off < e - off <= len(ctx):
            out.append(_region(rid, label, s - off, e - off, ctx))
    return out


def task_data(unit: Unit) -> dict[str, Any]:
    q, art = unit.quote, unit.article
    info = " · ".join(x for x in (art.source, art.published, art.url) if x) or art.id
    who = q.speaker_name or q.speaker or "(no speaker found)"
    if q.speaker and q.speaker_name and q.speaker_name != q.speaker:
        who = f"{q.speaker_name} (“{q.speaker}”)"
    speaker_line = f"Speaker: {who}" + (f" · cue: {q.cue}" if q.cue else "")
    data: dict[str, Any] = {
        "quote_id": unit.quote_id,
        "article_id": art.id,
        "title": art.title or art.id,
        "info_line": info,
        "speaker_line": speaker_line,
        "context": unit.context,
        "context_start": unit.context_start,
        "quote": q.text,
        "quote_start": q.start,
        "quote_end": q.end,
        "quote_type": q.type,
        "parts": [list(p) for p in q.parts] if q.parts else None,
        "speaker": q.speaker,
        "speaker_name": q.speaker_name,
        "speaker_start": q.speaker_start,
        "speaker_end": q.speaker_end,
        "cue": q.cue,
        "cue_start": q.cue_start,
        "cue_end": q.cue_end,
        "url": art.url,
        "source": art.source,
        "published": art.published,
    }
    if unit.targets:
        data["targets"] = list(unit.targets)  # only these are asked (and get dataset rows)
    return data


def duplicate_record(unit: Unit) -> dict[str, Any]:
    """A near-duplicate unit stored with its cluster's representative task."""
    d = task_data(unit)
    return {k: d[k] for k in DATA_KEYS if k not in ("info_line", "speaker_line")}


def task_json(unit: Unit, version: str, schema: StanceSchema | None = None) -> dict[str, Any]:
    """One importable task: data, meta (the stable key) and the segmenter's prediction
    (with ``schema``, also the choice that hides the targets the unit does not ask)."""
    result = prediction_result(unit)
    if schema is not None:
        result += not_asked_result(unit.targets, schema)
    return {
        "data": task_data(unit),
        "meta": {"quote_id": unit.quote_id},
        "predictions": [{"model_version": version, "score": 1.0, "result": result}],
    }


# ----------------------------------------------------------------------------- results
def _user_id(value: object) -> int | None:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def parse_annotation(
    ann: Mapping[str, Any], data: Mapping[str, Any], target_ids: Sequence[str],
    suggestions: Sequence[Suggested] = (),
) -> ParsedAnnotation:
    """Reduce an exported annotation; every span's text is checked against the context.

    ``suggestions``: the task's suggestion logs; the one in force when the annotation was
    made says what was suggested, and the vote saw it only if that suggestion was shown
    and the editor was pre-filled from a prediction (``parent_prediction``, set by the
    editor itself; an annotation made through the API has none).
    """
    context = str(data.get("context") or "")
    offset = int(data.get("context_start") or 0)
    stances: dict[str, str] = {}
    spans: list[Span] = []
    flags: list[str] = []
    problems: list[str] = []
    confidence: int | None = None
    note = ""
    wanted = {stance_control(t): t for t in target_ids}
    for item in ann.get("result") or []:
        name, value = item.get("from_name"), item.get("value") or {}
        kind = item.get("type")
        if name in wanted and kind == "choices":
            choices = value.get("choices") or []
            if choices:
                stances[wanted[name]] = str(choices[0])
        elif name == SPANS and kind == "labels":
            try:
                s, e = int(value["start"]), int(value["end"])
            except (KeyError, TypeError, ValueError):
                problems.append(f"region {item.get('id')}: no offsets")
                continue
            labels = value.get("labels") or ["?"]
            got = value.get("text")
            real = context[s:e] if 0 <= s <= e <= len(context) else None
            ok = real is not None and (got is None or got == real)
            if not ok:
                problems.append(
                    f"region {item.get('id')} [{s}:{e}] text {got!r} != context {real!r}"
                )
            spans.append(Span(str(labels[0]), s + offset, e + offset, real or str(got or ""), ok))
        elif name == FLAGS and kind == "choices":
            flags.extend(str(c) for c in value.get("choices") or [])
        elif name == CONFIDENCE and kind == "rating":
            rating = value.get("rating")
            confidence = int(rating) if rating is not None else None
        elif name == NOTE and kind == "textarea":
            note = " ".join(str(t) for t in value.get("text") or [])
    lead = ann.get("lead_time")
    made = str(ann.get("created_at") or ann.get("updated_at") or "")
    in_force = suggestion_at(suggestions, made) if suggestions and made else None
    prefilled = ann.get("parent_prediction") is not None
    return ParsedAnnotation(
        annotation_id=int(ann.get("id") or 0),
        annotator=_user_id(ann.get("completed_by")),
        skipped=bool(ann.get("was_cancelled")),
        stances=stances,
        spans=tuple(spans),
        flags=tuple(flags),
        confidence=confidence,
        note=note,
        lead_time=float(lead) if lead is not None else None,
        updated_at=str(ann.get("updated_at") or ann.get("created_at") or ""),
        ground_truth=bool(ann.get("ground_truth")),
        suggestion_shown=bool(in_force and in_force.shown and in_force.labels and prefilled),
        problems=tuple(problems),
        suggested=dict(in_force.labels) if in_force else {},
    )
# ---- moved from pull
def check_project_config(project: Mapping[str, Any], schema: StanceSchema) -> None:
    """The project must have been made from this schema (same targets and labels)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(project.get("label_config") or "<View/>")
    except ET.ParseError as exc:
        raise ConfigError(f"cannot read the project's labelling config: {exc}") from exc
    controls = {el.get("name"): [c.get("value") for c in el.iter("Choice")]
                for el in root.iter("Choices")}
    for t in schema.targets:
        name = stance_control(t.id)
        if name not in controls:
            raise ConfigError(
                f"project {project.get('title')!r} has no question {name!r}: pull with the "
                "--config the project was pushed with"
            )
        labels = [lab for lab in controls[name] if lab is not None]
        if labels and sorted(labels) != sorted(schema.label_names):
            raise ConfigError(
                f"question {name!r} of the project has labels {labels}, the config has "
                f"{schema.label_names}: pull with the --config the project was pushed with"
            )


def records_from_export(
    tasks: list[dict[str, Any]], schema: StanceSchema,
    suggestions: Mapping[int, Sequence[Suggested]] | None = None,
) -> tuple[list[TaskRecord], list[str]]:
    """Exported task JSON -> records, and the list of span problems found.

    ``suggestions`` (task id -> suggestion logs, :func:`suggestions_by_task`) lets each
    vote record what was suggested to it."""
    targets = [t.id for t in schema.targets]
    records: list[TaskRecord] = []
    problems: list[str] = []
    for task in tasks:
        data = task.get("data") or {}
        if "quote_id" not in data:
            log.warning("task %s has no quote_id: not made by `labeling push`; left out",
                        task.get("id"))
            continue
        parsed = [parse for parse in (
            parse_annotation(a, data, targets, (suggestions or {}).get(int(task["id"]), ()))
            for a in task.get("annotations") or []
        )]
        mine = [f"task {task.get('id')} annotation {p.annotation_id}: {x}"
                for p in parsed for x in p.problems]
        problems.extend(mine)
        records.append(TaskRecord(
            task_id=int(task["id"]), data=data, annotations=latest_per_annotator(parsed),
            updated_at=str(task.get("updated_at") or ""), problems=tuple(mine),
        ))
    records.sort(key=lambda r: r.task_id)
    return records, problems


def validated_tasks(units: Iterable[Unit], schema: StanceSchema, version: str) -> Iterator[
        tuple[str, dict[str, Any]]]:
    """(quote_id, task JSON) for each unit; every prediction checked against the config."""
    # Imported here: the SDK's validator pulls in jsf, smart_open, boto3, azure and grpc
    # (about 60 MB resident), which only a push needs, not a pull or a status.
    from label_studio_sdk.label_interface.interface import LabelInterface

    iface = LabelInterface(label_config(schema))
    for unit in units:
        task = task_json(unit, version, schema)
        for pred in task["predictions"]:
            errors = iface.validate_prediction(pred, return_errors=True)  # type: ignore[no-untyped-call]
            if errors:
                raise ConfigError(
                    f"{unit.article.origin}: the prediction for {unit.quote_id} does not fit the "
                    f"labelling config: {errors}"
                )
            for region in pred["result"]:
                if region["from_name"] == NOT_ASKED:
                    continue
                v = region["value"]
                if unit.context[v["start"]:v["end"]] != v["text"]:
                    raise ConfigError(f"{unit.quote_id}: region {region['id']} text mismatch")
        yield unit.quote_id, task


# ----------------------------------------------------------------------------- suggestions
# `labeling suggest` writes two predictions per task and run:
#  - the *suggestion* (model version SUGGEST_PREFIX-RUN, made the project's version): the
#    segmenter's span regions (the editor pre-fills only from predictions of the project's
#    version, so they must be here too), the stance choices unless the task is hidden, and a
#    score (low = uncertain) that uncertainty sampling orders the queue by;
#  - the *log* (SUGGEST_LOG_PREFIX-RUN-shown|hidden): the suggested stance choices whatever
#    was shown. Never of the project's version, so never sent to an annotator's editor; kept
#    across runs, so a pull knows what was suggested to every vote, shown or not.
SUGGEST_PREFIX = "stance-labeling-suggest"
SUGGEST_LOG_PREFIX = "stance-labeling-suggestlog"


def suggestion_version(run_id: str) -> str:
    return f"{SUGGEST_PREFIX}-{run_id}"


def suggestion_log_version(run_id: str, shown: bool) -> str:
    return f"{SUGGEST_LOG_PREFIX}-{run_id}-{'shown' if shown else 'hidden'}"


def is_suggestion_version(version: str | None) -> bool:
    """A suggestion prediction of ours (a rerun replaces them; the logs stay)."""
    return bool(version) and str(version).startswith(SUGGEST_PREFIX + "-")


def _choices(labels: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"id": f"suggest_{t}", "from_name": stance_control(t), "to_name": CONTEXT,
             "type": "choices", "origin": "prediction", "value": {"choices": [lab]}}
            for t, lab in labels.items()]


def suggestion_prediction(task_id: int, data: Mapping[str, Any], labels: Mapping[str, str],
                          score: float, version: str, *, shown: bool,
                          schema: StanceSchema) -> dict[str, Any]:
    """The prediction the editor pre-fills from: spans, plus the stance choices if shown,
    and (for a task that asks only some targets) what hides the other questions."""
    asked = data.get("targets")
    result = (regions_from_data(data) + (_choices(labels) if shown else [])
              + not_asked_result(asked if isinstance(asked, list) else None, schema))
    return {"task": task_id, "model_version": version, "score": score, "result": result}


def suggestion_log(task_id: int, labels: Mapping[str, str], score: float,
                   version: str) -> dict[str, Any]:
    return {"task": task_id, "model_version": version, "score": score,
            "result": _choices(labels)}


@dataclass(frozen=True)
class Suggested:
    """What one `labeling suggest` run suggested for one task (from its log prediction)."""

    created_at: str
    shown: bool
    labels: Mapping[str, str]  # target id -> label
    model_version: str


def suggestions_by_task(predictions: Iterable[Mapping[str, Any]]) -> dict[int, list[Suggested]]:
    """task id -> the suggestion logs of that task, oldest first."""
    out: dict[int, list[Suggested]] = {}
    prefix = SUGGEST_LOG_PREFIX + "-"
    for p in predictions:
        version = str(p.get("model_version") or "")
        if not version.startswith(prefix):
            continue
        labels = {}
        for item in p.get("result") or []:
            name = str(item.get("from_name") or "")
            choices = (item.get("value") or {}).get("choices") or []
            if name.startswith("stance_") and choices:
                labels[name[len("stance_"):]] = str(choices[0])
        task = p.get("task")
        if isinstance(task, dict):
            task = task.get("id")
        out.setdefault(int(task), []).append(Suggested(  # type: ignore[arg-type]
            str(p.get("created_at") or ""), version.endswith("-shown"), labels, version))
    for logs in out.values():
        logs.sort(key=lambda s: s.created_at)
    return out


def suggestion_at(logs: Sequence[Suggested], when: str) -> Suggested | None:
    """The suggestion in force at ``when`` (the latest log made before it)."""
    found = None
    for s in logs:
        if _stamp(s.created_at) <= _stamp(when):
            found = s
    return found


def _stamp(value: str) -> str:
    # Server times in one ISO form; compare as UTC strings at microsecond precision.
    from datetime import UTC, datetime

    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).strftime(
            "%Y-%m-%dT%H:%M:%S.%f")
    except ValueError:
        return value
