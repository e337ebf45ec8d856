"""Small task records and annotations for the dataset-row tests (shared by test modules)."""

from __future__ import annotations

from labeling.annotations.records import ParsedAnnotation, Span, TaskRecord
from labeling.schema import StanceSchema, load_schema, parse_schema

from .helpers import CONFIG

PROJECT = {"id": 3, "title": "rows", "created_at": "2026-02-02T00:00:00Z"}
TARGETS = ("ground_troops", "military_aid")


def schema(aggregation: str = "majority") -> StanceSchema:
    data = load_schema(CONFIG).model_dump()
    data["aggregation"] = aggregation
    return parse_schema(data)


def ann(aid: int, who: int, stances: dict[str, str], *, skipped: bool = False,
        spans: tuple[Span, ...] = (), flags: tuple[str, ...] = (), lead: float | None = 2.0,
        shown: bool = False) -> ParsedAnnotation:
    return ParsedAnnotation(
        annotation_id=aid, annotator=who, skipped=skipped, stances=stances, spans=spans,
        flags=flags, confidence=None if who % 2 else 3, note=f"n{aid}", lead_time=lead,
        updated_at=f"2026-01-0{1 + aid % 9}", ground_truth=False, suggestion_shown=shown)


def record(i: int, anns: list[ParsedAnnotation], dups: int = 0, qtype: str = "direct"
           ) -> TaskRecord:
    quote = f"we will send {i} brigades"
    context = f"The minister said: {quote}, on Monday."
    data = {"quote_id": f"q{i}", "article_id": f"a{i // 2}", "title": f"T{i}",
            "source": ["bbc", "lemonde"][i % 2], "published": "2024-02-27", "url": f"u{i}",
            "context": context, "context_start": 10 * i, "quote": quote,
            "quote_start": 10 * i + 19, "quote_end": 10 * i + 19 + len(quote),
            "parts": [[10 * i + 19, 10 * i + 19 + len(quote)]], "quote_type": qtype,
            "speaker": "The minister", "speaker_name": "Jean Dupont", "speaker_start": 10 * i,
            "speaker_end": 10 * i + 12, "cue": "said", "cue_start": 10 * i + 13,
            "cue_end": 10 * i + 17,
            "duplicates": [{"quote_id": f"q{i}-d{k}", "article_id": f"dup{i}-{k}",
                            "quote": quote, "context": context} for k in range(dups)]}
    return TaskRecord(task_id=100 + i, data=data, annotations=tuple(anns), updated_at="x")
