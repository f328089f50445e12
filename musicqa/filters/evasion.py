"""Soft evasions: answers that never say "cannot" yet commit to no property of the clip.

A refusal in a writer's own words rarely names what is missing. It hands the question back ("Good
question, which instrument do you think it is?"), calls the matter subjective ("the mood varies from
listener to listener"), blames the playback ("loudness depends on your speakers"), changes the subject
("let's move on to the next round"), or sends the asker elsewhere ("you'd have to ask the performers").
A model trained on them learns to dodge. Each of these *moves* is harmless beside a real description
("depends on your speakers, but the sub-bass is huge"), so a move counts only when the answer also
commits to nothing: it names no instrument, voice, genre, sound, tempo or mood of the vocabulary and
gives no figure. "Hard to say" and "I can't verify that" are refusals even before a guess, as the
labelling rules say of any hedge followed by a guess.
"""

from __future__ import annotations

import re

from musicqa.filters.vocab import find_mentions

# "Hmm, hard to say", "I can't verify that from here": a refusal whatever follows
_ALWAYS = re.compile(
    r"\bhard\s+to\s+(?:say|tell|pin\s+down)\b(?!\s+no\b)|\b(?:a\s+)?tough\s+(?:one\s+to\s+(?:call|answer)|call)\b|"
    r"\b(?:can['’]?t|cannot|can\s+not|couldn['’]?t|could\s+not)\s+(?:really\s+|honestly\s+)?(?:verify|vouch\s+for)\b|"
    r"\bno\s+way\s+(?:to|of)\s+(?:verify|check)\w*\b|\bdunno\b|\bno\s+clue\b|\bbeats\s+me\b|"
    # "..., so I honestly can't say.": the answer ends by declining
    r"\b(?:so|and|but)\s+i\s+(?:\w+\s+)?(?:can['’]?t|cannot)\s+(?:really\s+)?(?:say|tell)\W*$|"
    # an answer that opens by declining: "cant tell from here sry"
    r"^\W*(?:i\s+)?(?:can['’]?t|cannot|couldn['’]?t)\s+(?:really\s+)?(?:tell|say)\b"
    r"(?!\s+(?:\w+\s+)?(?:apart|the\s+difference))|"
    # a ticket closed without an answer: "cannot repro", "works on my machine", "out of scope", "needs design input"
    r"\bunable\s+to\s+(?:verify|repro\w*|reproduce|confirm)\b|\bcan(?:not|['’]?t)\s+repro\w*\b|"
    r"\bworks\s+on\s+my\s+machine\b|\bout\s+of\s+scope\b|\bneeds?\s+(?:more\s+)?(?:info|design\s+input)\b",
    re.IGNORECASE)
# The audience, not the clip: "every listener hears something different", "depends entirely on the crowd",
# "whatever vibe you bring is the right one". The move's own words ("the crowd") name nothing of the clip.
# "hears", "will feel", "might perceive a little": what a listener does with the clip
_PERCEIVES = (r"(?:(?:will|would|might|may|can|could)\s+)?(?:\w+ly\s+)?(?:hears?|feels?|gets?|takes?|finds?|"
              r"experiences?|perceives?|interprets?|reacts?|responds?|meets?|receives?)")
_AUDIENCE_GATE = ("listener", "person", "people", "everyone", "everybody", "crowd", "audience", "whatever", "beauty",
                  "taste", "who", "ear", "one", "body", "depend", "up to", "comes down", "every", "each")
_AUDIENCE = re.compile(
    r"\b(?:every|each|any)\s+(?:listener|person|ear|one|body|rapper|dj|artist|musician|producer|engineer|singer|"
    r"player|drummer|practitioner|student|dancer|fan|viewer)\s+" + _PERCEIVES + r"\s+"
    r"(?:\w+\s+){0,3}?(?:different|differently|their\s+own|something\s+else)\b|"
    r"\b(?:everyone|everybody|different\s+(?:people|listeners))\s+" + _PERCEIVES + r"\s+(?:\w+\s+){0,3}?"
    r"(?:different|differently|their\s+own|something\s+else)\b|"
    r"\b(?:depends?|depending|dependent|comes?\s+down|varies)\s+(?:\w+\s+)?(?:up)?(?:on|to|with)\s+(?:\w+\s+){0,2}?"
    r"(?:crowd|audience|listeners?|person|people|taste|who(?:['’]s|\s+is)?\s+listening|"
    # someone else's hands: "depends on the DJ and how they mix it", "up to the director's cut" (round 10)
    r"djs?|artists?|rappers?|producers?|engineers?|director(?:['’]s)?|editors?|conductors?|performers?|"
    r"speakers|headphones|playback|sound\s+system|interpretation|edition)\b|"
    r"\bwhatever\s+(?:\w+\s+){0,2}?(?:you|u)\s+(?:bring|feel|hear|get|want|take|need)\b(?:\s+it\s+is|\s+it['’]s)?|"
    r"\bthe\s+beauty\s+of\s+music\b",
    re.IGNORECASE)
_MOVES = [(gate, re.compile(pattern, re.IGNORECASE)) for gate, pattern in [
    # handing the question back to the asker
    (("you", "question", "tell me"),
     r"\b(?:what|why|how|which|who|where|when)\s+do\s+you\s+(?:think|hear|reckon|feel|say)\b|"
     r"\b(?:can|do|did|could)\s+you\s+(?:hear|tell|guess|pick)\b"
     r"[^.!]*\?|\btell\s+me\s+(?:what|which|how|who|if|whether)\b|\blisten\s+(?:\w+\s+){0,2}and\s+(?:tell|decide|"
     r"see|judge)\b|\byour\s+(?:call|guess|pick)\b|\bwhat['’]s\s+your\s+(?:guess|take|view|opinion|call)\b|"
     r"\bgood\s+question\b|\bi['’]ll\s+let\s+you\s+(?:decide|judge|guess)\b|\byou\s+tell\s+me\b|"
     r"\blet\s+(?:the\s+)?(?:listeners?|audience|you)\s+decide\b"),
    # the question waved away with attitude: "Keys are for people with chord charts", "Lyrics are for cops"
    (("are for", "is for"),
     r"\b(?:keys?|lyrics|genres?|genre\s+tags|tags|labels|tempos?|bpm|chords?|theory|names?|words)\s+(?:are|is)\s+for\s+"
     r"(?!the\s+(?:chorus|verse|bridge|intro|outro|solo|drop)\b)[\w-]+"),
    # subjectivity: the answer is the listener's, not the clip's
    (("subjective", "varies", "differ", "personal", "ear of", "matter of", "up to", "answer", "differently", "way",
      "your own"),
     r"\bsubjective\b|\b(?:varies|vary|differs?|changes?)\s+(?:from|between|by|with)\s+(?:\w+\s+){0,2}?"
     r"(?:listeners?|persons?|people|individuals?|ears?)\b|\b(?:everyone|everybody|each\s+listener)\s+"
     r"(?:hears|feels|experiences|perceives|takes)\s+(?:it\s+|music\s+|this\s+)?differently\b|"
     r"\b(?:so|very|too|deeply|quite|really)\s+personal\b|\bin\s+the\s+ears?\s+of\s+the\b|"
     r"\bmatter\s+of\s+(?:taste|opinion|preference)\b|\bup\s+to\s+(?:you|the\s+listener|each\s+listener|your\s+ears?)\b|"
     r"\bno\s+(?:right|single|wrong|one)\s+answer\b|\bno\s+(?:right|wrong|correct)\s+way\b|"
     r"\byour\s+own\s+(?:journey|experience|interpretation)\b"),
    # playback: the asker's speakers, not the clip
    (("speaker", "headphone", "system", "volume", "playback", "setup", "set-up", "monitor", "room", "device",
      "stereo", "earbud", "equipment", "knob"),
     r"\b(?:depends?|depending|dependent|comes?\s+down|varies)\s+(?:up)?(?:on|to|with)\s+(?:your|the\s+listener['’]s|"
     r"the|what|how|which)\s+(?:\w+\s+){0,2}?(?:speakers?|headphones|system|volume|playback|setup|set-up|monitors?|"
     r"room|device|stereo|earbuds|equipment|knob)\b"),
    # just enjoy it: "it's best to simply enjoy the atmosphere and let the voices wash over you"
    (("enjoy", "wash over"),
     r"\b(?:best|better|nicest)\s+(?:\w+\s+){0,2}?(?:to\s+)?(?:simply\s+|just\s+)?enjoy\b|\bjust\s+enjoy\b|"
     r"\bwash\s+over\s+(?:you|u)\b"),
    # for another day: "a rabbit hole for another episode", "a debate we'll save for the mailbag"
    (("another", "future", "save", "mailbag"),
     r"\b(?:for|till|until)\s+(?:another|a\s+future|the\s+next)\s+(?:episode|time|day|lesson|class|show|session)\b|"
     r"\bsave\s+(?:that|this|it)\s+for\b|\b(?:we['’]ll|i['’]ll|let['’]s)\s+save\b|\bmailbag\b"),
    # changing the subject
    (("let", "moving on", "next", "anyway", "anyhow"),
     r"\b(?:let['’]s|let\s+us)\s+(?:move\s+on|skip|talk\s+about\s+something|focus\s+on\s+something|not\s+(?:go|get)"
     r"\s+into)\b|\bmoving\s+on\b|\b(?:the\s+)?next\s+(?:round|question|one)\b|^\W*(?:anyway|anyhow)\b"),
    # somebody else would know
    (("ask", "only"),
     r"\b(?:have|need)\s+to\s+ask\b|\bask\s+(?:the|a|its)\s+(?:performers?|artists?|band|composer|producer|"
     r"musicians?|engineer|label|singer|players?)\b|\bbetter\s+asked\s+(?:of|to)\b|"
     r"\bask\s+(?:qa|someone|somebody|around|elsewhere|the\s+team|your\s+teacher)\b|"
     # "only someone inside that world could tell you", "only an insider could say"
     r"\bonly\s+(?:someone|somebody|an?\s+[\w-]+|the\s+[\w-]+)\s+(?:[\w-]+\s+){0,4}?(?:could|can|would)\s+"
     r"(?:really\s+)?(?:tell|say|know|answer)\b"),
    # background first
    (("before", "first", "kind of music", "sort of music"),
     r"\bbefore\s+i\s+(?:answer|say|can\s+say)\b|\b(?:first|before\s+that),?\s+(?:tell|let)\s+me\s+(?:know|what)\b|"
     r"\bwhat\s+(?:kind|sort|type)\s+of\s+music\s+do\s+you\b"),
    # the asker must find out alone (round 6): "listen for yourself", "explore it on your own", "leave that to your
    # own ears", "bring me your answer next lesson"
    (("yourself", "yourselves", "themselves", "your own", "bring me", "find out", "figure", "leave", "makes you"),
     r"\bfor\s+(?:yourself|yourselves|themselves)\b|\bon\s+your\s+own\b|\byour\s+own\s+ears?\b|"
     r"\bbring\s+me\s+(?:your|the)\s+answers?\b|\b(?:find|figure)\s+(?:it\s+|that\s+)?out\b|"
     r"\bleave\s+(?:\w+\s+){0,2}?to\s+(?:you|your)\b|\bsee\s+(?:how|what)\s+it\s+makes\s+you\b"),
    # the matter is personal, open or a question of labels: "something personal", "open to interpretation",
    # "texture labels are slippery", "depends what you count as a beat"
    (("personal", "subjective", "open to", "slippery", "fuzzy", "arbitrary", "depend"),
     r"\bsomething\s+(?:very\s+)?(?:personal|subjective)\b|\bsuch\s+a\s+personal\b|\bpersonal\s+experience\b|"
     r"\bopen\s+to\s+(?:[\w'’]+\s+){0,3}?(?:interpretation|debate|discussion)\b|"
     r"\b(?:labels?|terms?|categories|names)\s+(?:are|is)\s+(?:\w+\s+)?(?:slippery|fuzzy|arbitrary|subjective)\b|"
     r"\bdepends?\s+(?:on\s+)?(?:what|how)\s+(?:you|u)\s+(?:count|call|define|mean|consider|classify|label|listen|"
     r"hear|feel|take|bring)\b"),
    # every track is different: "buildups vary a lot from track to track", "every producer has their own approach"
    (("var", "every", "depend"),
     r"\bvar(?:y|ies)\s+(?:\w+\s+){0,2}?(?:from|between|by|across)\s+(?:\w+\s+){0,2}?(?:tracks?|songs?|pieces?|"
     r"producers?|artists?|performers?|recordings?|bands?)\b|"
     r"\bevery\s+(?:producer|artist|player|musician|performer|composer|band|singer)\s+has\s+(?:their|his|her|its)\s+"
     r"own\b|\bdepends?\s+(?:\w+\s+){0,2}?on\s+(?:the\s+)?(?:\w+\s+){0,3}?(?:producer|artist|composer|performer|"
     r"player|arranger)\b"),
]]
# Moves whose own words name nothing of the clip, though they may hold a vocabulary word: "for me it is happy,
# for others maybe not" hedges the "happy" away. Their spans are masked before commitment is looked for.
_HEDGES = [(gate, re.compile(pattern, re.IGNORECASE)) for gate, pattern in [
    # listeners, not the clip, disagree: "some ears will hear it straight, others a shuffle", "what feels slow to
    # one person might feel moderate to another", "for me can be fast, for other person slow"
    (("people", "listener", "ears", "person", "theorist", "musician", "critic", "student", "fans", "for me",
      "for some", "one fan", "one ear"),
     r"\b(?:some|two|different|other|many)\s+(?:\w+\s+)?(?:people|listeners|ears|persons|theorists|musicians|critics|"
     r"students|fans)\b[^.!?]{0,80}?\b(?:differently|others?|another)\b|"
     r"\bto\s+one\s+(?:person|listener|ear)\b[^.!?]{0,60}?\bto\s+another\b|"
     r"\bfor\s+(?:me|some)\b[^.!?]{0,40}?\bfor\s+(?:other|others|another|someone\s+else)\b|"
     r"\bone\s+(?:listener|person|fan|ear)['’]s\b[^.!?]{0,40}?\banother(?:\s+\w+)?['’]s\b"),
    # whichever it is: "Whichever movie it might be, music has an amazing power"
    (("whichever", "whatever"),
     r"\b(?:whichever|whatever)\s+\w+\s+it\s+(?:might|may|could)\s+be\b"),
]]
_FIGURE = re.compile(r"\d")
# A negative or uncertain answer that names nothing heard: "Authorship is unclear here", "The band's
# origins are a mystery", "Dating the recording would just be guessing", "never keyed it".
_NEGATIVE = re.compile(
    # "no question", "no doubt": certainty, not a negative answer
    r"\b(?:not|no(?!\s+(?:question|doubt|mistaking|wonder|contest)\b)|never|nobody|nothing|none|cannot|won['’]t|"
    r"unclear|undetermined|unknown|uncertain|a\s+mystery|lost|"
    r"uncredited|unnamed|unanswered|impossible|guess|guessing|dunno|clue|unsure|unable|nowhere)\b|n['’]t\b",
    re.IGNORECASE)
# Words that describe what is heard, beyond the vocabulary's instruments, genres and moods
_HEARD = re.compile(
    r"\b(?:beat|beats|groove|melody|melodic|rhythm|rhythmic|texture|chords?|phrases?|fade|fades|noise|noisy|distort\w*|"
    r"harmon\w*|tone|tones|timbre|riffs?|hook|chorus|verse|bridge|intro|outro|notes?|tempo|silence|silent|loud|"
    r"quiet|soft|catchy|abrupt|restless|slurred|muffled|dynamics|crescendo|pulse|swing|syncopat\w*|drone|echo|"
    r"reverb|mix|volume|pitch|key|scale|solo|lyrics|words|tune|sound|sounds)\b", re.IGNORECASE)
_YES_NO_Q = re.compile(r"^\W*(?:is|are|was|were|do|does|did|can|could|has|have|had|will|would|should|any)\b",
                       re.IGNORECASE)
_YES_NO_A = re.compile(r"^\W*(?:yes|yeah|yep|no|nope|not|none|nah)\b", re.IGNORECASE)


# A mention is about this clip when a determiner points at it ("the piano", "its groove") or its sentence does
# ("it's bluesy", "here", "you can hear"); "a folk song", "buildups in EDM" and "guitar tunings" are general.
_POINTED = re.compile(r"\b(?:the|this|these|its|their|his|her|that|those)\s+(?:[\w-]+\s+){0,2}$", re.IGNORECASE)
# ("it's best to just enjoy it" is a dummy "it")
_DEICTIC = re.compile(r"\b(?:it(?:['’]s|\s+is)?(?!['’]s|\s+is\s+|\s+(?:best|better|important|clear|hard|worth|up|fine|"
                      r"okay|ok|easy|possible|impossible|difficult|great|fun|nice|good|really)\b)|this(?!\s+helps)|here|"
                      r"you\s+can\s+hear|we\s+hear|i\s+hear|there['’]s|there\s+(?:is|are)|"
                      r"the\s+(?:audio|song|track|clip|piece|recording|music|tune|excerpt))\b", re.IGNORECASE)
# Sentences that tell the asker what to do ("Sing the last chord back to me", "Tap along") claim nothing
_IMPERATIVE = re.compile(
    r"^\W*(?:sing|tap|listen|try|hum|clap|count|play|go|bring|put|take|give|tell|check|compare|think|imagine|"
    r"picture|notice|pay|focus|trust|decide|let['’]?s?|keep|start|pick|hear|have\s+a)\b", re.IGNORECASE)
_SENTENCES = re.compile(r"[^.!?:;]+[.!?:;]*")
# Round 7: an answer made relative to someone or something other than the clip: the person ("each person's
# relationship with stillness is unique", "the class should feel however they feel", "that decides the director
# himself"), the occasion ("depends what the floor's doing", "down to the crowd on the night", "your speakers and
# the room"), a taste ("a taste question", "a personal choice", "everyone has their own approach") or something the
# asker lacks ("you'd want the score in front of you", "would just be guesswork", "not my place to say"). Each is
# read in its clause, which is blanked: "The slow piano soothes, though every listener reacts differently" still
# commits to the piano.
_RELATIVE = re.compile(
    r"\b(?:depends?|depending|dependent|comes?\s+down|(?:is|['’]s)\s+(?:all\s+|really\s+)?(?:down|up))\s+(?:\w+\s+){0,2}?"
    r"(?:(?:on|to)\s+)?(?:what|who|how|whether|the\s+(?:crowd|floor|room|night|market|director|client|dj|setting|"
    r"occasion|context|speakers?|system)|your\s+(?:speakers?|headphones|system|setup|room|ears?|taste|mood)|"
    r"personal|individual|taste|preference|each|every|you\b|them\b)|"
    r"\b(?:so|very|deeply|highly|such\s+an?|truly|really|quite|entirely|always)\s+(?:individual|personal|subjective)\b|"
    r"\b(?:is|are|['’]s)\s+(?:unique|individual)\b|\bpersonal(?:ly)?\s+(?:choice|thing|matter|preference|call|decision|"
    r"prefers?)\b|\btaste\s+question\b|\beveryone\s+has\s+(?:their|his|her)\s+own\b|"
    r"\b(?:each|every)\s+(?:person|one|listener|practitioner|student|client|individual|dj|producer|fan)['’]s\b|"
    r"\bhowever\s+(?:they|you|he|she|we)\s+(?:feel|like|want|hear)\b|\bwhatever\s+(?:feels|sounds|works)\s+right\b|"
    r"\b(?:explore|discuss|work\s+through|unpack)\s+(?:that|this|it)\s+together\b|"
    r"\b(?:theirs|yours)\s+to\s+(?:discover|decide|find|judge)\b|\bdecides?\b[^.;]{0,30}\b(?:director|listener|client|"
    r"himself|herself|themselves|yourself)\b|\bcan\s+(?:one|you|i|we)\s+not\s+(?:answer|say|tell|know)\b|"
    r"\b(?:one|you)\s+(?:can|could)\s+hear\s+it\s+(?:everywhere|anywhere)\b|"
    r"\b(?:tough|hard|difficult|impossible)\s+to\s+(?:call|place|pin(?:\s+down)?|date|judge)\b|\bcould\s+be\s+any\s+\w+\b|"
    r"\bnot\s+something\s+(?:one|you|i|we)\s+(?:ought|should|can|could)\s+(?:to\s+)?(?:guess|say|judge)\b|"
    r"\b(?:want|need)\s+(?:the|a)\s+(?:score|full\s+(?:record|track|song)|lyric\s+sheet|sheet\s+music)\b|"
    r"\b(?:be|is|['’]s)\s+(?:just\s+|pure\s+|only\s+)?(?:guesswork|speculation)\b|\bnot\s+my\s+place\b|"
    r"\bbetween\s+the\s+(?:artist|band|singer|composer|songwriter)\s+and\b|\bopen\s+to\s+(?:\w+['’]?s?\s+){0,3}"
    r"interpretation\b|\b(?:is|are)\s+not\s+(?:so\s+|that\s+|really\s+|very\s+)?important\b|\bmusic\s+is\s+universal\b|"
    r"\bisn['’]t\s+(?:a|any)\s+(?:right|single|wrong)\s+answer\b|\bvar(?:ies|y)\s+(?:\w+\s+)?(?:among|across)\b|"
    r"\bno\s+single\s+\w+\s+(?:would|could|can)\s+apply\b|\bread\s+the\s+room\b|\bfrom\s+one\s+\w+\s+to\s+"
    r"(?:the\s+next|another)\b|\bto\s+(?:one|some)\s+(?:person|listener|people|ears?)\b|"
    # round 7b: "really for the fans to decide", "time will tell", "any key would suit it", "can't be pinned down"
    r"\bfor\s+(?:the\s+)?(?:\w+\s+){0,2}?(?:you|fans|listeners?|audience|supervisors?|critics?|heads|director|public|"
    r"history)\s+to\s+(?:decide|judge|say|determine)\b|\btime\s+will\s+tell\b|\bonly\s+the\s+\w+\s+can\b|"
    r"\bany\s+key\s+would\b|\bcould\s+(?:sit|be)\s+(?:almost\s+)?anywhere\b|\b(?:you|one|we)\s+(?:can['’]?t|cannot|"
    r"couldn['’]?t)\s+(?:really\s+)?(?:know|tell|say)\b|\bcan['’]?t\s+(?:really\s+)?be\s+(?:pinned|nailed|"
    r"determined|known|said)\b|\bwithout\s+(?:a|the)\s+(?:score|lyric\s+sheet|sheet\s+music)\b",
    re.IGNORECASE)
_CLAUSE_EDGE = re.compile(r"[,;:.!?()\n—–]|\b(?:and|but|though|although|while|whereas|so|yet)\b", re.IGNORECASE)


def _clauses(answer: str, matches: list[re.Match[str]]) -> tuple[tuple[int, int], ...]:
    """The clause around each match: "Whether the sax is there is something each listener hears differently"
    names the sax only inside the move."""
    if not matches:
        return ()
    edges = [0, *(m.start() for m in _CLAUSE_EDGE.finditer(answer)), len(answer)]
    return tuple((max(e for e in edges if e <= m.start()), min(e for e in edges if e >= m.end())) for m in matches)


def relative_spans(answer: str) -> tuple[tuple[int, int], ...]:
    """The clauses of ``answer`` that make it relative to someone or something other than the clip."""
    return _clauses(answer, list(_RELATIVE.finditer(answer)))


def commits_to_this_clip(answer: str, spans: tuple[tuple[int, int], ...] = ()) -> bool:
    """True when the answer gives a figure or says something of this clip: an asserted vocabulary concept
    pointed at by a determiner ("the piano") or in a sentence that points at the clip ("it's bluesy"), in a
    sentence that is no instruction to the asker. A word inside one of ``spans`` (the dodging move itself:
    "depends on the crowd") names nothing."""
    if _FIGURE.search(answer):
        return True
    mentions = [m for m in find_mentions(answer)
                if not m.negated and not any(a <= m.start < b for a, b in spans)]
    if not mentions:
        return False
    blank = list(answer)  # the move's own words ("whichever film it might be") point at nothing
    for a, b in spans:
        blank[a:b] = " " * (b - a)
    for sentence in _SENTENCES.finditer("".join(blank)):
        text = sentence.group(0)
        if _IMPERATIVE.match(text):
            continue
        inside = [m for m in mentions if sentence.start() <= m.start < sentence.end()]
        if inside and (_DEICTIC.search(text) or any(_POINTED.search(answer[max(0, m.start - 40):m.start])
                                                    for m in inside)):
            return True
    return False


# Questions about facts a listener cannot hear and a caption rarely gives: who, where, when, the title, the key
_FACT_QUESTION = re.compile(
    r"\b(?:who|whom|whose|where|when|year|how\s+old|title|name|label|album|composer|producer|artist|band|origins?|"
    r"language|key|lyrics|length|how\s+long|made\s+of|recorded|released|country|era|date|decade|standard|"
    r"credits?|written|wrote|composed|produced|romantic|famous)\b", re.IGNORECASE)


# "None." answers "Lyrics?", "Any vocals?", "What percussion is there?": nothing of that kind is heard
_NONE = re.compile(r"^\W*(?:none|nope|nothing|zero)\b", re.IGNORECASE)
_ASKS_PRESENCE = re.compile(r"\b(?:any|is\s+there|are\s+there|how\s+many|lyrics|words|vocals?|vox|singers?|"
                            r"voices?|drums?|percussion|instruments?|effects?|fx|solos?|samples?)\b", re.IGNORECASE)


def answers_absence(answer: str, question: str) -> bool:
    """ "None." or "None, it's an instrumental" to a question about something being there: an absence heard."""
    return bool(_NONE.match(answer)) and bool(_ASKS_PRESENCE.search(question) or find_mentions(question))


def noncommittal(answer: str, question: str) -> bool:
    """True for a negative or uncertain answer to a question of fact that names nothing of the clip, not
    even as absent ("Is there a beat?" - "There's no beat at all" names the beat; "No." answers a yes/no
    question; "a mood of darkness and mystery" answers a question of taste)."""
    if not _FACT_QUESTION.search(question) or not _NEGATIVE.search(answer) or _FIGURE.search(answer) or (
            _HEARD.search(answer)):
        return False
    if _YES_NO_Q.search(question) and _YES_NO_A.match(answer):
        return False
    if answers_absence(answer, question):  # "Lyrics?" - "None.": that kind is absent
        return False
    return not find_mentions(answer)


def evades(answer: str, question: str = "") -> bool:
    """True for a soft evasion: "hard to say" / "can't verify", a dodging move in an answer that
    commits to no property of the clip, or a negative answer that names nothing of it."""
    if _ALWAYS.search(answer) or noncommittal(answer, question):
        return True
    if answers_absence(answer, question):  # "Any vocals?" - "None, it's an instrumental, ..."
        return False
    lower = answer.lower()
    spans = _clauses(answer, list(_AUDIENCE.finditer(answer))) if any(g in lower for g in _AUDIENCE_GATE) else ()
    spans += tuple(m.span() for gate, rx in _HEDGES if any(g in lower for g in gate) for m in rx.finditer(answer))
    spans += relative_spans(answer)
    if not spans and not any(any(g in lower for g in gate) and rx.search(answer) for gate, rx in _MOVES):
        return False
    # beside a dodge, a rule of thumb about a genre says nothing of this clip: "Techno doesn't always work like
    # that, it really depends on the DJ", "Rock songs sometimes include keyboards and sometimes don't"
    spans += _clauses(answer, list(_RULE_OF_THUMB.finditer(answer)))
    return not commits_to_this_clip(answer, spans)


_RULE_OF_THUMB = re.compile(r"\b(?:(?:doesn['’]t|don['’]t|does\s+not|do\s+not|isn['’]t|aren['’]t)\s+always|"
                            r"sometimes|usually|typically|generally|in\s+general|tends?\s+to|"
                            r"the\s+(?:magic|beauty|point|joy)\s+of)\b", re.IGNORECASE)
