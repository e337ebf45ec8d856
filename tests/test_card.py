"""The dataset card shows every figure of ``stats.json`` it claims to, each where it belongs."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest

from labeling.dataset.card import render_card
from labeling.schema import StanceSchema, load_schema, parse_schema

from .helpers import CONFIG


def schema(**over: Any) -> StanceSchema:
    data = load_schema(CONFIG).model_dump()
    data.update(over)
    return parse_schema(data)


STATS: dict[str, Any] = {
    "tool": "stance-labeling 9.9.9",
    "project": {"title": "Troops project"},
    "aggregation": "dawid_skene",
    "adjudicated_rows": 4,
    "with_text": True,
    "counts": {"annotations": 321, "skipped_annotations": 17, "rows_labelled": 88, "rows": 101,
               "rows_tied": 9, "rows_without_votes": 4, "articles": 23,
               "per_split": {"train": 61, "validation": 20, "test": 20},
               "near_dup_clusters_with_several_quotes": 6},
    "splits": {"grouped_by": "article_id", "seed": 13,
               "fractions": {"train": 0.6, "validation": 0.2, "test": 0.2},
               "stratified_by": "target x stance", "held_out_targets": ["military_aid"],
               "held_out_outlets": ["bbc", "afp"]},
    "agreement": {
        "alpha": {"alpha": 0.61234, "low": 0.50011, "high": 0.70099, "items": 77},
        "alpha_by_group": {
            "ground_troops": {"alpha": 0.71111, "low": 0.6, "high": 0.8, "items": 40},
            "military_aid": {"alpha": 0.42222, "low": None, "high": None, "items": 2},
        },
        "fleiss_kappa": 0.55555,
        "annotators": [{"annotator": "ann-1"}, {"annotator": "ann-2"}, {"annotator": "ann-3"}],
    },
}


class DD(dict[str, Any]):
    """Only the split names matter to the card."""


SPLITS = DD(train=None, validation=None, test=None)


def test_every_agreement_figure_is_on_the_card() -> None:
    card = render_card(schema(), copy.deepcopy(STATS), SPLITS)
    assert "all targets: 0.612 (95 % CI 0.500 to 0.701)" in card
    assert "  - `ground_troops`: 0.711 (95 % CI 0.600 to 0.800)" in card
    assert "  - `military_aid`: 0.422\n" in card  # no interval: the value alone
    assert "Fleiss' kappa (fully overlapped items): 0.556" in card
    assert "3 annotators, identified by pseudonyms only" in card
    assert "Annotations: 321 (17 skipped)" in card
    assert "rows with a majority label: 88 of 101, tied: 9, without votes: 4" in card
    assert "Aggregation: dawid_skene" in card
    assert "Adjudicated rows: 4." in card


def test_missing_figures_say_so() -> None:
    stats = copy.deepcopy(STATS)
    stats["agreement"] = {"alpha": {"alpha": None, "low": None, "high": None},
                          "alpha_by_group": {"ground_troops": {"alpha": None}},
                          "fleiss_kappa": None}
    card = render_card(schema(), stats, SPLITS)
    assert "all targets: n/a" in card
    assert "  - `ground_troops`: n/a" in card
    assert "Fleiss" not in card
    assert "0 annotators" in card


def test_structure_splits_and_licence() -> None:
    sch = schema(license="cc-by-4.0")
    card = render_card(sch, copy.deepcopy(STATS), SPLITS)
    head = card.split("\n---\n")[0]
    assert "license: cc-by-4.0" in head and "pretty_name: Western troops for Ukraine" in head
    for split in ("train", "validation", "test"):
        assert f"  - split: {split}\n    path: {split}/*.arrow" in head
    for t in sch.targets:
        assert f"| `{t.id}` | {t.name} |" in card
    for lab in sch.labels:
        assert f"- **{lab.value}**: {lab.hint}" in card
    assert "`stance` is a `ClassLabel` with names `FAVOR`, `AGAINST`, `NONE`" in card
    assert "| train | 61 |\n| validation | 20 |\n| test | 20 |" in card
    assert "grouped by `article_id`" in card and "Seeded (13)" in card
    assert "stratified by target x stance" in card
    assert "held-out targets in `test`: military_aid" in card
    assert "held-out outlets in `test`: bbc, afp" in card
    assert "Near-duplicate clusters with several quotes: 6." in card
    assert "23 news articles" in card and "3 per item" in card
    assert "Troops project" in card and "stance-labeling 9.9.9" in card
    assert "copyright-safe" not in card


@pytest.mark.parametrize("what", ["stratified_by", "held_out_targets", "held_out_outlets"])
def test_split_options_only_when_used(what: str) -> None:
    stats = copy.deepcopy(STATS)
    stats["splits"][what] = None if what == "stratified_by" else []
    card = render_card(schema(), stats, SPLITS)
    word = {"stratified_by": "stratified by", "held_out_targets": "held-out targets",
            "held_out_outlets": "held-out outlets"}[what]
    assert word not in card


def test_copyright_safe_copy_says_how_to_hydrate() -> None:
    stats = copy.deepcopy(STATS)
    stats["with_text"] = False
    card = render_card(schema(), stats, SPLITS)
    assert "copyright-safe" in card and "labeling hydrate" in card


def test_guidelines_are_quoted_line_by_line() -> None:
    card = render_card(schema(guidelines="First rule.\n\nSecond rule."), copy.deepcopy(STATS),
                       SPLITS)
    assert "> First rule.\n>\n> Second rule." in card


# ------------------------------------------------------------------ the whole card, pinned
SUGGESTIONS: dict[str, Any] = {
    "show": "ab",
    "model_as_coder": {"agreement": 0.8125, "items": 16,
                       "per_target": {"ground_troops": {"agreement": 0.75, "items": 8},
                                      "military_aid": {"agreement": 0.875, "items": 8}}},
    "anchoring": {"effect": 0.125, "agreement_shown": 0.75, "agreement_hidden": 0.625,
                  "votes_shown": 40, "votes_hidden": 32, "ci95": [-0.05, 0.3]},
}
EXPECTED = Path(__file__).parent / "data" / "card.md"


def test_the_whole_card_reads_as_reviewed() -> None:
    """Every sentence of the card a researcher publishes, for fixed figures.

    ``tests/data/card.md`` was read line by line when written; a change of wording must
    update it on purpose (``STANCE_LABELING_WRITE_CARD=1`` rewrites it), and every
    figure in it is one of ``STATS``/``SUGGESTIONS`` above.
    """
    stats = copy.deepcopy(STATS)
    stats["suggestions"] = copy.deepcopy(SUGGESTIONS)
    card = render_card(schema(), stats, SPLITS)
    if os.environ.get("STANCE_LABELING_WRITE_CARD") == "1":
        EXPECTED.parent.mkdir(exist_ok=True)
        EXPECTED.write_text(card, encoding="utf-8")
    assert card == EXPECTED.read_text(encoding="utf-8")


def test_suggestion_figures() -> None:
    stats = copy.deepcopy(STATS)
    stats["suggestions"] = copy.deepcopy(SUGGESTIONS)
    card = render_card(schema(), stats, SPLITS)
    assert "### Model suggestions" in card and "show: `ab`" in card
    assert "81.2 % agreement on 16 items" in card
    assert "  - `ground_troops`: 75.0 % on 8 items" in card
    assert "  - `military_aid`: 87.5 % on 8 items" in card
    assert ("75.0 % of the time when it was shown (40 votes), 62.5 % when hidden (32); "
            "effect +12.5 points (95 % bootstrap CI -5.0 % to 30.0 %)") in card
    assert "not out of the server" in card  # ab: some were hidden
    stats["suggestions"]["show"] = "prefill"  # now, but some votes were made hidden
    assert "not out of the server" in render_card(schema(), stats, SPLITS)
    stats["suggestions"]["anchoring"]["votes_hidden"] = 1  # one is enough
    assert "not out of the server" in render_card(schema(), stats, SPLITS)
    stats["suggestions"]["anchoring"]["votes_hidden"] = 0
    assert "not out of the server" not in render_card(schema(), stats, SPLITS)
    for show in ("hidden", "ab"):  # the mode alone says so, before any vote
        stats["suggestions"]["show"] = show
        assert ("- Hidden suggestions were kept out of the label stream, not out of the "
                "server: an annotator who opened the Data Manager's prediction columns or "
                "the API could read them.") in render_card(schema(), stats, SPLITS)
    stats["suggestions"]["anchoring"] = {"effect": None}
    assert "Anchoring" not in render_card(schema(), stats, SPLITS)
    # one arm only: its agreement, and (shown only) that anchoring was not measured
    stats["suggestions"]["anchoring"] = {"effect": None, "agreement_shown": 0.9,
                                         "votes_shown": 10}
    card = render_card(schema(), stats, SPLITS)
    assert ("- Votes agree with the suggestion they were shown 90.0 % of the time (10 votes). "
            "No vote was made with the suggestion hidden, so how much showing it swayed the "
            "annotators (anchoring) is not measured (`show: ab` measures it).") in card
    stats["suggestions"]["anchoring"] = {"effect": None, "agreement_hidden": 0.5,
                                         "votes_hidden": 4}
    card = render_card(schema(), stats, SPLITS)
    assert "Votes agree with the suggestion, which they were not shown, 50.0 % of the time " \
        "(4 votes)" in card and "is not measured" not in card
    assert "### Model suggestions" not in render_card(schema(), copy.deepcopy(STATS), SPLITS)
