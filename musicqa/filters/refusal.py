"""The ``refusal`` filter: drop answers that decline or say the information is not available.

An LLM that only saw tags answers "who is the artist?" with "the artist is not specified". Trained on
that, a music model learns to refuse questions it could answer by listening. Words alone are not enough:
"Unfortunately, there is no pipe organ" and "it is impossible not to dance" are real answers, so each
pattern needs a verb of knowing ("determine", "tell", "specified") or a first-person inability.
"""

from __future__ import annotations

import re

from musicqa.filters.evasion import answers_absence, evades
from musicqa.records import KEEP, Clip, QAPair, Verdict

REFUSAL_CANNOT_ANSWER = "refusal_cannot_answer"
REFUSAL_NOT_AVAILABLE = "refusal_not_available"
REFUSAL_EVASIVE = "refusal_evasive"
REFUSAL_CLASSIFIER = "refusal_classifier"

REASONS = {
    REFUSAL_CANNOT_ANSWER: "answer declines: the model says it cannot listen, know or determine the answer",
    REFUSAL_NOT_AVAILABLE: "answer says the information is unknown, not specified or not available",
    REFUSAL_EVASIVE: "answer commits to nothing about the clip: hands the question back, calls it subjective or "
                     "playback-dependent, changes the subject, \"hard to say\", \"can't verify that\"",
    REFUSAL_CLASSIFIER: "the learned layer scores the answer as a refusal (e.g. \"whether it is live is anybody's "
                        "guess\", \"that depends on who is listening\")",
}

_KNOW = (r"(?:determine|tell|say|know|identify|infer|specify|answer|pinpoint|provide|ascertain|judge|confirm|"
         r"discern|establish|guess|assess|gauge|deduce|predict|name|comment|describe)")
_I = (" i ", " i'", " we ", " we'")  # first person, in the space-padded lower-cased answer
# (gate, pattern): the pattern can only match when one of the gate's substrings occurs in " <answer> ", so
# most answers cost a few `in` tests instead of a regex scan.
_CANNOT = [(gate, re.compile(pattern, re.IGNORECASE)) for gate, pattern in [
    (("as a",),
     r"\bas\s+an?\s+(?:ai|a\.i\.|artificial\s+intelligence|(?:ai\s+|large\s+)?language\s+model|text-based|"
     r"virtual\s+assistant|chatbot|assistant)\b"),
    # "I'm just an AI and cannot actually listen to audio, however ...": Llama-2-chat's disclaimer, then a guess
    (("just an", "only an", "merely an", "listen to"),
     # the disclaimer first; a caveat after a committed description ("... It's important to note that I'm just an
     # AI, and vocal quality is subjective") leaves the description standing
     r"^\W*(?:[\w'’]+\W+){0,4}?(?:i['’]m|i\s+am)\s+(?:just|only|merely)\s+an?\s+(?:ai|a\.i\.|language\s+model|"
     r"chatbot|assistant|text-based)\b|\b(?:cannot|can['’]t|can\s+not)\s+(?:actually\s+|really\s+)?listen\s+to\s+(?:the\s+)?"
     r"(?:audio|music|track|clip|recording|song|sound)s?\b"),
    # "composed by a renowned contemporary composer": a credit asked for and none given
    (("renowned", "famous", "well-known", "talented", "skilled", "popular"),
     r"\b(?:composed|written|produced|performed|created|made|recorded|sung|played|arranged)\s+by\s+an?\s+"
     r"(?:renowned|famous|well-known|talented|skilled|popular)\s+(?:[\w-]+\s+)?"
     r"(?:composer|artist|musician|band|singer|producer|songwriter|performer|pianist|guitarist)\b"
     r"(?!\s+(?:named|called|such\s+as|like)\b)"),
    (_I,
     r"\b(?:i|we)(?:\s+am|\s+are|'m|'re)?\s+(?:not\s+able|unable)\s+to\b|"
     r"\b(?:i|we)\s+(?:couldn't|could\s+not|can't|cannot|didn't|did\s+not|was\s+unable\s+to|were\s+unable\s+to|"
     r"am\s+unable\s+to|are\s+unable\s+to)\s+(?:find|locate|access|retrieve|look\s+up)\b|"
     r"\b(?:i'm|i\s+am|we\s+are)\s+not\s+aware\b|"
     r"\b(?:i|we)\s+lack\s+(?:the\s+)?(?:ability|information|access|knowledge|details|data)\b|"
     r"\b(?:which|that|something)\s+(?:i|we)\s+(?:cannot|can't|can\s+not|am\s+unable\s+to|are\s+unable\s+to)\s+do\b|"
     r"\b(?:i|we)\s+(?:have|had)\s+no\s+(?:\w+\s+)?(?:information|idea|knowledge|access|data|details|way)\b|"
     r"\b(?:i|we)\s+(?:do\s+not|don't|did\s+not|didn't)\s+have\s+(?:any\s+)?(?:\w+\s+)?(?:information|knowledge|"
     r"access|data|details)\b|"
     r"\b(?:i|we)\s+would\s+need\s+(?:more|additional|further|to\s+(?:hear|listen))\b|"
     r"\b(?:i|we)(?:'m|\s+am|'re|\s+are)?\s+(?:cannot|can't|can\s+not|could\s+not|couldn't|do\s+not|don't|did\s+not|"
     r"didn't|have\s+no|haven't)\s+(?:\w+\s+){0,2}(?:listen|access|play|analy[sz]e|process|"
     # "I can't hear any drums; it's just piano" observes the audio; "I can't hear the audio" declines
     r"(?:hear|see|detect|notice|make\s+out|pick\s+out)\b(?!\s+(?:any|a|an|much|some|no|anyone|anybody)\b|"
     r"\s+anything\s+(?!because|as|since|so|at|in|from|about)[a-z]|"
     r"\s+(?:the|its|his|her|their)\s+(?!audio|song|track|music|clip|recording|file|piece|sound\b))|"
     r"have\s+(?:access|information|enough|the\s+ability|any\s+information|details)|" + _KNOW + r")\b|"
     # "Cloudy, I'm afraid." regrets a fact; "I'm afraid I can't say" declines
     r"\b(?:i'm|i\s+am)\s+(?:sorry|not\s+sure|not\s+certain|unsure|uncertain)\b|\bi\s+apologi[sz]e\b|"
     r"\b(?:i'm|i\s+am)\s+afraid\b(?=\s*,?\s*(?:\w+\s+){0,3}?(?:not|no|can['’]t|cannot|don['’]t|isn['’]t|won['’]t|"
     r"unable|nothing)\b)|"
     r"\bsorry,?\s+(?:but\s+)?(?:i|we)\b"),
    (("enough", "insufficient", "limited"),
     r"\bnot\s+enough\s+(?:information|context|details|data|detail)\b|"
     r"\b(?:insufficient|limited)\s+(?:information|context|details|data)\b"),
    (("found", "located", "retrieved"),
     r"\bcould(?:\s+not|n't)\s+be\s+(?:found|located|retrieved)\b"),
    (("beyond", "telling", "who knows", "idea", "no way"),
     r"\bbeyond\s+(?:what\s+(?:i|we)\s+can|my\s+(?:ability|abilities|capabilities|knowledge))\b|\bno\s+telling\b|"
     r"^\W*who\s+knows\b|\bno\s+idea\b|\bno\s+way\s+(?:to|of)\s+(?:know|tell|determin|say)"),
    # a decline dressed as care: "I'm not comfortable naming a raga", "it would be irresponsible to speculate",
    # "I recommend consulting a music professional"
    (("comfortable", "irresponsible", "speculat", "consult"),
     r"\bnot\s+comfortable\s+(?:\w+\s+)?(?:naming|guessing|saying|identifying|speculating|stating|giving)\b|"
     r"\b(?:irresponsible|inappropriate|unwise|misleading)\s+(?:\w+\s+)?(?:to|for\s+me\s+to)\s+(?:speculate|guess|"
     r"name|say|assume)\b|\b(?:recommend|suggest|advise)\s+(?:\w+\s+)?consulting\b|\bconsult\s+(?:an?|the)\s+"
     r"(?:\w+\s+){0,2}?(?:professional|expert|musicologist|specialist)\b"),
    (("require",),
     r"\b(?:would|will|does|could)\s+(?:\w+\s+)?require\s+(?:actually\s+)?(?:listening|hearing|access|more)\b"),
    # "not something I can tell", "not something that is mentioned": a non-answer phrased as a thing
    (("something",),
     r"(?:\bnot|n['’]t)\s+something\s+(?:that\s+)?(?:i|we|one|anyone|you)?\s*(?:can|could)\s+(?:be\s+)?\w+|"
     r"\bnot\s+something\s+(?:that\s*)?(?:is|was|has\s+been|['’]s)\s+(?:\w+ly\s+)?(?:mentioned|specified|given|"
     r"provided|known|stated|listed|indicated|included|disclosed|available|shared|revealed|clear)\b"),
    (("please provide", "one would need", "you"),
     r"\bplease\s+provide\b|\bone\s+would\s+need\s+(?:more|additional|further|to\s+(?:hear|listen))\b|"
     r"\b(?:could|can|would)\s+you\s+(?:please\s+)?(?:provide|share|give\s+me|send|upload|specify)\b"),
    # "it's unclear who...", also with the source in between: "it's unclear from the given information what..."
    (("unclear", "not clear", "uncertain", "unknown", "not known"),
     r"\b(?:it['’]s|it\s+is|it\s+was|it\s+remains)\s+(?:\w+ly\s+)?(?:unclear|not\s+clear|uncertain|unknown|"
     r"not\s+known)\s*,?\s*(?:(?:from|based\s+on|given|with|in)\s+(?:[\w'’]+[\s,]+){1,5}?)?"
     r"(?:what|who|whom|which|whether|if|where|when|how)\b"),
    (("possible", "difficult", "hard", "challenging", "tricky", "tough", "unclear", "not clear", "not easy"),
     r"\b(?:it\s+is|it's|it\s+was|is|are|was|it\s+would\s+be|would\s+be)\s+(?:\w+\s+)?(?:not\s+possible|"
     r"impossible|difficult|hard|challenging|tricky|tough|unclear|not\s+clear|not\s+easy)\s+"
     r"(?:for\s+(?:me|us|anyone|one)\s+)?to\s+(?:\w+\s+){0,2}?" + _KNOW + r"\b(?!\s+no\b)"),
    (("not be", "n't be"),
     r"\b(?:cannot|can't|can\s+not|could\s+not|couldn't)\s+be\s+(?:\w+ly\s+)?(?:determined|identified|known|"
     r"inferred|said|specified|ascertained|confirmed|established|told|answered|deduced)\b"),
    (("without",),
     r"\bwithout\s+(?:more|additional|further|any|specific|extra|knowing|access\s+to|more\s+specific|"
     r"additional\s+specific|actually|the\s+actual|hearing|listening|context)\s+(?:\w+\s+){0,3}?"
     r"(?:information|context|details|data|knowledge|the\s+audio|the\s+song|the\s+track|it|to\s+the)\b"),
]]
_UNAVAILABLE = re.compile(
    # "there isn't enough information to determine whether it was live"
    r"\b(?:isn['’]t|is\s+not|not|aren['’]t|wasn['’]t)\s+enough\s+(?:info|information|detail|details|context|data)\b|"
    r"\b(?:is|are|was|were|remains?|isn't|aren't|wasn't)\s+(?:currently\s+|still\s+|also\s+|unfortunately\s+|"
    r"sadly\s+|simply\s+|just\s+)?(?:unknown|unspecified|unidentified|undisclosed|anonymous|uncredited|unavailable|"
    r"not\s+(?:\w+ly\s+)?(?:known|specified|mentioned|provided|given|stated|indicated|listed|available|identified|"
    r"disclosed|tagged|credited|named|described|documented|revealed|determined|clear\s+(?:from|based|without))|"
    r"(?:unclear|not\s+clear)\s*,?\s+(?:from|based|without|as\s+there|since|because|due|what|who|which|whether|"
    r"if)|"
    r"(?<!n't\s)(?:specified|mentioned|provided|given|stated|listed|indicated)(?=\s+(?:in|by)\s+the\s+"
    r"(?:tags|caption|description|information|data|metadata|text|title)))\b|"
    r"\b(?:an?|by\s+an?|at\s+an?|in\s+an?|from\s+an?)\s+unknown\s+(?:artist|composer|singer|performer|band|"
    r"musician|group|producer|author|songwriter|vocalist|source|origin|date|time|year|location|place|venue|"
    r"country|era|period)\b|"
    r"\b(?:theme|message|meaning|context|origin|artist|composer|title|name|date|year|era|country|location|"
    r"purpose|story|inspiration|identity|length|duration)\s+(?:of\s+(?:the|this)\s+\w+\s+)?(?:is|are|was|"
    r"remains)\s+(?:\w+ly\s+|also\s+|still\s+)?(?:not\s+clear|unclear|uncertain|ambiguous|a\s+mystery)\b|"
    r"\bno\s+specific\s+\w+\s+(?:is\s+)?(?:associated|mentioned|given|known|specified|indicated)\b|"
    r"\bno\s+(?:\w+\s+){0,2}(?:is|are|was|were|has\s+been|have\s+been)\s+(?:credited|named|listed|specified|"
    r"mentioned|given|known|identified|provided|indicated)\b|"
    # "there is no information", "there's no indication of who...", but "no indication of any vocals" is a
    # claim about the audio, not a refusal
    r"\b(?:there\s+(?:is|are|was|were)|there['’]s|there['’]re|with)\s+no\s+(?:specific\s+|additional\s+|"
    r"further\s+|available\s+|other\s+|more\s+|clear\s+|explicit\s+|direct\s+|real\s+)?"
    r"(?:information|info|details?|data|indication|mention|record|records|context|clues?|credits?|way\s+to)\b"
    r"(?!\s+of\s+(?:any\s+)?(?:vocals?|singing|singers?|voices?|lyrics|drums|percussion|bass|guitars?|piano|"
    r"keys|synths?|instruments?|beat|rhythm)\b)|"
    # no evidence about a wh-question: "there's no hint of who made it", "no sign as to where..."
    r"\bno\s+(?:indication|hint|sign|clue|mention|word|telling)\s+(?:of|as\s+to|about|on)\s+"
    r"(?:who|whom|what|which|where|when|whether|how)\b|"
    r"\bthere\s+(?:isn['’]t|aren['’]t|wasn['’]t|is\s+not|was\s+not)\s+(?:any\s+)?(?:information|info|details?|"
    r"data|indication|mention|record)\s+(?:of|about|on|regarding|as\s+to|available|given|provided)\b|"
    # "the lyrics are not included": the missing thing is metadata, not a sound
    r"\b(?:lyrics|title|name|artist|credits?|composer|producer|details|information|year|date|specifics)\s+"
    r"(?:is|are|was|were)\s+(?:not|n['’]t)\s+(?:included|shared|supplied|present|part\s+of)\b|"
    r"\b(?:lyrics|title|name|artist|credits?|composer|producer|details|information|year|date|specifics)\s+"
    r"(?:isn['’]t|aren['’]t|wasn['’]t|weren['’]t)\s+(?:included|shared|supplied|present|part\s+of)\b|"
    r"\bno\s+(?:specific\s+|additional\s+|further\s+|other\s+)?(?:information|info|details|data|mention)\s+"
    r"(?:is\s+|was\s+)?(?:available|provided|given|about|on|regarding|of|was|is)\b|"
    r"\b(?:the\s+(?:tags|caption|description|information|text|data|metadata|audio|title|source)|it)\s+"
    r"(?:does\s+not|doesn't|do\s+not|don't|did\s+not|didn't)\s+(?:\w+ly\s+)?(?:specify|mention|provide|"
    r"include|state|indicate|say|reveal|list|give|tell|contain|offer)\b|"
    r"\b(?:does\s+not|doesn't|do\s+not|don't)\s+(?:\w+ly\s+)?(?:specify|provide\s+(?:any\s+)?(?:information|"
    r"details)|contain\s+(?:any\s+)?information|include\s+(?:any\s+)?(?:information|details))\b|"
    r"\bnot\s+(?:specified|mentioned|stated|provided|given)\s*[,.]?\s*(?:but|which|what|who|so|however)\b|"
    r"\b(?:information|info|details?|data)\s+(?:is|was|are)\s+not\s+(?:available|provided|given|included)\b|"
    # "not specified", "not credited" anywhere ("unknown" stays in the shapes above: "unknown at first" is fine)
    r"\bnot\s+(?:\w+ly\s+)?(?:specified|mentioned|provided|stated|disclosed|credited|indicated|listed|"
    r"identified|available|documented|revealed)\b|"
    r"\bnot\s+(?:\w+ly\s+)?given\b(?!\s+(?:to|much|enough|a\s+chance|room|space))|"
    r"\b(?:has|have|had)(?:\s+not|n't)\s+been\s+(?:\w+ly\s+)?(?:identified|specified|mentioned|given|provided|"
    r"credited|disclosed|determined|revealed|named|stated|listed|indicated|made\s+public)\b|"
    r"\b(?:isn't|aren't|wasn't|weren't)\s+(?:\w+ly\s+)?(?:available|known|specified|mentioned|provided|given|"
    r"stated|listed|credited|disclosed|clear\s+from)\b",
    re.IGNORECASE,
)
# Uncertainty and missing information, worded without a verb of knowing: "whether it is live is anybody's
# guess", "that depends on who is listening", "no key info comes with this one", "a matter of conjecture".
_UNCERTAIN = [(gate, re.compile(pattern, re.IGNORECASE)) for gate, pattern in [
    (("guess", "beats me", "no clue", "conjecture", "speculat", "guesswork"),
     r"\b(?:anybody|anyone|everybody|everyone)['’]s\s+guess\b|\byour\s+guess\s+is\s+as\s+good\b|\bbeats\s+me\b|"
     r"\bno\s+clue\b|\bmatter\s+of\s+(?:conjecture|speculation|guesswork)\b|\b(?:would|could)\s+(?:only\s+)?be\s+"
     r"(?:pure\s+|mere\s+)?(?:speculation|speculative|guesswork)\b|\brather\s+not\s+(?:speculate|guess)\b|"
     r"\bcan\s+only\s+(?:speculate|guess)\b"),
    (("depend", "contingent"),
     r"\b(?:depends?|depending|dependent|contingent)\s+(?:up)?(?:on|of)\s+(?:[\w'’]+\s+){0,3}?"
     r"(?:listen\w*|ears?|tastes?|perspective|interpretation|preferences?|associations|person|individual|mood)\b"),
    (("subjective",), r"(?:^|\b(?:that|it|this)(?:['’]s|\s+is)\s+(?:\w+\s+)?)subjective\b"),
    (("definitive", "definite", "ascertainable", "determinable", "recoverable", "identifiable"),
     r"\bno\s+(?:definitive|definite|certain)\s+answer\b|"
     r"\bnot\s+(?:\w+ly\s+)?(?:ascertainable|determinable|recoverable|identifiable)\b"),
    # "info" in an answer about music is metadata: "no key info comes with this", "No label info."
    ((" info", "information", "details"),
     r"\bno\s+(?:\w+\s+)?info\b|\bno\s+(?:\w+\s+)?(?:information|details?)\s+(?:comes?|came)\s+with\b"),
    (("anywhere", "credited", "nothing", "no one", "nobody"),
     r"\b(?:isn['’]t|is\s+not|aren['’]t|are\s+not)\s+anywhere\b|\b(?:nobody|no\s+one)(?:['’]s|\s+is)?\s+credited\b|"
     r"\bnothing\s+(?:here\s+)?(?:tells|indicates|says|shows|reveals)\s+(?:me|us|who|what|which|when|where)\b|"
     r"\bnothing\s+(?:was\s+|is\s+)?(?:told|given|said)\s+to\s+me\b|\bnobody\s+says?\s+it\b"),
    (("say", "tell", "know", "to know", "n/a", "have it", "got"),
     # "n/a" as the answer, not as one field's value ("Severity: n/a, intentional ambience")
     r"^\W*(?:can['’]t|cannot)\s+(?:really\s+)?(?:say|tell|know)\b|\bcannot\s+to\s+\w+|^\W*n/a\W*(?!instrumental|no\s)(?:\w+\W*){0,2}$|"
     r"\bnot\s+possible\s+to\s+(?:say|tell|know)\b|\b(?:i|we)\s+(?:don['’]t|do\s+not)\s+have\s+(?:it|that|this)\b|"
     r"\bnot\s+something\s+(?:i|we)['’]ve\s+got\b|\bno\s+way\s+for\s+(?:me|us|anyone)\s+to\b"),
    (("unclear", "unknown", "not known"),
     r"^\W*[\w-]+\s+(?:unclear|unknown|not\s+known)\b"),
]]

# Whole answers that are nothing but a non-answer.
_BARE = re.compile(
    r"^\W*(?:unknown|unk|n/?a|n/?k|none|not\s+applicable|no\s+answer|not\s+available|unsure|not\s+sure|unclear|"
    r"uncertain|undetermined|indeterminate|ambiguous|\?+|"
    r"i\s+don't\s+know|i\s+do\s+not\s+know|idk|dunno|no\s+idea|no\s+comment|not\s+specified|unspecified|"
    r"not\s+mentioned|cannot\s+say|can['’]?t\s+say|can['’]?t\s+tell|skip|skipped|pass|tbd|"
    r"hard\s+to\s+say|who\s+knows|no\s+information)\W*$",
    re.IGNORECASE,
)


# Substrings _UNAVAILABLE needs; a plain `in` check skips the regex for most answers.
_UNAVAILABLE_GATE = ("unknown", "unavailable", "documented", "revealed", "unspecified", "unidentified", "undisclosed",
                     "anonymous", "uncredited", "not", "n't", "unclear", "specified", "mention", "provided", "given",
                     "stated", "listed", "indicated", "uncertain", "ambiguous", "mystery", " no ", "credited", "named",
                     "known", "identified", "included", "shared", "supplied", "present")


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def refusal(pair: QAPair, clip: Clip) -> Verdict:
    """Drop answers that decline ("as an AI I cannot listen") or say the information isn't given.

    Both teach a listening model to refuse, and a hedge followed by a guess ("not specified, but likely
    Mozart") is a refusal dressed as an answer, so it is dropped too.
    """
    answer = pair.answer
    lower = f" {answer.lower()} "
    bare = _BARE.match(answer) and not answers_absence(answer, pair.question)
    if bare or any(any(g in lower for g in gate) and rx.search(answer)
                                  for gate, rx in (*_CANNOT, *_UNCERTAIN)):
        return Verdict(False, REFUSAL_CANNOT_ANSWER)
    if any(g in lower for g in _UNAVAILABLE_GATE) and _UNAVAILABLE.search(answer):
        return Verdict(False, REFUSAL_NOT_AVAILABLE)
    # an answer that echoes its question is degenerate, not evasive
    if evades(answer, pair.question) and _plain(answer) != _plain(pair.question):
        return Verdict(False, REFUSAL_EVASIVE)
    return KEEP
