"""The segmenter on the phenomena of news quotes, with sentences written for the tests."""

from __future__ import annotations

import pytest

from labeling.segmenter import Quote, segment


def one(text: str) -> Quote:
    units = segment(text)
    assert len(units) == 1, [(u.type, u.text) for u in units]
    return units[0]


def spk(q: Quote) -> tuple[str | None, str | None]:
    return q.speaker, q.speaker_name


@pytest.mark.parametrize("text,quote", [
    ('"We will not send troops," Macron said.', '"We will not send troops,"'),
    ("“We will not send troops,” Macron said.", "“We will not send troops,”"),
    ("‘We will not send troops,’ Macron said.", "‘We will not send troops,’"),
    ("«We will not send troops», Macron said.", "«We will not send troops»"),
    ("„We will not send troops“, Macron said.", "„We will not send troops“"),
    ("»We will not send troops«, Macron said.", "»We will not send troops«"),
])
def test_quotation_mark_styles(text: str, quote: str) -> None:
    q = one(text)
    assert q.text == quote and q.type == "direct"
    assert spk(q) == ("Macron", "Macron") and q.cue == "said"


def test_quote_inside_quote() -> None:
    q = one("“Many people who say ‘never, never’ today were wrong before,” the president said.")
    assert q.text.startswith("“Many") and q.text.endswith("before,”")
    assert q.speaker == "the president"


def test_multi_paragraph_quote() -> None:
    text = ("Emmanuel Macron spoke at length.\n\n“We will do whatever it takes to make sure Russia does "
            "not win this war.\n\n“Nothing should be ruled out in the months ahead,” he said.")
    units = segment(text)
    q = units[-1]
    assert q.type == "direct" and q.parts is not None and len(q.parts) == 2
    assert text[q.parts[0][0]:q.parts[0][1]].startswith("“We will")
    assert text[q.parts[1][0]:q.parts[1][1]].endswith("ahead,”")
    assert spk(q) == ("he", "Emmanuel Macron")


def test_split_quote() -> None:
    text = "“Today there is no consensus,” Macron said, “but nothing can be ruled out.”"
    q = one(text)
    assert q.parts is not None
    assert [text[a:b] for a, b in q.parts] == ["“Today there is no consensus,”",
                                               "“but nothing can be ruled out.”"]
    assert q.speaker == "Macron" and q.speaker_start == 31
    assert q.text == text[q.start:q.end]


@pytest.mark.parametrize("text,speaker,name", [
    ("“Troops are an option,” said Emmanuel Macron.", "Emmanuel Macron", "Emmanuel Macron"),
    ("“Troops are an option,” Emmanuel Macron said.", "Emmanuel Macron", "Emmanuel Macron"),
    ("“Troops are an option” Macron said.", "Macron", "Macron"),
    ("Emmanuel Macron said: “Troops are an option.”", "Emmanuel Macron", "Emmanuel Macron"),
    ("Emmanuel Macron told reporters on Monday: “Troops are an option.”", "Emmanuel Macron",
     "Emmanuel Macron"),
    ("Olaf Scholz, the German chancellor, said: “There will be no ground troops.”",
     "Olaf Scholz", "Olaf Scholz"),
    ("“There will be no ground troops,” said German Chancellor Olaf Scholz.",
     "German Chancellor Olaf Scholz", "Olaf Scholz"),
])
def test_speaker_before_after_inverted_titles_appositions(text: str, speaker: str,
                                                          name: str) -> None:
    q = one(text)
    assert q.type == "direct"
    assert spk(q) == (speaker, name)
    assert text[q.speaker_start:q.speaker_end] == speaker


def test_according_to_both_ways() -> None:
    q = one("According to Macron, negotiators have yet to reach a broad agreement.")
    assert q.text == "negotiators have yet to reach a broad agreement"
    assert q.speaker == "Macron" and q.cue == "According to" and q.type == "indirect"
    q = one("Negotiators have yet to reach a broad agreement, according to the Kremlin.")
    assert q.text == "Negotiators have yet to reach a broad agreement"
    assert q.speaker == "the Kremlin"


@pytest.mark.parametrize("verb", ["said", "warned", "insisted", "stressed", "argued", "noted",
                                  "acknowledged", "added", "claimed", "announced"])
def test_reported_speech_with_cue_lexicon(verb: str) -> None:
    q = one(f"Dmitry Peskov {verb} that sending troops would make a conflict inevitable.")
    assert q.type == "indirect" and q.cue == verb
    assert q.text == "that sending troops would make a conflict inevitable"
    assert spk(q) == ("Dmitry Peskov", "Dmitry Peskov")


def test_told_skips_the_listener() -> None:
    q = one("Zelensky told reporters the front line was holding despite the shortages.")
    assert q.text == "the front line was holding despite the shortages"
    assert q.speaker == "Zelensky" and q.cue == "told"


def test_content_before_speaker() -> None:
    q = one("Troops cannot be ruled out in the future, Macron said on Monday.")
    assert q.text == "Troops cannot be ruled out in the future"
    assert q.speaker == "Macron"
    q = one("Troops cannot be ruled out in the future, said the French president.")
    assert q.speaker == "the French president"


def test_mixed_speech() -> None:
    q = one("Macron said the European troops would be in a position to “respond” to an attack.")
    assert q.type == "mixed"
    assert q.text == "the European troops would be in a position to “respond” to an attack"


def test_follow_on_quote_continues_the_last_speaker() -> None:
    text = ("“We are ready,” Zelensky said.\n\n"
            "“We have been waiting for this decision for two years and we will not wait more.”")
    a, b = segment(text)
    assert spk(b) == ("Zelensky", "Zelensky")
    assert b.speaker_end is not None and b.speaker_end <= b.start


def test_no_speaker_is_marked_not_invented() -> None:
    q = one("“This is a turning point for the whole of Europe and for the alliance.”")
    assert q.speaker is None and q.speaker_name is None


def test_coreference_he_and_description() -> None:
    text = ("French President Emmanuel Macron met Olaf Scholz, the German chancellor, on Monday.\n"
            "The French leader indicated that the issue was complex and divisive.\n"
            "He added that no option could be excluded at this stage of the war.\n"
            "The chancellor warned that Germany would send no troops to Ukraine.")
    units = segment(text)
    assert [u.speaker for u in units] == ["The French leader", "He", "The chancellor"]
    assert [u.speaker_name for u in units] == ["Emmanuel Macron", "Emmanuel Macron",
                                               "Olaf Scholz"]


def test_headline_with_dash_attribution() -> None:
    text = ("NATO may deploy troops to assist Ukraine, but consensus is lacking - Macron\n\n"
            "By Jane Doe\n\nThe president spoke in Paris.")
    units = segment(text)
    assert units[0].text == "NATO may deploy troops to assist Ukraine, but consensus is lacking"
    assert units[0].speaker == "Macron"
    assert all(u.speaker != "Jane Doe" for u in units)


def test_unbalanced_marks_never_lose_the_article() -> None:
    text = ("“Troops are an option,” Macron said. Another stray ” mark here.\n\n"
            "He said “this never closes and goes on.\n\n"
            "Peskov warned that a conflict would be inevitable.")
    units = segment(text)
    texts = [u.text for u in units]
    assert "“Troops are an option,”" in texts
    assert "that a conflict would be inevitable" in texts


def test_scare_quotes_are_not_units() -> None:
    assert segment("The plan was called a “game changer” by many in the room.") == []


def test_sentence_and_paragraph_bounds() -> None:
    text = "Intro line.\n\nIt rained. “We stay,” Macron said. Then he left."
    q = one(text)
    assert text[q.paragraph_start:q.paragraph_end] == "It rained. “We stay,” Macron said. Then he left."
    assert text[q.sentence_start:q.sentence_end] == "“We stay,” Macron said."


def test_crlf_and_non_breaking_spaces_keep_offsets() -> None:
    text = "Intro.\r\n\r\n“Troops\u00a0are an option,”\u00a0Macron said.\r\n"
    q = one(text)
    assert text[q.start:q.end] == q.text == "“Troops\u00a0are an option,”"
    assert q.speaker == "Macron"


def test_deterministic_and_dict_round_trip() -> None:
    text = "“A,” he said, “B is here.” Macron warned that troops were an option."
    assert segment(text) == segment(text)
    d = segment(text)[0].to_dict()
    assert d["parts"] == [[0, 4], [14, 26]] and d["type"] == "direct"


def test_colon_introduction_in_the_paragraph_before() -> None:
    text = ("Hillary Clinton told supporters in Des Moines:\n\n"
            "“We have to defeat ISIS in Syria, Iraq and across the Middle East.”")
    q = one(text)
    assert q.type == "direct" and spk(q) == ("Hillary Clinton", "Hillary Clinton")
    assert q.cue == "told"


def test_unattributed_quote_after_a_quote_in_the_same_paragraph() -> None:
    text = ("“The meeting went well,” Jens Stoltenberg said. “We will meet again in "
            "the spring to decide.”")
    a, b = segment(text)
    assert spk(b) == ("Jens Stoltenberg", "Jens Stoltenberg")


def test_double_apostrophe_marks() -> None:
    text = "''We will build it together,'' the mayor said. She didn''t stop there."
    q = segment(text)[0]
    assert q.text == "''We will build it together,''" and q.type == "direct"
    assert q.speaker == "the mayor"


def test_mixed_with_words_between_cue_and_quote() -> None:
    q = one("Ms. Varga said the council still sees a “deep gap between the two plans” on pensions.")
    assert q.type == "mixed"
    assert q.text == "the council still sees a “deep gap between the two plans” on pensions"
    q = one("The mayor said the budget is “balanced at last.” The council met later.")
    assert q.text == "the budget is “balanced at last.”"


def test_reported_content_stops_at_a_new_clause() -> None:
    q = one("Harbor officials said the ferry would resume service in May; the union disagreed.")
    assert q.text == "the ferry would resume service in May"
    q, cited = segment("Local analysts said the port had grown quickly, citing new shipping routes.")
    assert q.text == "the port had grown quickly"
    assert cited.text == "new shipping routes" and cited.speaker == "Local analysts"


@pytest.mark.parametrize("text,speaker", [
    ("Several harbor pilots said the new channel was too shallow for tankers.", "Several harbor pilots"),
    ("Protest groups say the curfew is meant to keep them out of sight.", "Protest groups"),
    ("The veteran skipper said the storm had come without warning.", "The veteran skipper"),
])
def test_descriptions_with_any_head_noun(text: str, speaker: str) -> None:
    q = one(text)
    assert q.type == "indirect" and q.speaker == speaker


@pytest.mark.parametrize("text", [
    "The road closure was first reported by the local radio station.",
    "Editor’s note: the bridge reopens on Monday after repairs.",
])
def test_passives_and_nouns_are_not_speech(text: str) -> None:
    assert segment(text) == []


def test_a_clause_after_a_comma_is_no_apposition() -> None:
    q = one("Ferry captains complained, and the meeting went badly from there, said one official.")
    assert q.speaker == "one official"
    q = one("Anna Berg, a spokeswoman for the port, said the union expected more ships.")
    assert q.speaker == "Anna Berg" and q.text == "the union expected more ships"


def test_reported_speech_beside_a_quotation() -> None:
    text = "“We will rebuild,” the mayor said, adding that the pier would reopen by June."
    units = segment(text)
    assert [u.text for u in units] == ["“We will rebuild,”", "that the pier would reopen by June"]
    # Words that only frame the quotation are no unit of their own.
    assert len(segment("“We will rebuild,” the mayor said of the storm damage on Friday.")) == 1
    assert len(segment("When she reached the harbor office, she said, “Nothing is left.”")) == 1


def test_attribution_inside_the_sentence_gives_two_parts() -> None:
    text = "The old ferry, the captain said, would be sold to a museum in the spring."
    q = one(text)
    assert [text[a:b] for a, b in q.parts or []] == ["The old ferry",
                                                     "would be sold to a museum in the spring"]
    assert q.speaker == "the captain"


def test_participle_continues_the_speaker() -> None:
    text = "Lena Ortiz said the bridge was safe, adding that inspections would continue weekly."
    a, b = segment(text)
    assert a.text == "the bridge was safe" and b.text == "that inspections would continue weekly"
    assert b.speaker == "Lena Ortiz" and b.cue == "adding"


def test_long_apposition_after_the_quote() -> None:
    text = ("“The bridge is safe,” Maria Lindqvist, the chief engineer of the regional "
            "transport authority, said.")
    q = one(text)
    assert q.speaker == "Maria Lindqvist"


def test_continued_introduces_a_quote() -> None:
    text = "“We are ready,” she said.\n\n“Honestly,” she continued, “the storm was a test.”"
    units = segment(text)
    assert units[-1].cue == "continued" and units[-1].speaker == "she"
    assert segment("Prices continued to rise all year.") == []


def test_sentence_ends_before_a_double_apostrophe_quote() -> None:
    text = ("''We are ready,'' said Ana Ruiz, the harbor master. ''The ships can come in "
            "now that the channel is clear.''")
    a, b = segment(text)
    assert spk(b) == ("Ana Ruiz", "Ana Ruiz")


@pytest.mark.parametrize("text,speaker,name", [
    ("“The dunes are moving,” said Mr. Okafor, who studies the coast.", "Mr. Okafor", "Okafor"),
    ("“The dunes are moving,” said the Rev. Ada Lowe of the harbor church.", "the Rev. Ada Lowe",
     "Ada Lowe"),
    ("“The dunes are moving,” council chair Tom Reyes (D-Ore.) said on Friday.", "council chair Tom Reyes",
     "Tom Reyes"),
])
def test_abbreviated_titles_and_bracketed_party(text: str, speaker: str, name: str) -> None:
    q = segment(text)[0]
    assert spk(q) == (speaker, name)


def test_organisation_descriptions_and_it() -> None:
    text = ("The International Coastal Fund met in Lisbon on Monday.\n\n"
            "The fund warned that sea levels would rise faster than expected.\n\n"
            "It said that ports should prepare new defenses within a decade.")
    a, b = segment(text)
    assert spk(a) == ("The fund", "International Coastal Fund")
    assert spk(b) == ("It", "International Coastal Fund")


@pytest.mark.parametrize("text,content,cue", [
    ("The harbor union criticized the new shift schedule, saying it was unsafe.",
     "the new shift schedule", "criticized"),
    ("Mayor Ines Bauer called for an independent inquiry into the flooding.",
     "an independent inquiry into the flooding", "called"),
    ("The fishermen vowed to block the port until the quotas were lifted.",
     "to block the port until the quotas were lifted", "vowed"),
    ("She believes the ferry line can survive without subsidies.",
     "the ferry line can survive without subsidies", "believes"),
    ("The council asked the engineers whether the dam could hold another winter.",
     "whether the dam could hold another winter", "asked"),
])
def test_stances_with_an_object(text: str, content: str, cue: str) -> None:
    q = segment(text)[0]
    assert q.text == content and q.cue == cue and q.type == "indirect"


@pytest.mark.parametrize("text", [
    "The mayor's plan to widen the road was dropped in May.",
    "Portugal offers a mild climate to many retirees.",
])
def test_nouns_and_non_speech_are_no_stances(text: str) -> None:
    assert segment(text) == []


@pytest.mark.parametrize("text,speaker", [
    ("Mr. Okafor, then 41, said he was told to find a more experienced deputy.", "Mr. Okafor"),
    ("Rosa Diaz, a former harbor pilot who joined the port authority last spring, said the "
     "channel had silted up.", "Rosa Diaz"),
    ("The most experienced skippers, like Ana and Tom, say the new buoys are misplaced.",
     "The most experienced skippers"),
])
def test_longer_appositions(text: str, speaker: str) -> None:
    assert one(text).speaker == speaker


def test_cue_coordinated_with_an_earlier_verb() -> None:
    q = one("Carla Mendes visited the flooded harbor on Monday and said the repairs would take a year.")
    assert q.speaker == "Carla Mendes" and q.text == "the repairs would take a year"
    q = one("Ivo Petrov, who chairs the port board, met the union and said that talks would resume.")
    assert q.speaker == "Ivo Petrov"


@pytest.mark.parametrize("text", [
    "“We lost the boat,” the skipper said of the storm that hit the coast last week.",
    "He joined a group called Friends of the Harbor in the spring.",
    "The harbor survived the violent attacks from the winter storms.",
])
def test_circumstances_and_names_are_no_content(text: str) -> None:
    assert all(u.type == "direct" for u in segment(text))


def test_adverbs_between_speaker_and_cue() -> None:
    q = one("Ms. Ferreira has long said that the harbor needs a second pier.")
    assert q.speaker == "Ms. Ferreira"


def test_signature_after_a_dash() -> None:
    text = "“The harbor is our whole life.” ― Marta Oliveira\n“We will not leave.” ― Jonas Berg"
    a, b = segment(text)
    assert a.speaker == "Marta Oliveira" and b.speaker == "Jonas Berg"


def test_follow_on_quote_after_a_description() -> None:
    text = ("“The pier never closed,” said a senior port official. “Not for a "
            "single hour did we stop the ferries.”")
    a, b = segment(text)
    assert b.speaker == "a senior port official"


def test_relative_clause_with_a_cue_verb_in_the_apposition() -> None:
    text = ("A port official, who spoke on condition of anonymity, said of the mayor, “She "
            "never once asked us about the dredging.”")
    assert one(text).speaker == "A port official"


def test_colon_introduction_by_any_verb() -> None:
    q = segment("Lena Fischer posted: “The ferry is late again and nobody tells us why.”")[0]
    assert q.speaker == "Lena Fischer" and q.cue == ":"


def test_attribution_does_not_reach_into_the_next_reported_sentence() -> None:
    text = ("Ms. Okoro says that “a port without fishermen is a car park.” And she added that "
            "the quay “needs people, not parking.”")
    a, b = segment(text)[:2]
    assert a.speaker == "Ms. Okoro" and a.type == "mixed"


def test_participle_after_a_quote_is_no_inverted_cue() -> None:
    q = segment("The mayor called the vote “historic,” telling reporters on Friday that the "
                "harbor would reopen.")
    assert all(u.speaker != "reporters" for u in q)


def test_participle_takes_the_subject_of_the_main_verb() -> None:
    q = one("The port authority raised the fees in March, saying the old rates no longer covered "
            "the dredging.")
    assert q.speaker == "The port authority" and q.cue == "saying"
    assert q.text == "the old rates no longer covered the dredging"
    q = one("Nora Kim closed the terminal on Friday, citing the storm warnings.")
    assert q.speaker == "Nora Kim" and q.text == "the storm warnings"


def test_participle_introducing_a_quote() -> None:
    q = segment("Marek Wolny shrugged off the delay, telling reporters, “Ships have waited longer.”")[0]
    assert q.speaker == "Marek Wolny" and q.cue == "telling" and q.type == "direct"


def test_short_phrases_quoted_inside_a_clause_are_no_units() -> None:
    assert segment("The crew painted the ferry for the “Festival of the Northern Lights” parade.") == []
    assert segment("The Harbor Bureau cited in the report does not exist.") == []


def test_relative_clause_speaker_and_passive_report() -> None:
    q = one("The plan was backed by Ana Ruiz, who said the harbor needed a second pier.")
    assert spk(q) == ("who", "Ana Ruiz") and q.text == "the harbor needed a second pier"
    q = one("It was announced on Monday that the ferry line would close for the winter.")
    assert q.speaker is None and q.cue == "was announced"
    assert q.text == "that the ferry line would close for the winter"


def test_headline_with_a_colon() -> None:
    text = "Harbor Chief Ana Ruiz: The Port Will Reopen Before Summer.\n\nThe port closed in May."
    q = segment(text)[0]
    assert q.speaker == "Harbor Chief Ana Ruiz" and q.cue == ":"
    assert q.text == "The Port Will Reopen Before Summer"
    assert segment("Update: the ferry runs again.\n\nIt left at noon.") == []


def test_what_polls_and_documents_show() -> None:
    q = one("A new harbor survey shows most residents back the second pier.")
    assert q.speaker == "A new harbor survey" and q.text == "most residents back the second pier"
    q = one("The ferry lost money for the third year in a row, new filings show.")
    assert q.speaker == "new filings"
    assert segment("The photos show a crowded pier at dawn.") == []


def test_shouts_and_ages_attribute_quotes() -> None:
    q = segment("One fisherman interrupted the mayor. “You sold the harbor,” the man shouted.")[0]
    assert q.speaker == "the man" and q.cue == "shouted"
    text = "“The port will live,” said the 52-year-old. “We will fight for it.”"
    a, b = segment(text)
    assert a.speaker == "the 52-year-old" and b.speaker == "the 52-year-old"
    assert segment("The crowd shouted at the empty stage for an hour.") == []


def test_a_bare_verb_after_a_singular_noun_phrase_is_a_modifier_not_a_stance() -> None:
    text = "On the eve of a Lisbon support summit in Madrid, ministers met for talks."
    assert not [q for q in segment(text) if q.cue == "support"]
    said = segment("A Lisbon delegate supports the new plan for the harbour, officials noted.")
    assert any(q.cue in ("supports", "noted") for q in said)


def test_names_inside_quotes_and_possessives_are_no_antecedents() -> None:
    # A possessive is no name ("Ruiz’s"), and a name inside a quotation belongs to the quoted
    # speaker's words: "the president" after it is still the story's president.
    text = ("Harbor President Tomas Elling spoke after the summit.\n\n"
            "“We heard Governor Ana Ruiz’s request for more ships,” Elling said.\n\n"
            "The president declined to detail the plan.\n\n"
            "He noted that the fleet was ready.")
    units = segment(text)
    assert [spk(u) for u in units] == [("Elling", "Tomas Elling"),
                                       ("The president", "Tomas Elling"),
                                       ("He", "Tomas Elling")]


@pytest.mark.parametrize("text,speaker", [
    ("Ana Ruiz did say that the harbor would reopen in the spring.", "Ana Ruiz"),
    ("Tomas Elling similarly warned that the old bridge was unsafe for trucks.", "Tomas Elling"),
    ("The river league has twice complained that the new dam harms the fish.",
     "The river league"),
])
def test_emphatic_do_and_adverbs_before_the_cue(text: str, speaker: str) -> None:
    assert one(text).speaker == speaker


def test_passive_being_and_adjectives_are_no_speakers() -> None:
    text = ("The new harbor fee is being criticized as a “tax on every fisherman in town” by "
            "the union.\n\nAt the rally the crowd took up the rhythmic chant “Open the port now!” "
            "again and again.")
    assert all(u.speaker not in ("being", "the rhythmic") for u in segment(text))


def test_sentence_opening_words_are_no_part_of_names() -> None:
    text = ("The vote was close. Although Tomas Elling lost, he stayed calm.\n\n"
            "“We will be back,” he said.")
    assert spk(segment(text)[-1]) == ("he", "Tomas Elling")


@pytest.mark.parametrize("text,speaker,name", [
    ("Tomas Elling at the time said that the pier would be rebuilt.", "Tomas Elling",
     "Tomas Elling"),
    ("A spokeswoman for the harbor board said that the ferries would run again.",
     "A spokeswoman for the harbor board", None),
    ("The head of the fishing cooperative said that prices would rise.",
     "The head of the fishing cooperative", None),
    ("Rep. Ana Ruiz of Harbor County said that the vote was a mistake.",
     "Rep. Ana Ruiz of Harbor County", "Ana Ruiz"),
    ("After winning the county in the primary, Gov. Ana Ruiz (D), said that she was grateful.",
     "Gov. Ana Ruiz", "Ana Ruiz"),
    ("“The port will reopen,” Ana Ruiz, a lawyer for the city, one of its founders, said.",
     "Ana Ruiz", "Ana Ruiz"),
])
def test_prepositional_phrases_and_appositions_around_the_speaker(
        text: str, speaker: str, name: str | None) -> None:
    assert spk(one(text)) == (speaker, name)


def test_a_subordinate_clause_is_no_prepositional_phrase() -> None:
    q = one("Years after Tomas Elling claimed that the dam was safe, it failed.")
    assert q.speaker == "Tomas Elling"


@pytest.mark.parametrize("text", [
    "“It is a grab for power,” Ana Ruiz, the attorney general of Maine, one of the states "
    "suing the agency, said at an event.",
    "“We had better years,” Port delegate Ana Ruiz, wearing a red hat and “Go Harbor” pins, "
    "said.",
])
def test_long_appositions_after_a_quote(text: str) -> None:
    q = segment(text)[0]
    assert q.type == "direct" and q.speaker is not None and q.speaker.endswith("Ana Ruiz")


def test_descriptions_resolve_to_the_person_or_organisation_named_before() -> None:
    text = ("Tomas Elling, 46, has run the harbor for a decade. Elling met Ana Ruiz on Monday, "
            "and Elling later toured the docks.\n\n"
            "“We will rebuild,” the businessman said.\n\n"
            "“I trust him,” the 46-year-old added.\n\n"
            "The Ruiz campaign sent volunteers. The campaign said that the vote was safe.\n\n"
            "“It is a mess,” a source said.")
    units = segment(text)
    assert [spk(u) for u in units] == [
        ("the businessman", "Tomas Elling"), ("the 46-year-old", "Tomas Elling"),
        ("The campaign", "Ruiz campaign"), ("a source", None)]


def test_places_and_title_case_headlines_are_no_people() -> None:
    text = ("Harbor Mayor Speaks On How He Won\n\n"
            "Tomas Elling visited New Jersey on Friday.\n\n"
            "“The bridge stays open,” he said.")
    assert spk(segment(text)[-1]) == ("he", "Tomas Elling")


@pytest.mark.parametrize("text,cue", [
    ("“Get back to your boats,” Ana Ruiz barked at the crowd.", "barked"),
    ("“This is a great day for the port!” beamed Ana Ruiz, who had waited for years.", "beamed"),
    ("“Close the gates,” the sign reads.", "reads"),
])
def test_manners_of_speaking_attribute_quotes(text: str, cue: str) -> None:
    q = segment(text)[0]
    assert q.type == "direct" and q.cue == cue and q.speaker is not None


def test_manners_of_speaking_report_no_speech_on_their_own() -> None:
    assert segment("Ana Ruiz laughed that the old ferry was slow and loud.") == []


@pytest.mark.parametrize("text,speaker", [
    ("“Prices go up and up,” says a narrator.", "a narrator"),
    ("“They deserve better,” said the tall man who ran the ferry.", "the tall man"),
    ("“Vote for the harbor!” Ana Ruiz said as she opened the session.", "Ana Ruiz"),
])
def test_inverted_and_exclaimed_attributions(text: str, speaker: str) -> None:
    assert segment(text)[0].speaker == speaker


def test_a_participle_is_no_speaker() -> None:
    q = segment("“Is the port safe?” a fisherman can be heard asking the mayor.")[0]
    assert q.speaker != "heard"


def test_headline_source_before_a_colon() -> None:
    text = ("Ana Ruiz: ‘The Port Will Reopen Before the Summer Storms’\n\n"
            "Tomas Elling: Harbor ‘Cannot Wait Another Year’\n\n"
            "Elling: Ferry Fares Are ‘Too High’ for Families\n\n"
            "The mayor spoke on Monday.")
    units = segment(text)
    assert spk(units[0]) == ("Ana Ruiz", "Ana Ruiz") and units[0].type == "direct"
    assert units[1].speaker == "Tomas Elling" and units[1].text.startswith("‘Cannot")
    # the quote inside a longer headline is no headline quote: the headline is the unit
    assert all(not u.text.startswith("‘Too High") for u in units)


def test_ads_and_videos_are_speakers() -> None:
    q = segment("The new harbor ad says “nobody works harder for this town than Ana Ruiz.”")[0]
    assert q.speaker == "The new harbor ad" and q.type == "direct"


@pytest.mark.parametrize("text,speaker,kind", [
    ("In a speech, Ana Ruiz attacked “the lazy thinking that keeps the port closed.”",
     "Ana Ruiz", "direct"),
    ("Tomas Elling thanked her for “standing up for the fishermen when nobody else would.”",
     "Tomas Elling", "direct"),
    ("Ana Ruiz condemned the new fee as “a tax on every family in the harbor.”",
     "Ana Ruiz", "mixed"),
])
def test_a_quote_as_the_object_of_a_stance(text: str, speaker: str, kind: str) -> None:
    q = one(text)
    assert q.speaker == speaker and q.type == kind


def test_a_participle_before_a_quote_is_no_stance() -> None:
    q = one("Inside was a box labeled “medical records from the old harbor clinic.”")
    assert q.speaker is None


@pytest.mark.parametrize("text,units", [
    ("Ruiz said the levy is fair, and Lopez said it would hurt farmers.",
     [("the levy is fair", "Ruiz"), ("it would hurt farmers", "Lopez")]),
    ("Officials described the storm as severe and said the pier might be damaged.",
     [("the storm as severe", "Officials"), ("the pier might be damaged", "Officials")]),
    ("Ruiz agreed that the rules should change, but he said that talk should wait until May.",
     [("that the rules should change", "Ruiz"), ("that talk should wait until May", "he")]),
])
def test_reported_content_stops_before_a_coordinated_report(
        text: str, units: list[tuple[str, str]]) -> None:
    assert [(q.text, q.speaker) for q in segment(text)] == units


@pytest.mark.parametrize("text,content,speaker", [
    ("The harbor will reopen in the spring, one port official said.",
     "The harbor will reopen in the spring", "one port official"),
    ("Two senior port officials said the harbor would reopen in the spring.",
     "the harbor would reopen in the spring", "Two senior port officials"),
    ("Ruiz, speaking to a crowd in Salem, said she would fight the levy.",
     "she would fight the levy", "Ruiz"),
])
def test_quantified_descriptions_and_participle_appositions(
        text: str, content: str, speaker: str) -> None:
    q = one(text)
    assert (q.text, q.speaker) == (content, speaker)


def test_a_clause_before_that_is_part_of_the_content() -> None:
    q = one("Ruiz said the plan was flawed and that the council should vote again.")
    assert q.text == "the plan was flawed and that the council should vote again"
    q = one("Ruiz told reporters on Monday that the council should vote again.")
    assert q.text == "that the council should vote again"


@pytest.mark.parametrize("text,content,speaker,cue", [
    ("Ruiz is demanding an apology from the council.", "an apology from the council", "Ruiz",
     "demanding"),
    ("The mayor is once again questioning the count in the harbor district.",
     "the count in the harbor district", "The mayor", "questioning"),
    ("The city is demanding that the campaign stop using its logo.",
     "that the campaign stop using its logo", "The city", "demanding"),
    ("Ruiz was promising to rebuild the pier.", "to rebuild the pier", "Ruiz", "promising"),
    ("Ruiz is calling for a new vote on the levy.", "a new vote on the levy", "Ruiz", "calling"),
])
def test_stances_in_the_progressive(text: str, content: str, speaker: str, cue: str) -> None:
    q = one(text)
    assert (q.text, q.speaker, q.cue) == (content, speaker, cue)


def test_progressive_adjectives_are_no_stances() -> None:
    assert segment("The plan is promising for farmers in the valley.") == []


@pytest.mark.parametrize("text,content,cue", [
    ("Ruiz backed the plan on Monday, promising to rebuild the pier by June.",
     "to rebuild the pier by June", "promising"),
    ("Ruiz questioned the count, urging her supporters to watch the polls on Election Day.",
     "her supporters to watch the polls on Election Day", "urging"),
    ("The mayor spoke for an hour, criticizing the council for its delays.",
     "the council for its delays", "criticizing"),
])
def test_participles_of_stances_continue_the_speaker(text: str, content: str, cue: str) -> None:
    q = segment(text)[-1]
    assert (q.text, q.cue) == (content, cue) and q.speaker in ("Ruiz", "The mayor")


def test_a_quote_ending_the_reporters_clause_makes_a_mixed_unit() -> None:
    q = one("The summit accomplished “too little,” Ruiz said.")
    assert (q.type, q.text, q.speaker) == ("mixed", "The summit accomplished “too little,”", "Ruiz")
    q = one("In his view, “nothing will change,” Ruiz said.")
    assert (q.type, q.text) == ("direct", "“nothing will change,”")


@pytest.mark.parametrize("text,content", [
    ("Ruiz said the pier would reopen in May, which surprised the fishermen.",
     "the pier would reopen in May"),
    ("Ruiz said the storm was the worst in years, although the damage was small.",
     "the storm was the worst in years"),
])
def test_reported_content_stops_at_a_relative_or_concessive_clause(text: str, content: str) -> None:
    assert one(text).text == content


@pytest.mark.parametrize("text,content,speaker", [
    ("The pier will stay open through the winter, the mayor's spokesman said.",
     "The pier will stay open through the winter", "the mayor's spokesman"),
    ("The ferry was full when it left, harbor authority spokesman Tom Reyes said.",
     "The ferry was full when it left", "harbor authority spokesman Tom Reyes"),
    ("Ana was also headed to Salem, her friend said.", "Ana was also headed to Salem",
     "her friend"),
    ("The harbor will reopen, Ruiz told reporters on Tuesday.", "The harbor will reopen", "Ruiz"),
])
def test_content_before_a_described_speaker_or_a_listener(
        text: str, content: str, speaker: str) -> None:
    q = one(text)
    assert (q.text, q.speaker) == (content, speaker)


def test_a_stance_may_have_a_two_word_object() -> None:
    q = one("Ruiz criticized the levy.")
    assert (q.text, q.speaker, q.cue) == ("the levy", "Ruiz", "criticized")
    assert segment("Ruiz said so.") == []


def test_title_case_headlines_with_a_capitalised_cue() -> None:
    text = ("Ruiz Says Port Will Reopen In The Spring\n\n"
            "The mayor spoke on Friday about the harbor and its future.\n\n"
            "Port Will Reopen Soon, Former Harbor Master Says.\n\n"
            "Storm Coverage: Ana Ruiz Says Ferries Will Run Again\n")
    assert [(q.text, q.speaker, q.cue) for q in segment(text)] == [
        ("Port Will Reopen In The Spring", "Ruiz", "Says"),
        ("Port Will Reopen Soon", "Former Harbor Master", "Says"),
        ("Ferries Will Run Again", "Ana Ruiz", "Says")]
    assert segment("Ruiz Says the port will reopen in the spring, and many agree.") == []


def test_headlines_are_found_after_the_first_paragraph() -> None:
    text = ("Harbor news\n\nFerries will not run this winter - Ana Ruiz\n\n"
            "Storm Desk: The Pier Is Safe For Now\n")
    units = [(q.text, q.speaker) for q in segment(text)]
    assert ("Ferries will not run this winter", "Ana Ruiz") in units
    assert ("The Pier Is Safe For Now", "Storm Desk") in units


@pytest.mark.parametrize("text,content,name", [
    ("Ruiz won most voters who said the harbor should reopen soon.",
     "the harbor should reopen soon", None),
    ("The board fired an architect who said he was never paid for his work.",
     "he was never paid for his work", None),
    ("Ana Ruiz, who has said the levy is unfair, voted against it.", "the levy is unfair",
     "Ana Ruiz"),
])
def test_relative_who_with_or_without_a_comma(text: str, content: str, name: str | None) -> None:
    q = one(text)
    assert (q.text, q.speaker) == (content, "who")
    if name:
        assert q.speaker_name == name


def test_reported_content_stops_at_a_spaced_dash() -> None:
    q = one("Ruiz said the levy would pass in May — a claim her rivals dispute.")
    assert q.text == "the levy would pass in May"


def test_that_after_a_circumstance_with_commas() -> None:
    q = one("Ruiz says at a campaign stop in Salem, Oregon, that the levy means fewer ferries.")
    assert (q.text, q.speaker) == ("that the levy means fewer ferries", "Ruiz")


def test_a_sentence_ends_after_a_decade() -> None:
    # "1980s." is no initial: the next quote opens a sentence and continues the speaker.
    units = segment('"It was a fine deal," said Ana Ruiz, who has sued mill owners since the '
                    '1980s. "The firm shed every debt it had, and the river too."')
    assert [u.speaker_name for u in units] == ["Ana Ruiz", "Ana Ruiz"]


def test_a_subordinate_clause_after_a_quote_does_not_attribute_it() -> None:
    units = segment("The ad shows Tom Reyes saying at a rally, “That makes me smart,” when Ana "
                    "Ruiz attacked him over his taxes.")
    assert [(u.text, u.speaker) for u in units if u.type == "direct"] == [
        ("“That makes me smart,”", "Tom Reyes")]


@pytest.mark.parametrize("text,speaker", [
    ("The clip shows Ana Ruiz asking, “Why is the pier still closed after ten years?”",
     "Ana Ruiz"),
    ("The ad ends with footage of Tom Reyes saying last spring, “We will not close the mill "
     "while I am here.”", "Tom Reyes"),
    ("The crowd cheered the mayor saying: “We will not close the mill while I am here.”",
     "the mayor"),
])
def test_a_named_subject_of_a_participle_before_a_quote(text: str, speaker: str) -> None:
    q = one(text)
    assert q.type == "direct" and q.speaker == speaker


def test_a_participle_after_a_preposition_has_no_speaker_subject() -> None:
    units = segment("The campaign sent an email to supporters stating, “The mill will stay open "
                    "for as long as we are in charge of the port.”")
    assert all(u.speaker != "supporters" for u in units)


@pytest.mark.parametrize("text", [
    "Ana Ruiz spoke first. ''The mill will stay open.'' He added that the port would reopen "
    "in the spring after the repairs.",
    "Ana Ruiz spoke first. “The mill will stay open for as long as we can.” That, he said, "
    "was the end of the matter for the council.",
])
def test_a_quote_closing_its_sentence_is_not_framed_by_the_next_one(text: str) -> None:
    units = segment(text)
    direct = [u for u in units if u.type == "direct"]
    assert direct and all(u.speaker is None or u.speaker == "Ana Ruiz" for u in direct)


def test_the_subject_of_a_participle_with_a_phrase_is_the_speaker() -> None:
    q = one("Protesters marching through the streets chanted “No more closures!” until dawn.")
    assert q.speaker == "Protesters"


@pytest.mark.parametrize("text,speaker", [
    ("“The rationale does not hold,” said 9/11 widow Ana Ruiz.", "9/11 widow Ana Ruiz"),
    ("“The rationale does not hold,” said attorney Ana Ruiz.", "attorney Ana Ruiz"),
])
def test_a_role_before_the_name_after_an_inverted_cue(text: str, speaker: str) -> None:
    q = one(text)
    assert q.speaker == speaker and q.speaker_name == "Ana Ruiz"


def test_who_before_a_stance_is_the_mention_and_the_name_its_referent() -> None:
    units = segment("The mayor met Ana Ruiz, who criticized the plan to close the mill, on Monday. "
                    "“We will not let it happen,” the council said.")
    stance = next(u for u in units if u.cue == "criticized")
    assert spk(stance) == ("who", "Ana Ruiz")


@pytest.mark.parametrize("text", [
    "Ana Ruiz said on Harbor Radio’s “Morning Tide” that the port would reopen.",
    "Ana Ruiz told “Coast and Country” that the port would reopen.",
    "In her 2019 book, “The Long Pier,” Ana Ruiz said the port would reopen.",
    "“Harbor Hour” host Tom Reyes said the port would reopen.",
    "On this week’s broadcast of “Harbor Hour,” Ana Ruiz said the port would reopen.",
])
def test_titles_of_works_are_no_quotes(text: str) -> None:
    units = segment(text)
    assert all(u.type != "direct" for u in units), [(u.type, u.text) for u in units]
    assert all("“" not in u.text for u in units), [(u.type, u.text) for u in units]


def test_a_quote_before_a_title_keeps_its_speaker() -> None:
    units = segment("“We will hold the line,” Ana Ruiz said on Harbor Radio’s “Morning Tide.”")
    assert [(u.type, u.text, u.speaker) for u in units] == [
        ("direct", "“We will hold the line,”", "Ana Ruiz")]


def test_a_title_case_quote_with_no_work_before_it_stays_a_quote() -> None:
    q = one("The mayor said: “Port Will Reopen.”")
    assert q.type == "direct" and q.text == "“Port Will Reopen.”"


def test_a_listener_quoted_as_a_title_is_skipped_before_that() -> None:
    q = one("Ana Ruiz told Harbor Radio’s “Morning Tide” that the port would reopen soon.")
    assert q.text == "that the port would reopen soon" and q.speaker == "Ana Ruiz"


def test_a_circumstance_before_a_split_attribution_is_no_content() -> None:
    q = one("On Harbor Radio on Tuesday, she said, “The port will reopen in May.”")
    assert q.type == "direct" and q.speaker == "she"


@pytest.mark.parametrize("text,quote", [
    ('“The port will reopen," Ana Ruiz said on Tuesday.', '“The port will reopen,"'),
    ('"The port will reopen,” Ana Ruiz said on Tuesday.', '"The port will reopen,”'),
    ('“They call it "the long pier" here,” Ana Ruiz said.', '“They call it "the long pier" here,”'),
    ('"They call it “the long pier” here," Ana Ruiz said.', '"They call it “the long pier” here,"'),
])
def test_mixed_straight_and_typographic_marks(text: str, quote: str) -> None:
    q = one(text)
    assert q.type == "direct" and q.text == quote and q.speaker == "Ana Ruiz"


def test_mixed_marks_in_a_split_quote() -> None:
    q = one('“The port will reopen," Ana Ruiz said, "and the ferries will run again.”')
    assert q.type == "direct" and q.parts is not None and len(q.parts) == 2


@pytest.mark.parametrize("text", [
    "The ferry crews got notices in the mail they never asked for or were simply confused by.",
    "That was what Ana Ruiz said when she resigned from the harbor board in 2014.",
    "Her lead among young voters still lags below what she wants and her rival keeps gaining.",
])
def test_no_content_opens_with_a_conjunction_or_a_circumstance(text: str) -> None:
    assert segment(text) == [], [(u.type, u.text) for u in segment(text)]


def test_a_coordinated_cue_after_and_keeps_its_content() -> None:
    units = segment("Ana Ruiz laughed and admitted that the ferries had been late all week.")
    assert [u.text for u in units] == ["that the ferries had been late all week"]


@pytest.mark.parametrize("text", [
    "Oregon state Rep. Ana Ruiz voted against the harbor levy on Tuesday.",
    "Coastal states remained too close to call late on Tuesday night.",
    "Ana Ruiz maintains a commanding lead over her rivals in the port towns.",
    "Port support was more solid among older voters than among younger ones.",
    "A new harbor board report compares the ferry schedules of five towns.",
    "Ruiz’s tweet came as the council was meeting to vote on the levy.",
])
def test_cue_look_alikes_read_as_nouns(text: str) -> None:
    assert segment(text) == [], [(u.type, u.text) for u in segment(text)]


@pytest.mark.parametrize("text,content", [
    ("The levy is unfair to the ferry crews, the harbor master maintains.",
     "The levy is unfair to the ferry crews"),
    ("Ana Ruiz maintains that the levy is unfair to the ferry crews.",
     "that the levy is unfair to the ferry crews"),
    ("Most port officials support the levy on ferry tickets.", "the levy on ferry tickets"),
])
def test_cue_look_alikes_still_report_as_verbs(text: str, content: str) -> None:
    assert one(text).text == content


@pytest.mark.parametrize("text", [
    "The Latest: Harbor council votes to reopen the port\n\nThe council met on Monday.",
    "Harbor Update: The latest ferry schedules for the coast\n\nThe council met on Monday.",
])
def test_headline_labels_are_no_sources(text: str) -> None:
    assert segment(text) == [], [(u.type, u.text) for u in segment(text)]


def test_a_stance_participle_before_a_place_adverb_is_no_cue() -> None:
    text = "Remarks by the officials cited above are summarized from public briefings."
    assert segment(text) == [], [(u.type, u.text) for u in segment(text)]


def test_a_title_in_two_apostrophes_is_no_quote() -> None:
    q = one("In his 2002 book, ''Harbor Lights,'' Tom Reyes said the port would reopen.")
    assert q.type == "indirect" and q.text == "the port would reopen"


@pytest.mark.parametrize("text", [
    "Ana Ruiz said she welcomed “a fair deal for the harbor crews” at the meeting.",
    "Ana Ruiz said that she welcomed “a fair deal for the harbor crews” at the meeting.",
    "Ana Ruiz told reporters she welcomed “a fair deal for the harbor crews” at the meeting.",
    "Ana Ruiz told The Harbor Times she welcomed “a fair deal for the harbor crews” at the "
    "meeting.",
])
def test_a_pronoun_subject_inside_a_report_is_not_the_speaker(text: str) -> None:
    q = next(u for u in segment(text) if "fair deal" in u.text)
    assert q.speaker == "Ana Ruiz" and q.text.startswith(("she", "that she"))


def test_the_company_after_an_organisation_speaker_resolves_to_it() -> None:
    units = segment("Harborline said on Monday that the ferries would run again in the spring. "
                    "“We have always put the safety of our passengers first,” the company said.")
    q = next(u for u in units if u.type == "direct")
    assert spk(q) == ("the company", "Harborline")


def test_the_company_after_a_person_speaker_stays_unresolved() -> None:
    units = segment("Ana Ruiz said on Monday that the ferries would run again in the spring. "
                    "“We have always put the safety of our passengers first,” the company said.")
    q = next(u for u in units if u.type == "direct")
    assert spk(q) == ("the company", None)


def test_a_round_up_line_names_its_source_after_a_dash() -> None:
    units = segment("Harbor polls agree - Ana Ruiz: “The crews will vote for the deal on Friday "
                    "and the ferries will run again.”")
    q = next(u for u in units if u.type == "direct")
    assert q.speaker == "Ana Ruiz"


@pytest.mark.parametrize("text,speaker,cue", [
    # a past participle with its phrase set off by commas is no verb of the clause
    ("Olaf Scholz, criticized by some for his caution, said troops were not an option.",
     "Olaf Scholz", "said"),
    ("Ana Ruiz, pressed by reporters, acknowledged divisions among the allies.",
     "Ana Ruiz", "acknowledged"),
    ("Prime Minister Ulf Kristersson of Sweden, poised to join the alliance, downplayed the "
     "idea, stating that troops were not on the cards.", "Prime Minister Ulf Kristersson of Sweden",
     "stating"),
])
def test_participle_apposition_before_the_verb(text: str, speaker: str, cue: str) -> None:
    q = one(text)
    assert (q.speaker, q.cue) == (speaker, cue)


def test_apposition_then_main_verb_with_a_preposition_keeps_the_subject() -> None:
    text = ("Tom Reyes, a former port director, poked at the mayor's plan during the debate, "
            "tweeting, “Notice the empty docks.”")
    q = one(text)
    assert q.speaker == "Tom Reyes"


def test_a_mixed_unit_ends_before_a_coordinated_report() -> None:
    text = ("Ana Ruiz called the levy “a tax on every family” and said the council would vote "
            "on it in the spring.")
    units = segment(text)
    mixed = next(u for u in units if u.type == "mixed")
    assert mixed.text == "the levy “a tax on every family”"
    rest = next(u for u in units if u.type == "indirect")
    assert rest.text == "the council would vote on it in the spring"
    assert rest.speaker == "Ana Ruiz"


def test_a_mixed_unit_ends_before_but_did_not() -> None:
    text = ("Tom Reyes said he would offer “a warm welcome” to the new crews but did not say "
            "when they would arrive.")
    mixed = next(u for u in segment(text) if u.type == "mixed")
    assert mixed.text == "he would offer “a warm welcome” to the new crews"


def test_a_second_coordinated_report_carries_the_quote() -> None:
    text = ("Ana Ruiz said the ferries had lost money for years and said that the port "
            "deserved “a fresh start.”")
    units = segment(text)
    assert [(u.type, u.text, u.speaker) for u in units] == [
        ("indirect", "the ferries had lost money for years", "Ana Ruiz"),
        ("mixed", "that the port deserved “a fresh start.”", "Ana Ruiz"),
    ]


@pytest.mark.parametrize("text,speaker,content", [
    ("Ana Ruiz on Monday said the ferries would run again in the spring.",
     "Ana Ruiz", "the ferries would run again in the spring"),
    ("The harbor council last week endorsed the plan to rebuild the northern pier.",
     "The harbor council", "the plan to rebuild the northern pier"),
    ("Tom Reyes in 2011 urged the council to close the old ferry terminal.",
     "Tom Reyes", "the council to close the old ferry terminal"),
])
def test_a_time_phrase_between_the_speaker_and_the_verb(text: str, speaker: str,
                                                        content: str) -> None:
    q = one(text)
    assert (q.speaker, q.text) == (speaker, content)


def test_referring_to_after_a_quote_is_what_the_words_were_about() -> None:
    units = segment("“There is a real revolution in the harbor,” Ramos said, referring to the "
                    "ever-growing cruise fleet.")
    assert [(u.type, u.speaker, u.text) for u in units] == [
        ("direct", "Ramos", "“There is a real revolution in the harbor,”"),
        ("indirect", "Ramos", "the ever-growing cruise fleet"),
    ]


def test_referring_to_ends_reported_content() -> None:
    units = segment("Ramos said the harbor would change, referring to the ever-growing cruise "
                    "fleet.")
    assert [u.text for u in units] == ["the harbor would change", "the ever-growing cruise fleet"]


def test_referring_to_a_name_is_a_gloss() -> None:
    units = segment("“The HPA will not sell the pier,” he said, referring to the port "
                    "authority's official name.")
    assert [u.type for u in units] == ["direct"]


@pytest.mark.parametrize("text,speaker,content", [
    ("Ana Ruiz portrayed the council as a club of insiders, and the crowd cheered.",
     "Ana Ruiz", "the council as a club of insiders"),
    ("Harbor voters see Tom Reyes as the candidate with the better plan.",
     "Harbor voters", "Tom Reyes as the candidate with the better plan"),
])
def test_a_view_with_as_reports_its_object(text: str, speaker: str, content: str) -> None:
    q = one(text)
    assert (q.speaker, q.cue in ("portrayed", "see"), q.text) == (speaker, True, content)


def test_seeing_something_as_a_clause_goes_on_is_no_view() -> None:
    assert segment("I saw the mayor at the pier as he left the ferry.") == []


def test_a_view_does_not_take_over_the_quotes_after_it() -> None:
    units = segment("Ana Ruiz laughed. “We will open the pier in May,” she said.\n\n"
                    "Harbor voters see the plan as a gamble.\n\n"
                    "“The crews are ready and the money is there,” she said.")
    last = units[-1]
    assert (last.speaker, last.speaker_name) == ("she", "Ana Ruiz")


def test_a_short_quote_after_said_goes_on_with_the_speaker() -> None:
    units = segment("“Will the pier open in May?” Ana Ruiz asked. “Not a chance.”")
    assert [(u.type, u.speaker, u.text) for u in units] == [
        ("direct", "Ana Ruiz", "“Will the pier open in May?”"),
        ("direct", "Ana Ruiz", "“Not a chance.”"),
    ]


def test_a_short_quote_in_a_sentence_of_its_own_is_no_follow_on() -> None:
    units = segment("The crowd cheered. The ferry was late again, as the “new era” began.")
    assert units == []


def test_a_transcripts_stage_directions_and_follow_lines_are_no_quote() -> None:
    text = ("\"RUIZ: The pier will open in May, and the crews are ready.\n\n"
            "\"(LAUGHTER.)\n\n"
            "\"REYES: The money is not there, and the voters know it.\n\n"
            "\"Follow Ana Ruiz on Twitter @anaruiz.\"")
    parts = [text[a:b] for u in segment(text) for a, b in (u.parts or [(u.start, u.end)])]
    assert parts and not any("LAUGHTER" in p or "Follow" in p for p in parts)


@pytest.mark.parametrize("text", [
    "The council met on Monday.\n\n\"Related:\"\n\nThe ferry was late.",
    "The council met on Monday.\n\n“HARBOR CREWS READY FOR MAY”\n\nThe ferry was late.",
])
def test_labels_and_subheads_in_quotation_marks_are_no_quote(text: str) -> None:
    assert segment(text) == []


def test_a_paragraph_quoted_in_capitals_with_a_speaker_is_still_a_quote() -> None:
    units = segment("“WE WILL OPEN THE PIER IN MAY,” Ana Ruiz shouted.")
    assert [u.speaker for u in units] == ["Ana Ruiz"]


def test_a_circumstance_before_the_speaker_is_no_content_when_that_follows() -> None:
    units = segment("During a town hall at the pier, Ana Ruiz told reporters Tuesday that the "
                    "ferry would run again in May.")
    assert [(u.speaker, u.text) for u in units] == [
        ("Ana Ruiz", "that the ferry would run again in May")]


def test_content_before_the_speaker_with_a_time_word_is_still_content() -> None:
    units = segment("The ferry will run again in May, Ana Ruiz said Tuesday.")
    assert [(u.speaker, u.text) for u in units] == [("Ana Ruiz", "The ferry will run again in May")]


@pytest.mark.parametrize("text", [
    "Ana Ruiz won the harbor vote, adding to her wins in the north.",
    "The late ferries only added to the anger of the crews.",
])
def test_adding_to_something_is_no_speech(text: str) -> None:
    assert segment(text) == []


def test_adding_to_a_listener_that_is_speech() -> None:
    q = one("Ana Ruiz added to reporters that the pier would open in May.")
    assert (q.speaker, q.text) == ("Ana Ruiz", "that the pier would open in May")


def test_fast_quote_constructor_builds_the_same_quote() -> None:
    # The engine's module-private constructor: equal, same hash and dict, still frozen.
    import dataclasses

    from labeling.segmenter.types import _quote

    values = (3, 9, "abcdef", "mixed", ((3, 5), (7, 9)), "she", 0, 3, "Ana Ruiz", "said",
              10, 14, 0, 20, 0, 40)
    fast, slow = _quote(*values), Quote(*values)
    assert type(fast) is Quote and fast == slow and hash(fast) == hash(slow)
    assert fast.to_dict() == slow.to_dict()
    assert [getattr(fast, f.name) for f in dataclasses.fields(Quote)] == list(values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.start = 4  # type: ignore[misc]


def test_layout_bounds_are_the_lookups_at_both_ends() -> None:
    from labeling.segmenter.structure import Layout

    for text in ("", "  One. Two here.\n\nThree? Four!\n Five", "\n\nA. B.\n"):
        layout = Layout(text)
        for start in range(len(text) + 1):
            for end in range(start, len(text) + 2):
                last = max(start, end - 1)
                assert layout.bounds(start, end) == (
                    layout.para_index(start),
                    min(layout.sent_of(start)[0], start), max(layout.sent_of(last)[1], end),
                    min(layout.para_of(start)[0], start), max(layout.para_of(last)[1], end))
