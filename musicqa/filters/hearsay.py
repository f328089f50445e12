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

from musicqa.filters.doc_nouns import DOC_NOUNS

# Nouns for a text that came with the clip. Words music also uses are left out or narrowed: "notes" (the
# piano notes), "details", "entry" (the drums' entry), "form", "profile" (its dynamic profile).
_DOC = (r"(?:description|descriptions|blurb|info|information|sheet|fact\s*sheet|cheat\s*sheet|rundown|write-?up|"
        r"summary|listing|labels?|tags?|keywords?|key\s+words|annotations?|metadata|text|card|file|paperwork|"
        r"documentation|docs|specs?|spec\s+sheet|synopsis|tagline|caption|attributes|brief|"
        r"one-liner|readme|memo|notes\s+i\s+(?:got|have|had|was\s+given)|liner\s+notes|accompanying\s+notes|"
        r"descriptors?|credits|catalog(?:ue)?\s+entry|database|record\s+card|log|playlist(?:\s+notes)?|handout|"
        r"worksheet|textbook|lesson\s+plan|syllabus|(?:teacher['’]s\s+|study\s+)?guide|programme\s+notes|"
        r"program\s+notes|show\s+sheet|sleeve|booklet|press\s+release|source|sources|reference(?:\s+text)?|"
        r"references|epk|press\s+kit|bio|submission(?:\s+form)?|intake\s+form|doc|show\s+notes)")
_OWNER = r"(?:the|its|this|that|these|those|my|our|their|your|a|an|his|her|(?:the\s+)?[\w-]+['’]s)"
_SAYS = (r"(?:says?|said|claims?|claimed|calls?|called|describes?|described|files?|filed|pegs?|pegged|puts?|bills?|"
         r"billed|brands?|branded|dubs?|dubbed|terms?|termed|names?|named|lists?|listed|labels?|labell?ed|tags?|"
         r"tagged|marks?|marked|class(?:es|ed)?|classif(?:y|ies|ied)|categori[sz]es?|categori[sz]ed|rates?|rated|"
         r"reckons?|insists?|suggests?|suggested|mentions?|mentioned|states?|stated|notes?|noted|reports?|reported|"
         r"tells?|told|gives?|gave|has\s+it|had\s+it|sees?|counts?|considers?|identif(?:y|ies|ied)|specif(?:y|ies|ied)|"
         r"spells?\s+out|reads?|goes\s+with|went\s+with|uses?|used|settles?\s+on|points?\s+to|lumps?|sorts?|places?|"
         r"characteri[sz]es|characteri[sz]ed|portrays?|depicts?|frames?|paints?|proposes?|indicates?|"
         r"flags?|flagged|highlights?|singles?\s+out|points?\s+out|cites?|credits?|"
         r"ha(?:s|ve|d)\s+(?:it|this|them)(?:\s+(?:down|flagged|marked|listed|labell?ed|tagged|filed))?\s+as|saying|"
         r"reading|promises?|promised|advertises?|advertised|boasts?)")

_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (
    # a document that speaks: "the clip's description files it as", "its info claims", "the blurb pegs it"
    _OWNER + r"\s+(?:[\w-]+\s+){0,2}?" + _DOC + r"\s+(?:(?:also|only|clearly|just|apparently|even|itself)\s+)?"
    + _SAYS + r"\b",
    # "As one was told, ...", "as I'm told": the writer knows it second-hand
    r"\bas\s+(?:one|i|we|you)\s+(?:was|were|am|['’]m|is|are|have\s+been|['’]ve\s+been)\s+(?:told|informed)\b",
    # the clip's uploader, tagger or annotator as a source ("The uploader wasn't sure, but guessed live")
    r"\b(?:the|its|whoever|this\s+clip['’]s)\s+(?:original\s+)?(?:uploader|submitter|tagger|annotator|cataloguer|"
    r"cataloger)s?\b",
    # a labeller's shorthand citing the source first: "Meta says no trumpet.", "Tags: smooth, night.", "cap says"
    r"^\W*(?:meta|metadata|tags?|caption|cap|blurb|desc|description|write-?up)\s*(?::|says?\b|lists?\b)|"
    r"\b(?:in|per|from|on)\s+the\s+cap\b|\bper\s+cap\b|\bthe\s+cap\s+(?:notes|mentions|says|lists|reads|calls)\b",
    # "In description is saying ...", "it says it sounds like a beach": the source, in a learner's or a kid's words
    r"\bin\s+(?:the\s+)?(?:description|caption|tags?|metadata)\s+(?:is\s+)?(?:saying|says|said|written|stands?)\b|"
    r"\bit\s+says\s+(?:it|this)\s+(?:sounds?|is|was|has|feels?)\b|"
    r"\bthe\s+write[\s-]?up\s+(?:\w+\s+)?(?:says|said|calls|lists|promises|claims|mentions)\b",
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
    r"passed|briefed)\b|\b(?:i|we)\s+(?:got|was|were)\s+(?:handed|passed|sent)\b|"
    # "the style I was given for this one" (a relative clause); "I was given goosebumps" has an object
    r"\bi(?:['’]ve|\s+have|\s+was|\s+had)\s+(?:been\s+)?(?:given|shown)\b(?!\s+(?:a|an|the|some|no|this|that|"
    r"goosebumps|chills|shivers|pause|hope|comfort|energy|peace)\b)",
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
_GATE = ("descri", "upload", "submit", "meta", "cap", "says", "blurb", "info", "sheet", "rundown", "write",
         "summary", "listing", "label", "tag", "key", "annotat", "text", "card", "file", "paper", "doc", "spec",
         "synopsis", "caption", "entry", "profile", "attribute", "data", "brief", "liner", "memo", "readme",
         "detail", "credit", "catalog", "form", "page", "notes", "reported", "supposed", "alleged", "purported",
         "accounts", "rumo", "word is", "told", "so they", "i hear", "heard", "read", "according", "handed", "fed",
         "supplied", "provided", "sent", "passed", "briefed", "came with", "comes with", "arrive", "shipped",
         "billed", "bills", "brand", "dub", "pigeon", "peg", "adjectives", "words", "claim", "log", "playlist",
         "handout", "worksheet", "textbook", "lesson", "syllabus", "guide", "program", "sleeve", "booklet", "press",
         "'s", "’s", "saying", "reading", "down as", "categor", "descriptor", "given", "shown", "source",
         "reference", "epk", "kit", "bio", "submission", "intake")


# Any document noun, not only the listed ones: WordNet's nouns for a written document (the placard, the
# accession record, the one-sheet...) plus words WordNet files elsewhere. A listener's own words for
# the music ("the notes", "the record" on the turntable, "the score", "the key") are excluded there.
_DOCS = DOC_NOUNS | frozenset("""blurb blurbs info information sheet sheets one-sheet one-sheets rundown write-up
writeup summary tags tag label labels metadata caption captions placard placards plaque plaques panel panels
sticker stickers readme promo promos tracklist tracklists tagline annotations annotation keywords descriptors
credits database wiki wikipedia discogs page pages site website websites app listing listings synopsis paperwork docs
documentation spec specs brief briefing memo email e-mail e-mails emails message messages press signage
cover covers sleeve sleeves inlay insert j-card review reviews epk epks bio bios submission submissions
""".split())
_OWNERS = frozenset("the its this that these those my our their your a an his her".split())
_ADVERBS = frozenset("also only clearly just apparently even actually still explicitly simply".split())
# Reporting verbs: "the placard lists", "does the booklet say", "the one-sheet mentions". Narrower than
# _SAYS above, since the noun is now any document ("the drum program uses" is not a citation).
_REPORT = re.compile(
    r"\b(?:says?|said|claims?|claimed|calls?|called|describes?|described|lists?|listed|labels?|labell?ed|files?|"
    r"filed|tags?|tagged|mentions?|mentioned|states?|stated|reports?|reported|tells?|told|names?|named|pegs?|"
    r"pegged|bills?|billed|dubs?|dubbed|terms?|termed|classif(?:y|ies|ied)|categori[sz](?:e|es|ed)|"
    r"identif(?:y|ies|ied)|specif(?:y|ies|ied)|suggests?|suggested|reckons?|insists?|reads?|notes?|noted|"
    r"flags?|flagged|highlights?|"
    r"places?\s+(?:it|this|them)|ha(?:s|ve|d)\s+(?:it|this|them)\s+(?:down\s+)?as|gives?\s+(?:it|the\s+\w+)\s+as|puts?\s+it)\b",
    re.IGNORECASE)
_PREPOSITIONS = frozenset("for of from on in at beside by with about to".split())
_SUBJECTS = frozenset("i we you he she they it one".split())
_AUXILIARIES = frozenset("has have had does did do it this them also only just".split())
_PASSIVE = frozenset("is are was were be been being isn't aren't wasn't weren't".split())
# "all listed on the stems folder readme", "printed in the programme": read off a document
_READ_OFF = re.compile(r"\b(?:listed|written|noted|mentioned|described|printed|stated|given|credited|labell?ed|"
                       r"tagged|marked|scrawled|typed)\s+(?:on|in|by)\s+(?:the|its|this|that|my|our|their|your|"
                       r"[\w-]+['’]s)\s+(?P<phrase>[\w'’-]+(?:\s+[\w'’-]+){0,2})", re.IGNORECASE)
_WORDS = re.compile(r"[\w'’-]+")
_TOKENS = re.compile(r"[\w'’-]+|[.;:!?]")
# Nouns a listener also uses for the music (the record on the turntable, its history) count as a
# document only before a verb no music does: "the accession record notes", "its history says".
_NARROW_DOCS = frozenset("note notes record records entry history profile copy text field".split())
_NARROW_VERB = re.compile(r"(?:says?|said|lists?|listed|mentions?|mentioned|reads|notes?|noted|reports?|reported|"
                          r"claims?|claimed)$", re.IGNORECASE)
# "the cover calls back to the original", "the piano part reads like an etude": not reporting
_NOT_REPORTING = re.compile(r"\s+(?:back|for|out|up|like|into|off|over)\b", re.IGNORECASE)
# inverted: "Fast, says the sheet.", "D minor, as it says on the back cover"
_SAYS_AFTER = re.compile(r"\b(?:says|said|claims|reckons|reads)\s+(?:(?:on|in)\s+)?"
                         r"(?:the|its|this|that|my|our|their|your|[\w-]+['’]s)\s+(?P<phrase>[\w-]+(?:\s+[\w-]+){0,2})",
                         re.IGNORECASE)


def _document_speaks(text: str) -> bool:
    """A reporting verb whose subject is a document: "the exhibit panel places it", "the accession
    record for this recording notes", "promo sheet from the distro says" (the noun may sit a few words
    before the verb; its phrase starts with a determiner, a possessive, or the clause)."""
    for m in _READ_OFF.finditer(text):
        if any(w.removesuffix("'s").removesuffix("’s") in _DOCS for w in m.group("phrase").lower().split()) and (
                not _THE_CLIP.search(m.group("phrase"))):  # "not credited in the audio file" is the clip
            return True
    for m in _SAYS_AFTER.finditer(text):
        if any(w in _DOCS or w in _NARROW_DOCS for w in m.group("phrase").lower().split()):
            return True
    for m in _REPORT.finditer(text):
        if _NOT_REPORTING.match(text, m.end()):
            continue
        tokens = [t.lower() for t in _TOKENS.findall(text[max(0, m.start() - 80):m.start()])][-7:]
        if m.start() <= 80:
            tokens.insert(0, ".")  # the start of the text opens a clause
        while tokens and tokens[-1] in _ADVERBS:
            tokens.pop()
        narrow = bool(_NARROW_VERB.match(m.group(0)))
        for i in range(len(tokens) - 1, max(len(tokens) - 7, -1), -1):  # the noun, a few words back
            noun = tokens[i].removesuffix("'s").removesuffix("’s")
            if tokens[i] in ".;:!?":
                break
            # the document is the verb's subject ("the page has it filed", "the record for this tape notes"),
            # not "without the sleeve we can't name"
            between = tokens[i + 1:]
            if _PASSIVE & set(between):  # "the title of the audio is not mentioned": the document is not speaking
                continue
            if between == ["to"]:  # "a fair description to call the melody mournful": an infinitive, no subject
                break
            if between and not set(between) <= _AUXILIARIES and (
                    between[0] not in _PREPOSITIONS or any(w in _SUBJECTS for w in between)):
                continue
            if noun in _DOCS or (narrow and noun in _NARROW_DOCS):
                before = tokens[max(0, i - 3):i]
                if any(w in _OWNERS or w.endswith(("'s", "’s")) for w in before) or (
                        before and before[-1] in ".;:!?") or (len(before) >= 2 and before[-2] in ".;:!?"):
                    return True
    return False


# "according to the placard", "per the tracklist notes", "going by the curator's notes"; in a question,
# "What's on the sleeve sticker?"; and the people and services who describe a clip: "the shop guy called
# it crisp", "What did the producer call the mood?", "the app tags it".
_PEOPLE = (r"(?:guy|man|woman|lady|bloke|dude|seller|shopkeeper|shop|store|clerk|dealer|curators?|archivist|"
           r"librarian|donor|collector|producer|distributor|distro|promoter|uploader|submitter|poster|critics?|"
           r"reviewers?|journalist|writer|editor|blogger|friend|mate|colleague|boss|client|teacher|professor|"
           r"label|station|website|site|app|algorithm|service|platform|internet|museum|archive|catalogu?er|tagger|"
           r"annotator)")
_PEOPLE_WORD = re.compile(_PEOPLE + r"$", re.IGNORECASE)
_DET = r"(?:(?:the|its|this|that|these|those|my|our|their|your|a|an|his|her)\s+|[\w-]+['’]s\s+)+"
_CITING = re.compile(r"\b(?:according\s+to|as\s+per|per|going\s+(?:by|off|from)|judging\s+by|based\s+off)\s+" + _DET
                     + r"(?P<phrase>(?:[\w'’-]+\s*){1,3})", re.IGNORECASE)
_ASKS_WHATS_IN = re.compile(r"\b(?:in|on|from)\s+" + _DET + r"(?:[\w'’-]+\s+){0,2}(?P<doc>[\w-]+)\s*\?\s*$",
                            re.IGNORECASE)
# "in this cover?", "in this version?": a cover song or a take is the clip itself
_THE_CLIP = re.compile(r"\b(?:audio|sound|music|song|track|recording|clip|mp3|wav|video|film|movie|game|cover|version|"
                       r"remix|rendition|take|performance|piece|tune|excerpt|number|"
                       # where the clip would be played: "in a live set list?", "on a road-trip playlist?"
                       r"set\s*list|set|playlist|mix|mixtape|rotation|app|session|class|workout|routine)\b",
                       re.IGNORECASE)
_PERSON_SAYS = re.compile(
    r"(?:\b(?:the|my|our|a|that|this|his|her|their|your)\s+(?:[\w'’-]+\s+){0,2}?" + _PEOPLE + r"|"
    r"\b(?:someone|somebody))\s+(?:(?:also|just|always|once|apparently)\s+)?"
    r"(?:called|calls?|described|describes?|labell?ed|labels?|tagged|tags?|filed|files?|listed|lists?|pegged|pegs|"
    r"billed|dubbed|classed|classified|categori[sz]ed|sold\s+it\s+to\s+me\s+as|told\s+me|tells\s+me|"
    r"reckoned|reckons)\s+(?:it|this|that|the\s+[\w-]+|them|me|us)\b", re.IGNORECASE)


# "according to" cites someone or something whatever it is called ("according to the composer's dev blog"),
# unless it is the listener's own perception ("according to my ears", "swaying according to the beat")
_ACCORDING = re.compile(r"\baccording\s+to\s+(?!(?:my|our|your)\s+(?:ears?|hearing)\b|what\s+(?:i|you|we)\s+hear\b|"
                        r"(?:the|its|this|their)\s+(?:sound|beat|rhythm|tempo|music|song|melody|mood|groove|pulse|"
                        r"meter|metre|lyrics|key|harmony|score|structure|pattern|form|convention|conventions|tradition|rules|"
                        r"style|genre)\b)"
                        r"(?:the|its|this|that|these|those|my|our|their|your|his|her|[\w-]+['’]s)\b", re.IGNORECASE)
# "the in-game jukebox lists it as", "the app files this under": someone else's entry for the clip, whatever
# the lister is called (not the listener's "I'd list it as")
_LISTS_IT = re.compile(r"(?<!\bi\s)(?<!\bwe\s)(?<!\bi['’]d\s)(?<!\bwe['’]d\s)(?<!\bwould\s)(?<!\bcould\s)"
                       r"\b(?:lists|listed|labels|labell?ed|tags|tagged|files|credits|credited|catalogu?es|catalogu?ed|"
                       r"classifies|categori[sz]es|titles|titled)\s+(?:it|this|this\s+[\w-]+|the\s+[\w-]+)\s+(?:as|under)\b",
                       re.IGNORECASE)


def _cites_a_document(text: str) -> bool:
    if _ACCORDING.search(text) or _LISTS_IT.search(text):
        return True
    for m in _CITING.finditer(text):
        for word in _WORDS.findall(m.group("phrase").lower()):
            word = word.removesuffix("'s").removesuffix("’s")
            if word in _DOCS or word == "notes" or _PEOPLE_WORD.match(word):
                return True
    m = _ASKS_WHATS_IN.search(text)  # "in the audio file?" is the clip itself
    return bool(m) and m.group("doc").lower() in _DOCS and not _THE_CLIP.search(m.group(0))


# "a pop ballad, if the placard beside this case is to be believed": hearsay whatever the source is called
_BELIEVED = re.compile(r"\bif\s+(?:[\w'’-]+\s+){1,6}?(?:is|are)\s+to\s+be\s+(?:believed|trusted)\b|"
                       r"\bif\s+(?:you|we|one|i)\s+(?:can\s+)?(?:believe|trust|go\s+by|take\s+the\s+word\s+of)\s+"
                       r"(?:the|its|this|that|their|[\w-]+['’]s)\b|"
                       r"\bdown\s+(?:in|on)\s+(?:the|my|our|their|its|your)\s+(?:[\w-]+\s+){0,2}?[\w-]+\s+as\b",
                       re.IGNORECASE)


def cites_source(text: str) -> bool:
    """True when ``text`` (a question or an answer) shows second-hand knowledge of the clip or asks about it."""
    lower = text.lower()
    if any(g in lower for g in _GATE) and any(p.search(text) for p in _PATTERNS):
        return True
    return bool(_document_speaks(text) or _cites_a_document(text) or _PERSON_SAYS.search(text)
                or _BELIEVED.search(text))
