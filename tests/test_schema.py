"""The stance schema: defaults, and every rule a user can break, with the field named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from labeling.errors import ConfigError
from labeling.schema import DEFAULT_SCHEMA, load_schema, parse_schema

from .helpers import CONFIG

MIN: dict[str, Any] = {"targets": [{"id": "troops", "name": "Troops"}]}


def with_(**over: Any) -> dict[str, Any]:
    return {**MIN, **over}


def test_defaults() -> None:
    s = parse_schema(MIN)
    assert s.title == "Stance labelling" and s.label_names == ["FAVOR", "AGAINST", "NONE"]
    assert s.annotators_per_item == 1 and s.context == "paragraph" and s.context_window == 300
    assert not s.ask_confidence and s.ask_note and s.aggregation == "majority"
    assert s.agreement_threshold == 0.5 and s.license == "other" and s.gold == []
    assert (s.split.train, s.split.validation, s.split.test, s.split.seed) == (0.8, 0.1, 0.1, 13)
    assert s.split.stratify and s.near_duplicates.mode == "keep"
    assert s.near_duplicates.threshold == 0.7
    assert s.suggestions.model == "builtin" and s.suggestions.show == "hidden"
    assert s.target("troops").name == "Troops"
    with pytest.raises(KeyError) as err:
        s.target("nope")
    assert err.value.args == ("nope",)


def test_the_shipped_and_example_schemas_load() -> None:
    assert load_schema().model_dump() == load_schema(CONFIG).model_dump()
    assert DEFAULT_SCHEMA.name == "stance.yaml"


@pytest.mark.parametrize(("data", "message"), [
    (with_(targets=[]), "targets: List should have at least 1 item"),
    (with_(targets=[{"id": "Troops", "name": "T"}]), "targets.0.id: target ids are lower-case"),
    (with_(targets=[{"id": "a" * 49, "name": "T"}]), "targets.0.id: target ids are lower-case"),
    (with_(targets=[{"id": "t", "name": ""}]), "targets.0.name: String should have at least 1"),
    (with_(targets=[{"id": "t", "name": "A"}, {"id": "t", "name": "B"}]),
     "target ids must be unique; repeated: t"),
    (with_(labels=[{"value": "PRO"}]), "labels: List should have at least 2 items"),
    (with_(labels=[{"value": "PRO"}, {"value": "PRO"}]), "labels must be unique; repeated: PRO"),
    (with_(labels=[{"value": "1PRO"}, {"value": "CON"}]), "labels.0.value: labels use letters"),
    (with_(labels=[{"value": "P" * 41}, {"value": "CON"}]), "labels.0.value: String should have"),
    (with_(targets=[{"id": f"t{i}", "name": "T"} for i in range(13)]),
     "at most 36 target x label choices"),
    (with_(annotators_per_item=0), "annotators_per_item: Input should be greater than or equal to 1"),
    (with_(annotators_per_item=21), "annotators_per_item: Input should be less than or equal to 20"),
    (with_(context="page"), "context: Input should be 'sentence', 'paragraph', 'window' or 'article'"),
    (with_(context_window=-1), "context_window: Input should be greater than or equal to 0"),
    (with_(agreement_threshold=1.5), "agreement_threshold: Input should be less than or equal to 1"),
    (with_(aggregation="vote"), "aggregation: Input should be 'majority' or 'dawid_skene'"),
    (with_(split={"train": 0.5, "validation": 0.1, "test": 0.1}),
     "split: train + validation + test must sum to 1 (they sum to 0.7)"),
    (with_(split={"held_out_targets": ["nope"]}), "split.held_out_targets: unknown target 'nope'"),
    (with_(near_duplicates={"threshold": 0}), "near_duplicates.threshold: Input should be greater"),
    (with_(examples=[{"quote": "q", "target": "troops", "label": "MAYBE"}]),
     "examples.0.label: unknown label 'MAYBE'"),
    (with_(gold=[{"quote_id": "q", "target": "x", "label": "FAVOR"}]),
     "gold.0.target: unknown target 'x'"),
    (with_(gold=[{"quote_id": "q", "target": "troops", "label": "YES"}]),
     "gold.0.label: unknown label 'YES'"),
    (with_(colour="red"), "colour: unknown field (check its spelling)"),
    (with_(targets=[{"id": "t", "name": "T", "extra": 1}]), "targets.0.extra: unknown field"),
    (with_(title="ab"), "title: String should have at least 3 characters"),
])
def test_every_rule_names_its_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_schema(data, "my.yaml")
    assert str(err.value).startswith("my.yaml: ")
    assert message in str(err.value)


def test_limits_that_hold() -> None:
    ok = parse_schema(with_(targets=[{"id": f"t{i}", "name": "T"} for i in range(12)],
                            annotators_per_item=20, context_window=0, agreement_threshold=1))
    assert len(ok.targets) == 12 and ok.annotators_per_item == 20
    assert parse_schema(with_(targets=[{"id": "a" * 48, "name": "T"}])).targets[0].id == "a" * 48
    assert parse_schema(with_(labels=[{"value": "Pro-war side"}, {"value": "con_2"}])).label_names == [
        "Pro-war side", "con_2"]


def test_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="the schema must be a mapping"):
        parse_schema(["targets"], "list.yaml")
    missing = tmp_path / "none.yaml"
    with pytest.raises(ConfigError, match=f"{missing}: no such config file"):
        load_schema(missing)
    bad = tmp_path / "bad.yaml"
    bad.write_text("targets:\n  - id: a\n   name: b\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_schema(bad)
    assert str(err.value) == (f"{bad}: invalid YAML at line 3, column 4: expected <block end>, "
                              "but found '<block mapping start>'")
    control = tmp_path / "control.yaml"
    control.write_text("title: a\x07b\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_schema(control)
    assert str(err.value) == (f"{control}: invalid YAML: unacceptable character #x0007: special "
                              'characters are not allowed in "<unicode string>", position 8')
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text("targets: []\ncolour: red\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_schema(invalid)
    # every problem, each naming its field, after the file's name
    assert str(err.value) == (f"{invalid}: targets: List should have at least 1 item after "
                              "validation, not 0; colour: unknown field (check its spelling)")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="latin.yaml: cannot read the config"):
        load_schema(latin)
    good = tmp_path / "good.yaml"
    good.write_text("targets:\n  - id: a\n    name: A\n", encoding="utf-8")
    assert load_schema(str(good)).targets[0].id == "a"


def test_a_rule_about_the_whole_schema_is_said_so() -> None:
    with pytest.raises(ConfigError) as err:
        parse_schema(with_(targets=[{"id": "t", "name": "A"}, {"id": "t", "name": "B"}]), "s.yaml")
    assert str(err.value) == "s.yaml: (top level): target ids must be unique; repeated: t"
