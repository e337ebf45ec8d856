"""The dataset card (``README.md`` of an export), after the Hugging Face card template."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labeling.schema import StanceSchema

# What the blindness of the labels rests on, and where it ends (README, Security): Label
# Studio Community has no roles, so a member who leaves the label stream can read every
# annotation through the Data Manager or the API. The card claims no more than that.
BLINDNESS = ("Blindness was procedural: on Label Studio Community every member of the "
             "server can open the project's Data Manager or API and read the other "
             "annotators' labels, so independence rests on the annotators keeping to the "
             "label stream.")

# Hidden suggestions are kept out of the label stream, not out of the server: the log the
# pull reads holds them, and Community's Data Manager and API show it to any member.
HIDDEN_SUGGESTIONS = ("Hidden suggestions were kept out of the label stream, not out of "
                      "the server: an annotator who opened the Data Manager's prediction "
                      "columns or the API could read them.")


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _alpha_line(a: Any) -> str:
    if isinstance(a, dict):
        value = a.get("alpha")
        low, high = a.get("low"), a.get("high")
        if low is not None and high is not None:
            return f"{_fmt(value)} (95 % CI {_fmt(low)} to {_fmt(high)})"
        return _fmt(value)
    return _fmt(a)


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * float(x):.1f} %"


def _suggestion_lines(sug: Mapping[str, Any] | None) -> list[str]:
    """What the card says of `labeling suggest`: nothing if no vote had a suggestion."""
    if not sug:
        return []
    coder = sug.get("model_as_coder") or {}
    anch = sug.get("anchoring") or {}
    lines = [
        "### Model suggestions",
        "",
        f"Annotators worked with model suggestions (`labeling suggest`, show: `{sug.get('show')}`):"
        " each vote records `suggested` (the label suggested for the item when the vote was "
        "made, shown or not) and `suggestion_shown` (the editor was pre-filled with it).",
        f"- The model as an extra coder (its suggestion before the item's first vote vs the "
        f"final label): {_pct(coder.get('agreement'))} agreement on {coder.get('items', 0)} items",
    ]
    for t, c in (coder.get("per_target") or {}).items():
        lines.append(f"  - `{t}`: {_pct(c.get('agreement'))} on {c.get('items')} items")
    if anch.get("effect") is not None:
        ci = anch.get("ci95") or [None, None]
        lines.append(
            f"- Anchoring: votes agree with the suggestion {_pct(anch.get('agreement_shown'))} "
            f"of the time when it was shown ({anch.get('votes_shown')} votes), "
            f"{_pct(anch.get('agreement_hidden'))} when hidden ({anch.get('votes_hidden')}); "
            f"effect {100 * anch['effect']:+.1f} points (95 % bootstrap CI "
            f"{_pct(ci[0])} to {_pct(ci[1])})")
    elif anch.get("agreement_shown") is not None:
        lines.append(
            f"- Votes agree with the suggestion they were shown "
            f"{_pct(anch['agreement_shown'])} of the time ({anch.get('votes_shown')} votes). "
            "No vote was made with the suggestion hidden, so how much showing it swayed the "
            "annotators (anchoring) is not measured (`show: ab` measures it).")
    elif anch.get("agreement_hidden") is not None:
        lines.append(
            f"- Votes agree with the suggestion, which they were not shown, "
            f"{_pct(anch['agreement_hidden'])} of the time ({anch.get('votes_hidden')} votes).")
    if sug.get("show") in ("hidden", "ab") or (anch.get("votes_hidden") or 0) > 0:
        lines.append(f"- {HIDDEN_SUGGESTIONS}")
    lines.append("")
    return lines


def render_card(schema: StanceSchema, stats: dict[str, Any], dd: Any) -> str:
    """Markdown card with YAML metadata; every figure comes from ``stats``; ``dd`` gives
    the split names (a DatasetDict, or the names)."""
    counts = stats["counts"]
    agree = stats.get("agreement") or {}
    labels = schema.label_names
    lines: list[str] = [
        "---",
        f"license: {schema.license}",
        "language:\n- en",
        "task_categories:\n- text-classification",
        "tags:\n- stance-detection\n- quotes\n- news\n- label-studio",
        "pretty_name: " + schema.title.replace("\n", " "),
        "configs:\n- config_name: default\n  data_files:",
    ]
    for split in dd:
        lines.append(f"  - split: {split}\n    path: {split}/*.arrow")
    lines += [
        "---",
        "",
        f"# {schema.title}",
        "",
        schema.description.strip() or "A stance dataset of quotes from news articles.",
        "",
        f"Made with {stats.get('tool')} from Label Studio project "
        f"{stats['project'].get('title')!r}. Each row is one quote x target: the stance of the "
        "quote's **speaker** (not the journalist) toward the target, as judged by human "
        "annotators.",
        "",
        "## Dataset Structure",
        "",
        "### Targets",
        "",
        "| id | name | description |",
        "|---|---|---|",
    ]
    for t in schema.targets:
        lines.append(f"| `{t.id}` | {t.name} | {' '.join(t.description.split())} |")
    lines += [
        "",
        "### Labels",
        "",
        "`stance` is a `ClassLabel` with names " + ", ".join(f"`{x}`" for x in labels)
        + " (SemEval-2016 Task 6 convention). `-1` means no majority: a tie "
        "(`stance_tie` is true) or no vote.",
        "",
    ]
    for lab in schema.labels:
        lines.append(f"- **{lab.value}**: {lab.hint}")
    lines += [
        "",
        "### Data Fields",
        "",
        "- `quote_id`: stable id of the quote unit (same article and span, same id)",
        "- `article_id`, `title`, `source` (outlet), `published`, `url`: the article",
        "- `context`, `context_start`: the text shown to annotators and its offset in the article",
        "- `quote`, `quote_start`, `quote_end`, `quote_parts`, `quote_type` "
        "(`direct`/`indirect`/`mixed`): the quote, character offsets (Unicode code points) "
        "into the article",
        "- `speaker`, `speaker_name` (resolved name), `speaker_start`, `speaker_end`, `cue`, "
        "`cue_start`, `cue_end`: attribution found by the segmenter",
        "- `target`, `target_name`: the stance target",
        "- `stance`, `stance_tie`, `soft_label` (vote shares in label order), `n_votes`, "
        "`item_agreement`, `aggregation`, `adjudicated`",
        "- `votes`: every annotator's vote: pseudonymous `annotator`, `stance`, `skipped`, "
        "`lead_time` (seconds), `suggested` and `suggestion_shown` (see Model suggestions), "
        "`flags`, `confidence`, `note` and the "
        "spans as the annotator left them (article offsets)",
        "- `not_a_quote_votes`, `wrong_speaker_votes`: annotators who flagged a segmentation error",
        "",
        "### Data Splits",
        "",
        "| split | rows |",
        "|---|---|",
    ]
    for split, n in counts["per_split"].items():
        lines.append(f"| {split} | {n} |")
    sp = stats["splits"]
    lines += [
        "",
        f"Splits are grouped by `{sp['grouped_by']}`: no article appears in two splits, and "
        "articles that print the same (near-duplicate) quote, such as syndicated wire copy, "
        f"stay together. Seeded ({sp['seed']}), target fractions {sp['fractions']}"
        + (f", stratified by {sp['stratified_by']}" if sp.get("stratified_by") else "")
        + (f"; held-out targets in `test`: {', '.join(sp['held_out_targets'])}"
           if sp.get("held_out_targets") else "")
        + (f"; held-out outlets in `test`: {', '.join(sp['held_out_outlets'])}"
           if sp.get("held_out_outlets") else "")
        + ". Near-duplicate clusters with several quotes: "
        f"{counts.get('near_dup_clusters_with_several_quotes', 0)}.",
        "",
        "## Dataset Creation",
        "",
        "### Curation Rationale",
        "",
        "Positions of politicians, officials and institutions toward stated targets, as "
        "reported in the news.",
        "",
        "### Source Data",
        "",
        f"{counts['articles']} news articles were cut into quote units (direct, split, mixed "
        "and reported speech) by stance-labeling's rule-based segmenter; each unit was shown "
        f"with its {schema.context} as context.",
        "",
        "### Annotations",
        "",
        "#### Annotation process",
        "",
        f"Annotators labelled each quote in Label Studio, {schema.annotators_per_item} per item "
        "requested, in its label stream, which shows an annotator no one else's label; they "
        "could correct the quote, speaker and cue spans and flag segmentation errors. "
        + BLINDNESS + " Guidelines:",
        "",
    ]
    lines += ["> " + ln if ln.strip() else ">" for ln in schema.guidelines.strip().splitlines()]
    annotators = agree.get("annotators") or []
    lines += [
        "",
        "#### Who are the annotators?",
        "",
        f"{len(annotators)} annotators, identified by pseudonyms only.",
        "",
        "#### Agreement",
        "",
        f"- Annotations: {counts['annotations']} ({counts['skipped_annotations']} skipped); "
        f"rows with a majority label: {counts['rows_labelled']} of {counts['rows']}, "
        f"tied: {counts['rows_tied']}, without votes: {counts['rows_without_votes']}.",
        f"- Krippendorff's alpha (nominal), all targets: {_alpha_line(agree.get('alpha'))}",
    ]
    for gid, a in (agree.get("alpha_by_group") or {}).items():
        lines.append(f"  - `{gid}`: {_alpha_line(a)}")
    if agree.get("fleiss_kappa") is not None:
        lines.append(f"- Fleiss' kappa (fully overlapped items): {_fmt(agree.get('fleiss_kappa'))}")
    lines += [
        "",
        f"Aggregation: {stats.get('aggregation')} over non-skipped votes; ties are kept "
        "with `stance = -1` and `stance_tie = true`. Disputed items (ties, or agreement "
        "below the configured threshold) can be adjudicated: the adjudicator's label then "
        "replaces the aggregate (`adjudicated = true`, `adjudicator`), and the earlier label "
        "stays in `stance_before_adjudication`. Adjudicated rows: "
        f"{stats.get('adjudicated_rows', 0)}. Agreement figures are computed on the "
        "pre-adjudication votes.",
        "",
        *_suggestion_lines(stats.get("suggestions")),
        "## Evaluation",
        "",
        "Report macro-F1 over FAVOR and AGAINST (the SemEval-2016 Task 6 convention, NONE "
        "counted only through its errors) and macro-F1 over all labels. Rows with "
        "`stance = -1` are not gold and should be left out of evaluation.",
        "",
        "## Considerations for Using the Data",
        "",
        "### Personal and Sensitive Information",
        "",
        "Speakers are public figures quoted in the press. Annotators appear only as pseudonyms.",
        "",
        "### Biases and Limitations",
        "",
        "Quotes were found by a rule-based segmenter: quotes it missed were never labelled, "
        "and its errors are flagged only where annotators noticed them "
        "(`not_a_quote_votes`, `wrong_speaker_votes`). Coverage follows the outlets collected.",
        "",
        "## Additional Information",
        "",
        "### Licensing Information",
        "",
        f"Annotations: {schema.license}. The article texts belong to their publishers; check "
        "that you may redistribute them before publishing this dataset with its text."
        + ("" if stats.get("with_text", True) else
           " This copy is copyright-safe: it holds ids, URLs, offsets and a SHA-1 of each "
           "context instead of the text; `labeling hydrate` restores the text from your own "
           "copies of the articles (the hashes check that they match)."),
        "",
        "### Citation",
        "",
        "Cite the source articles and this dataset's release.",
        "",
    ]
    return "\n".join(lines)
