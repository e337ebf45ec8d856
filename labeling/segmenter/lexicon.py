"""Every word list of the segmenter, each defined once.

The passes (:mod:`.quotations`, :mod:`.reported`, :mod:`.cues`, :mod:`.headlines`,
:mod:`.speakers`, :mod:`.coref`, :mod:`.assembly`) and the parse engine (:mod:`.parsed`) import
their words from here and keep none of their own. No name is assigned twice or grown in place
(``tests/test_segmenter_lexicon.py`` checks it): a set built from others is their union (or
difference) under a name of its own, so what a name holds never depends on line order.
Sets are frozen; the passes bind the ones they test in hot loops as module globals
(``from ... import NAME``), which costs one dictionary look-up, like the constants they were.

Sections: reporting verbs and the cue sets built from them; function words; speakers, names
and titles; organisations and places (coreference); quotations that name works; headlines;
the parse engine's lemmas.
"""

from __future__ import annotations

# ---------------------------------------------------------------- reporting verbs

# Reporting verbs (base forms); inflections are generated below, irregulars listed.
_REGULAR = """
acknowledge add admit advise affirm agree allege announce answer argue assert assure blast
boast caution charge cite claim comment complain concede conclude confirm contend counter
declare decry demand deny describe disclose dismiss emphasise emphasize estimate explain
insist joke lament mention note object observe pledge point predict promise propose protest
question recall reckon recount reiterate remark reply report respond reveal scoff signal
state stress suggest testify threaten tweet urge vow warn welcome wonder worry criticise
criticize accuse hint concur predict assess repeat maintain indicate call describe continue
shout yell scream exclaim chant
""".split()
# Irregular (or doubled-consonant) forms of reporting verbs, by base form.
_IRREGULAR = {
    "say": ["say", "says", "said", "saying"],
    "tell": ["tell", "tells", "told", "telling"],
    "write": ["write", "writes", "wrote", "writing", "written"],
    "think": ["think", "thinks", "thought", "thinking"],
    "believe": ["believe", "believes", "believed", "believing"],
    "add": ["add", "adds", "added", "adding"],
    "admit": ["admit", "admits", "admitted", "admitting"],
    "tweet": ["tweet", "tweets", "tweeted", "tweeting"],
    "forecast": ["forecast", "forecasts", "forecasting"],
    "ask": ["ask", "asks", "asked", "asking"],
    "put": ["put", "puts", "putting"],
    "speak": ["speak", "speaks", "spoke", "speaking"],
    "go on": ["went on"],
}


def _inflect(v: str) -> list[str]:
    """The regular forms of verb ``v``: base, third person, past, -ing (and -led)."""
    if v.endswith("e"):
        return [v, v + "s", v + "d", v[:-1] + "ing"]
    if v.endswith("y") and v[-2] not in "aeiou":
        return [v, v[:-1] + "ies", v[:-1] + "ied", v + "ing"]
    if v.endswith(("s", "sh", "ch", "x", "z")):
        return [v, v + "es", v + "ed", v + "ing"]
    if v in ("object", "protest", "signal"):
        return [v, v + "s", v + "ed", v + "ing", v + "led"]
    return [v, v + "s", v + "ed", v + "ing"]


# Manners of speaking: they attribute a quotation ("“Out!” he barked") but report no speech
# on their own.
MANNER_VERBS = frozenset("""
bark barks barked beam beams beamed boom booms boomed retort retorts retorted quip quips quipped
snap snaps snapped scold scolds scolded sing sings sang singing gush gushes gushed muse muses
mused marvel marvels marveled marvelled rant rants ranted thunder thunders thundered fume fumes
fumed sneer sneers sneered mutter mutters muttered murmur murmurs murmured whisper whispers
whispered plead pleads pleaded interject interjects interjected chime chimes chimed laugh laughs
laughed sigh sighs sighed grumble grumbles grumbled growl growls growled snarl snarls snarled
gripe gripes griped rave raves raved crow crows crowed taunt taunts taunted tease teases teased
chide chides chided reads read recite recites recited lecture lectures lectured lecturing
""".split())
# Every inflected reporting verb, and the manners of speaking: the cue words proper.
CUE_VERBS: frozenset[str] = frozenset(
    [f for v in _REGULAR for f in _inflect(v)]
    + [f for forms in _IRREGULAR.values() for f in forms]
) | MANNER_VERBS
# Verbs of belief and finding: attributions when a "that" clause follows.
THAT_VERBS = frozenset(f for v in """believe think know feel hope fear expect doubt recognize
recognise understand show find learn hear assume realize realise fear predict reckon
contend conclude guess imagine suspect worry bet prove demonstrate indicate reveal
acknowledge insist agree admit charge allege suggest""".split() for f in _inflect(v)) | {
    "thought", "knew", "known", "felt", "found", "learned", "learnt", "heard", "shown",
    "showed", "proven"}
# Stances with a noun-phrase object, which is the attributed content ("X criticized [the
# plan]", "X called [the report false]", "X called for [an inquiry]").
_OBJECT = """call describe accuse criticize criticise cite reject attack blast deny condemn urge
oppose propose question praise defend endorse welcome demand dismiss blame applaud ask
express recommend request label dub mention""".split()
# Their inflected forms (no -ing: those are PROGRESSIVE), with irregular pasts and near
# synonyms.
OBJECT_VERBS = frozenset(f for v in _OBJECT for f in _inflect(v) if not f.endswith("ing")) | {
    "sought", "seeks", "seek", "slammed", "slams", "supported", "backed", "support", "supports"}
# Stances with a "to" clause ("X vowed [to repeal the law]"); want and hope also take
# "X wants [voters to remember]".
_TO = "want plan hope vow pledge promise refuse decline agree intend threaten aim".split()
# Their inflected forms (no -ing), and a few more.
TO_VERBS = frozenset(f for v in _TO for f in _inflect(v) if not f.endswith("ing")) | {
    "planned", "sought", "seeks", "seek"}
# Progressive stances after a form of "be" ("X is demanding [...]", "X was urging [...]").
PROGRESSIVE = frozenset(f for v in _OBJECT + _TO + _REGULAR + ["encourage", "promote"]
                        for f in _inflect(v) if f.endswith("ing")) | {"saying", "telling",
                                                                      "seeking"}
# Beliefs whose clause may come without "that" ("X believes [he can win]").
BELIEF_VERBS = frozenset("""believe believes believed think thinks thought feel feels felt fear
fears feared suspect suspects suspected expect expects expected know knows knew""".split())
# Verbs that take a direct quote but rarely report speech on their own (e.g. "asked").
QUOTE_ONLY_VERBS = frozenset({"asked", "asks", "ask", "asking", "thought", "think", "thinks",
                              "believe", "believes", "believed", "wonder", "wondered",
                              "wonders", "joked", "jokes", "question", "questioned",
                              "estimate", "estimated", "estimates", "put", "puts",
                              "continue", "continues", "continued", "continuing",
                              "shout", "shouts", "shouted", "yell", "yells", "yelled",
                              "scream", "screamed", "exclaim", "exclaimed", "chant", "chanted",
                              "chanting", "shouting", "yelling"}) | MANNER_VERBS
# Verbs that report speech with or without "that"; others need "that" for indirect speech.
STRONG_CUES = frozenset(
    f for v in ("say", "tell", "add", "warn", "insist", "stress", "argue", "note", "acknowledge",
                "claim", "announce", "declare", "explain", "state", "write", "report",
                "confirm", "admit", "suggest", "emphasize", "emphasise", "predict", "concede",
                "contend", "assert", "maintain", "reiterate", "repeat", "promise", "vow",
                "pledge", "caution", "allege", "deny", "believe", "think", "agree", "tweet",
                "reveal", "indicate", "signal", "recall", "complain", "point out")
    for f in (_IRREGULAR.get(v) or _inflect(v))
) | {"indicated", "indicates", "indicating"}

# ---------------------------------------------------------------- cue sets of the passes
# Built from the verb classes above; each is a union (or difference) under its own name.

# Stance verbs: a noun-phrase object, a "to" clause or a belief clause is what was said.
STANCE_VERBS = OBJECT_VERBS | TO_VERBS | BELIEF_VERBS
# Words around a quotation that can attribute it ('“...,” Ruiz said', 'according to Ruiz').
FRAME_WORDS = CUE_VERBS | THAT_VERBS | {"according"} | STANCE_VERBS
# Progressive stances that report speech ("is demanding"), not the quote-only verbs ("is
# asking", "is shouting").
PROGRESSIVE_CUES = PROGRESSIVE - QUOTE_ONLY_VERBS
# Cue words that can report speech outside quotation marks (not "barked", "read", "asked"
# without an object).
REPORTING = (FRAME_WORDS | PROGRESSIVE_CUES) - (QUOTE_ONLY_VERBS - THAT_VERBS - STANCE_VERBS)
# "..., X said, referring to [the convention]": what the speaker's words were about (a cue
# only as that participle, after a comma).
REFERRING = frozenset({"referring"})
# Views with "as" in their object ("X sees [the levy as a tax]", "X portrayed [him as ...]"):
# a cue only with it.
AS_VERBS = frozenset("""see sees saw view views viewed regard regards regarded portray portrays
portrayed depict depicts depicted""".split())
# Every word the reported-speech pass tries as the cue of a clause.
CUE_WORDS = FRAME_WORDS | PROGRESSIVE_CUES | REFERRING | AS_VERBS
# What the reported-speech pass looks for in a sentence before tokenising it.
SENTENCE_TRIGGERS = REPORTING | AS_VERBS | {"According", "that", "as"}
# Verbs of belief that report only with "that" ("X knows that ...").
THAT_ONLY = THAT_VERBS - CUE_VERBS - STANCE_VERBS - {"show", "shows", "showed", "shown", "found",
                                                     "finds"}
# Findings: "a new poll shows [...]", "[...], filings show" (with a document for subject).
SHOW_VERBS = frozenset("show shows showed shown suggest suggests suggested find finds found "
                       "indicate indicates indicated".split())
# What a document, a poll or a record "shows": their findings are attributions too.
DOCUMENTS = frozenset("""poll polls survey surveys study studies report reports document
documents filing filings record records data figures numbers analysis review results research
audit memo letter statement ad""".split())
# Stances whose object a quotation can be ("X attacked “...”", "X thanked him for “...”").
QUOTE_STANCES = OBJECT_VERBS | frozenset("""thanked thanks thank hailed hails touted touts
mocked mocks labeling labelling praising""".split())
# Words before a quote that can attribute it.
HEAD_WORDS = FRAME_WORDS | QUOTE_STANCES
# Words between a stance verb and its quoted object that keep the quote a direct unit
# ("called him “...”"); any other word makes it a mixed unit ("condemned the test as “...”").
OBJECT_LINKS = frozenset("him her them it us me for as of on".split())
# Participles after a comma that report the sentence's speaker ("..., adding that ...").
PARTICIPLE_CUES = frozenset("saying adding arguing noting telling warning insisting "
                            "claiming explaining stressing citing calling accusing".split())
# Participles whose object is the content ("..., citing [the polls]").
PARTICIPLE_OBJECTS = frozenset("citing calling accusing criticizing criticising praising "
                               "questioning attacking blasting slamming defending rejecting "
                               "dismissing condemning blaming".split())
# Participles of stances with a "to" clause ("..., promising to act") or an object and one
# ("..., urging voters to act").
PARTICIPLE_TO = frozenset("promising pledging vowing threatening refusing hoping planning "
                          "urging encouraging".split())
# Cue words that are more often nouns ("Ohio state Rep.", "Rust Belt states", "Trump's
# tweet", "Republican support was", "the FEC report covering"). "state" and "maintain"
# ("maintains a lead") report only before "that" or after their content ("..., X states.").
NOUN_FIRST_CUES = frozenset("state states maintain maintains maintained".split())
# Words after a cue word that make it a noun ("support for", "the report is").
AFTER_NOUN_CUE = frozenset("of for is was are were among from".split())
# Cue words read as nouns after a possessive, a preposition or a singular subject.
NOUN_LIKE_CUES = frozenset("support supports tweet report state".split())
# The cue words checked for a noun reading before anything else.
NOUN_CHECKED_CUES = NOUN_FIRST_CUES | NOUN_LIKE_CUES
# Forms of "add": "X added [to her lead]" reports no speech.
ADD_FORMS = frozenset("add adds added adding".split())
# Forms of "tell": a listener stands between the cue and the content.
TELL_FORMS = frozenset("told tells tell".split())
# Words naming a name: "referring to [the country's official name]" is the reporter's gloss.
NAME_WORDS = frozenset("name names nickname acronym abbreviation initials".split())

# Verb forms that are as often nouns ("member states", "the reports"): they count as cues
# only after a capitalised name or a pronoun.
AMBIGUOUS = frozenset("""
state states report reports note notes comment comments question questions signal signals
claim claims answer answers object objects protest protests charge charges estimate
estimates promise promises call calls cite cites concern concerns warns reply replies
counter counters remark remarks pledge pledges vow vows demand demands boasts cautions jokes
laments mentions recalls tweets welcomes worries wonders hints attacks
""".split())
# Auxiliaries and adverbs that stand between a speaker and its verb ("has also said").
AUX = frozenset("""
has have had is was were are be been will would could should may might must also then later
again earlier previously once repeatedly recently publicly privately separately further
first frequently often firmly flatly bluntly simply just even reportedly openly clearly angrily
quickly immediately yesterday today tonight since long now already still never always
consistently do does did can cannot being twice
""".split())
# Words of a time phrase ("on Monday", "last week"): never part of a speaker's name.
TIME_WORDS = frozenset("""
on in at during after before last this monday tuesday wednesday thursday friday saturday
sunday week month year morning afternoon evening night
""".split())

# Pronoun speakers; a person pronoun ("he", "she") refers to the last person who spoke.
PRONOUNS = frozenset({"he", "she", "they", "we", "i", "it", "you"})
# The pronouns that refer to a person.
PERSON_PRONOUNS = frozenset({"he", "she"})

# Nouns that can head a speaker description ("the spokesman", "officials", "a source").
SPEAKER_NOUNS = frozenset("""
president presidents minister ministers chancellor premier leader leaders spokesman
spokeswoman spokesperson spokespeople official officials source sources aide aides adviser
advisers advisor advisors diplomat diplomats secretary ambassador general commander officer
officers analyst analysts expert experts critic critics senator senators lawmaker lawmakers
congressman congresswoman representative representatives governor mayor chief head director
candidate nominee campaign administration government ministry kremlin pentagon police
spokesmen spokeswomen lawyer lawyers attorney judge statement report reports poll polls
survey study document documents letter agency embassy office party committee council prime
king queen prince pope chairman chairwoman chair ceo founder member members observer
observers residents resident witness witnesses voters supporters opponents economist
economists scientist scientists researcher researchers authorities authority people
prosecutors prosecutor investigators investigator sheriff negotiator negotiators envoy
envoys correspondent reporter reporters newspaper journal times post agency vice deputy
delegate delegates counterpart allies ally nato union commission ad ads video email memo
headline article book
""".split())
# Nouns for a person, beyond the speaker nouns: a definite one ("the businessman") refers to a
# person named before.
PERSON_NOUNS = frozenset("""
businessman businesswoman tycoon magnate mogul billionaire millionaire developer actor actress
star singer rapper musician artist comedian host anchor narrator announcer writer author
novelist columnist commentator pundit pollster strategist consultant activist organizer
advocate veteran widow widower mother father son daughter wife husband sister brother friend
neighbor neighbour man woman boy girl teenager student teacher professor doctor nurse coach
player pastor priest bishop rabbi imam cleric preacher reverend nominee candidate challenger
incumbent contender frontrunner front-runner rival opponent contestant republican democrat
independent conservative liberal progressive moderate delegate donor fundraiser manager
chairman chairwoman executive founder owner entrepreneur investor banker economist
historian scholar physician surgeon attorney lawyer prosecutor defendant plaintiff suspect
victim survivor witness detective officer soldier sergeant captain colonel general admiral
governor senator congressman congresswoman lawmaker legislator mayor councilman councilwoman
commissioner sheriff judge justice secretary spokesman spokeswoman spokesperson aide adviser
advisor ambassador envoy diplomat president vice-president minister premier chancellor leader
king queen prince princess pope official
""".split())
# Person nouns that introduce someone unnamed more often than they recall a named person.
ANONYMOUS_NOUNS = frozenset("""man woman boy girl friend neighbor neighbour narrator announcer
student teacher nurse doctor witness victim survivor suspect defendant plaintiff veteran widow
widower mother father son daughter wife husband sister brother teenager soldier officer voter
resident delegate donor player reporter official judge prosecutor attorney lawyer host anchor
moderator interviewer""".split())
# Words of a title before a name ("French Defence Minister", "Sen.", "the Rev.").
TITLES = frozenset("""
president vice prime minister chancellor secretary senator sen rep representative governor
gov mayor general gen colonel col lieutenant lt sergeant sgt captain capt admiral judge
justice king queen prince princess pope chairman chairwoman spokesman spokeswoman ambassador
foreign defence defense interior finance deputy former french german british russian
american ukrainian us u.s. eu nato chief dr mr mrs ms miss prof professor rev the of
""".split())
# Abbreviations a full stop follows without ending the sentence ("Mr.", "Jan.", "U.S.").
ABBREVIATIONS = frozenset("""
mr mrs ms dr prof sr jr st gen sen rep gov lt col sgt capt adm maj cpl pvt rev hon jan feb
mar apr jun jul aug sep sept oct nov dec no vs etc inc corp co ltd dept univ ave blvd mt ft
approx est fig al u.s u.k u.n e.g i.e a.m p.m d.c
""".split())
# Capitalised words that open a sentence but name no one ("Meanwhile", "Monday", "It").
NON_NAMES = frozenset("""
the a an this that these those in on at of for and but or so yet if when while after before
monday tuesday wednesday thursday friday saturday sunday january february march april may
june july august september october november december it he she they we i you his her their
our its there here what who which why how according meanwhile however also still
""".split())

# ---------------------------------------------------------------- function words

# Words that end a speaker noun phrase.
PHRASE_BREAKS = frozenset("""and or but that which who whom whose when while because as if to for
with by from than so not nor""".split())
# Words opening a clause, not an apposition, after a comma.
CLAUSE_STARTS = frozenset("and or but so while as because if when although though".split())
# Determiners opening a description ("the spokesman", "some officials").
DETERMINERS = frozenset("the a an some many most several other few".split())
# Words before a cue word that make it a noun ("one of the states", "the reports").
NOUN_MARKERS = DETERMINERS | {"of", "his", "her", "their", "its", "our", "these", "those"}
# Quantifiers opening a description ("one port official", "two senior lawmakers").
QUANTIFIERS = frozenset("one two three four five several many some another".split())
# Forms of "be": between a subject and a cue they make it passive ("was reported by").
BE_FORMS = frozenset({"is", "was", "were", "are", "be", "been", "being"})
# Forms of "be" before a past participle: "It was announced [that ...]", reported with no
# speaker.
PASSIVE_AUX = frozenset("was were is are been be".split())
# Finite forms of "be" before a progressive stance ("X is demanding").
BE_FINITE = frozenset("is are was were".split())
# Finite verbs that show a clause has begun (no "that" to look for after them).
FINITE_VERBS = PASSIVE_AUX | frozenset("would will could should can may might must has have "
                                       "had".split())
# Conjunctions that open a coordinated clause ("..., and Ruiz said", "... but has said").
CLAUSE_LINKS = frozenset("and but while whereas yet".split())
# Words that cannot open content right after its cue (a coordinated or circumstantial
# clause).
NO_CONTENT_START = frozenset("and or nor when while until once".split())
# Conjunctions of a subordinate clause: words around a quotation opening with one only
# frame it ("[When he arrived], he said, “...”").
SUBORDINATORS = frozenset("when while as after before if because since although though once "
                          "until".split())
# '“...,” when Ruiz attacked him': a subordinate clause after a quote, about it, not its frame
# ("as Ruiz put it" does attribute it).
TAIL_SUBORDINATORS = SUBORDINATORS - {"as"} | {"whereas", "unless"}
# Words that cannot open a speaker's description after a comma.
LEAD_STOP = frozenset("and or but that which who when if because as while so then not".split())
# Prepositions after a cue: a circumstance ("said [at a rally]"), not its content.
PREPOSITIONS = frozenset("of about at in on with from during after before into for by".split())
# Before a participle's subject ("an email [to supporters] stating"): the noun is no agent
# ("footage [of Ruiz] saying" is).
NOT_AGENT = PREPOSITIONS - {"of"} | {"to", "than", "like"}
# Prepositions that open a phrase between a speaker and its cue ("Ruiz at the time said") or
# inside a description ("a spokesman for the port", "the head of the agency").
SPEAKER_PREPOSITIONS = frozenset("of for at in on with from during through after before".split())
# Prepositions that may modify a description's noun ("a spokesman [for the port]").
NOUN_PREPOSITIONS = frozenset("of for at with from in".split())
# Prepositions of a circumstance between a name and its cue ("Ruiz [at the rally] said").
CIRCUMSTANCE_PREPOSITIONS = frozenset("at in on during through for with".split())
# After a past participle set off by a comma, these show a participle phrase ("Ulf
# Kristersson, poised [to] join NATO, downplayed").
AFTER_PARTICIPLE = SPEAKER_PREPOSITIONS | {"by", "to", "as", "over", "about", "into"}
# Adverbs of place that follow a participle, not a cue ("officials cited [above]").
PLACE_ADVERBS = frozenset("above below earlier here previously".split())
# Words opening the question an "ask" reports ("asked the attorney [whether ...]").
WH_WORDS = frozenset("whether if what why how when where who to".split())
# Time phrases between a subject and its verb ("Ana Ruiz [on Monday] said", "the council
# [last week] endorsed"): their first word, and their second.
TIME_OPENERS = frozenset("on last this earlier in".split())
# The nouns that close such a phrase ("Monday", "week"; a year after "in" is tested apart).
TIME_NOUNS = frozenset("""monday tuesday wednesday thursday friday saturday sunday week month
year""".split())
# After a view verb's "as", words that make it a clause or a circumstance ("[the mayor as he
# left]", "[it as part of the deal]"), not what the object is seen as.
NOT_SEEN_AS = PRONOUNS | frozenset("if though well long soon much many part of to".split())

# ---------------------------------------------------------------- speaker noun phrases

# Words that cannot head a speaker noun phrase even in lower case; the last group are abstract
# nouns: what is said, never who says it.
NOT_HEADS = NON_NAMES | AUX | PHRASE_BREAKS | TIME_WORDS | frozenset("""him her them us me
himself herself themselves itself myself not never only what whom one ones all both each either
neither despite into much little any half""".split()) | frozenset("""message idea notion framing
point goal aim focus objective approach theme tone implication move decision step issue question
problem fact reason time past future moment situation process outcome trend pattern picture
reality thinking logic""".split())
# Adjective endings: "a crucial point", "the caustic chant" (the noun is the verb's look-alike).
ADJECTIVE_ENDINGS = ("ous", "ful", "ive", "ic", "est", "able", "ible")
# Nouns for people that end like adjectives or adverbs.
NOUN_LOOKALIKES = frozenset("""rival rivals executive executives relative relatives detective
detectives critic critics cleric clerics guest guests priest priests medic medics activist
family ally rally assembly cooperative cooperatives collective collectives operative operatives
conservative conservatives native natives""".split())
# Title words before a name, without the "the" and "of" of a title phrase.
NAME_TITLES = TITLES - {"the", "of"}
# The words of a title phrase that describe no one ("the", "of").
THE_OF = frozenset({"the", "of"})
# Capitalised only because they open a sentence: "Although Ruiz", "Then Elling".
SENTENCE_OPENERS = NON_NAMES | frozenset("""although though then as because since unlike like
even now until once said says asked told""".split())
# Words a generic description shares with a title: "the leader" may be a president, a
# chancellor, a prime minister.
GENERIC_TITLES = {"leader": {"president", "chancellor", "minister", "premier", "king", "leader",
                             "prime"},
                  "president": {"president"}, "chancellor": {"chancellor"},
                  "minister": {"minister"}}

# ---------------------------------------------------------------- organisations and places

# Words of an organisation's name: a speaker named with one is no person.
ORG_WORDS = frozenset({"times", "post", "news", "agency", "ministry", "party", "union", "house",
                       "council", "committee", "office", "department", "kremlin", "nato",
                       "press", "journal", "tribune", "reuters", "tass", "network", "group",
                       "institute", "fund", "bank", "court", "commission", "foundation",
                       "association", "university", "company", "corporation", "campaign",
                       "administration", "organization", "center", "board", "service",
                       "bureau", "senate", "congress", "police"})
# Speakers no follow-on pronoun refers to: organisations, a government, a PAC.
NOT_PERSON_WORDS = frozenset(ORG_WORDS | {"government", "pac"})
# Organisations and documents that a story names by what they belong to ("the Ruiz campaign",
# "a Harbor College poll") and then calls by their noun alone ("the campaign", "the poll").
NAMED_NOUNS = frozenset("""campaign poll survey study report magazine newspaper union committee
council commission group agency board party fund foundation institute network company firm court
ad video letter statement book article website show program""".split())
# Organisations a story calls by their kind ("the company"), with the words that name an
# organisation of that kind ("the group": "National Golf Foundation"). Groups, institutes and
# associations:
_GROUPS = "group foundation association institute organization union coalition council center"
# Offices and agencies of a government.
_OFFICES = "agency department ministry office bureau administration service commission"
# Newspapers, networks and agencies of the press.
_PRESS = "network news times post journal tribune press magazine"
# By the kind a story calls an organisation ("the company"): the words that name one.
ORG_KINDS = {k: frozenset(v.split()) for k, v in {
    "company": "company corporation firm", "firm": "company corporation firm",
    "group": _GROUPS, "organization": _GROUPS, "organisation": _GROUPS,
    "agency": _OFFICES, "ministry": _OFFICES, "department": _OFFICES,
    "network": _PRESS, "newspaper": _PRESS, "publication": _PRESS}.items()}
# Words of place names, which are no people ("New Jersey", "North Carolina").
PLACE_WORDS = frozenset("""new america american united states north south east west county city
state york jersey carolina dakota virginia hampshire mexico island islands republic kingdom san
los las st fort lake mount river street avenue hall square""".split())

# ---------------------------------------------------------------- quotations that name works

# Titles of shows, books and programmes: a short title-case quotation after a possessive
# ("on NBC's “Meet the Press”"), after "on" or "told", after a word naming a work ("his
# book, “The Art of the Deal”", "the host of “The Apprentice”"), or before its host or star
# ("“Daily Show” host Trevor Noah") names a work, not words anyone said. Small words a title
# keeps in lower case:
TITLE_SMALL_WORDS = frozenset("a an the and or of in on to for with at by from is as vs nor "
                              "but not no".split())
# Words naming a work before its title ("his book, “...”").
WORKS = frozenset("""book books memoir autobiography novel show shows program programme series
film movie documentary podcast column op-ed article essay song album broadcast segment episode
edition newsletter magazine""".split())
# The people of a work, after its title ("“Daily Show” host Trevor Noah").
WORK_PEOPLE = frozenset("host hosts co-host anchor star stars creator author co-author editor "
                        "co-editor".split())

# ---------------------------------------------------------------- headlines

# Words before a colon that name no source ("Update:", "Editor's note:", "Watch:").
NOT_SOURCES = frozenset("""update updated editor note watch read listen video photos photo
latest paid breaking exclusive analysis opinion live correction top related see more
follow""".split())
# Small words capitalised only in a Title Case headline ("Actor Speaks On How He Won").
HEADLINE_SMALL_WORDS = frozenset("in on how to the and for with at is are was of a an by from "
                                 "as".split())

# ---------------------------------------------------------------- parse engine (lemmas)

# Verbs (lemmas) whose clausal complement is reported content: speech, belief, stance,
# intention. The rule engine's lexicon holds inflected forms; a parse gives lemmas. Speech:
SPEECH_LEMMAS = frozenset("""
say tell add admit acknowledge advise affirm agree allege announce answer argue assert assure
boast caution charge claim comment complain concede conclude confirm contend counter declare
deny disclose emphasize emphasise explain insist joke lament mention note observe pledge
predict promise propose protest recall reckon reiterate remark reply report respond reveal
signal state stress suggest testify threaten tweet urge vow warn write ask insist maintain
indicate repeat hint speculate estimate brag complain order rule decide demand recommend
""".split())
# Belief and finding.
BELIEF_LEMMAS = frozenset("""
believe think know feel hope fear expect doubt recognize recognise understand find learn
hear assume realize realise guess imagine suspect worry bet prove show demonstrate
consider suppose wonder see view regard doubt trust presume
""".split())
# Intention.
INTENT_LEMMAS = frozenset("""
want plan vow pledge promise refuse decline intend threaten aim seek try hope wish need
prefer offer agree attempt vow choose
""".split())
# Every cue lemma: speech, belief, intention.
CUE_LEMMAS = SPEECH_LEMMAS | BELIEF_LEMMAS | INTENT_LEMMAS
# Verbs whose clausal complement was no attribution more often than one on the samples
# (parse errors and "offer to", "need to", "add that" after a quotation).
CCOMP_LEMMAS = CUE_LEMMAS - frozenset("report prefer add need offer write prove hear confirm "
                                      "try attempt choose seek".split())
# Open complements ("X vowed [to repeal the law]") count for these intentions only: "try",
# "need", "seek" and the like are rarely annotated as attributions.
XCOMP_LEMMAS = frozenset("want refuse decline vow plan threaten aim prefer".split())
# Stances whose direct object is the content ("X endorsed [Clinton]", "X criticized [the
# plan]").
OBJECT_LEMMAS = frozenset("""
endorse support back oppose criticize criticise blast slam condemn denounce praise applaud
reject defend blame label dub mention demand propose recommend request question dispute
challenge doubt favor favour announce discuss promise vow predict acknowledge admit concede
reveal express tout highlight decry lament fault credit thank show offer expect want
""".split())
# A verb and a preposition whose object is the content ("X called for [an inquiry]").
PREP_LEMMAS = {
    "call": {"for"}, "talk": {"about"}, "speak": {"about", "of"}, "argue": {"for", "against"},
    "warn": {"about", "of", "against"}, "complain": {"about"},
    "point": {"to"}, "push": {"for"}, "advocate": {"for"},
    "comment": {"on"}, "worry": {"about"}, "agree": {"on", "with"}, "disagree": {"with"},
    "object": {"to"}, "testify": {"about"}, "boast": {"about", "of"}, "brag": {"about"},
    "campaign": {"for", "against"}, "rail": {"against"}, "criticize": {"for"},
    "praise": {"for"}, "blame": {"for"}, "accuse": {"of"},
}
# Subjects that name no speaker.
SKIP_SUBJECTS = frozenset("it this that there which what these those".split())
# Nouns of speech or belief whose "that" clause is reported content.
NOUN_CUE_LEMMAS = frozenset("""
claim statement belief view argument assertion warning promise pledge suggestion assessment
allegation accusation insistence contention prediction fear hope concern position notion
idea opinion conclusion message report announcement admission acknowledgment
acknowledgement charge impression sense suspicion assurance expectation vow threat
""".split())

# Words the learned layer's features mark as cue-like beside the cue verbs (nouns and verbs
# of reporting the rules do not treat as cues: "poll", "statement", "tweeted").
LEARNED_CUE_WORDS = frozenset({"according", "accused", "quoted", "statement", "interview", "told",
                               "tweeted", "tweet", "wrote", "poll", "report", "reports",
                               "survey"})
