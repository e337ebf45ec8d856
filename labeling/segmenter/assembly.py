"""Pass 4: assembly, in reading order: overlapping units give way to the earlier (and
longer) one; quotes with no attribution that open a paragraph continue the last speaker;
every speaker mention is resolved to a name (:mod:`.coref`)."""

from __future__ import annotations

import re

from labeling.segmenter.coref import Resolver
from labeling.segmenter.document import Doc, Unit
from labeling.segmenter.lexicon import NOT_PERSON_WORDS, PERSON_PRONOUNS, PRONOUNS
from labeling.segmenter.types import Quote, _quote

_APPOS_NAME = re.compile(r",\s+([A-Z][\w’'.\-]+(?:\s+[A-Z][\w’'.\-]+){1,3})\s*[,.]")


def assemble(doc: Doc) -> list[Quote]:
    """The units found, as Quotes: overlaps dropped, follow-on speakers and names resolved."""
    text, layout = doc.text, doc.layout
    quoted = doc.quoted
    resolver = Resolver(text, lambda pos: quoted.overlaps(pos, pos + 1))
    kept: list[Unit] = []
    for u in sorted(doc.units, key=lambda u: (u.start, -u.end)):
        if kept and u.start < kept[-1].end:
            continue
        kept.append(u)
    out: list[Quote] = []
    bounds = layout.bounds
    last_person: str | None = None
    last_speaker: tuple[str, str | None, int | None, int | None, int] | None = None
    for u in kept:
        start, end = u.start, u.end
        para, s_lo, s_hi, p_lo, p_hi = bounds(start, end)
        spk_text = spk_s = spk_e = name = None
        if u.speaker:
            spk_s, spk_e = u.speaker
            if any(a < spk_e and spk_s < b for a, b in u.parts):
                spk_s = spk_e = None
            else:
                spk_text = text[spk_s:spk_e]
                ref = text[u.antecedent[0]:u.antecedent[1]] if u.antecedent else spk_text
                name = resolver.resolve(ref, spk_s, last_person,
                                        last_speaker[1] if last_speaker else None)
                appos = _APPOS_NAME.match(text, spk_e)
                if appos and (name is None or spk_text.split()[0].lower() in
                              ("the", "a", "an")):
                    name = appos.group(1)  # "the President of France, Emmanuel Macron,"
        elif u.follow_on and last_speaker and para - last_speaker[4] <= 2:
            spk_text, name, spk_s, spk_e = last_speaker[0], last_speaker[1], \
                last_speaker[2], last_speaker[3]
        if u.aside:
            pass  # "voters see [Y as Z]": the quotes around it are not theirs
        elif spk_text is not None and name:
            low = spk_text.lower()
            if low not in PRONOUNS or low in PERSON_PRONOUNS:
                last_person = name if _is_person(name) else last_person
            if u.antecedent and u.speaker and spk_s is not None:
                # "Ruiz, who said ...": follow-on quotes are Ruiz's, not "who"'s
                a_s, a_e = u.antecedent
                last_speaker = (text[a_s:a_e], name, a_s, a_e, para)
            else:
                last_speaker = (spk_text, name, spk_s, spk_e, para)
        elif spk_text is not None and spk_text.lower() not in PRONOUNS:
            # A description with no name found ("the harbor master"): its follow-on quotes
            # are still its own.
            last_speaker = (spk_text, None, spk_s, spk_e, para)
        cue = u.cue
        out.append(_quote(  # Quote(start, end, ...), every field in order
            start, end, text[start:end], u.type,
            tuple(u.parts) if len(u.parts) > 1 else None,
            spk_text, spk_s, spk_e, name if spk_text is not None else None,
            text[cue[0]:cue[1]] if cue else None, cue[0] if cue else None,
            cue[1] if cue else None, s_lo, s_hi, p_lo, p_hi))
    return out


def _is_person(name: str) -> bool:
    return NOT_PERSON_WORDS.isdisjoint(name.lower().split())
