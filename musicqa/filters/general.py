"""Questions and answers about music in general rather than about this clip.

A generator asked about a clip's tags drifts into the tags themselves ('What genre is "dance, electronic, pop"?'),
into definitions ("What is trip hop?", "Can you explain what compound meter means?"), into a genre's traits ("What
genre is characterized by breakbeat rhythms?") and into its history ("Reggae originated in Jamaica in the late
1960s"). Knowledge answers them, not listening, so a model trained on them learns to lecture. Anything that points at
the clip ("this track", "here", "you hear") makes the question about it after all. :func:`asks_in_general` and
:func:`lectures_on_a_genre` are used by the leak filter (``leak_tag_question``, ``leak_general_knowledge``).
"""

from __future__ import annotations

import re

from musicqa.filters.lexicon import words as known_words
from musicqa.filters.vocab import is_term

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
    # "What is the purpose of a pipe organ?": an instrument's kind, not this one
    r"what\s+(?:is|are)\s+the\s+(?:purpose|function|job)\s+of\s+an?\s+[\w-]+(?:\s+[\w-]+)?\s*\??\s*$|"
    r"define\b|(?:how\s+(?:would|do|can)\s+you\s+)define\b|"
    r"what\s+are\s+(?:the\s+)?(?:main\s+|key\s+|typical\s+)?(?:characteristics|features|elements|traits|hallmarks)\s+"
    r"of\s+(?:\w+\s+){1,3}(?:music|genre|songs?|style)\b|"
    r"(?:\w+\s+){0,8}(?:typical(?:ly)?|commonly|usually|generally|traditionally|in\s+general|often|frequently)\b|"
    # "Can you explain what compound meter means in music theory?"
    r"(?:\w+\s+){0,6}what\s+(?:\w+\s+){1,3}(?:means?|refers?\s+to|stands?\s+for)\b|"
    r"(?:\w+\s+){0,10}in\s+music\s+theory\b|"
    r"how\s+(?:has|did|have)\s+(?:the\s+)?(?:[\w-]+\s+){0,4}(?:evolved?|changed|developed|originated?|emerged?)\b|"
    # "Bossa origin?", "What is postrock known for?", "the connection between punk rock and reggae"
    r"[\w&-]+(?:\s+[\w&-]+)?\s+(?:origins?|history|roots)\s*\??\s*$|"
    r"(?:\w+\s+){0,4}(?:significance|role|impact|influence|place)\s+of\s+(?:\w+\s+){1,3}(?:in|on)\s+"
    r"(?:modern\s+|popular\s+|today['’]s\s+|western\s+)?(?:culture|society|history|life)\b|"
    r"what\s+(?:is|are)\s+[\w&-]+(?:\s+[\w&-]+){0,2}\s+(?:known|famous|noted)\s+for\b|"
    r"(?:\w+\s+){0,4}(?:connection|relationship|link|similarit(?:y|ies))\s+between\s+"
    r"(?!the\b|these\b|this\b|its\b|those\b|two\b)[\w&-]+|"
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
    r"\b(?:you\s+hear|is\s+heard|can\s+be\s+heard|here|it)\b|(?<!\bfor\s)\bits\b|"
    # where, when or for whom "this kind of music" is played asks of the clip's use; "What instruments are commonly
    # used in this type of music?" and "this genre of music" ask of the genre
    r"^\W*(?:where|when|who)\b[^?]*\bthis\s+(?:kind|type|sort|style)\s+of\s+(?:music|song|track|tune|sound)\b",
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
    lower = question.lower()
    kinds = ("this genre of music", "genre of music that", "music genre that", "genre that ")
    return any(p in lower for p in kinds) or bool(_DEFINED_KIND.search(question))


# "a subgenre of darkwave that incorporates...", "a type of electronic music that uses synthesizers": a kind defined
_DEFINED_KIND = re.compile(r"\b(?:sub)?genre\s+of\s+[\w&-]+\s+that\b|\b(?:type|kind|style|form)\s+of\s+(?:[\w&-]+\s+)?"
                           r"music\s+that\b", re.IGNORECASE)


_WHAT_IS = re.compile(r"^\s*what\s+(?:is|are)\s+(?:an?\s+)?[\"'“‘]?([\w&' -]{2,30}?)[\"'”’]?\s*\??\s*$", re.IGNORECASE)


def _asks_what_a_term_is(question: str) -> bool:
    """'What is trip hop?', 'What is a sitar?', 'What is lo-fi hip hop?': a vocabulary word (or a kind of one)
    asked about in general, not this clip."""
    m = _WHAT_IS.match(question)
    if not m or re.match(r"(?:the|this|that|its|it|their|his|her)\b", m.group(1).strip(), re.IGNORECASE):
        return False
    words = m.group(1).split()
    if is_term(m.group(1)):
        return True
    # "lo-fi hip hop" is a kind of hip hop; "accompanying the erhu" is a question about the clip
    plain = not any(w.lower() in ("the", "a", "an", "this", "that", "its") or w.lower().endswith("ing") for w in words)
    return plain and (is_term(" ".join(words[-2:])) or is_term(words[-1]))


# "What is the name of the bossanova song that became a hit in the 1960s?": another song, asked about
_ANOTHER_SONG = re.compile(r"\bthe\s+(?:[\w-]+\s+){0,2}(?:song|track|album|record|tune)\s+that\s+(?:became|was\s+a|"
                           r"topped|reached|made|won)\b", re.IGNORECASE)
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
    r"became\s+popular|came\s+out\s+of|"
    r"rose\s+to\s+prominence|was\s+pioneered)\s+"
    r"(?:\w+\s+){0,2}?(?:in|from|out\s+of|during|by|back\s+to)\b|\b(?:going|goes|dates?)\s+back\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?]+")
# "The electronic genre in this audio refers to music that uses electronic instruments": a definition
_DEFINES = re.compile(r"\brefers?\s+to\s+(?:a\s+)?(?:music|songs|(?:a\s+)?(?:style|genre|type|form)\s+of\s+music)\s+"
                      r"(?:that|which)\b|\bis\s+defined\s+as\s+(?:a\s+)?(?:music|genre|style)\b", re.IGNORECASE)
_POINTS_AT_CLIP = re.compile(r"\b(?:this|here|it|it['’]s|its|you\s+hear|we\s+hear|the\s+(?:song|track|clip|piece|"
                             r"recording|singer|band|drums|guitar|melody|riff|intro|groove|audio|composition|"
                             r"performance))\b", re.IGNORECASE)


# "Tell me about the history of the sitar.", "What's the history of breakbeat as a genre?"
_HISTORY_OF = re.compile(r"\b(?:history|origins?|evolution|roots)\s+of\s+(?!(?:the\s+)?(?:this|these|it|music|audio|"
                         r"song|track|piece|clip|recording|tune|melody|sound)\b)(?:the\s+|a\s+)?[\w&-]+", re.IGNORECASE)
# "what is a raga", "What is an ostinato?": a definition asked for
_WHAT_IS_A = re.compile(r"(?:^|:)\s*what(?:['’]s|\s+is)\s+an?\s+[\w&-]+(?:\s+[\w&-]+){0,2}\s*(?:,\s*anyway\s*)?\??\s*$",
                        re.IGNORECASE)
# a labeller's "space music = ?": a kind of music to define ("bpm = ?" asks the clip's tempo)
_TERM_EQUALS = re.compile(r"^\W*([\w&-]+(?:\s+[\w&-]+){0,2})\s*=\s*\?+\s*$", re.IGNORECASE)


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
        if any(token[:i] in known and token[i:] in known for i in range(3, len(token) - 2)):
            return True
        # a word the lexicon lacks is a tag only when the question asks of no clip: "What does 'arpeggiated'
        # mean for what the piano is doing here?" asks about this clip's piano
        if token not in known and not _THIS_CLIP.search(question):
            return True
    return False


# 'What genre of music is Celtic Electronic Ethnicrock Worldfusion?': a tag string, word after word, asked about
_GENRE_OF = re.compile(r"^\W*what\s+(?:genre|type|kind|style)\s+of\s+music\s+is\s+"
                       r"([\w&-]+(?:\s+[\w&-]+){2,7})\s*\?*\s*$", re.IGNORECASE)


def _asks_about_a_tag_string(question: str) -> bool:
    m = _GENRE_OF.match(question)
    if not m:
        return False
    words = m.group(1).lower().split()
    known = known_words()
    # every word a vocabulary term or a run-together one the lexicon lacks; "used in the film" has function words
    return all(is_term(w) or (known and w not in known) for w in words) and not _THIS_CLIP.search(m.group(1))


# "The tin whistle, also known as the penny whistle, is a simple six-holed woodwind instrument that has been a staple
# of Irish traditional music since the 19th century": an instrument explained, not heard
_EXPLAINS_A_TERM = re.compile(r"\balso\s+(?:known|called)\s+as\b|\bhas\s+been\s+a\s+staple\s+of\b|"
                              r"\bis\s+(?:most\s+)?commonly\s+(?:pitched|tuned|made|built)\b", re.IGNORECASE)


def explains_a_term(question: str, answer: str) -> bool:
    """True when the answer explains an instrument or a term in general to a question that asks of no clip."""
    return bool(_EXPLAINS_A_TERM.search(answer)) and not _THIS_CLIP.search(question)


def lectures_on_a_genre(answer: str) -> bool:
    """True when a sentence tells where or when a genre or instrument came from, about no clip."""
    if _DEFINES.search(answer):
        return True
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
            or _asks_about_a_genre_in_general(question) or _quoted_tag_token(question)
            or _asks_about_a_tag_string(question)):
        return True
    expanded = _expanded(question)
    generic = (_GENERIC_QUESTION.search(expanded) or _GENERIC_QUESTION.search(expanded.split(":", 1)[-1])
               or _QUOTED_TERM.search(question))
    if generic and not _CLIP_REF.search(question):
        return True
    if _VERSUS_ITS_KIND.search(question) and not _THIS_CLIP_ONLY.search(question):
        return True
    if _ANOTHER_SONG.search(question) and not _THIS_CLIP_ONLY.search(question):
        return True
    if (m := _TERM_EQUALS.match(question)) and (m.group(1).lower().endswith((" music", " genre", " style"))
                                                 or (is_term(m.group(1)) and len(m.group(1)) > 5)):
        return True
    return bool((_HISTORY_OF.search(question) or _WHAT_IS_A.search(question)) and not _THIS_CLIP.search(question))
