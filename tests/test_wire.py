"""Label Studio's wire format both ways, checked field by field (no server).

The server does not validate predictions (docs: unknown labels and offsets whose text
does not match are accepted silently), so ``validated_tasks`` is the only guard before
an import: these tests make sure it is on.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import pytest

from labeling.annotations.records import Span
from labeling.corpus.readers import Article
from labeling.corpus.units import Unit, iter_units
from labeling.errors import ConfigError
from labeling.schema import StanceSchema, load_schema, parse_schema
from labeling.studio import wire

from .helpers import CONFIG

TEXT = ("Troops debate.\n\nEmmanuel Macron said on Monday: “Nothing should be ruled out.” "
        "The Kremlin warned that this would mean war.\n\nEnd.")


def schema(**over: Any) -> StanceSchema:
    data = load_schema(CONFIG).model_dump()
    data.update(over)
    return parse_schema(data)


def units(text: str = TEXT, **meta: str) -> list[Unit]:
    art = Article("art1", text, title=meta.get("title", ""), url=meta.get("url", ""),
                  source=meta.get("source", ""), published=meta.get("published", ""),
                  origin="news.jsonl:3")
    return list(iter_units([art], schema()))


def test_validated_tasks_passes_good_units_and_names_each() -> None:
    us = units()
    got = list(wire.validated_tasks(us, schema(), "v1"))
    assert [qid for qid, _ in got] == [u.quote_id for u in us]
    for (_, task), u in zip(got, us, strict=True):
        assert task == wire.task_json(u, "v1")


def test_a_region_whose_text_does_not_match_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = wire.prediction_result

    def shifted(unit: Unit) -> list[dict[str, Any]]:
        regions = real(unit)
        regions[0]["value"]["text"] = regions[0]["value"]["text"] + "x"
        return regions

    monkeypatch.setattr(wire, "prediction_result", shifted)
    u = units()[0]
    with pytest.raises(ConfigError, match=f"{u.quote_id}: region quote0 text mismatch"):
        list(wire.validated_tasks([u], schema(), "v1"))


def test_a_label_the_config_lacks_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = wire.prediction_result

    def renamed(unit: Unit) -> list[dict[str, Any]]:
        regions = real(unit)
        regions[0]["value"]["labels"] = ["SOURCE"]
        return regions

    monkeypatch.setattr(wire, "prediction_result", renamed)
    u = units()[0]
    with pytest.raises(ConfigError, match=rf"news.jsonl:3: the prediction for {u.quote_id} does not fit"):
        list(wire.validated_tasks([u], schema(), "v1"))


def test_task_json_data_and_lines() -> None:
    u = units(title="Paris talks", source="Le Monde", published="2024-02-27",
              url="https://example.org/a")[0]
    t = wire.task_json(u, "vX")
    assert t["meta"] == {"quote_id": u.quote_id}
    assert t["predictions"] == [{"model_version": "vX", "score": 1.0,
                                 "result": wire.prediction_result(u)}]
    d = t["data"]
    assert set(wire.DATA_KEYS) <= set(d)
    assert d["title"] == "Paris talks"
    assert d["info_line"] == "Le Monde · 2024-02-27 · https://example.org/a"
    assert d["speaker_line"].startswith("Speaker: ")
    assert d["context"] == u.context and d["context_start"] == u.context_start
    assert TEXT[d["quote_start"]:d["quote_end"]] == d["quote"]
    assert TEXT[d["speaker_start"]:d["speaker_end"]] == d["speaker"]
    assert TEXT[d["cue_start"]:d["cue_end"]] == d["cue"]
    dup = wire.duplicate_record(u)
    assert set(dup) == set(wire.DATA_KEYS) - {"info_line", "speaker_line"}
    bare = units()[0]
    assert wire.task_data(bare)["info_line"] == "art1" and wire.task_data(bare)["title"] == "art1"


def test_speaker_line_names_the_resolved_speaker() -> None:
    text = ("Emmanuel Macron spoke in Paris.\n\n“We will not rule it out,” he said.")
    us = units(text)
    line = wire.task_data(us[-1])["speaker_line"]
    assert line == "Speaker: Emmanuel Macron (“he”) · cue: said"


def test_regions_of_a_unit_and_of_its_data_agree() -> None:
    for u in units():
        data = wire.task_data(u)
        from_unit = wire.prediction_result(u)
        from_data = wire.regions_from_data(data)
        assert [(r["id"], r["value"]) for r in from_unit] == [(r["id"], r["value"])
                                                             for r in from_data]
        for r in from_unit:
            v = r["value"]
            assert u.context[v["start"]:v["end"]] == v["text"]
            assert (r["from_name"], r["to_name"], r["type"]) == ("spans", "context", "labels")


def test_regions_from_data_drop_spans_outside_the_context() -> None:
    data = {"context": "abcdef", "context_start": 10, "quote_start": 11, "quote_end": 13,
            "speaker_start": 5, "speaker_end": 9, "cue_start": 15, "cue_end": 17,
            "parts": [[10, 11], [14, 16]]}
    got = [(r["id"], r["value"]["start"], r["value"]["end"], r["value"]["text"])
           for r in wire.regions_from_data(data)]
    assert got == [("quote0", 0, 1, "a"), ("quote1", 4, 6, "ef")]
    data.pop("parts")
    assert [r["id"] for r in wire.regions_from_data(data)] == ["quote0"]


def test_label_config_follows_the_schema() -> None:
    sch = schema(ask_confidence=True, ask_note=False)
    root = ET.fromstring(wire.label_config(sch))
    names = [c.get("name") for c in root.iter("Choices")]
    assert names == ["not_asked", "stance_ground_troops", "stance_military_aid", "flags"]
    # each target's questions hide on a task that does not ask that target
    hidden = {c.get("value") for c in root.iter("Choice") if c.get("value") in
              {t.id for t in sch.targets}}
    assert hidden == {"ground_troops", "military_aid"}
    old = ET.fromstring(wire.label_config(sch, per_item_targets=False))
    assert [c.get("name") for c in old.iter("Choices")] == [
        "stance_ground_troops", "stance_military_aid", "flags"]
    assert root.find(".//Rating") is not None and root.find(".//TextArea") is None
    keys = [c.get("hotkey") for c in root.iter("Choice")] + [
        lab.get("hotkey") for lab in root.iter("Label")]
    keys = [k for k in keys if k]
    assert len(keys) == len(set(keys)) == 6 + 2 + 3
    assert [lab.get("value") for lab in root.iter("Label")] == ["QUOTE", "SPEAKER", "CUE"]
    plain = ET.fromstring(wire.label_config(schema(ask_confidence=False, ask_note=True)))
    assert plain.find(".//Rating") is None and plain.find(".//TextArea") is not None
    assert plain.find(".//Text[@name='prior']") is None
    adj = ET.fromstring(wire.label_config(sch, adjudication=True))
    assert adj.find(".//Text[@name='prior']").get("value") == "$prior_votes"  # type: ignore[union-attr]


def test_hotkeys_per_target() -> None:
    keys = wire.stance_hotkeys(schema())
    assert keys[("ground_troops", "FAVOR")] == "1" and keys[("ground_troops", "NONE")] == "3"
    assert keys[("military_aid", "FAVOR")] == "4" and keys[("military_aid", "NONE")] == "6"


def test_instructions_show_guidelines_labels_examples_and_keys() -> None:
    sch = schema(guidelines="Judge the <speaker>.\n\nNot the outlet.")
    page = wire.instructions_html(sch)
    assert "<h2>Western troops for Ukraine</h2>" in page
    assert "<p>Judge the &lt;speaker&gt;.</p><p>Not the outlet.</p>" in page
    for t in sch.targets:
        assert f"<li><b>{t.name}</b>:" in page
    for lab in sch.labels:
        assert f"<li><b>{lab.value}</b>:" in page
    assert "&rarr; <b>FAVOR</b> toward <i>Western ground troops in Ukraine</i>" in page
    assert "ground_troops / FAVOR: <kbd>1</kbd>" in page
    assert "<h3>Examples</h3>" not in wire.instructions_html(schema(examples=[]))
    assert wire.model_version("1.2") == "stance-labeling-segmenter-1.2"


def test_parse_annotation_reads_every_control() -> None:
    data = {"context": "Macron said yes.", "context_start": 5}
    ann = {"id": "12", "completed_by": {"id": 4, "email": "x@example.org"}, "lead_time": None,
           "created_at": "2026-03-01", "ground_truth": True, "was_cancelled": False,
           "result": [
               {"from_name": "stance_military_aid", "type": "choices", "value": {"choices": []}},
               {"from_name": "stance_other", "type": "choices", "value": {"choices": ["FAVOR"]}},
               {"from_name": "stance_ground_troops", "type": "choices",
                "value": {"choices": ["AGAINST"]}},
               {"id": "r", "from_name": "spans", "type": "labels", "value": {"end": 3}},
               {"id": "s", "from_name": "spans", "type": "labels",
                "value": {"start": 12, "end": 15, "labels": ["QUOTE"]}},
               {"from_name": "confidence", "type": "rating", "value": {"rating": 2}},
               {"from_name": "note", "type": "textarea", "value": {"text": ["odd", "one"]}},
               {"from_name": "flags", "type": "choices",
                "value": {"choices": ["not_a_quote", "wrong_speaker"]}},
           ]}
    p = wire.parse_annotation(ann, data, ["ground_troops", "military_aid"])
    assert p.annotation_id == 12 and p.annotator == 4 and p.lead_time is None
    assert p.updated_at == "2026-03-01" and p.ground_truth and not p.skipped
    assert p.stances == {"ground_troops": "AGAINST"}
    assert p.spans == (Span("QUOTE", 17, 20, "yes", True),)
    assert p.problems == ("region r: no offsets",)
    assert p.confidence == 2 and p.note == "odd one"
    assert p.flags == ("not_a_quote", "wrong_speaker")
    skipped = wire.parse_annotation({"id": 1, "completed_by": "7", "was_cancelled": True,
                                     "result": []}, data, ["ground_troops"])
    assert skipped.skipped and skipped.annotator == 7 and skipped.stances == {}
    assert wire.parse_annotation({"completed_by": "nobody"}, data, []).annotator is None
    outside = wire.parse_annotation(
        {"result": [{"id": "o", "from_name": "spans", "type": "labels",
                     "value": {"start": 10, "end": 40, "text": "x", "labels": ["CUE"]}}]},
        data, [])
    assert not outside.spans[0].ok and outside.spans[0].text == "x"


def test_records_from_export_keep_each_annotators_latest() -> None:
    sch = schema()
    ctx = {"quote_id": "q1", "context": "abc", "context_start": 0}

    def a(aid: int, who: int, when: str, label: str) -> dict[str, Any]:
        return {"id": aid, "completed_by": who, "updated_at": when, "result": [
            {"from_name": "stance_ground_troops", "type": "choices", "value": {"choices": [label]}}]}

    tasks = [
        {"id": 9, "data": {"text": "not ours"}, "annotations": []},
        {"id": 5, "data": ctx, "updated_at": "u5",
         "annotations": [a(1, 1, "2026-01-02", "FAVOR"), a(2, 1, "2026-01-03", "NONE"),
                         a(3, 2, "2026-01-01", "AGAINST")]},
        {"id": 2, "data": {**ctx, "quote_id": "q0"}, "annotations": None},
    ]
    recs, problems = wire.records_from_export(tasks, sch)
    assert [r.task_id for r in recs] == [2, 5] and problems == []
    latest = recs[1].annotations
    assert [(x.annotation_id, x.stances["ground_troops"]) for x in latest] == [(2, "NONE"),
                                                                               (3, "AGAINST")]
    assert recs[1].updated_at == "u5" and recs[0].annotations == ()


def test_check_project_config() -> None:
    sch = schema()
    good = {"title": "p", "label_config": wire.label_config(sch)}
    wire.check_project_config(good, sch)
    other = parse_schema({"targets": [{"id": "ground_troops", "name": "G"}],
                          "labels": [{"value": "PRO"}, {"value": "CON"}]})
    with pytest.raises(ConfigError, match="has labels .* the config has"):
        wire.check_project_config({"title": "p", "label_config": wire.label_config(other)}, sch)
    with pytest.raises(ConfigError, match="has no question 'stance_military_aid'"):
        wire.check_project_config(
            {"title": "p", "label_config": wire.label_config(parse_schema(
                {"targets": [{"id": "ground_troops", "name": "G"}]}))}, sch)
    with pytest.raises(ConfigError, match="cannot read the project's labelling config"):
        wire.check_project_config({"title": "p", "label_config": "<View"}, sch)


def _blank_text(el: ET.Element) -> bool:
    """No text outside the attributes anywhere under ``el`` (a stray string would show on
    the page, and breaks the config's structure)."""
    return all(not (x.text or "").strip() and not (x.tail or "").strip() for x in el.iter()
               if x.tag != "Style")


def test_label_config_shows_exactly_the_texts_an_annotator_reads() -> None:
    data = load_schema(CONFIG).model_dump()
    data["labels"][2]["hint"] = ""  # a label without a hint gets no hint attribute
    data.update(ask_confidence=True, ask_note=True)
    sch = parse_schema(data)
    for adjudication in (False, True):
        root = ET.fromstring(wire.label_config(sch, adjudication=adjudication))
        assert _blank_text(root)
        style = root.find("Style")
        assert style is not None and style.tail is not None and not style.tail.strip()
        # the style sheet is only rules, for the classes the page uses
        css = style.text or ""
        rules = re.findall(r"\.([a-z-]+)\{[^{}]*\}", css)
        assert "".join(re.findall(r"\.[a-z-]+\{[^{}]*\}", css)) == css
        used = {c for v in root.iter() for c in (v.get("className") or "").split()}
        assert {"sl-box", "sl-target", "sl-not-asked"} <= set(rules) & used
        heads = [h.get("value") for h in root.iter("Header")]
        want = ["$title", "$info_line", "$speaker_line"]
        want += ["Adjudication: earlier votes"] if adjudication else []
        for t in sch.targets:
            want += [f"Target: {t.name}"] + ([t.description.strip()] if t.description.strip()
                                             else [])
        want += [f"Stance toward: {t.name}" for t in sch.targets]
        want += ["Segmentation problems (optional)", "How sure are you?"]
        assert heads == want
    old = ET.fromstring(wire.label_config(sch, per_item_targets=False))
    old_css = old.findtext("Style") or ""
    assert _blank_text(old) and "".join(re.findall(r"\.[a-z-]+\{[^{}]*\}", old_css)) == old_css
    assert "sl-not-asked" not in old_css
    for t in sch.targets:
        c = root.find(f".//Choices[@name='stance_{t.id}']")
        assert c is not None
        assert (c.get("choice"), c.get("showInline"), c.get("required")) == (
            "single-radio", "true", "true")
        assert c.get("requiredMessage") == f"Choose a stance toward {t.name}"
        hints = [x.get("hint") for x in c.iter("Choice")]
        assert hints == [lab.hint or None for lab in sch.labels] and hints[2] is None
    colours = [lab.get("background") or "" for lab in root.iter("Label")]
    assert len(set(c.lower() for c in colours)) == 3
    assert all(len(c) == 7 and c[0] == "#" and int(c[1:], 16) >= 0 for c in colours)
    flags = {c.get("value"): c.get("hint") for c in root.iter("Choice")
             if c.get("value") in wire.FLAG_VALUES}
    assert flags == {"not_a_quote": "The highlighted text is not something the speaker said",
                     "wrong_speaker": "The speaker shown is not who said it"}
    note = root.find(".//TextArea")
    assert note is not None and note.get("editable") == "true"
    assert note.get("placeholder") == "Note (optional)"


class _Page(HTMLParser):
    """The instructions page as (tag path, text) pairs, checking that tags nest."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.texts: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"</{tag}> closes nothing"

    def handle_data(self, data: str) -> None:
        self.texts.append(("/".join(self.stack), data))


def test_instructions_are_well_formed_sections() -> None:
    sch = schema()
    page = _Page()
    page.feed(wire.instructions_html(sch))
    page.close()
    assert page.stack == []
    assert all(path for path, _ in page.texts)  # no text outside an element
    assert not [x for path, x in page.texts if path.endswith("ul")]  # nor between items
    assert [x for path, x in page.texts if path == "h3"] == ["Targets", "Labels", "Examples",
                                                             "Keys"]
    after = page.texts.index(("h3", "Keys"))
    keys = "".join(x for _, x in page.texts[after + 1:])
    assert keys.startswith("ground_troops / FAVOR: 1, ground_troops / AGAINST: 2, ")
    assert keys.endswith("; span labels QUOTE z, SPEAKER x, CUE v; "
                         "flags n (not a quote), m (wrong speaker).")


def test_task_data_speaker_line_cue_and_parts() -> None:
    u = units()[0]
    q = u.quote

    def line(**over: Any) -> Any:
        return wire.task_data(replace(u, quote=replace(q, **over)))

    none = line(speaker=None, speaker_name=None, cue=None)
    assert none["speaker_line"] == "Speaker: (no speaker found)"
    assert line(speaker="he", speaker_name=None, cue=None)["speaker_line"] == "Speaker: he"
    assert line(speaker=None, speaker_name="E. Macron", cue=None)["speaker_line"] == (
        "Speaker: E. Macron")
    assert line(speaker="Macron", speaker_name="Macron", cue="said")["speaker_line"] == (
        "Speaker: Macron · cue: said")
    assert line(parts=((3, 5), (8, 9)))["parts"] == [[3, 5], [8, 9]]
    assert line(parts=None)["parts"] is None


def test_parse_annotation_reads_only_its_own_controls() -> None:
    data = {"context": "Macron said yes."}  # no context_start: offsets are the context's
    ann = {"result": [
        {"from_name": "ner", "type": "labels", "value": {"start": 0, "end": 6, "labels": ["Q"]}},
        {"from_name": "stars", "type": "rating", "value": {"rating": 3}},
        {"from_name": "comment", "type": "textarea", "value": {"text": ["hi"]}},
        {"id": "end", "from_name": "spans", "type": "labels", "value": {"start": 12, "end": 16}},
        {"id": "bad", "from_name": "spans", "type": "labels",
         "value": {"start": 0, "end": 3, "text": "Mxx", "labels": ["SPEAKER"]}},
    ], "created_at": "c"}
    p = wire.parse_annotation(ann, data, ["ground_troops"])
    assert p.confidence is None and p.note == "" and p.annotation_id == 0
    assert p.spans == (Span("?", 12, 16, "yes.", True), Span("SPEAKER", 0, 3, "Mac", False))
    assert p.problems == ("region bad [0:3] text 'Mxx' != context 'Mac'",)
    assert p.updated_at == "c"
    assert wire.parse_annotation({"updated_at": "u", "created_at": "c"}, data, []).updated_at == "u"
    assert wire.parse_annotation({}, data, []).updated_at == ""
    no_rating = wire.parse_annotation(
        {"result": [{"from_name": "confidence", "type": "rating", "value": {}}]}, data, [])
    assert no_rating.confidence is None
    lost = wire.parse_annotation(
        {"result": [{"id": "x", "from_name": "spans", "type": "labels",
                     "value": {"start": 0, "end": 3, "labels": ["CUE"]}}]}, {}, [])
    assert lost.spans == (Span("CUE", 0, 3, "", False),)


def test_export_records_keep_data_problems_and_name_tasks(caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    sch = schema()
    data = {"quote_id": "q1", "context": "abc", "context_start": 0}
    tasks: list[dict[str, Any]] = [
        {"id": 9, "data": {"text": "not ours"}},
        {"id": 5, "data": data, "annotations": [{"id": 3, "completed_by": 1, "result": [
            {"id": "r", "from_name": "spans", "type": "labels",
             "value": {"start": 0, "end": 2, "text": "zz", "labels": ["QUOTE"]}}]}]},
    ]
    with caplog.at_level(logging.WARNING):
        recs, problems = wire.records_from_export(tasks, sch)
    assert caplog.messages == ["task 9 has no quote_id: not made by `labeling push`; left out"]
    assert problems == ["task 5 annotation 3: region r [0:2] text 'zz' != context 'ab'"]
    assert recs[0].problems == tuple(problems) and recs[0].data == data
    assert recs[0].updated_at == ""


def test_project_config_errors_name_the_project_and_the_fix() -> None:
    sch = schema()
    with pytest.raises(ConfigError, match=r"^project 'mine' has no question 'stance_ground_troops'"
                       r": pull with the --config the project was pushed with$"):
        wire.check_project_config({"title": "mine"}, sch)  # no config at all: no question
    bad = wire.label_config(sch).replace('value="AGAINST"', 'value="CONTRA"', 1)
    with pytest.raises(ConfigError, match=r"has labels \['FAVOR', 'CONTRA', 'NONE'\]"):
        wire.check_project_config({"title": "p", "label_config": bad}, sch)


def test_regions_carry_the_prediction_origin_and_defaults() -> None:
    u = units()[0]
    assert {r["origin"] for r in wire.prediction_result(u)} == {"prediction"}
    data = {"context": "abcdef", "quote_start": 1, "quote_end": 3, "speaker_start": 4,
            "speaker_end": 4, "parts": [[1, 3]]}
    got = [(r["id"], r["value"]["labels"], r["value"]["text"])
           for r in wire.regions_from_data(data)]
    assert got == [("quote0", ["QUOTE"], "bc")]  # an empty speaker span is dropped
    assert wire.regions_from_data({**data, "context": None}) == []


def test_suggestion_versions() -> None:
    assert wire.suggestion_version("r1") == "stance-labeling-suggest-r1"
    assert wire.suggestion_log_version("r1", True) == "stance-labeling-suggestlog-r1-shown"
    assert wire.suggestion_log_version("r1", False) == "stance-labeling-suggestlog-r1-hidden"
    assert wire.is_suggestion_version("stance-labeling-suggest-r1")
    assert not wire.is_suggestion_version("stance-labeling-suggestlog-r1-shown")
    assert not wire.is_suggestion_version("stance-labeling-segmenter-1.0")
    assert not wire.is_suggestion_version(None) and not wire.is_suggestion_version("")


def _choice(target: str, label: str) -> dict[str, Any]:
    """A stance choice pre-filled by a prediction, as Label Studio's JSON has it."""
    return {"id": f"suggest_{target}", "from_name": f"stance_{target}", "to_name": "context",
            "type": "choices", "origin": "prediction", "value": {"choices": [label]}}


def test_suggestion_prediction_and_log() -> None:
    sch = schema()
    data = {"context": "abcdef", "context_start": 0, "quote_start": 1, "quote_end": 3,
            "targets": ["military_aid"]}
    labels = {"military_aid": "AGAINST"}
    hide = {"id": "not_asked", "from_name": "not_asked", "to_name": "context",
            "type": "choices", "origin": "prediction", "value": {"choices": ["ground_troops"]}}
    shown = wire.suggestion_prediction(4, data, labels, 0.75, "v", shown=True, schema=sch)
    assert {k: shown[k] for k in ("task", "model_version", "score")} == {
        "task": 4, "model_version": "v", "score": 0.75}
    assert [r["id"] for r in shown["result"]] == ["quote0", "suggest_military_aid", "not_asked"]
    assert shown["result"][1:] == [_choice("military_aid", "AGAINST"), hide]
    hidden = wire.suggestion_prediction(4, data, labels, 0.75, "v", shown=False, schema=sch)
    assert [r["id"] for r in hidden["result"]] == ["quote0", "not_asked"]
    every = wire.suggestion_prediction(4, {**data, "targets": "odd"}, labels, 0.5, "v",
                                       shown=False, schema=sch)
    assert [r["id"] for r in every["result"]] == ["quote0"]  # asks every target
    assert wire.suggestion_log(4, labels, 0.5, "w") == {
        "task": 4, "model_version": "w", "score": 0.5,
        "result": [_choice("military_aid", "AGAINST")]}


def test_not_asked_result_hides_the_other_targets_only() -> None:
    sch = schema()
    assert wire.not_asked_result(None, sch) == [] and wire.not_asked_result([], sch) == []
    assert wire.not_asked_result(["ground_troops", "military_aid"], sch) == []
    assert wire.not_asked_result(["military_aid"], sch) == [
        {"id": "not_asked", "from_name": "not_asked", "to_name": "context", "type": "choices",
         "origin": "prediction", "value": {"choices": ["ground_troops"]}}]


def test_suggestion_logs_by_task_oldest_first() -> None:
    log = wire.SUGGEST_LOG_PREFIX
    preds: list[dict[str, Any]] = [
        {"task": 3, "model_version": f"{log}-r2-hidden", "created_at": "2026-01-02T00:00:00Z",
         "result": [_choice("ground_troops", "NONE"),
                    {"from_name": "stance_military_aid", "value": {"choices": []}},
                    {"from_name": "spans", "value": {"choices": ["QUOTE"]}}]},
        {"task": {"id": 3}, "model_version": f"{log}-r1-shown", "created_at": "2026-01-01",
         "result": [_choice("military_aid", "FAVOR")]},
        {"task": 4, "model_version": wire.suggestion_version("r1"), "result": [
            _choice("military_aid", "FAVOR")]},  # the editor's copy, not a log
        {"task": 5, "model_version": None},
        {"task": 6, "model_version": f"{log}-r3-shown"},
    ]
    got = wire.suggestions_by_task(preds)
    assert set(got) == {3, 6}
    assert got[3] == [
        wire.Suggested("2026-01-01", True, {"military_aid": "FAVOR"}, f"{log}-r1-shown"),
        wire.Suggested("2026-01-02T00:00:00Z", False, {"ground_troops": "NONE"},
                       f"{log}-r2-hidden")]
    assert got[6] == [wire.Suggested("", True, {}, f"{log}-r3-shown")]


def test_the_suggestion_in_force_is_the_latest_before_the_vote() -> None:
    early = wire.Suggested("2026-01-01T10:00:00Z", True, {"ground_troops": "FAVOR"}, "a")
    late = wire.Suggested("2026-01-01T09:00:00-03:00", False, {"ground_troops": "NONE"}, "b")
    logs = [early, late]  # "late" is 12:00 UTC
    assert wire.suggestion_at(logs, "2026-01-01T09:59:59.999999Z") is None
    assert wire.suggestion_at(logs, "2026-01-01T10:00:00Z") is early  # made at that instant
    assert wire.suggestion_at(logs, "2026-01-01T11:00:00Z") is early  # not yet "late"
    assert wire.suggestion_at(logs, "2026-01-01T14:00:00+02:00") is late  # 12:00 UTC
    # times the server never writes compare as plain strings
    odd = [wire.Suggested("b", True, {}, "x")]
    assert wire.suggestion_at(odd, "c") is odd[0] and wire.suggestion_at(odd, "a") is None


def test_a_vote_records_the_suggestion_it_saw() -> None:
    data = {"context": "abc"}
    logs = [wire.Suggested("2026-01-01T10:00:00Z", True, {"ground_troops": "FAVOR"}, "a"),
            wire.Suggested("2026-01-02T10:00:00Z", False, {"ground_troops": "NONE"}, "b")]
    base = {"result": [], "parent_prediction": 7}
    seen = wire.parse_annotation({**base, "created_at": "2026-01-01T11:00:00Z"}, data,
                                 ["ground_troops"], logs)
    assert seen.suggestion_shown and seen.suggested == {"ground_troops": "FAVOR"}
    hidden = wire.parse_annotation({**base, "created_at": "2026-01-02T11:00:00Z"}, data,
                                   ["ground_troops"], logs)
    assert not hidden.suggestion_shown and hidden.suggested == {"ground_troops": "NONE"}
    api = wire.parse_annotation({"result": [], "created_at": "2026-01-01T11:00:00Z"}, data,
                                ["ground_troops"], logs)  # no editor, no pre-fill
    assert not api.suggestion_shown and api.suggested == {"ground_troops": "FAVOR"}
    before = wire.parse_annotation({**base, "updated_at": "2025-12-31"}, data,
                                   ["ground_troops"], logs)
    assert not before.suggestion_shown and before.suggested == {}
    untimed = wire.parse_annotation(base, data, ["ground_troops"], logs)
    assert not untimed.suggestion_shown and untimed.suggested == {}


def test_each_targets_questions_hide_on_the_tasks_that_do_not_ask_it() -> None:
    sch = schema()
    root = ET.fromstring(wire.label_config(sch))
    for t in sch.targets:
        hiding = [v for v in root.iter("View") if v.get("whenChoiceValue") == t.id]
        assert len(hiding) == 2  # its "Target:" header and its stance question
        for v in hiding:
            assert (v.get("visibleWhen"), v.get("whenTagName")) == ("choice-unselected",
                                                                   "not_asked")
        stance = hiding[1].find("Choices")
        assert stance is not None and stance.get("name") == f"stance_{t.id}"
    old = ET.fromstring(wire.label_config(sch, per_item_targets=False))
    assert not [v for v in old.iter("View") if v.get("visibleWhen")]


def test_a_unit_asking_one_target_is_pushed_with_the_others_hidden() -> None:
    art = Article("art1", TEXT, origin="news.jsonl:3", targets=("military_aid",))
    unit = next(iter_units([art], schema()))
    (qid, task), *_ = list(wire.validated_tasks([unit], schema(), "v1"))
    assert qid == unit.quote_id and task["data"]["targets"] == ["military_aid"]
    hide = task["predictions"][0]["result"][-1]
    assert hide["from_name"] == "not_asked" and hide["value"] == {"choices": ["ground_troops"]}
    assert "targets" not in wire.task_data(units()[0])  # every target: no list


def test_export_records_carry_each_tasks_suggestions() -> None:
    sch = schema()
    data = {"quote_id": "q1", "context": "abc"}
    logs = {5: [wire.Suggested("2026-01-01T10:00:00Z", True, {"ground_troops": "FAVOR"}, "a")]}
    tasks: list[dict[str, Any]] = [
        {"id": 5, "data": data, "annotations": [
            {"id": 1, "completed_by": 1, "updated_at": "2026-01-02T00:00:00Z", "result": []}]},
        {"id": 6, "data": {**data, "quote_id": "q2"}, "annotations": [
            {"id": 2, "completed_by": 1, "updated_at": "2026-01-02T00:00:00Z", "result": []}]},
    ]
    recs, _ = wire.records_from_export(tasks, sch, logs)
    # no created_at: the vote's time is its last update
    assert recs[0].annotations[0].suggested == {"ground_troops": "FAVOR"}
    assert recs[1].annotations[0].suggested == {}
