"""Word lists: reporting verbs, speaker nouns, titles, pronouns, abbreviations."""

from __future__ import annotations

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
OBJECT_VERBS = frozenset(f for v in _OBJECT for f in _inflect(v) if not f.endswith("ing")) | {
    "sought", "seeks", "seek", "slammed", "slams", "supported", "backed", "support", "supports"}
# Stances with a "to" clause ("X vowed [to repeal the law]"); want and hope also take
# "X wants [voters to remember]".
_TO = "want plan hope vow pledge promise refuse decline agree intend threaten aim".split()
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

# Verb forms that are as often nouns ("member states", "the reports"): they count as cues
# only after a capitalised name or a pronoun.
AMBIGUOUS = frozenset("""
state states report reports note notes comment comments question questions signal signals
claim claims answer answers object objects protest protests charge charges estimate
estimates promise promises call calls cite cites concern concerns warns reply replies
counter counters remark remarks pledge pledges vow vows demand demands boasts cautions jokes
laments mentions recalls tweets welcomes worries wonders hints attacks
""".split())
AUX = frozenset("""
has have had is was were are be been will would could should may might must also then later
again earlier previously once repeatedly recently publicly privately separately further
first frequently often firmly flatly bluntly simply just even reportedly openly clearly angrily
quickly immediately yesterday today tonight since long now already still never always
consistently do does did can cannot being twice
""".split())
TIME_WORDS = frozenset("""
on in at during after before last this monday tuesday wednesday thursday friday saturday
sunday week month year morning afternoon evening night
""".split())

PRONOUNS = frozenset({"he", "she", "they", "we", "i", "it", "you"})
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
TITLES = frozenset("""
president vice prime minister chancellor secretary senator sen rep representative governor
gov mayor general gen colonel col lieutenant lt sergeant sgt captain capt admiral judge
justice king queen prince princess pope chairman chairwoman spokesman spokeswoman ambassador
foreign defence defense interior finance deputy former french german british russian
american ukrainian us u.s. eu nato chief dr mr mrs ms miss prof professor rev the of
""".split())
ABBREVIATIONS = frozenset("""
mr mrs ms dr prof sr jr st gen sen rep gov lt col sgt capt adm maj cpl pvt rev hon jan feb
mar apr jun jul aug sep sept oct nov dec no vs etc inc corp co ltd dept univ ave blvd mt ft
approx est fig al u.s u.k u.n e.g i.e a.m p.m d.c
""".split())
NON_NAMES = frozenset("""
the a an this that these those in on at of for and but or so yet if when while after before
monday tuesday wednesday thursday friday saturday sunday january february march april may
june july august september october november december it he she they we i you his her their
our its there here what who which why how according meanwhile however also still
""".split())
