#!/usr/bin/env python3
"""Convert another annotated news corpus to the quote benchmark's JSONL format.

    python bench/corpora.py NAME SOURCE_DIR OUT.jsonl [--genre news|all]

The output has one article per line, in the format of the PolNeAR files that
``bench/segment_bench.py`` and the shared ``score.py`` read:
``{"doc_id", "publisher", "text", "quotes": [{"id", "start", "end", "text", "parts", "type",
"speaker", "speaker_start", "speaker_end", "cue", "cue_start", "cue_end"}]}``, offsets in Python
code points, ``text[start:end] == quote["text"]``, ``parts`` the pieces of a discontinuous quote
(``[[s, e], ...]``, else null) and ``type`` direct / mixed / indirect from quotation marks, by the
rule the PolNeAR conversion follows (see ``quote_type``). Every article is validated before it is
written; the command fails on the first invalid one. Keep the output outside the repository: the
texts belong to their publishers.

Corpora
-------
``vaccination``: the Vaccination Corpus (Morante, van Son, Maks & Vossen, "Annotating
Perspectives on Vaccination", LREC 2020), VU Amsterdam CLTL, public GitHub repository
``cltl/VaccinationCorpus`` (SOURCE_DIR is a checkout of it). 294 English web documents about
vaccination (2015-2017), of which 58 are articles from news organisations (CNN, BBC,
Reuters, the Guardian, NYT, NPR, ...); the rest are health agencies, blogs and forums.
Attribution relations are annotated after the PARC 3.0 guidelines, like PolNeAR: content, source
and cue spans and the links between them; contents are direct, indirect and mixed reported speech
but also beliefs, knowledge and intentions, and may be discontinuous; sources are surface
mentions (pronouns unresolved) typed Explicit / Generic / Author (the text's own author, "I", "we").
So the gold covers all quote types and is scored like PolNeAR, with no type filter.

Terms (from the repository's README, no open licence): research use only; the data must not be
shared with third parties, in part or in full; copyright of the texts stays with their owners.
Use it to measure, never commit its text or anything derived from it.

Conversion caveats:
- The repository has no raw texts. The text is rebuilt from the CoNLL token files
  (``data/annotations-conll-claims-events-attribution``), which give each token's character
  offsets in the original, and from the annotations' ``spannedText``; whitespace between tokens is
  only known inside annotated spans. Elsewhere a one-character gap becomes a space and a longer gap
  between two sentences a paragraph break (its last two characters ``\\n\\n``); a longer gap inside
  a sentence becomes spaces. So single line breaks (title, list items) read as spaces, and the
  text is tokenised text re-spaced at its original offsets, not the publisher's page.
- Offsets come from Java tools (UTF-16 units); a character outside the BMP, rare here, is kept
  as that character plus a space, so offsets stay consistent.
- Attributions come from the eHOST XML of the main annotator
  (``data/annotations-xml-ehost/attribution/annotator-main``): one quote per AttrContent, its
  source and cue from the Content_Source_Link and Content_Cue_Link. Contents with the same span
  (coordinated sources or cues make one AR each) are merged into one quote, the first source kept.
- Unlike PolNeAR, contents may nest: an AR inside another's content ("X said that Y believes
  Z") is annotated too; in the news documents 257 of 1,233 contents lie inside a longer one. The
  one-to-one matching of score.py then counts most of them as missed, so ``--outermost`` drops
  them, for a comparison on PolNeAR's terms (report both).
- ``--genre news`` (default) keeps the documents whose publisher is a news organisation
  (``NEWS_PUBLISHERS``); ``--genre all`` keeps all 294.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

OPENING = '"“«„'
CLOSING = '"”»'
QUOTE_MARKS = '"“”«»„‟'
_EDGE = " \t\n\xa0.,;:!?—–-"


def quote_type(pieces: list[str]) -> str:
    """``indirect`` without quotation marks; ``direct`` when every piece, less outer spaces and
    punctuation, opens and closes with a quotation mark and has none inside; else ``mixed``.
    (Checked against PolNeAR's own types: the same on all but 6 of its 22,024 attributions.)"""
    if not any(c in p for p in pieces for c in QUOTE_MARKS):
        return "indirect"
    for p in pieces:
        s = p.strip(_EDGE)
        if len(s) < 2 or s[0] not in OPENING or s[-1] not in CLOSING \
                or any(c in QUOTE_MARKS for c in s[1:-1]):
            return "mixed"
    return "direct"


# ---------------------------------------------------------------- Vaccination Corpus

CONLL_DIR = "data/annotations-conll-claims-events-attribution"
EHOST_DIR = "data/annotations-xml-ehost/attribution/annotator-main"

# File-name prefixes (publisher) of the documents that are news articles from a news organisation
# (general, science and health news desks); alternative-news sites, agencies, blogs, forums and
# magazines are left out.
NEWS_PUBLISHERS = frozenset("""
ABC-News BBC-News CNN Fox-News NBC-News NPR-org PBS-NewsHour POLITICO Reuters the-Guardian
The-Independent nytimes-com latimes-com Washington-Post chicagotribune-com NY-Daily-News
usnews-com huffingtonpost-com mirror Global-News KXAN-com The-West-Australian NewsComAu yahoo-com
Variety WIRED Gizmodo Ars-Technica Live-Science Science-News Science-News-for-Students
Scientific-American Nature-News-&-Comment news-nationalgeographic-com Science-|-AAAS
Daily-Intelligencer Banning-Beaumont-CA-Patch California-Healthline CIDRAP fiercepharma-com
ThinkProgress Heavy-com State-of-Health The-Conversation PolitiFact
""".split())

Token = tuple[int, int, str, str]  # start, end, word, sentence id


def _read_conll(path: Path) -> list[Token]:
    toks: list[Token] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        f = line.split("\t")
        if len(f) < 9 or not f[7].isdigit():  # blank line, or a token the parser added
            continue
        word = '"' if f[2] == '\\"' else f[2]
        toks.append((int(f[7]), int(f[8]), word, f[0]))
    toks.sort()
    return toks


def _read_ehost(path: Path) -> dict[str, dict[str, Any]]:
    """Mention id -> {"cls", "spans": [(s, e)], "text", "links": {slot: [ids]}, "source_type"}."""
    root = ET.parse(path).getroot()
    ments: dict[str, dict[str, Any]] = {}
    for a in root.iter("annotation"):
        mid = a.find("mention").get("id")  # type: ignore[union-attr]
        spans = sorted((int(s.get("start", 0)), int(s.get("end", 0))) for s in a.iter("span"))
        ments[str(mid)] = {"spans": spans, "text": a.findtext("spannedText") or "", "links": {}}
    slots: dict[str, tuple[str, str]] = {}
    for sm in root.iter("complexSlotMention"):
        slot = sm.find("mentionSlot").get("id")  # type: ignore[union-attr]
        val = sm.find("complexSlotMentionValue").get("value")  # type: ignore[union-attr]
        slots[str(sm.get("id"))] = (str(slot), str(val))
    for sm in root.iter("stringSlotMention"):
        slot = sm.find("mentionSlot").get("id")  # type: ignore[union-attr]
        val = sm.find("stringSlotMentionValue").get("value")  # type: ignore[union-attr]
        slots[str(sm.get("id"))] = (str(slot), str(val))
    for cm in root.iter("classMention"):
        m = ments.get(str(cm.get("id")))
        if m is None:
            continue
        m["cls"] = cm.find("mentionClass").get("id")  # type: ignore[union-attr]
        for h in cm.iter("hasSlotMention"):
            slot, val = slots.get(str(h.get("id")), ("", ""))
            if slot == "Source_type":
                m["source_type"] = val
            elif slot:
                m["links"].setdefault(slot, []).append(val)
    return ments


def _rebuild_text(toks: list[Token], ments: dict[str, dict[str, Any]]) -> str:
    n = max([e for _, e, _, _ in toks] + [e for m in ments.values() for _, e in m["spans"]])
    buf: list[str | None] = [None] * n
    for s, e, w, _ in toks:
        buf[s:e] = list(w[:e - s].ljust(e - s))
    for m in ments.values():  # the original characters, where an annotation shows them
        if len(m["spans"]) == 1:
            s, e = m["spans"][0]
            if e - s == len(m["text"]):
                buf[s:e] = list(m["text"])
    prev: Token | None = None
    for t in toks:
        if prev is not None and t[0] > prev[1]:
            gap = range(prev[1], t[0])
            if any(buf[i] is None for i in gap):
                k = len(gap)
                fill = " " * k if k == 1 or prev[3] == t[3] else " " * (k - 2) + "\n\n"
                for i, c in zip(gap, fill, strict=True):
                    if buf[i] is None:
                        buf[i] = c
        if prev is None or t[1] > prev[1]:
            prev = t
    return "".join(" " if c is None else c for c in buf)


def _publisher(stem: str) -> str:
    return re.sub(r"_\d{8}T\d{6}$", "", stem)


def convert_vaccination(source: Path, genre: str, stats: Counter[str]) -> Iterator[dict[str, Any]]:
    conll_dir, ehost_dir = source / CONLL_DIR, source / EHOST_DIR
    if not conll_dir.is_dir() or not ehost_dir.is_dir():
        sys.exit(f"{source}: not a checkout of cltl/VaccinationCorpus (no {CONLL_DIR} or {EHOST_DIR})")
    xml_by_stem = {p.name.split(".")[0].replace(",", ""): p for p in ehost_dir.glob("*.knowtator.xml")}
    for path in sorted(conll_dir.glob("*.conll.annot")):
        stem = path.name.split(".")[0]
        pub = _publisher(stem)
        if genre == "news" and pub not in NEWS_PUBLISHERS:
            continue
        xml = xml_by_stem.get(stem.replace(",", ""))
        if xml is None:
            sys.exit(f"{path.name}: no attribution XML")
        toks = _read_conll(path)
        ments = _read_ehost(xml)
        text = _rebuild_text(toks, ments)
        for m in ments.values():  # the rebuilt text must show every annotated span
            stats["annotations"] += 1
            got = " ... ".join(text[s:e] for s, e in m["spans"])  # eHOST joins pieces so
            if re.sub(r"\s+", "", got) != re.sub(r"\s+", "", m["text"]):
                stats["annotation text differs"] += 1
        quotes: dict[tuple[tuple[int, int], ...], dict[str, Any]] = {}
        for m in ments.values():
            if m.get("cls") != "AttrContent":
                continue
            stats["contents"] += 1
            spans = [(s, e) for s, e in m["spans"] if e > s]
            q: dict[str, Any] = {
                "start": spans[0][0], "end": max(e for _, e in spans),
                "parts": [list(p) for p in spans] if len(spans) > 1 else None,
                "speaker": None, "speaker_start": None, "speaker_end": None, "speaker_type": None,
                "cue": None, "cue_start": None, "cue_end": None,
            }
            q["text"] = text[q["start"]:q["end"]]
            q["type"] = quote_type([text[s:e] for s, e in spans])
            src = [ments[i] for i in m["links"].get("Content_Source_Link", []) if i in ments]
            cue = [ments[i] for i in m["links"].get("Content_Cue_Link", []) if i in ments]
            if src:
                s, e = src[0]["spans"][0]
                q.update(speaker=text[s:e], speaker_start=s, speaker_end=e,
                         speaker_type=src[0].get("source_type"))
            else:
                stats["contents without a source"] += 1
            if cue:
                s, e = cue[0]["spans"][0]
                q.update(cue=text[s:e], cue_start=s, cue_end=e)
            key = tuple(spans)
            if key in quotes:
                stats["contents merged (same span)"] += 1
                continue
            quotes[key] = q
        ordered = sorted(quotes.values(), key=lambda q: (q["start"], q["end"]))
        for i, q in enumerate(ordered, 1):
            q["id"] = f"E{i}"
        yield {"doc_id": stem, "publisher": pub, "text": text, "quotes": ordered}


CONVERTERS = {"vaccination": convert_vaccination}


# ---------------------------------------------------------------- validation and CLI

def validate(doc: dict[str, Any]) -> list[str]:
    """Problems with one converted article (empty when it is valid)."""
    text, bad = doc["text"], []
    n = len(text)
    for q in doc["quotes"]:
        qid = f"{doc['doc_id']} {q['id']}"
        if not 0 <= q["start"] < q["end"] <= n or text[q["start"]:q["end"]] != q["text"]:
            bad.append(f"{qid}: span")
        if q["type"] not in ("direct", "mixed", "indirect"):
            bad.append(f"{qid}: type")
        parts = q["parts"]
        if parts is not None and (len(parts) < 2 or parts[0][0] != q["start"]
                                  or max(e for _, e in parts) != q["end"]
                                  or any(not s < e for s, e in parts)
                                  or any(parts[i][1] > parts[i + 1][0] for i in range(len(parts) - 1))):
            bad.append(f"{qid}: parts")
        for role in ("speaker", "cue"):
            s, e = q[f"{role}_start"], q[f"{role}_end"]
            if (q[role] is None) != (s is None) or (s is not None and (
                    not 0 <= s < e <= n or text[s:e] != q[role])):
                bad.append(f"{qid}: {role}")
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", choices=sorted(CONVERTERS))
    ap.add_argument("source_dir", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--genre", choices=("news", "all"), default="news")
    ap.add_argument("--outermost", action="store_true",
                    help="drop a quote that lies inside a longer one (PolNeAR is univocal: no nesting)")
    a = ap.parse_args()
    stats: Counter[str] = Counter()
    docs = list(CONVERTERS[a.name](a.source_dir, a.genre, stats))
    if a.outermost:
        for d in docs:
            qs = d["quotes"]
            keep = [q for q in qs if not any(
                o is not q and o["start"] <= q["start"] and q["end"] <= o["end"]
                and o["end"] - o["start"] > q["end"] - q["start"] for o in qs)]
            stats["nested quotes dropped (--outermost)"] += len(qs) - len(keep)
            d["quotes"] = keep
    problems = [p for d in docs for p in validate(d)]
    if stats["annotation text differs"]:
        problems.append(f"{stats['annotation text differs']} annotations do not match the rebuilt text")
    if problems:
        sys.exit("invalid items:\n" + "\n".join(problems[:20]))
    a.out.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    types = Counter(q["type"] for d in docs for q in d["quotes"])
    print(f"{a.out}: {len(docs)} articles, {sum(types.values())} attributions "
          f"({', '.join(f'{k} {v}' for k, v in sorted(types.items()))}), "
          f"{sum(len(d['text']) for d in docs):,} characters; all items valid")
    for k, v in sorted(stats.items()):
        print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
