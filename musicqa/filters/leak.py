"""The ``leak`` filter: drop pairs that talk about the source text or the generation setup, not the music.

A listener only has the audio. An answer that says "based on the tags" or "the caption mentions" teaches
a model to talk about metadata it will never see; about 6% of the original MusicQA did this. Innocent
uses of the same words ("a tag-team rap duet", "a video caption montage", "fits the description of a
lullaby") name no source, so every pattern below needs a determiner or verb that points at one.
"""

from __future__ import annotations

import functools
import re

from musicqa.filters.general import asks_in_general, explains_a_term, lectures_on_a_genre
from musicqa.filters.hearsay import cites_source
from musicqa.filters.provenance import cites_provenance, names_a_tag, recites_tags, talks_of_measurement
from musicqa.records import KEEP, Clip, QAPair, Verdict

LEAK_SOURCE_REFERENCE = "leak_source_reference"
LEAK_TAG_QUESTION = "leak_tag_question"
LEAK_GENERATION_SETUP = "leak_generation_setup"
LEAK_MEASUREMENT = "leak_measurement"
LEAK_GENERAL_KNOWLEDGE = "leak_general_knowledge"
LEAK_CLASSIFIER = "leak_classifier"

REASONS = {
    LEAK_SOURCE_REFERENCE: "question or answer cites the caption, tags, description or metadata instead of the music",
    LEAK_TAG_QUESTION: "question asks about a tag word or a genre in general rather than about the clip",
    LEAK_GENERATION_SETUP: "text mentions the prompt, the dataset or the generation process",
    LEAK_MEASUREMENT: "text talks about a measurement of the clip instead of what is heard (\"the key-detection "
                      "output gives\", \"from the supplied stats\", a LUFS figure)",
    LEAK_GENERAL_KNOWLEDGE: "the answer lectures on a genre's or instrument's history instead of describing the clip "
                            "(\"Reggae originated in Jamaica in the late 1960s\")",
    LEAK_CLASSIFIER: "the learned layer scores the pair as citing its source (e.g. \"I'm told it was recorded in a "
                     "church\", \"Which moods were listed?\")",
}

# Each pattern comes with the substrings it cannot match without (its gate): a plain `in` test on the
# lower-cased text skips the regex for most texts, which keeps a 50,000-pair audit fast. When adding a
# pattern, give it a gate that every match must contain.
_DET = r"(?:the|these|those|this|that|your|its|my|our|all\s+the)"
_PATTERNS: list[tuple[tuple[str, ...], str]] = [
    # "based on the tags", "according to the description", "from the list provided", "in the caption"
    (("tag", "caption", "descri", "keyword", "label", "metadata", "annotation", "list", "prompt", "text"),
     r"\b(?:based\s+(?:solely\s+|only\s+|purely\s+)?(?:on|upon)|according\s+to|judging\s+(?:by|from)|going\s+by|"
     r"from|in|per|given|as\s+per|using|with|reading|read|looking\s+at|considering|checking|by)\s+" + _DET + r"\s+"
     r"(?:(?:given|provided|above|listed|following|available|original|supplied|accompanying|genre|"
     r"short|brief|audio|music|song|track|clip|aforementioned|above-mentioned|mentioned)\s+)?"
     r"(?:tags?|tag\s+list|captions?|descriptions?|descriptors?|keywords?|labels?|metadata|annotations?|"
     r"list(?:\s+of\s+(?:tags|keywords|words|terms|labels|descriptors|attributes|genres|descriptions))?|"
     r"prompt|text\s+(?:provided|given|above))\b"),
    # "based on the information provided", "the data given"
    (("provided", "given", "supplied", "above", "available", "gave"),
     r"\b(?:based\s+on|according\s+to|from|given|in)\s+(?:the|this)\s+(?:information|info|details|data|text|"
     r"context|input)\s+(?:provided|given|supplied|above|available|you\s+(?:provided|gave))\b"),
    # "according to the provided details", "as per the given context": any source preposition before them
    (("available", "provided", "given", "supplied", "limited"),
     r"\b(?:from|in|based\s+(?:solely\s+|only\s+)?on|given|with|using|according\s+to|as\s+per|per|"
     r"judging\s+(?:by|from)|going\s+by)\s+the\s+(?:available|provided|given|supplied|limited)\s+"
     r"(?:information|info|data|details|specifics|text|context|input|clues|cues|notes)\b"),
    # "its description points to", "the information says", "the clip's labels suggest"
    (("tag", "caption", "descri", "label", "keyword", "metadata", "annotation", "text", "info", "data", "list",
      "summary", "title", "attribute"),
     r"\b(?:the|its|this|these|their|that|(?:the\s+)?(?:audio|song|track|clip|music|piece)['’]s)\s+"
     r"(?:(?:given|provided|short|brief|original|accompanying|available|genre|mood)\s+)?"
     r"(?:tags?|captions?|descriptions?|labels?|keywords?|metadata|annotations?|text|information|info|data|list|"
     r"listing|summary|title|descriptors?|attributes)\s+(?:(?:also|only|clearly|explicitly|strongly)\s+)?"
     r"(?:says?|said|mentions?|mentioned|states?|describes?|described|suggests?|indicates?|notes?|lists?|reads?|"
     r"points?|impl(?:y|ies)|shows?|reveals?|specif(?:y|ies)|tells?|calls?|classif(?:y|ies)|categori[sz]es?|"
     r"includes?|contains?|gives?|provides?|refers?|characteri[sz]es?|labels?|hints?)\b"),
    # "the music type given is electronic", "the genre listed is jazz"
    (("given", "provided", "listed", "specified", "stated", "indicated", "assigned", "mentioned"),
     r"\b(?:genre|genres|type|style|mood|moods|tempo|instruments?|category|classification|label|labels|tags?|"
     r"description)\s+(?:given|provided|listed|specified|stated|indicated|assigned|mentioned)\s+"
     r"(?:is|are|was|were|here|above|as|for|include|includes)\b"),
    # "the following characteristics: ambient, electronic, calm"
    (("following",),
     r"\bthe\s+following\s+(?:characteristics|attributes|qualities|descriptors|traits|tags|keywords|labels|"
     r"descriptions)\b"),
    # "the words 'epic' and 'cinematic' appear", "with 'dark' and 'moody' among them": single quoted words read
    # back as a list (quoted lyrics are phrases, so they don't match)
    (("'", '"', "“", "‘"),
     r"[\"'“‘][\w-]+[\"'”’]\s*(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)[\"'“‘][\w-]+[\"'”’]"),
    # "the tags", "with tags like", "tagged as": not "a tag-team duet" or "the guitarist tags a lick on"
    (("tag",),
     r"\b(?:the|these|those|this|that|its|their|given|provided|listed|following|above|available|with|from|of|"
     r"all|some|other|multiple|two|three|several|which|what|each|every|any|no|genre|mood|style)\s+"
     r"(?:(?:given|provided|listed|genre|mood|style|audio|music|song|track|clip|following|above|original|"
     r"associated|available|descriptive|relevant|same|two|three|four|five|other|various|multiple|several|first|"
     r"last|remaining|accompanying|supplied|attached|assigned|instrument|emotion|descriptor)\s+)?tags?\b"
     r"(?![-\s](?:team|teams|along|line|lines|ending|endings))|"
     r"\btagged\b(?!\s+along)|\btags?\s+(?:provided|given|suggests?|indicates?|mentions?|includes?|like|such\s+as|"
     r"do\s+not|don't|does\s+not|doesn't|says?|describes?|lists?|points?|impl(?:y|ies)|associated|"
     r"[\"'“‘])"),
    # "The text mentions", "the input says", "the title suggests": the source, by another name
    (("text", "input", "source", "prompt", "passage", "entry", "annotation", "summary", "write", "title", "info",
      "data"),
     r"\b(?:the|this|that)\s+(?:text|input|source|prompt|passage|entry|annotation|summary|write-?up|title|"
     r"information|info|data)\s+(?:(?:also|only|clearly|explicitly)\s+)?(?:says|mentions|states|describes|suggests|"
     r"indicates|notes|lists|reads|calls|refers|implies|tells|specifies)\b"),
    # "Described as 'energetic', the audio..." (a general "often described as" stays innocent)
    (("described", "listed", "label", "tagged", "categori", "classified", "characteri", "referred"),
     r"(?:^|[.;!?]\s+)(?:described|listed|labell?ed|tagged|categori[sz]ed|classified|characteri[sz]ed)\s+as\b|"
     r"\b(?:described|listed|labell?ed|categori[sz]ed|classified|characteri[sz]ed|referred\s+to)\s+as\s+"
     r"[\"'“‘][\w &-]{1,30}[\"'”’]\s*(?:,|and|or)\s*[\"'“‘]"),
    # "caption" only ever names the source in a music answer, except for on-screen captions
    (("caption",),
     r"(?<!video\s)(?<!closed\s)(?<!photo\s)(?<!image\s)(?<!funny\s)(?<!witty\s)(?<!movie\s)(?<!screen\s)"
     r"\bcaption(?:s|ed)?\b(?![-\s](?:contest|contests|montage|montages|competition|on\s+screen|text\s+on))"),
    # "the description mentions", "the provided description", "the description of the audio"
    (("description",),
     r"\b(?:the|this|that|given|provided|above|original|short|brief|audio|genre|textual)\s+descriptions?\s+"
     r"(?:says?|mentions?|states?|suggests?|indicates?|notes?|reads?|provided|given|above|lists?|includes?|"
     r"contains?|does(?:n't|\s+not)|do(?:n't|\s+not)|of\s+the\s+(?:audio|music|song|track|clip|piece))\b"),
    # "the given tags", "the above description", "the tags provided"
    (("given", "provided", "above", "listed", "supplied", "accompanying", "following", "mentioned"),
     r"\b(?:given|provided|above|listed|supplied|accompanying|following|mentioned|aforementioned|above-mentioned)\s+"
     r"(?:tags?|captions?|descriptions?|descriptors?|keywords?|labels?|metadata|list|information|text|words|terms|"
     r"attributes|details|specifics|context|data|input)\b|"
     r"\b(?:tags?|captions?|descriptions?|descriptors?|keywords?|labels?|metadata|list|information|text|"
     r"attributes|details|specifics|context)\s+(?:provided|given|above|listed|supplied|you\s+(?:provided|gave|listed))"
     r"\b(?!\s+by\b)"),
    # "is described as", "are listed as", "labelled as": the audio does not describe itself
    (("described", "listed", "label", "categori", "mentioned", "annotated", "tagged"),
     r"(?:\b(?:is|are|was|were|been|being)|['’]s)\s+(?:\w+ly\s+)?(?:described|listed|labell?ed|"
     r"categori[sz]ed(?:\s+under)?|mentioned|annotated|tagged)\s+(?:in\s+detail\s+)?(?:as|by|in\s+the)\b"),
    (("tags", "caption", "metadata", "keywords", "written description"),
     r"\b\w+['’]s\s+(?:tags|caption|metadata|keywords)\b|\bwritten\s+description\b"),
    (("keyword", "label", "descriptor", "description"),
     r"\b(?:the|these|those)\s+(?:keywords?|labels?|descriptors?|descriptions?)\s+(?:suggests?|indicates?|"
     r"impl(?:y|ies)|mentions?|says?|points?|describes?|lists?|includes?|shows?)\b"),
    (("described", "listed", "mentioned", "specified", "stated", "written", "indicated", "noted", "label"),
     r"\b(?:described|listed|mentioned|specified|stated|written|indicated|noted|labell?ed)\s+(?:in|by|on)\s+"
     r"(?:the|this|these)\s+(?:\w+\s+)?(?:tags?|captions?|descriptions?|text|list|metadata|labels?|keywords?|"
     r"prompt|information)\b"),
    (("described",),
     r"\b(?:audio|music|song|track|piece|clip|sound|it)\s+(?:being\s+)?described\s+(?:here\s+)?as\b"),
    # "the instruments listed include", "as listed,"
    (("listed", "mentioned", "given", "provided", "specified", "named"),
     r"\b(?:instruments|genres|moods|elements|styles|words|items|terms|attributes|adjectives|characteristics)\s+"
     r"(?:listed|mentioned|given|provided|specified|named)\b(?!\s+(?:by\s+the\s+(?:singer|lyrics)))|"
     # the same read-back with the participle first: "the listed instruments", "the mentioned genres"
     r"\b(?:the|these|those)\s+(?:listed|mentioned|specified|named)\s+(?:instruments|genres|moods|elements|styles|"
     r"words|items|terms|attributes|adjectives|characteristics)\b"),
    (("listed", "stated", "specified", "indicated", "tagged", "label", "given", "provided", "described",
      "mentioned", "noted"),
     r"(?:^|[.;,]\s*)as\s+(?:listed|stated|specified|indicated|tagged|labell?ed|given|provided|described|"
     r"mentioned|noted)\s*(?:above|before|earlier|here)?\s*[,.;:]|"
     r"\bas\s+(?:stated|listed|written|specified|indicated|noted|described|mentioned)\s+(?:above|in|earlier|"
     r"before|previously)\b"),
    # "from what's written"
    (("written", "listed", "described", "given", "provided", "stated", "mentioned"),
     r"\b(?:from\s+)?what(?:'s|\s+is|\s+was)\s+(?:written|listed|described|given|provided|stated|mentioned)\b"),
    (("metadata", "keyword", "annotat", "aspect", "descriptors", "source text", "text description",
      "textual description"),
     r"\b(?:metadata|keywords?|annotat(?:ed|ion|ions|or|ors)|aspect\s+list|descriptors|source\s+text|"
     r"text\s+description|textual\s+description)\b"),
    (("tags", "keyword", "label", "descriptor", "word", "term", "adjective", "attribute"),
     r"\b(?:list|combination|set|series|collection|mix|string)\s+of\s+(?:tags|keywords|labels|descriptors|"
     r"descriptive\s+words|words|terms|adjectives|attributes)\b"),
    # a tag word discussed as a word: 'the word "dance" suggests', 'the term "downtempo"'
    (("term", "keyword", "label", "descriptor", "adjective", "tag"),
     r"\bthe\s+(?:term|terms|keyword|label|descriptor|adjective|tag)\s+[\"'“‘]"),
    (("word",),
     r"\bthe\s+words?\s+[\"'“‘]?[\w-]+[\"'”’]?\s*,?\s+(?:suggests?|indicates?|implies|imply|tells?|describes?|"
     r"refers?|means?|is\s+used|hints?|points?|evokes?|conveys?)\b|\b(?:includes|contains|mentions)\s+the\s+words?\b"),
]
# Hearsay and other names for the source: "I'm told", "going off what I was given", "the write-up calls it",
# "per the accompanying notes", "it's marked as fast", "filed under classical", "the words attached to it".
_PATTERNS += [
    (("told", "given", "shown", "sent", "handed", "provided", "supplied", "receive", "got", "have", "had"),
     r"\b(?:i['’]m|i\s+am|i\s+was|i['’]ve\s+been|we['’]re|we\s+were|i\s+have\s+been)\s+told\b|"
     r"\b(?:they|someone|somebody)\s+told\s+(?:me|us)\b|"
     r"\bwhat\s+(?:i|we)(?:\s+was|\s+were|\s+have\s+been|['’]ve\s+been)?\s+(?:told|given|shown|sent|handed|"
     r"provided|supplied)\b|"
     r"\b(?:details|info|information|notes?|data|material|text|description)\s+(?:i|we)\s+(?:was\s+|were\s+|"
     r"have\s+been\s+|['’]ve\s+been\s+)?(?:given|told|shown|sent|handed|provided|supplied|have|had|got|received?)\b"),
    (("blurb", "write", "note", "listing", "record", "card", "sheet", "synopsis", "entry", "summary"),
     r"\b(?:the|this|my|its|our|their|a)\s+(?:blurb|write-?up|notes?|listing|card|sheet|liner\s+notes|synopsis|"
     r"entry|summary|record)\s+(?:[\w'’]+\s+){0,3}?(?:says?|said|calls?|called|mentions?|lists?|describes?|states?|"
     r"claims?|reads?|gives?|puts?)\b"),
    (("per ", "enumerated", "source material", "characteri", "accompanying", "supplied", "provided", "given"),
     r"\bper\s+(?:the\s+)?(?:accompanying\s+|supplied\s+|provided\s+|given\s+)?(?:notes?|annotations?|tags?|"
     r"metadata|labels?|description|caption|record|listing|blurb|write-?up|summary|info|information)\b|"
     r"\bas\s+enumerated\b|\bsource\s+material\b|"
     r"\b(?:provided|supplied|given|accompanying)\s+(?:characteri[sz]ation|summary|notes?|write-?up|blurb|material|"
     r"record|listing)\b"),
    (("marked", "filed", "given as", "stated", "noted", "characteri", "classed", "attached", "written for",
      "assigned"),
     r"\b(?:is|are|was|were|been|being|it['’]s|they['’]re)\s+(?:\w+ly\s+)?(?:marked|filed|given|stated|noted|"
     r"characteri[sz]ed|classed)\s+(?:down\s+)?(?:as|under|to\s+be)\b|\bfiled\s+under\b|\bmarked\s+(?:as\s+)?(?:no|fast|slow)\b|"
     r"\b(?:noted|listed|named|mentioned|given|written|attached|assigned)\s+(?:for|to)\s+(?:this|the|it)\b"),
]
_LEAK = [(gate, re.compile(pattern, re.IGNORECASE)) for gate, pattern in _PATTERNS]

# Questions about the source itself: "Which moods were listed?", "Instruments named?", "How was the tempo
# described?", "What does the description say about the tempo?"
_SOURCE_QUESTION = re.compile(
    r"^\W*(?:which|what)\s+(?:[\w-]+\s+){0,3}?(?:were|was|are|is|have\s+been|has\s+been)\s+(?:\w+ly\s+)?"
    r"(?:listed|named|mentioned|tagged|noted|specified|attached|written|assigned|credited|catalogu?ed|filed|"
    r"used\s+to\s+describe|given\s+(?:for|to))\b|"
    # "What mood was it given?", "Which genre has this track been assigned?": someone else chose the word
    r"^\W*(?:which|what)\s+(?:[\w-]+\s+){0,2}?(?:was|were|is|are|has|have)\s+(?:it|this|they|the\s+[\w-]+|"
    r"this\s+[\w-]+)\s+(?:been\s+)?(?:given|assigned|labell?ed|tagged|filed|credited|catalogu?ed|listed|billed)"
    r"\s*(?:as|under|with)?\s*\?|"
    r"^\W*(?:which\s+|what\s+)?[\w-]+\s+(?:listed|named|mentioned|tagged|noted|specified)\s*\?|"
    # "Which moods were associated with this track?": the labels someone attached
    r"^\W*(?:which|what)\s+(?:moods?|genres?|tags?|themes?|keywords?|labels?)\s+(?:were|are|was|is)\s+"
    r"(?:associated|linked|attached|assigned)\b|"
    r"^\W*(?:[\w-]+\s+)?per\s+(?:the\s+)?(?:metadata|tags|annotation|description|caption|labels?)\b|"
    r"\bhow\s+(?:was|were|is|are|has|have)\s+(?:[\w'’-]+\s+){1,4}?(?:been\s+)?(?:described|characteri[sz]ed|"
    r"categori[sz]ed|labell?ed|classified|tagged|listed)\s*\?|"
    r"\bwhat\s+(?:does|do|did)\s+the\s+(?:description|caption|tags?|metadata|text|notes?|annotation|summary)\b|"
    r"\bwhat\s+says\s+the\b|\b(?:is|are|was)\s+written\s+for\s+(?:this|the)\b",
    re.IGNORECASE)

# Setup talk: the prompt, the dataset names, the JSON the model was asked for.
# Setup talk: the dataset names, the prompt, chat filler addressed to the user. Gated like _PATTERNS.
_SETUP = [(gate, re.compile(pattern, re.IGNORECASE)) for gate, pattern in [
    (("musiccaps", "magna", "audioset", "jamendo", "llama"),
     r"\b(?:musiccaps|magnatagatune|magna\s*tag\s*a\s*tune|audioset|mtg[- ]jamendo|jamendo|mu-?llama)\b"),
    (("prompt", "instruction", "system", "json", "dataset", "input", "given text"),
     r"\b(?:the|this|your|my)\s+(?:prompt|instructions?|system\s+message|json|dataset|input\s+text|given\s+text)\b"),
    (("here", "below"),
     r"\b(?:here\s+(?:are|is)|below\s+(?:are|is))\s+(?:\w+\s+){0,3}(?:questions?|answers?|pairs?|q&as?)\b"),
    (("question", "answer"),
     r"\b(?:question|answer)\s*\d+\s*[:.)]|\b(?:previous|above|following|next|last)\s+questions?\b"),
    (("earlier", "above", "before", "previously", "as i", "as we", "you provided", "you gave", "we provided",
      "we gave", "asked me"),
     r"\b(?:i|we)\s+(?:have\s+)?(?:described|mentioned|said|listed|noted)\s+(?:earlier|above|before|previously)\b|"
     r"\bas\s+(?:i|we)\s+(?:mentioned|said|described|noted)\b|\b(?:you|we)\s+(?:provided|gave|asked\s+me)\b"),
    # the chat's other party; an assistant's pleasantries ("Great question!", "I hope this helps!") are a
    # register, not a leak: they say nothing of the source or the setup (round 6, issue 24)
    (("the user",), r"\bthe\s+user\b"),
    (("q1", "q2", "q3", "q4", "q5", "a1", "a2", "a3", "a4", "a5"),
     r"\b[qa]\d+\s*[:.)]"),
]]

@functools.cache
def _dataset_names() -> list[tuple[tuple[str, ...], re.Pattern[str]]]:
    """Every registered dataset's name (``sources.dataset_names``), spaced or hyphenated: a new source is covered."""
    from musicqa.sources import dataset_names

    words = [w for w in (re.findall(r"[a-z0-9]+", n.lower()) for n in dataset_names()) if w]
    return [((w[0],), re.compile(r"\b" + r"[\s_-]*".join(w) + r"\b", re.IGNORECASE)) for w in words]


def _matches(table: list[tuple[tuple[str, ...], re.Pattern[str]]], text: str) -> bool:
    lower = text.lower()
    return any(any(g in lower for g in gate) and rx.search(text) for gate, rx in table)


# A labelling form's field asks the annotator to tag the clip ("Mood tags" - "sad, calm"), not what it was tagged
_TAG_FIELD = re.compile(r"^\W*(?:mood|genre|style|instrument|theme|vibe)s?\s+tags?\W*$", re.IGNORECASE)


def leak(pair: QAPair, clip: Clip) -> Verdict:
    """Drop pairs whose question or answer is about the caption/tags or the generation setup.

    Checks both sides: a question "What genre is the audio tagged as?" leaks even when its answer doesn't.
    """
    question_leaks = _matches(_LEAK, pair.question) and not _TAG_FIELD.match(pair.question)
    if (_matches(_LEAK, pair.answer) or question_leaks or _SOURCE_QUESTION.search(pair.question)
            or cites_source(pair.answer) or cites_source(pair.question) or cites_provenance(pair.answer)
            or cites_provenance(pair.question) or recites_tags(pair.answer, clip.text)
            or names_a_tag(pair.answer, clip.text) or names_a_tag(pair.question, clip.text)):
        return Verdict(False, LEAK_SOURCE_REFERENCE)
    if talks_of_measurement(pair.answer) or talks_of_measurement(pair.question):
        return Verdict(False, LEAK_MEASUREMENT)
    if asks_in_general(pair.question):
        return Verdict(False, LEAK_TAG_QUESTION)
    if lectures_on_a_genre(pair.answer) or explains_a_term(pair.question, pair.answer):
        return Verdict(False, LEAK_GENERAL_KNOWLEDGE)
    if any(_matches(table, text) for table in (_SETUP, _dataset_names()) for text in (pair.answer, pair.question)):
        return Verdict(False, LEAK_GENERATION_SETUP)
    return KEEP
