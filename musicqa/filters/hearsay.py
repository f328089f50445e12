"""Leak phenomena by kind, not by phrase: second-hand knowledge about the clip, and questions about its paperwork.

The leak rules in :mod:`musicqa.filters.leak` name the source ("based on the tags", "the caption says").
A new writer names it otherwise: "the clip's description files it as dream pop", "slow, or at least
that's what the clip's info claims", "reportedly a female singer, according to the sheet that came
with it", "the style I've been handed is bossa nova", "Which instruments are in the rundown?". What
these share is the phenomenon, so each pattern here describes one:

- a document about the clip (any of :data:`_DOC` nouns) that speaks: "the blurb pegs it as";
- hearsay: "reportedly", "so I'm told", "that's what the notes claim", "according to the sheet";
- something handed to the writer: "the style I've been handed", "the sheet that came with it";
- someone else's filing: "X files it under", "it's billed as" (but "I'd file it under shoegaze" is the
  listener's own judgement and stays);
- a question about the paperwork: "What does the text use...", "Which instruments are in the rundown?".

A listener's own perception ("I hear a guitar", "the bassline marks it as funk") names no document
and stays. :func:`cites_source` is used by the leak filter, under its ``leak_source_reference`` reason.
"""

from __future__ import annotations

import re

# Nouns for a text that came with the clip. Words music also uses are left out or narrowed: "notes" (the
# piano notes), "details", "entry" (the drums' entry), "form", "profile" (its dynamic profile).
_DOC = (r"(?:description|descriptions|blurb|info|information|sheet|fact\s*sheet|cheat\s*sheet|rundown|write-?up|"
        r"summary|listing|labels?|tags?|keywords?|key\s+words|annotations?|metadata|text|card|file|paperwork|"
        r"documentation|docs|specs?|spec\s+sheet|synopsis|tagline|caption|attributes|brief|"
        r"one-liner|readme|memo|notes\s+i\s+(?:got|have|had|was\s+given)|liner\s+notes|accompanying\s+notes|"
        r"descriptors?|credits|catalog(?:ue)?\s+entry|database|record\s+card|log|playlist(?:\s+notes)?|handout|"
        r"worksheet|textbook|lesson\s+plan|syllabus|(?:teacher['’]s\s+|study\s+)?guide|programme\s+notes|"
        r"program\s+notes|show\s+sheet|sleeve|booklet|press\s+release)")
_OWNER = r"(?:the|its|this|that|these|those|my|our|their|your|a|an|his|her|(?:the\s+)?[\w-]+['’]s)"
_SAYS = (r"(?:says?|said|claims?|claimed|calls?|called|describes?|described|files?|filed|pegs?|pegged|puts?|bills?|"
         r"billed|brands?|branded|dubs?|dubbed|terms?|termed|names?|named|lists?|listed|labels?|labell?ed|tags?|"
         r"tagged|marks?|marked|class(?:es|ed)?|classif(?:y|ies|ied)|categori[sz]es?|categori[sz]ed|rates?|rated|"
         r"reckons?|insists?|suggests?|suggested|mentions?|mentioned|states?|stated|notes?|noted|reports?|reported|"
         r"tells?|told|gives?|gave|has\s+it|had\s+it|sees?|counts?|considers?|identif(?:y|ies|ied)|specif(?:y|ies|ied)|"
         r"spells?\s+out|reads?|goes\s+with|went\s+with|uses?|used|settles?\s+on|points?\s+to|lumps?|sorts?|places?|"
         r"ha(?:s|ve|d)\s+(?:it|this|them)(?:\s+down)?\s+as|saying|reading)")

_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (
    # a document that speaks: "the clip's description files it as", "its info claims", "the blurb pegs it"
    _OWNER + r"\s+(?:[\w-]+\s+){0,2}?" + _DOC + r"\s+(?:(?:also|only|clearly|just|apparently|even)\s+)?"
    + _SAYS + r"\b",
    # hearsay markers: the writer knows it second-hand
    r"\b(?:reportedly|supposedly|allegedly|purportedly|by\s+all\s+accounts|rumou?r\s+has\s+it|word\s+is|"
    r"so\s+(?:i['’]m|i\s+am|i\s+was|we['’]re|we\s+were)\s+told|or\s+so\s+(?:i['’]m\s+told|they\s+say|it\s+says|"
    r"i\s+hear|i['’]ve\s+heard|i\s+read|i['’]ve\s+read|the\s+\w+\s+says?|it\s+claims))\b",
    # "that's what the clip's info claims", "at least that is what it says", "that's what I was told"
    r"\bthat(?:['’]s|\s+is|\s+was)\s+what\s+(?:(?:" + _OWNER + r"\s+(?:[\w-]+\s+){0,2}?" + _DOC + r"|it|they)\s+"
    r"(?:says?|said|claims?|claimed|reckons?|states?|lists?|calls?|tells?\s+me|told\s+me|suggests?|reports?|reads?)|"
    r"(?:i|we)\s+(?:was|am|['’]m|were|have\s+been|['’]ve\s+been|got)\s+(?:told|given|handed|sent))\b",
    # "according to the sheet", "according to its write-up", "according to what I was sent"
    r"\baccording\s+to\s+(?:" + _OWNER + r"\s+(?:[\w-]+\s+){0,2}?" + _DOC + r"\b|what\s+(?:i|we)\b|"
    r"(?:the\s+)?(?:uploader|submitter|source|label\s+copy|press\s+release|organi[sz]ers?)\b)",
    # handed to the writer: "the style I've been handed", "what I was fed", "the notes I got"
    r"\b(?:i|we)(?:['’]ve|\s+have|\s+was|\s+were|\s+had)\s+(?:been\s+)?(?:handed|fed|supplied|provided|sent|"
    r"passed|briefed)\b|\b(?:i|we)\s+(?:got|was|were)\s+(?:handed|passed|sent)\b",
    # came with the clip: "the sheet that came with it", "came with a note saying ambient techno"
    _DOC + r"\s+(?:that\s+|which\s+)?(?:came|comes|arrived|arrives|was\s+sent|shipped)\s+with\b|"
    r"\b(?:came|comes|arrived|arrives|shipped)\s+with\s+(?:a|an|the|some|its|this)\s+(?:[\w-]+\s+)?"
    r"(?:note|notes|sheet|description|blurb|labels?|tags?|card|text|summary|write-?up|listing|caption|"
    r"keywords?|annotations?|metadata|info|information|data|paperwork)\b",
    # someone else files it: "it's billed as a lullaby", "critics file it under"; not "I'd file it under"
    r"(?<!\bi\s)(?<!\bi['’]d\s)(?<!\bwe\s)(?<!\bwe['’]d\s)(?<!\byou\s)(?<!\byou['’]d\s)(?<!\bwould\s)(?<!\bcould\s)"
    r"(?<!\bmight\s)(?<!\bhave\s)(?<!['’]ve\s)"
    r"\b(?:files|filed|bills|billed|brands|branded|dubs|dubbed|catalogu?e[sd]?|pigeonholes|pegs|pegged)"
    r"\s+(?:it|this|the\s+\w+|them)?\s*(?:as|under|down\s+as)\b",
    # questions about the paperwork: "What does the text use for...", "Which instruments are in the rundown?"
    r"\b(?:what|which|how|does|do|did|is|are|was|were)\s+(?:[\w-]+\s+){0,3}?(?:does|do|did|is|are|was|were)\s+"
    + _OWNER + r"\s+(?:[\w-]+\s+)?" + _DOC + r"\s+(?:use|say|call|give|list|mention|describe|tell|"
    r"contain|include|suggest|have|claim|show|state|read|specify|put)\b",
    r"\b(?:in|on|from|per)\s+" + _OWNER + r"\s+(?:rundown|listing|blurb|write-?up|sheet|fact\s*sheet|metadata|"
    r"annotations?|keywords?|tag\s+list|paperwork|documentation|synopsis|card|handout|worksheet|textbook|"
    r"lesson\s+plan|syllabus|booklet|sleeve\s+notes|programme\s+notes|program\s+notes|log|database|playlist)\b",
    # "Which adjectives did the station attach to it?": words someone else chose for the clip
    r"\b(?:which|what)\s+(?:adjectives|labels?|tags?|descriptors?|keywords?|categories|category)\s+(?:did|does|do|"
    r"were|was|has|have)\s+(?:[\w'’-]+\s+){0,3}?(?:attach|assign|give|gave|apply|list|pick|choose|chose|use|"
    r"attached|assigned|given|applied|listed|picked|chosen|used)\b",
    r"\b(?:label|labels|tag|tags|keyword|keywords|category|categories|descriptor|descriptors|adjectives)\s+"
    r"(?:was|were|is|are|has\s+been|have\s+been)\s+(?:\w+ly\s+)?(?:assigned|attached|applied|given|chosen|picked|"
    r"written|entered)\b",
)]
_GATE = ("descri", "blurb", "info", "sheet", "rundown", "write", "summary", "listing", "label", "tag", "key",
         "annotat", "metadata", "text", "card", "file", "paper", "doc", "spec", "synopsis", "caption", "entry",
         "profile", "attribute", "data", "brief", "liner", "memo", "readme", "detail", "credit", "catalog",
         "form", "page", "notes", "reported", "supposed", "alleged", "purported", "accounts", "rumo", "word is",
         "told", "so they", "i hear", "heard", "read", "according", "handed", "fed", "supplied", "provided",
         "sent", "passed", "briefed", "came with", "comes with", "arrive", "shipped", "billed", "bills",
         "brand", "dub", "pigeon", "peg", "adjectives", "words", "claim", "log", "playlist", "handout", "worksheet",
         "textbook", "lesson", "syllabus", "guide", "program", "sleeve", "booklet", "press", "'s", "’s", "saying",
         "reading", "down as", "categor", "descriptor")


def cites_source(text: str) -> bool:
    """True when ``text`` (a question or an answer) shows second-hand knowledge of the clip or asks about it."""
    lower = text.lower()
    return any(g in lower for g in _GATE) and any(p.search(text) for p in _PATTERNS)
