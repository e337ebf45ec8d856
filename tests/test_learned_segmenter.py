"""The learned segmenter layer: train on our own sentences, load, segment, refuse bad folders.

Every text here is written for this file. The gold teaches two things the rules get wrong:
"In the view of NAME, CLAUSE." is an attribution (the rules find none), and "NAME wants a
THING." is not one (the rules make it an indirect unit).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

pytest.importorskip("pycrfsuite")

from labeling.cli.app import main  # noqa: E402
from labeling.corpus.batch import segment_record  # noqa: E402
from labeling.errors import InputError  # noqa: E402
from labeling.learn.model import load_model, read_manifest, train_model  # noqa: E402
from labeling.segmenter import segment  # noqa: E402
from labeling.segmenter.learned import Paragraph  # noqa: E402

from .helpers import CONFIG, RunningStudio  # noqa: E402

NAMES = ["Tom Baker", "Anna Berg", "Lena Hart", "Omar Vance", "Ruth Cole", "Ivan Petrov",
         "Sara Lind", "Paul Okafor", "Mia Chen", "Karl Weber", "Nora Quinn", "Eli Stone"]
CLAUSES = ["the harbour is too small for the ferries", "the new tax will hurt farmers",
           "the bridge needs urgent repairs", "the school board acted too late",
           "the river will flood again this year", "the museum should open on Sundays",
           "the budget leaves nothing for parks", "the trains run too slowly at night",
           "the election was fair and calm", "the hospital lacks nurses in winter",
           "the market square is too noisy", "the old mill could become a library"]
THINGS = ["a new bicycle", "a bigger garden", "a red car", "a quiet office", "a warm coat",
          "a faster computer", "a second dog", "a larger kitchen", "a blue boat",
          "a long holiday", "a new piano", "a wooden desk"]
# Held out: never in the training data.
NEW_VIEW = "In the view of Greta Holm, the ferry timetable is far too thin."
NEW_WANT = "Hugo Brandt wants a new tractor."


def _unit(text: str, content: str, speaker: str | None, cue: str | None) -> dict[str, Any]:
    a = text.index(content)
    q: dict[str, Any] = {"start": a, "end": a + len(content), "type": "indirect"}
    for role, s in (("speaker", speaker), ("cue", cue)):
        if s:
            b = text.index(s)
            q.update({role: s, f"{role}_start": b, f"{role}_end": b + len(s)})
    return q


def gold_docs() -> list[dict[str, Any]]:
    docs = []
    for i, (name, clause, thing) in enumerate(zip(NAMES, CLAUSES, THINGS, strict=True)):
        view = f"In the view of {name}, {clause}."
        said = f"{name} said that {CLAUSES[(i + 3) % len(CLAUSES)]}."
        want = f"{NAMES[(i + 5) % len(NAMES)]} wants {thing}."
        text = f"{view}\n\n{want}\n\n{said}"
        docs.append({"doc_id": f"d{i}", "text": text, "quotes": [
            _unit(text, clause, name, "In the view of"),
            _unit(text, CLAUSES[(i + 3) % len(CLAUSES)], name, "said"),
        ]})
    return docs


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("learn")
    src = tmp / "gold.jsonl"
    src.write_text("".join(json.dumps(d) + "\n" for d in gold_docs()), encoding="utf-8")
    out = tmp / "model"
    res = CliRunner().invoke(main, ["segmenter", "train", str(src), "-o", str(out),
                                    "--folds", "3"])
    assert res.exit_code == 0, res.output
    return out


def test_the_rules_get_the_held_out_sentences_wrong() -> None:
    # The premise of the next test: the rules miss the view and take the want.
    assert segment(NEW_VIEW) == []
    assert [q.text for q in segment(NEW_WANT)] == ["a new tractor"]


def test_train_writes_a_manifest_with_hash_and_cross_validated_figures(model_dir: Path) -> None:
    m = read_manifest(model_dir)
    assert m["format_version"] == 1
    assert m["features"].startswith("crf-tokens")
    assert len(m["training_data"]["sha256"]) == 64
    assert m["training_data"]["documents"] == len(NAMES)
    cv = m["cross_validation"]
    assert cv["folds"] == 3
    # Cross-validated on our sentences, the model beats the rules, which miss half the gold.
    assert cv["model"]["f1"] > cv["rules"]["f1"]
    assert (model_dir / "model.crfsuite").is_file()


def test_the_model_adds_a_unit_the_rules_miss_and_drops_a_wrong_one(model_dir: Path) -> None:
    model = load_model(model_dir)
    text = f"{NEW_VIEW}\n\n{NEW_WANT}"
    units = model.segment(text)
    assert [q.text for q in units] == ["the ferry timetable is far too thin"]
    q = units[0]
    assert q.speaker == "Greta Holm"
    for a, b, s in ((q.start, q.end, q.text), (q.speaker_start, q.speaker_end, q.speaker)):
        assert a is not None and b is not None and text[a:b] == s
    assert q.paragraph_start == 0 and text[q.paragraph_start:q.paragraph_end] == NEW_VIEW


def test_segment_with_and_without_model(model_dir: Path, tmp_path: Path) -> None:
    art = tmp_path / "arts"
    art.mkdir()
    text = f"{NEW_VIEW}\n\n{NEW_WANT}\n\n“We stay,” Macron said."
    (art / "a1.txt").write_text(text, encoding="utf-8")
    runner = CliRunner()
    plain, learned = tmp_path / "plain.jsonl", tmp_path / "learned.jsonl"
    assert runner.invoke(main, ["segment", str(art), "-o", str(plain), "-q"]).exit_code == 0
    res = runner.invoke(main, ["segment", str(art), "-o", str(learned), "-q",
                               "--model", str(model_dir)])
    assert res.exit_code == 0, res.output
    # Without --model: byte for byte the rule engine's output, also after a --model run.
    again = tmp_path / "again.jsonl"
    assert runner.invoke(main, ["segment", str(art), "-o", str(again), "-q"]).exit_code == 0
    expected = json.dumps(segment_record("a1", text), ensure_ascii=False) + "\n"
    assert plain.read_text(encoding="utf-8") == expected == again.read_text(encoding="utf-8")
    assert json.loads(expected)["quotes"] == [q.to_dict() for q in segment(text)]
    record = json.loads(learned.read_text(encoding="utf-8"))
    sha = read_manifest(model_dir)["weights_sha256"]
    assert record["segmenter"]["engine"] == f"model:{sha[:12]}"  # which model made them
    units = record["quotes"]
    assert [u["text"] for u in units] == ["the ferry timetable is far too thin", "“We stay,”"]
    for u in units:
        assert text[u["start"]:u["end"]] == u["text"]
    # Two processes give the same output as one.
    two = tmp_path / "two.jsonl"
    (art / "a2.txt").write_text(NEW_VIEW, encoding="utf-8")
    one = tmp_path / "one.jsonl"
    assert runner.invoke(main, ["segment", str(art), "-o", str(one), "-q", "--model",
                                str(model_dir)]).exit_code == 0
    assert runner.invoke(main, ["segment", str(art), "-o", str(two), "-q", "--num-proc", "2",
                                "--model", str(model_dir)]).exit_code == 0
    assert one.read_bytes() == two.read_bytes()


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    return dst


@pytest.mark.parametrize("damage, message", [
    ("weights", "SHA-256 differs"),
    ("version", "format_version 99"),
    ("features", "retrain the model"),
    ("manifest", "not valid JSON"),
    ("missing", "manifest.json: missing"),
])
def test_a_damaged_model_folder_is_refused_clearly(model_dir: Path, tmp_path: Path,
                                                   damage: str, message: str) -> None:
    bad = _copy(model_dir, tmp_path / "bad")
    mf = bad / "manifest.json"
    m = json.loads(mf.read_text(encoding="utf-8"))
    if damage == "weights":
        w = bytearray((bad / "model.crfsuite").read_bytes())
        w[len(w) // 2] ^= 0xFF
        (bad / "model.crfsuite").write_bytes(bytes(w))
    elif damage == "version":
        mf.write_text(json.dumps({**m, "format_version": 99}), encoding="utf-8")
    elif damage == "features":
        mf.write_text(json.dumps({**m, "features": "crf-tokens-v0"}), encoding="utf-8")
    elif damage == "manifest":
        mf.write_text(mf.read_text(encoding="utf-8")[:40], encoding="utf-8")
    else:
        mf.unlink()
    with pytest.raises(InputError, match=message):
        load_model(bad)
    art = tmp_path / "a.txt"
    art.write_text(NEW_VIEW, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(main, ["segment", str(art), "-o", str(out), "-q", "--model",
                                    str(bad)])
    assert res.exit_code == 1 and message in res.output
    assert not out.exists()  # nothing half-written


def test_bad_gold_lines_name_file_line_and_field(tmp_path: Path) -> None:
    src = tmp_path / "gold.jsonl"
    src.write_text(json.dumps(gold_docs()[0]) + "\n"
                   + json.dumps({"doc_id": "x", "text": "Short.", "quotes": [
                       {"start": 0, "end": 99}]}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"gold.jsonl:2: quote offsets \(0, 99\)"):
        train_model([src], tmp_path / "m", folds=0)
    assert not (tmp_path / "m").exists()


# ----------------------------------------------------------------------------- pulled exports
def _export(tmp: Path, with_text: bool = True) -> tuple[Path, list[str]]:
    """A pulled export written by the export code itself, from tasks of our articles.

    Every "wants" unit is flagged "not a quote" by both voters; one "said" unit had its
    span trimmed by a voter (its corrected span loses the final words); a task nobody
    voted on is ignored.
    """
    from labeling.annotations.records import ParsedAnnotation, Span, TaskRecord
    from labeling.dataset.build import write_export
    from labeling.schema import parse_schema

    sch = parse_schema({"title": "Learn", "targets": [{"id": "t", "name": "T"}],
                        "labels": [{"value": x} for x in ("FAVOR", "AGAINST", "NONE")],
                        "annotators_per_item": 2})
    records: list[Any] = []
    texts = []
    for i, (name, thing) in enumerate(zip(NAMES, THINGS, strict=True)):
        clause = CLAUSES[i]
        text = f"{name} wants {thing}.\n\n{NAMES[(i + 4) % len(NAMES)]} said that {clause}."
        texts.append(text)
        for k, q in enumerate(segment(text)):
            data = {"quote_id": f"a{i}-{k}", "article_id": f"a{i}", "context": text,
                    "context_start": 0, "quote": q.text, "quote_start": q.start,
                    "quote_end": q.end, "quote_type": q.type, "speaker": q.speaker,
                    "speaker_start": q.speaker_start, "speaker_end": q.speaker_end,
                    "cue": q.cue, "cue_start": q.cue_start, "cue_end": q.cue_end}
            wants = "wants" in text[q.sentence_start:q.sentence_end]
            spans: tuple[Span, ...] = ()
            if not wants and i == 0:  # the correction: the last two words are no content
                end = q.end - len(" ".join(clause.split()[-2:])) - 1
                spans = (Span("QUOTE", q.start, end, text[q.start:end], True),)
            anns = tuple(ParsedAnnotation(
                annotation_id=100 * i + 10 * k + v, annotator=v + 1, skipped=False,
                stances={"t": "NONE"}, spans=spans, flags=("not_a_quote",) if wants else (),
                confidence=None, note="", lead_time=3.0, updated_at="2026-01-01",
                ground_truth=False, suggestion_shown=True) for v in range(2))
            records.append(TaskRecord(task_id=len(records) + 1, data=data,
                                      annotations=anns if i != 1 else (),
                                      updated_at="2026-01-01"))
    out = tmp / "export"
    write_export(records, sch, {"id": 1, "title": "Learn"}, out, with_text=with_text)
    return out, texts


def test_a_pulled_export_gives_corrected_confirmed_and_negative_units(tmp_path: Path) -> None:
    from labeling.learn.gold import read_export

    export, texts = _export(tmp_path)
    docs = {d.doc_id: d for d in read_export(export)}
    assert "a1#0" not in docs  # nobody voted on article a1's tasks
    assert len(docs) == len(NAMES) - 1
    d0 = docs["a0#0"]
    assert d0.text == texts[0]
    # The "wants" unit is gone (not a quote); the "said" unit has the corrected span.
    [q] = d0.quotes
    assert d0.text[q["start"]:q["end"]] == "that the harbour is too small for"
    assert d0.text[q["speaker_start"]:q["speaker_end"]] == NAMES[4]
    [q2] = docs["a2#0"].quotes  # confirmed as the rules found it
    assert docs["a2#0"].text[q2["start"]:q2["end"]] == "that " + CLAUSES[2]


def test_train_on_a_pulled_export_drops_what_annotators_rejected(tmp_path: Path) -> None:
    export, _ = _export(tmp_path)
    out = tmp_path / "m"
    res = CliRunner().invoke(main, ["segmenter", "train", str(export), "-o", str(out),
                                    "--folds", "0"])
    assert res.exit_code == 0, res.output
    assert read_manifest(out)["training_data"]["sources"] == ["export"]
    text = f"{NEW_WANT}\n\nGreta Holm said that the ferry timetable is far too thin."
    assert [q.text for q in segment(text)][0] == "a new tractor"
    assert [q.text for q in load_model(out).segment(text)] == [
        "that the ferry timetable is far too thin"]


# ----------------------------------------------------------------------------- push
def test_push_with_a_model_imports_the_models_units(model_dir: Path, tmp_path: Path,
                                                   studio_server: RunningStudio,
                                                   project_title: str) -> None:
    art = tmp_path / "arts"
    art.mkdir()
    text = f"{NEW_VIEW}\n\n{NEW_WANT}\n\n“We stay,” Macron said."
    (art / "a1.txt").write_text(text, encoding="utf-8")
    runner = CliRunner(env=studio_server.env())
    res = runner.invoke(main, ["push", str(art), "--project", project_title, "--config",
                               str(CONFIG), "-q", "--model", str(model_dir)])
    assert res.exit_code == 0, res.output
    client = studio_server.client()
    pid = int(client.project(project_title)["id"])
    quotes = sorted(t["data"]["quote"] for t in client.iter_tasks(pid, include="id,data"))
    assert quotes == ["the ferry timetable is far too thin", "“We stay,”"]
    # A bad model folder stops the push before anything reaches the server.
    bad = tmp_path / "bad"
    bad.mkdir()
    res = runner.invoke(main, ["push", str(art), "--project", project_title + " 2",
                               "--config", str(CONFIG), "-q", "--model", str(bad)])
    assert res.exit_code == 1 and "manifest.json: missing" in res.output
    assert client.find_project(project_title + " 2") is None


def test_offsets_stay_exact_on_mixed_texts(model_dir: Path) -> None:
    """Our sentences shuffled into paragraphs with CRLF, emoji and non-breaking spaces."""
    import random

    model = load_model(model_dir)
    rnd = random.Random(7)
    pool = [d["text"] for d in gold_docs()] + [NEW_VIEW, NEW_WANT, "“We stay,” Macron said."]
    added = 0
    for _ in range(40):
        parts = rnd.sample(pool, 3)
        sep = rnd.choice(["\n\n", "\r\n\r\n", " 😀 ", "\u00a0"])
        text = sep.join(parts)
        last = 0
        rules = {(q.start, q.end) for q in segment(text)}
        for q in model.segment(text):
            added += (q.start, q.end) not in rules
            assert text[q.start:q.end] == q.text
            assert q.start >= last  # in order, never overlapping
            last = q.end
            for a, b, s in ((q.speaker_start, q.speaker_end, q.speaker),
                            (q.cue_start, q.cue_end, q.cue)):
                assert s is None or (a is not None and b is not None and text[a:b] == s)
            assert q.paragraph_start <= q.start <= q.end <= q.paragraph_end
    assert added >= 10  # the model's own units were checked, not only the rules'


def test_an_export_without_text_is_refused_clearly(tmp_path: Path) -> None:
    bare, _ = _export(tmp_path, with_text=False)  # `labeling pull --no-text`
    res = CliRunner().invoke(main, ["segmenter", "train", str(bare), "-o",
                                    str(tmp_path / "m"), "--folds", "0"])
    assert res.exit_code == 1 and "pulled with --no-text" in res.output
    assert not (tmp_path / "m").exists()


# ----------------------------------------------------------------------------- the numpy tagger
def _texts() -> list[str]:
    """Our sentences, shuffled into paragraphs of different lengths; some paragraphs end
    inside a content span (no final stop), so their last token is not tagged O."""
    import random

    rnd = random.Random(11)
    pool = [d["text"] for d in gold_docs()] + [NEW_VIEW, NEW_WANT, "“We stay,” Macron said."]
    return ["\n\n".join(" ".join(rnd.sample(pool, rnd.randint(1, 4))).rstrip(".")
                        if rnd.random() < 0.3 else " ".join(rnd.sample(pool, rnd.randint(1, 4)))
                        for _ in range(3))
            for _ in range(12)]


def test_the_numpy_tagger_agrees_with_crfsuite(model_dir: Path) -> None:
    """Tags, content probabilities and units as CRFsuite's own tagger gives them."""
    import numpy as np

    from labeling.learn.train import crfsuite_tagger
    from labeling.segmenter.learned import apply, paragraphs

    data = (model_dir / "model.crfsuite").read_bytes()
    model = load_model(model_dir)
    reference = crfsuite_tagger(data)
    tags_seen = set()
    for text in _texts():
        units = segment(text)
        pars = paragraphs(text, units)
        ours, theirs = model.tagger.tag_paragraphs(pars), reference.tag_paragraphs(pars)
        for (t1, p1), (t2, p2) in zip(ours, theirs, strict=True):
            assert list(t1) == list(t2)
            np.testing.assert_allclose(p1, p2, atol=1e-9)
            tags_seen |= set(t1)
        assert apply(text, units, model.tagger, model.keep) == \
            apply(text, units, reference, model.keep)
    assert {"O", "B-Q", "I-Q", "B-S"} <= tags_seen  # the comparison covered real tagging


def test_many_texts_at_once_give_the_units_of_one_at_a_time(model_dir: Path) -> None:
    model = load_model(model_dir)
    texts = [*_texts(), "", "   ", "No quote here."]
    assert model.segment_many(texts) == [model.segment(t) for t in texts]
    assert any(model.segment_many(texts))


def test_a_weights_file_that_is_not_crfsuite_is_refused_clearly(model_dir: Path,
                                                                tmp_path: Path) -> None:
    import hashlib

    bad = _copy(model_dir, tmp_path / "bad")
    junk = b"lCRF" + bytes(60)  # the magic, then nothing this tool can read
    (bad / "model.crfsuite").write_bytes(junk)
    mf = bad / "manifest.json"
    m = json.loads(mf.read_text(encoding="utf-8"))
    mf.write_text(json.dumps({**m, "weights_sha256": hashlib.sha256(junk).hexdigest()}),
                  encoding="utf-8")
    with pytest.raises(InputError, match="model.crfsuite: not a CRFsuite model this tool reads"):
        load_model(bad)


def test_long_paragraphs_tagged_by_crfsuite_or_numpy_give_the_same_units(model_dir: Path
                                                                         ) -> None:
    """A page without line breaks is one long paragraph: CRFsuite tags those (cheaper
    there); numpy's tagging of the same paragraph agrees."""
    model = load_model(model_dir)
    texts = [" ".join(_texts()[:6]).replace("\n\n", " "), *_texts()[6:]]
    assert max(len(t.split()) for t in texts) > model.tagger.long_after
    by_default = model.segment_many(texts)
    model.tagger.long_after = 10**9  # numpy for every paragraph
    assert model.segment_many(texts) == by_default
    model.tagger.long_after, model.tagger.long_ratio = 0, 1e9  # CRFsuite for every one
    assert model.segment_many(texts) == by_default
    assert any(by_default)


class _Scripted:
    """A tagger that tags given words (the merging rules under test, not a model)."""

    def __init__(self, tags: dict[str, str]) -> None:
        self.tags = tags

    def tag_paragraphs(self, pars: Sequence[Paragraph]
                       ) -> list[tuple[Sequence[str], Sequence[float]]]:
        out: list[tuple[Sequence[str], Sequence[float]]] = []
        for p in pars:
            tags = [self.tags.get(w, "O") for w in p.words]
            out.append((tags, [1.0 if t.endswith("-Q") else 0.0 for t in tags]))
        return out


def test_an_added_unit_takes_its_speaker_from_its_own_sentence() -> None:
    from labeling.segmenter.learned import apply

    text = ("In the view of Greta Holm — the ferry timetable is far too thin. "
            "Hugo Brandt left.")
    content = "the ferry timetable is far too thin".split()
    tags = {"Greta": "B-S", "Holm": "I-S", "Hugo": "B-S", "Brandt": "I-S",
            **{w: "I-Q" for w in content}, "the": "B-Q"}
    [unit] = apply(text, [], _Scripted(tags))
    assert unit.text == "the ferry timetable is far too thin"
    # Hugo Brandt's name is nearer the unit's end than Greta Holm's to its start, but he
    # stands in the next sentence.
    assert unit.speaker == "Greta Holm"
