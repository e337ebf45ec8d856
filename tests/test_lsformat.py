"""The generated labelling config, task JSON and result parsing."""

from __future__ import annotations

import re

import pytest
from label_studio_sdk.label_interface.interface import LabelInterface

from labeling.corpus.readers import Article, read_articles
from labeling.corpus.units import iter_units, quote_id
from labeling.errors import ConfigError
from labeling.schema import load_schema, parse_schema
from labeling.studio import wire

from .helpers import CONFIG, SEEDS


def test_config_has_one_single_choice_question_per_target() -> None:
    schema = load_schema(CONFIG)
    iface = LabelInterface(wire.label_config(schema))
    names = {c.name for c in iface.controls}
    for t in schema.targets:
        assert f"stance_{t.id}" in names
        ctrl = iface.get_control(f"stance_{t.id}")  # type: ignore[no-untyped-call]
        assert sorted(ctrl.labels) == sorted(schema.label_names)
    assert {"spans", "flags"} <= names


def test_hotkeys_are_unique_on_the_page() -> None:
    schema = parse_schema({"targets": [{"id": f"t{i}", "name": f"T{i}"} for i in range(5)]})
    xml = wire.label_config(schema)
    keys = re.findall(r'hotkey="([^"]+)"', xml)
    assert len(keys) == len(set(keys)) == 5 * 3 + 3 + 2


def test_targets_and_labels_are_xml_escaped() -> None:
    schema = parse_schema({"targets": [{"id": "a", "name": 'Troops "now" & <later>'}]})
    LabelInterface(wire.label_config(schema))  # parses


def test_every_seed_prediction_validates_and_matches_its_text() -> None:
    schema = load_schema(CONFIG)
    iface = LabelInterface(wire.label_config(schema))
    units = list(iter_units(read_articles([SEEDS]), schema))
    assert units
    for u in units:
        task = wire.task_json(u, "v1")
        assert set(wire.DATA_KEYS) <= set(task["data"])
        pred = task["predictions"][0]
        assert iface.validate_prediction(pred, return_errors=True) == []  # type: ignore[no-untyped-call]
        for region in pred["result"]:
            v = region["value"]
            assert u.context[v["start"]:v["end"]] == v["text"]
        assert u.article.text[u.quote.start:u.quote.end] == u.quote.text


def test_quote_id_is_stable_and_span_specific() -> None:
    assert quote_id("a", 1, 5) == quote_id("a", 1, 5)
    assert len({quote_id("a", 1, 5), quote_id("a", 1, 6), quote_id("b", 1, 5)}) == 3


def test_parse_annotation_checks_span_text() -> None:
    schema = load_schema(CONFIG)
    data = {"context": "Macron said “yes”.", "context_start": 100}
    ann = {"id": 7, "completed_by": 3, "lead_time": 2.5, "updated_at": "2026-01-01",
           "result": [
               {"from_name": "stance_ground_troops", "type": "choices",
                "value": {"choices": ["FAVOR"]}},
               {"id": "r1", "from_name": "spans", "type": "labels",
                "value": {"start": 0, "end": 6, "text": "Macron", "labels": ["SPEAKER"]}},
               {"id": "r2", "from_name": "spans", "type": "labels",
                "value": {"start": 13, "end": 16, "text": "yeah", "labels": ["QUOTE"]}},
               {"from_name": "flags", "type": "choices", "value": {"choices": ["wrong_speaker"]}},
           ]}
    p = wire.parse_annotation(ann, data, [t.id for t in schema.targets])
    assert p.stances == {"ground_troops": "FAVOR"}
    assert p.annotator == 3 and p.lead_time == 2.5 and not p.skipped
    spk = next(s for s in p.spans if s.label == "SPEAKER")
    assert (spk.start, spk.end, spk.text, spk.ok) == (100, 106, "Macron", True)
    bad = next(s for s in p.spans if s.label == "QUOTE")
    assert not bad.ok and len(p.problems) == 1
    assert p.flags == ("wrong_speaker",)


def test_schema_rejects_unknown_example_target() -> None:
    with pytest.raises(ConfigError, match=r"examples.0.target: unknown target 'nope'"):
        parse_schema({"targets": [{"id": "a", "name": "A"}],
                      "examples": [{"quote": "q", "target": "nope", "label": "FAVOR"}]})


def test_context_contains_quote_and_speaker() -> None:
    schema = load_schema(CONFIG)
    text = "First paragraph.\n\nMacron said on Monday that troops could be sent.\n\nLast one."
    units = list(iter_units([Article("x", text)], schema))
    for u in units:
        assert u.context_start <= u.quote.start and u.quote.end <= u.context_end
