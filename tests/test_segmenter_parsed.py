"""The optional parse engine (spaCy): a hybrid of the rule engine and a dependency parse.

Sentences are the tests' own. The engine tests need spaCy and an English model; without
them they are skipped (the missing-model error is tested either way).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labeling.cli import main
from labeling.segmenter import segment
from labeling.segmenter.parsed import ParseEngineUnavailable, load_model, segment_parsed

from .helpers import anything, quote_heavy


def check(text: str) -> None:
    """The unit invariants of ``tests/test_segmenter_properties.py``, for the hybrid."""
    got = segment_parsed(text)
    last_end = -1
    for u in got:
        assert 0 <= u.start < u.end <= len(text) and text[u.start:u.end] == u.text
        assert u.start >= last_end, "units overlap"
        last_end = u.end
        parts = u.parts or ((u.start, u.end),)
        if u.speaker_start is not None:
            assert u.speaker_end is not None
            assert text[u.speaker_start:u.speaker_end] == u.speaker
            for a, b in parts:
                assert u.speaker_end <= a or u.speaker_start >= b, "speaker inside quote"
        if u.cue_start is not None:
            assert text[u.cue_start:u.cue_end] == u.cue
        assert u.sentence_start <= u.start and u.end <= u.sentence_end
        assert u.paragraph_start <= u.start and u.end <= u.paragraph_end
        assert u.type in ("direct", "indirect", "mixed")
    assert segment_parsed(text) == got  # deterministic


def test_missing_model_is_a_clear_error() -> None:
    with pytest.raises(ParseEngineUnavailable) as err:
        load_model("no_such_model_xyz")
    msg = str(err.value)
    assert "no_such_model_xyz" in msg or "not installed" in msg
    assert "pip install" in msg and "en_core_web_sm" in msg


def test_cli_missing_model_writes_nothing(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import labeling.segmenter.parsed as parsed

    monkeypatch.setattr(parsed, "DEFAULT_MODELS", ("no_such_model_xyz",))
    parsed.load_model.cache_clear()
    src = tmp_path / "a.txt"
    src.write_text("Officials believe the plan will fail.", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    r = CliRunner().invoke(main, ["segment", str(src), "-o", str(out), "--engine", "parse",
                                  "-q"])
    parsed.load_model.cache_clear()
    assert r.exit_code == 1
    assert "Error:" in r.output and "pip install" in r.output
    assert not out.exists()


@pytest.fixture(scope="module")
def model() -> None:
    """Skip without spaCy and a model, except where the test command installed them
    (``LABELING_REQUIRE_PARSE``, set by scripts/test.sh): there a missing model fails."""
    try:
        load_model()
    except ParseEngineUnavailable as exc:
        if os.environ.get("LABELING_REQUIRE_PARSE"):
            pytest.fail(f"{exc} (run `bash scripts/setup-parse.sh`)")
        pytest.skip(str(exc))


def units(text: str) -> list[tuple[str, str | None, str]]:
    return [(q.type, q.speaker, q.text) for q in segment_parsed(text)]


@pytest.mark.usefixtures("model")
class TestParseEngine:
    def test_belief_without_that(self) -> None:
        assert ("indirect", "Most farmers", "the new dam will flood their fields") in units(
            "Most farmers suspect the new dam will flood their fields.")

    def test_intention_with_to(self) -> None:
        assert ("indirect", "The harbour board", "to reopen the north pier by spring") in units(
            "The harbour board refused to reopen the north pier by spring.")

    def test_stance_object(self) -> None:
        assert ("indirect", "The union", "the longer shifts") in units(
            "The union opposed the longer shifts.")

    def test_noun_with_that_clause(self) -> None:
        got = units("Nobody shared the mayor's belief that the bridge would hold.")
        assert ("indirect", "the mayor", "that the bridge would hold") in got

    def test_default_units_are_kept(self) -> None:
        text = ("“We will not move,” the mayor said on Tuesday. Most farmers suspect the "
                "new dam will flood their fields.\n\nHe went home.")
        base = segment(text)
        hybrid = segment_parsed(text)
        assert all(q in hybrid for q in base)
        assert len(hybrid) > len(base)

    def test_nothing_reported(self) -> None:
        assert units("The ferry left the harbour at noon.") == []
        assert segment_parsed("") == [] and segment_parsed("   ") == []

    @pytest.mark.parametrize("text", [
        "Most farmers suspect the new dam will flood their fields, the mayor said.",
        "“Out!” he said. The board, which wants to sell the pier, denied it.\n\n“No,” she said.",
        "Ruiz said “the pier” is safe and vowed to keep it open; critics doubt it.",
        "said said said that that believe “ ” « »",
        "\x00\ud800 said “x” \U0010ffff. Officials believe 😀 will fail.",
    ])
    def test_invariants(self, text: str) -> None:
        check(text)

    def test_cli_engine_parse(self, tmp_path: Path) -> None:
        src = tmp_path / "a.txt"
        src.write_text("Most farmers suspect the new dam will flood their fields.",
                       encoding="utf-8")
        out = tmp_path / "o.jsonl"
        r = CliRunner().invoke(main, ["segment", str(src), "-o", str(out), "--engine",
                                      "parse", "-q"])
        assert r.exit_code == 0, r.output
        rec = json.loads(out.read_text(encoding="utf-8"))
        assert [q["speaker"] for q in rec["quotes"]] == ["Most farmers"]
        default = tmp_path / "d.jsonl"
        r = CliRunner().invoke(main, ["segment", str(src), "-o", str(default), "-q"])
        assert r.exit_code == 0 and json.loads(default.read_text())["quotes"] == []


@pytest.mark.usefixtures("model")
@given(st.one_of(anything, quote_heavy))
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_any_string_keeps_the_invariants(text: str) -> None:
    check(text)
