"""The dataset rows (no server): every column a user reads, against the votes it came from.

Records are built here as a pull would build them; the rows' aggregate columns are
checked against :func:`labeling.annotations.aggregate.aggregate` run on the same votes
as plain :class:`Vote` objects (another path than the Arrow one the pull takes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from labeling.annotations.aggregate import aggregate
from labeling.annotations.records import (
    Span,
    TaskRecord,
    item_key,
    pseudonym,
    votes_of,
)
from labeling.dataset.rows import (
    GLOBAL_COLUMNS,
    QUOTE_TYPES,
    clusters_of,
    features,
    finish,
    rows_table,
    task_schema,
    text_sha1,
    units_digest,
    units_of_table,
    units_of_tasks,
    vote_table,
)

from .row_helpers import PROJECT, TARGETS, ann, record, schema


def spammer_records() -> list[TaskRecord]:
    """Three careful annotators (1-3) who agree with a hidden truth, and two spammers (8, 9)
    who always answer AGAINST: on items where only one careful annotator voted, Dawid-Skene
    trusts the careful vote and majority follows the spammers."""
    rng = np.random.default_rng(5)
    labels = ["FAVOR", "AGAINST", "NONE"]
    out = []
    for i in range(40):
        truth = labels[int(rng.integers(0, 3))]
        careful = [1, 2, 3] if i < 30 else [1 + i % 3]
        anns = [ann(10 * i + k, w, {"ground_troops": truth, "military_aid": "NONE"})
                for k, w in enumerate(careful)]
        anns += [ann(10 * i + 5 + k, s, {"ground_troops": "AGAINST", "military_aid": "AGAINST"})
                 for k, s in enumerate((8, 9))]
        out.append(record(i, anns))
    return out


@dataclass
class D:
    label: str
    adjudicator: str


@pytest.mark.parametrize("method", ["majority", "dawid_skene"])
def test_stance_columns_follow_the_schemas_aggregation(method: str) -> None:
    sch = schema(method)
    recs = spammer_records()
    table, vt = finish(rows_table(recs, sch, PROJECT), sch, None,
                       {f"q{i}": f"c{i}" for i in range(40)})
    rows = table.to_pylist()
    expected = aggregate(votes_of(recs, sch, PROJECT), sch.label_names, method)
    assert len(rows) == 80
    differs = 0
    for r in rows:
        agg = expected[item_key(r["quote_id"], r["target"])]
        want = -1 if agg.label is None else sch.label_names.index(agg.label)
        assert r["stance"] == want
        assert r["stance_before_adjudication"] == want
        assert r["stance_tie"] == agg.tie
        assert r["aggregation"] == method
        assert r["n_votes"] == agg.n_votes
        assert r["soft_label"] == pytest.approx(list(agg.soft), abs=1e-6)
        assert r["item_agreement"] == pytest.approx(agg.agreement, abs=1e-6)
        assert r["near_dup_cluster"] == "c" + r["quote_id"][1:]
        maj = aggregate(votes_of(recs, sch, PROJECT), sch.label_names, "majority")
        differs += maj[item_key(r["quote_id"], r["target"])].label != agg.label
    assert (differs > 0) == (method == "dawid_skene")
    assert len(vt.items) == 80 and vt.groups == TARGETS


def test_ties_votes_skips_and_adjudication() -> None:
    sch = schema()
    recs = [
        record(0, [ann(1, 1, {"ground_troops": "FAVOR"}), ann(2, 2, {"ground_troops": "AGAINST"}),
                   ann(3, 3, {}, skipped=True)]),
        record(1, [ann(4, 1, {"ground_troops": "NONE", "military_aid": "FAVOR"}),
                   ann(5, 2, {"ground_troops": "NONE", "military_aid": "FAVOR"})]),
        record(2, []),
    ]
    decisions = {("q0", "ground_troops"): D("AGAINST", "ann-boss"),
                 ("q1", "military_aid"): D("NOT-A-LABEL", "ann-boss")}
    table, _ = finish(rows_table(recs, sch, PROJECT), sch, decisions,
                      {"q0": "c0", "q1": "c1", "q2": "c2"})
    rows = {(r["quote_id"], r["target"]): r for r in table.to_pylist()}
    tied = rows[("q0", "ground_troops")]
    assert tied["stance_tie"] and tied["stance_before_adjudication"] == -1
    assert tied["stance"] == 1 and tied["adjudicated"] and tied["adjudicator"] == "ann-boss"
    assert tied["n_votes"] == 2 and tied["item_agreement"] == pytest.approx(0.5)
    # a skip is a vote on every target; a target left unanswered is no vote
    assert [v["skipped"] for v in tied["votes"]] == [False, False, True]
    only_skip = rows[("q0", "military_aid")]
    assert [v["skipped"] for v in only_skip["votes"]] == [True]
    assert only_skip["stance"] == -1 and not only_skip["stance_tie"] and only_skip["n_votes"] == 0
    assert only_skip["item_agreement"] is None and only_skip["soft_label"] == [0.0, 0.0, 0.0]
    # an adjudicated label outside the schema is ignored
    kept = rows[("q1", "military_aid")]
    assert kept["stance"] == 0 and not kept["adjudicated"] and kept["adjudicator"] is None
    none = rows[("q2", "ground_troops")]
    assert none["votes"] == [] and none["stance"] == -1 and none["n_votes"] == 0


def test_unit_columns_and_vote_structs() -> None:
    sch = schema()
    spans = (Span("SPEAKER", 0, 12, "The minister", True), Span("QUOTE", 40, 50, "x", True),
             Span("QUOTE", 20, 30, "y", False), Span("CUE", 13, 17, "said", True))
    rec = record(3, [ann(7, 5, {"ground_troops": "FAVOR"}, spans=spans,
                         flags=("wrong_speaker",), lead=None, shown=True),
                     ann(8, 6, {"ground_troops": "FAVOR"}, flags=("not_a_quote", "wrong_speaker"))],
                 dups=2, qtype="mixed")
    table, _ = finish(rows_table([rec], sch, PROJECT), sch, None,
                      {"q3": "k", "q3-d0": "k", "q3-d1": "k"})
    rows = table.to_pylist()
    assert len(rows) == 6  # the unit and its two copies, x two targets
    r = rows[0]
    d = rec.data
    assert (r["quote_id"], r["article_id"], r["target"], r["target_name"]) == (
        "q3", "a1", "ground_troops", sch.target("ground_troops").name)
    assert (r["title"], r["source"], r["published"], r["url"]) == ("T3", "lemonde", "2024-02-27",
                                                                  "u3")
    assert r["context"] == d["context"] and r["context_start"] == 30
    assert r["context_end"] == 30 + len(d["context"]) and r["context_sha1"] == text_sha1(d["context"])
    assert (r["quote"], r["quote_start"], r["quote_end"]) == (d["quote"], d["quote_start"],
                                                              d["quote_end"])
    assert r["quote_parts"] == d["parts"] and QUOTE_TYPES[r["quote_type"]] == "mixed"
    assert (r["speaker"], r["speaker_name"], r["speaker_start"], r["speaker_end"]) == (
        "The minister", "Jean Dupont", 30, 42)
    assert (r["cue"], r["cue_start"], r["cue_end"]) == ("said", 43, 47)
    assert r["not_a_quote_votes"] == 1 and r["wrong_speaker_votes"] == 2
    assert r["propagated_from"] is None and r["task_id"] == 103
    assert r["stance"] == 0 and r["n_votes"] == 2
    v = r["votes"][0]
    assert v["annotator"] == pseudonym(PROJECT, 5) != "5"
    assert v["stance"] == 0 and v["lead_time"] is None and v["suggestion_shown"] is True
    assert v["flags"] == ["wrong_speaker"] and v["confidence"] is None and v["note"] == "n7"
    assert v["quote_spans"] == [[20, 30], [40, 50]]
    assert (v["speaker_start"], v["speaker_end"], v["speaker_text"]) == (0, 12, "The minister")
    assert (v["cue_start"], v["cue_end"]) == (13, 17)
    assert v["spans_ok"] is False
    assert [s["label"] for s in v["spans"]] == ["SPEAKER", "CUE", "QUOTE", "QUOTE"]
    w = r["votes"][1]
    assert w["confidence"] == 3 and w["spans_ok"] is True and w["speaker_start"] is None
    assert w["lead_time"] == pytest.approx(2.0)
    # the copies carry the representative's votes and aggregate, and point to it
    copy = rows[2]
    assert copy["quote_id"] == "q3-d0" and copy["propagated_from"] == "q3"
    assert copy["article_id"] == "dup3-0" and copy["stance"] == 0 and copy["votes"] == r["votes"]
    military = rows[1]
    assert military["votes"] == [] and military["stance"] == -1


def test_vote_table_reads_back_the_votes() -> None:
    sch = schema()
    recs = spammer_records()[:6]
    vt, item = vote_table(rows_table(recs, sch, PROJECT), sch)
    votes = votes_of(recs, sch, PROJECT)
    assert len(vt) == len(votes)
    got = sorted((vt.items[i], vt.annotators[a], vt.labels[lab])
                 for i, a, lab in zip(vt.item, vt.annotator, vt.label, strict=True))
    assert got == sorted((v.item, v.annotator, v.label or "") for v in votes)
    assert list(vt.annotators) == sorted(vt.annotators)
    assert item.tolist() == list(range(12))
    assert [float(x) for x in vt.lead_time] == [2.0] * len(votes)


def test_schemas_and_units() -> None:
    sch = schema()
    feats = features(sch)
    assert feats["stance"].names == sch.label_names
    assert feats["quote_type"].names == QUOTE_TYPES
    ts = task_schema(sch)
    assert not set(GLOBAL_COLUMNS) & set(ts.names)
    assert set(ts.names) | set(GLOBAL_COLUMNS) == set(feats)
    recs = [record(1, [], dups=1), record(2, [])]
    table = rows_table(recs, sch, PROJECT)
    units = units_of_table(table)
    assert units == {"q1": ("we will send 1 brigades", None),
                     "q1-d0": ("we will send 1 brigades", "q1"),
                     "q2": ("we will send 2 brigades", None)}
    tasks: list[dict[str, Any]] = [{"id": r.task_id, "data": r.data} for r in recs]
    tasks.append({"id": 9, "data": {"text": "not ours"}})
    assert units_of_tasks(tasks) == units


def tl(a: np.ndarray[Any, Any]) -> list[Any]:
    """An array as a list (numpy's stubs type ``tolist`` as a scalar)."""
    return list(a.tolist())


def test_missing_unit_fields_get_empty_defaults() -> None:
    sch = schema()
    rec = TaskRecord(task_id=7, data={"quote_id": "bare", "quote_type": "unknown-kind"},
                     annotations=(), updated_at="x")
    table, _ = finish(rows_table([rec], sch, PROJECT), sch, None, {"bare": "c"})
    r = table.to_pylist()[0]
    assert (r["article_id"], r["title"], r["source"], r["published"], r["url"], r["context"],
            r["quote"]) == ("", "", "", "", "", "", "")
    assert r["context_start"] is None and r["context_end"] == 0
    assert r["quote_type"] == -1  # a quote type outside QUOTE_TYPES: no class
    assert r["not_a_quote_votes"] == 0 and r["wrong_speaker_votes"] == 0
    direct = rows_table([record(1, [], qtype="direct")], sch, PROJECT).column("quote_type")
    assert direct.to_pylist()[0] == QUOTE_TYPES.index("direct") == 0


def test_votes_outside_the_labels_and_skips_with_stances() -> None:
    sch = schema()
    recs = [record(0, [ann(1, 1, {"ground_troops": "MAYBE"}),
                       ann(2, 2, {"ground_troops": "FAVOR"}, skipped=True)])]
    table, vt = finish(rows_table(recs, sch, PROJECT), sch, None, {"q0": "c"})
    row = table.to_pylist()[0]
    assert [v["stance"] for v in row["votes"]] == [-1, -1]  # no class for either
    assert row["n_votes"] == 0 and row["stance"] == -1
    # the skip is a skip on both targets; "MAYBE" is no vote at all
    assert tl(vt.label) == [-1, -1] and len(set(tl(vt.annotator))) == 1


def test_vote_spans_keep_every_field_and_items_their_target() -> None:
    sch = schema()
    spans = (Span("QUOTE", 20, 30, "y", True), Span("SPEAKER", 0, 12, "The minister", True))
    recs = [record(0, [ann(1, 1, {"ground_troops": "FAVOR", "military_aid": "NONE"},
                           spans=spans)])]
    table = rows_table(recs, sch, PROJECT)
    vote = table.to_pylist()[0]["votes"][0]
    assert vote["spans"] == [{"label": "SPEAKER", "start": 0, "end": 12, "text": "The minister"},
                             {"label": "QUOTE", "start": 20, "end": 30, "text": "y"}]
    vt, _ = vote_table(table, sch)
    assert vt.item_group is not None
    assert [vt.groups[g] for g in vt.item_group] == [i.rsplit("|", 1)[1] for i in vt.items]


def test_a_propagated_row_without_its_representative_is_refused() -> None:
    sch = schema()
    table = rows_table([record(0, [ann(1, 1, {"ground_troops": "FAVOR"})], dups=1)], sch,
                       PROJECT)
    orphan = table.filter(pc.is_valid(table.column("propagated_from")))  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="propagated quote's representative has no row"):
        finish(orphan, sch, None, {"q0-d0": "c"})


def test_adjudication_of_a_quote_id_holding_the_separator() -> None:
    sch = schema()
    rec = record(0, [ann(1, 1, {"ground_troops": "FAVOR"})])
    rec = TaskRecord(task_id=1, data={**rec.data, "quote_id": "q|0"},
                     annotations=rec.annotations, updated_at="x")
    table, _ = finish(rows_table([rec], sch, PROJECT), sch,
                      {("q|0", "ground_troops"): D("NONE", "boss")}, {"q|0": "c"})
    row = table.to_pylist()[0]
    assert row["stance"] == 2 and row["adjudicated"] and row["stance_before_adjudication"] == 0


def test_no_task_rows_give_an_empty_dataset_table() -> None:
    sch = schema()
    table, vt = finish(rows_table([], sch, PROJECT), sch, None, {})
    assert table.num_rows == 0 and len(vt) == 0
    assert table.schema == features(sch).arrow_schema


def test_text_hash_of_unpaired_surrogates_and_units_of_odd_tasks() -> None:
    # A lone surrogate (a broken emoji in a scraped page) still hashes, as its UTF-8 bytes.
    assert text_sha1("a\ud800") == hashlib.sha1(b"a\xed\xa0\x80").hexdigest()
    tasks: list[dict[str, Any]] = [{"id": 1, "data": {"text": "not ours"}},
                                   {"id": 2, "data": {"quote_id": "q", "duplicates": [
                                       {"quote_id": "d"}]}}]
    assert units_of_tasks(tasks) == {"q": ("", None), "d": ("", "q")}
    table = rows_table([TaskRecord(task_id=2, data=tasks[1]["data"], annotations=(),
                                   updated_at="x")], schema(), PROJECT)
    assert units_of_table(table) == {"q": ("", None), "d": ("", "q")}


def test_votes_record_the_suggestion_and_rows_only_the_asked_targets() -> None:
    sch = schema()
    a = replace(ann(1, 1, {"military_aid": "NONE"}),
                suggested={"military_aid": "AGAINST", "ground_troops": "MAYBE"})
    rec = record(0, [a, ann(2, 2, {"military_aid": "FAVOR"})])
    rec = replace(rec, data={**rec.data, "targets": ["military_aid"]})
    rows = rows_table([rec], sch, PROJECT).to_pylist()
    assert [r["target"] for r in rows] == ["military_aid"]
    assert [v["suggested"] for v in rows[0]["votes"]] == [1, -1]  # AGAINST; none


def test_clusters_join_copies_to_their_representative() -> None:
    long = "we will send troops to the front before the end of the year"
    units = {"q1": (long, None), "q2": (long, None), "q3": ("nothing to do with it at all here", None),
             "q1-d0": ("a different text entirely for the copy", "q1")}
    got = clusters_of(units, 0.7)
    assert set(got) == set(units)
    assert got["q1"] == got["q2"] == got["q1-d0"] != got["q3"]


def test_units_digest_changes_with_what_the_clusters_depend_on() -> None:
    units = {"q1": ("a", None), "q2": ("b", None), "d": ("a", "q1")}
    key = units_digest(units, 0.7)
    assert units_digest(dict(reversed(list(units.items()))), 0.7) == key  # order-free
    assert units_digest({**units, "q2": ("changed text", None)}, 0.7) == key  # an id names its text
    assert units_digest(units, 0.8) != key
    assert units_digest({**units, "d": ("a", "q2")}, 0.7) != key
    assert units_digest({**units, "d": ("a", None)}, 0.7) != key
    assert units_digest({**units, "q4": ("c", None)}, 0.7) != key
    assert len(key) == 64 and int(key, 16) >= 0


def test_cluster_threshold_is_the_callers() -> None:
    # Two wordings of one statement: near-duplicates at a loose threshold, not at 0.7.
    a = "we will send troops to the front before the end of the year no matter what"
    b = "we will send troops to the front before the end of this year whatever happens"
    units: dict[str, tuple[str, str | None]] = {"a": (a, None), "b": (b, None)}
    loose, strict = clusters_of(units, 0.4), clusters_of(units, 0.7)
    assert loose["a"] == loose["b"] and strict["a"] != strict["b"]


def test_vote_table_reads_missing_vote_fields_and_rounds_lead_times() -> None:
    sch = schema()
    recs = [record(0, [ann(1, 1, {"ground_troops": "FAVOR"}, lead=1.23456),
                       ann(2, 2, {"ground_troops": "AGAINST"}),
                       ann(3, 3, {"ground_troops": "NONE"})])]
    rows = rows_table(recs, sch, PROJECT).to_pylist()
    votes = rows[0]["votes"]
    votes[1]["stance"] = None  # an older dataset's vote without a stance: no vote
    votes[2]["skipped"] = None  # without a skipped flag: not a skip
    votes[2]["annotator"] = None
    table = pa.Table.from_pylist(rows, schema=task_schema(sch))
    vt, _ = vote_table(table, sch)
    assert tl(vt.label) == [0, 2] and [vt.annotators[a] for a in vt.annotator][1] == ""
    # lead times are stored as float32: back to the millisecond the server records
    assert float(vt.lead_time[0]) == 1.235


def test_a_quote_and_target_twice_is_refused_with_the_reason() -> None:
    sch = schema()
    table = rows_table([record(0, []), record(0, [])], sch, PROJECT)
    with pytest.raises(ValueError, match=r"^the task rows hold a quote x target twice$"):
        vote_table(table, sch)
    orphan = rows_table([record(0, [], dups=1)], sch, PROJECT)
    orphan = orphan.filter(pc.is_valid(orphan.column("propagated_from")))  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"^a propagated quote's representative has no row$"):
        finish(orphan, sch, None, {"q0-d0": "c"})
