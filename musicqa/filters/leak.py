"""The ``leak`` filter: drop pairs that talk about the source text or the generation setup, not the music.

A listener only has the audio. An answer that says "based on the tags" or "the caption mentions" teaches
a model to talk about metadata it will never see; about 6% of the original MusicQA did this. Innocent
uses of the same words ("a tag-team rap duet", "a video caption montage", "fits the description of a
lullaby") name no source, so every pattern below needs a determiner or verb that points at one.
"""

from __future__ import annotations

import functools
import re

from musicqa.filters.hearsay import cites_source
from musicqa.filters.lexicon import words as known_words
from musicqa.filters.provenance import cites_provenance, recites_tags, talks_of_measurement
from musicqa.filters.vocab import is_term
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

# Questions that quote a list of tags: 'What genre is "dance, electronic, pop, accordion"?'
_QUOTED_LIST = re.compile(r"[\"“'‘][^\"”’]*?\w+\s*,\s*\w+[^\"”’]*?,\s*\w+[^\"”’]*[\"”'’]")
_QUOTED_TERM = re.compile(r"[\"“]\s*[\w&-]+(?:\s+[\w&-]+){0,3}\s*[,.]?[\"”]|"
                          r"(?:(?<=\s)|^)['‘][\w&-]+(?:\s+[\w&-]+){0,3}[,.]?['’](?=[\s?.,!:;]|$)")
# Questions about a term or a genre in general, e.g. 'What is the term "downtempo" used to describe?',
# 'What type of music is lounge?', 'What genre of music is characterized by breakbeat rhythms?'.
_GENERIC_QUESTION = re.compile(
    r"^\s*(?:what\s+(?:is|are|does)\s+(?:the\s+)?(?:term|word|definition|meaning|origin|history|"
    r"cultural\s+significance|significance)\b|"
    r"what\s+(?:is|are)\s+(?:the\s+)?(?:definition|meaning|origins?|history)\s+of\b|"
    r"what\s+does\s+(?:the\s+)?(?:term\s+|word\s+)?[\"'“‘]?[\w&-]+(?:\s+[\w&-]+)?[\"'”’]?\s+(?:mean|refer\s+to|stand\s+for)\b|"
    r"(?:what|which)\s+(?:\w+\s+){0,2}(?:genre|style|type|kind|subgenre|sub-genre|form)s?\s+of\s+(?:\w+\s+){0,2}"
    r"(?:music|song|songs)\s+(?:is|are|was)\s+(?:\w+ly\s+)?(?:characteri[sz]ed|known|associated|defined|"
    r"described|represented|typified|identified|recogni[sz]ed|marked|famous|popular|noted)\b|"
    r"(?:what|which)\s+(?:genre|style|type|kind|subgenre|sub-genre)s?\s+of\s+(?!this\b|the\b|it\b)[\w&-]+\s+"
    r"(?:is|are)\s+(?:\w+ly\s+)?(?:characteri[sz]ed|known|associated|defined|typified|marked|famous)\b|"
    r"(?:what|which)\s+(?:\w+\s+){0,2}(?:genre|style|type|kind|subgenre|sub-genre)s?\s+of\s+(?:\w+\s+){0,2}"
    r"(?:music|songs?)\s+(?:combines?|features?|blends?|fuses?|uses?|would|originated|emerged|developed)\b|"
    r"(?:what|which)\s+(?:\w+\s+){0,3}(?:instruments?|drum\s+machines?)\s+(?:is|are|was|were)\s+"
    r"(?:commonly|often|typically|usually|traditionally|frequently)\b|"
    r"what\s+(?:type|kind|genre|style)\s+of\s+music\s+is\s+(?!this\b|that\b|it\b|the\b|played\b|heard\b)"
    r"[\"'“‘]?[\w&-]+(?:\s+[\w&-]+)?[\"'”’]?\s*\??\s*$|"
    r"what\s+is\s+(?!the\b|this\b|that\b|its\b|it's\b|their\b)[\"'“‘]?[\w&-]+(?:\s+[\w&-]+)?[\"'”’]?\s+"
    r"(?:music|genre)\s*\??\s*$|"
    r"(?:who|what)\s+are\s+(?:some\s+)?(?:popular|famous|notable|well-known|key|influential|other)\s+"
    r"(?:\w+\s+){0,3}(?:artists|musicians|bands|examples|songs|albums|composers)\b|"
    r"what\s+(?:is|are|was)\s+the\s+(?:\w+\s+)?(?:history|origins?|historical\s+context|differences?)\b|"
    r"what\s+(?:is|are|was)\s+the\s+(?:\w+\s+)?(?:role|importance|significance|use)\s+of\s+(?:\w+\s+){1,4}in\s+"
    r"(?:\w+\s+){0,3}(?:music|genres?|songs)\b|"
    r"what\s+makes\s+(?:\w+\s+){1,2}music\b|"
    r"define\b|(?:how\s+(?:would|do|can)\s+you\s+)define\b|"
    r"what\s+are\s+(?:the\s+)?(?:main\s+|key\s+|typical\s+)?(?:characteristics|features|elements|traits|hallmarks)\s+"
    r"of\s+(?:\w+\s+){1,3}(?:music|genre|songs?|style)\b|"
    r"(?:\w+\s+){0,8}(?:typical(?:ly)?|commonly|usually|generally|traditionally|in\s+general|often|frequently)\b|"
    # "Can you explain what compound meter means in music theory?"
    r"(?:\w+\s+){0,6}what\s+(?:\w+\s+){1,3}(?:means?|refers?\s+to|stands?\s+for)\b|"
    r"(?:\w+\s+){0,10}in\s+music\s+theory\b|"
    r"how\s+(?:has|did|have)\s+(?:the\s+)?(?:[\w-]+\s+){0,4}(?:evolved?|changed|developed|originated?|emerged?)\b|"
    r"how\s+(?:can|does|do)\s+(?!this\b|the\s+(?:audio|song|track|music|piece)\b)(?:\w+\s+){1,3}music\s+"
    r"(?:be\s+used|help|affect|influence|enhance)\b)",
    re.IGNORECASE,
)
# 'Why is the music considered "meditative"?': a tag, in quotes, questioned as a label.
_QUOTED_LABEL = re.compile(
    r"\b(?:considered|called|labell?ed|classified|described|characteri[sz]ed|categori[sz]ed|referred\s+to|"
    r"regarded|deemed|known)\s+(?:as\s+)?[\"'“‘][\w &-]{1,30}[\"'”’]", re.IGNORECASE)
# Anything that points at this clip means the question is about it after all.
_CLIP_REF = re.compile(
    # "that" only right before its noun: "a program that generates music" points at no clip
    r"\bthat\s+(?:audio|song|track|clip|piece|recording|music|tune|excerpt)\b|"
    r"\b(?:this|the|these)\s+(?:\w+\s+)?(?:audio|song|track|clip|piece|recording|music|tune|excerpt|"
    r"composition|performance|sample|soundtrack|melody|instrumental|singer|vocalist|band|artist)\b|"
    # "known for its use of drum machines": that "its" is the genre's
    r"\b(?:you\s+hear|is\s+heard|can\s+be\s+heard|here|it)\b|(?<!\bfor\s)\bits\b",
    re.IGNORECASE,
)



# "What is the mood of chillout music?", "What emotions might be evoked in a popfolk song?": a genre asked
# about in general. Only counts when the question names no clip ("this song", "is this", "here").
_GENRE_NOUN = re.compile(r"\b(?:(?:an?|of|in|between|and|does|do|is|are)\s+)?([\w&-]+(?:\s+[\w&-]+)?)\s+"
                         r"(?:music|songs|genre|genres|tracks|bands|musicians)\b|"
                         r"\b(?:an?|in\s+an?)\s+([\w&-]+(?:\s+[\w&-]+)?)\s+(?:song|track|piece|band)\b",
                         re.IGNORECASE)
_THIS_CLIP = re.compile(r"\b(?:this|these)\b(?!\s+(?:genre|style|type|kind|sort)\b)|\b(?:here|it|its)\b|\byou\s+hear\b|"
                        r"\b(?:the|that)\s+(?:\w+\s+)?(?:audio|song|track|clip|piece|recording|excerpt|singer|"
                        r"vocalist|band|performance)\b", re.IGNORECASE)


def _asks_about_a_genre_in_general(question: str) -> bool:
    if _THIS_CLIP.search(question):
        return False
    for m in _GENRE_NOUN.finditer(question):
        words = (m.group(1) or m.group(2) or "").split()
        if words and (is_term(" ".join(words)) or is_term(words[-1])):
            return True
    return "this genre of music" in question.lower() or "genre of music that" in question.lower()


@functools.cache
def _dataset_names() -> list[tuple[tuple[str, ...], re.Pattern[str]]]:
    """Every registered dataset's name (``sources.dataset_names``), spaced or hyphenated: a new source is covered."""
    from musicqa.sources import dataset_names

    words = [w for w in (re.findall(r"[a-z0-9]+", n.lower()) for n in dataset_names()) if w]
    return [((w[0],), re.compile(r"\b" + r"[\s_-]*".join(w) + r"\b", re.IGNORECASE)) for w in words]


def _matches(table: list[tuple[tuple[str, ...], re.Pattern[str]]], text: str) -> bool:
    lower = text.lower()
    return any(any(g in lower for g in gate) and rx.search(text) for gate, rx in table)


_WHAT_IS = re.compile(r"^\s*what\s+(?:is|are)\s+(?:an?\s+)?[\"'“‘]?([\w&' -]{2,30}?)[\"'”’]?\s*\??\s*$", re.IGNORECASE)


def _asks_what_a_term_is(question: str) -> bool:
    """'What is trip hop?', 'What is a sitar?': a vocabulary word asked about in general, not this clip."""
    m = _WHAT_IS.match(question)
    return bool(m) and is_term(m.group(1))


_THIS_CLIP_ONLY = re.compile(r"\b(?:this|here|you\s+hear)\b", re.IGNORECASE)
# "How is the Rhodes piano different from other electric pianos?": a comparison with its kind in general
_VERSUS_ITS_KIND = re.compile(r"\b(?:different|differs?|distinguish\w*)\s+(?:\w+\s+)?from\s+other\s+[\w-]+",
                              re.IGNORECASE)
# 'What genre of music is "easylistening" in the audio?': a tag's own run-together spelling, quoted
_QUOTED_TOKEN = re.compile(r"[\"“'‘]([a-z]{9,})[\"”'’]")
# "Reggae originated in Jamaica in the late 1960s", "Jazz: American genre born in New Orleans": a genre's
# history, told in a sentence that does not point at the clip
_HISTORY = re.compile(
    r"\b(?:originated|originates|originating|emerged|emerging|was\s+born|born|developed|developing|evolved|"
    r"evolving|arose|grew\s+out|dates\s+back|going\s+back|goes\s+back|took\s+shape|was\s+invented|was\s+created|"
    r"became\s+popular|"
    r"rose\s+to\s+prominence|was\s+pioneered)\s+"
    r"(?:\w+\s+){0,2}?(?:in|from|out\s+of|during|by|back\s+to)\b|\b(?:going|goes|dates?)\s+back\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?]+")
_POINTS_AT_CLIP = re.compile(r"\b(?:this|here|it|it['’]s|its|you\s+hear|we\s+hear|the\s+(?:song|track|clip|piece|"
                             r"recording|singer|band|drums|guitar|melody|riff|intro|groove|audio|composition|"
                             r"performance))\b", re.IGNORECASE)


# "Tell me about the history of the sitar.", "What's the history of breakbeat as a genre?"
_HISTORY_OF = re.compile(r"\b(?:history|origins?|evolution|roots)\s+of\s+(?!(?:the\s+)?(?:this|these|it|music|audio|"
                         r"song|track|piece|clip|recording|tune|melody|sound)\b)(?:the\s+|a\s+)?[\w&-]+", re.IGNORECASE)
# "what is a raga", "What is an ostinato?": a definition asked for
_WHAT_IS_A = re.compile(r"(?:^|:)\s*what(?:['’]s|\s+is)\s+an?\s+[\w&-]+(?:\s+[\w&-]+){0,2}\s*(?:,\s*anyway\s*)?\??\s*$",
                        re.IGNORECASE)


def _expanded(question: str) -> str:
    """ "What's the history" read as "What is the history"."""
    return re.sub(r"\b(what|who|where|how|which)['’]s\b", r"\1 is", question, flags=re.IGNORECASE)


def _quoted_tag_token(question: str) -> bool:
    """A quoted run-together tag: two words written as one ("easylistening", "singersongwriter"), or one no
    dictionary has."""
    known = known_words()
    if not known:
        return False
    for m in _QUOTED_TOKEN.finditer(question):
        token = m.group(1).lower()
        if token not in known or any(token[:i] in known and token[i:] in known for i in range(3, len(token) - 2)):
            return True
    return False


def lectures_on_a_genre(answer: str) -> bool:
    """True when a sentence tells where or when a genre or instrument came from, about no clip."""
    if not _HISTORY.search(answer):
        return False
    for m in _SENTENCE.finditer(answer):
        text = m.group(0)
        if _HISTORY.search(text) and not _POINTS_AT_CLIP.search(text):
            # the sentence's subject: "Jazz is a genre that emerged ...", "Reggae originated ..."
            head = re.split(r"\s+(?:originated|originates|emerged|was|is|are|were|born|developed|evolved|arose|grew|"
                            r"dates|became|rose|took)\b", text.strip(), maxsplit=1, flags=re.IGNORECASE)[0]
            head = re.sub(r"^(?:the\s+)?|[:,].*$", "", head.strip(), flags=re.IGNORECASE).strip().lower()
            if head and len(head.split()) <= 3 and (is_term(head) or is_term(head.split()[-1])):
                return True
    return False


def asks_in_general(question: str) -> bool:
    """True when the question is about a tag, a genre or a term in general rather than this clip."""
    if (_QUOTED_LIST.search(question) or _QUOTED_LABEL.search(question) or _asks_what_a_term_is(question)
            or _asks_about_a_genre_in_general(question) or _quoted_tag_token(question)):
        return True
    expanded = _expanded(question)
    generic = (_GENERIC_QUESTION.search(expanded) or _GENERIC_QUESTION.search(expanded.split(":", 1)[-1])
               or _QUOTED_TERM.search(question))
    if generic and not _CLIP_REF.search(question):
        return True
    if _VERSUS_ITS_KIND.search(question) and not _THIS_CLIP_ONLY.search(question):
        return True
    return bool((_HISTORY_OF.search(question) or _WHAT_IS_A.search(question)) and not _THIS_CLIP.search(question))


def leak(pair: QAPair, clip: Clip) -> Verdict:
    """Drop pairs whose question or answer is about the caption/tags or the generation setup.

    Checks both sides: a question "What genre is the audio tagged as?" leaks even when its answer doesn't.
    """
    if (_matches(_LEAK, pair.answer) or _matches(_LEAK, pair.question) or _SOURCE_QUESTION.search(pair.question)
            or cites_source(pair.answer) or cites_source(pair.question) or cites_provenance(pair.answer)
            or cites_provenance(pair.question) or recites_tags(pair.answer, clip.text)):
        return Verdict(False, LEAK_SOURCE_REFERENCE)
    if talks_of_measurement(pair.answer) or talks_of_measurement(pair.question):
        return Verdict(False, LEAK_MEASUREMENT)
    if asks_in_general(pair.question):
        return Verdict(False, LEAK_TAG_QUESTION)
    if lectures_on_a_genre(pair.answer):
        return Verdict(False, LEAK_GENERAL_KNOWLEDGE)
    if any(_matches(table, text) for table in (_SETUP, _dataset_names()) for text in (pair.answer, pair.question)):
        return Verdict(False, LEAK_GENERATION_SETUP)
    return KEEP
