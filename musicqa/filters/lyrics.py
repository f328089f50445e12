"""Lyric claims nobody gave: what the words say or are about, which a caption rarely tells.

What the lyrics are about ("the lyrics tell the story of...", "the words describe...") needs a source that
describes the lyrics' subject ("singing about love", "love lyrics"); the topics are not compared. "She sings
about X" and "the song is about X" count when the question asks what is sung or what the song is about (as
an aside in an answer about the fiddle they are colour, as a mood is); a hedge ("might", "probably",
"something about") or a hypothetical question ("What could the lyrics be about?") asks for an
interpretation, which is no claim. Saying the words are unclear, or that there are none, is no topic.

Words quoted as sung ("He sings 'Tu amor me levanta'", "'Get up', said twice") answering a question about the
words are invented unless the source quotes them (round 7).
"""

from __future__ import annotations

import re

# "about" an amount is no subject: "the verse is about 30 seconds", "it's about as fast as"
_NOT_AMOUNT = (r"(?!\d|a\s+(?:minute|second|bar|beat|half|third|quarter|dozen)\b|an?\s+octave|halfway|half|twice|once|"
               r"as\b|right\b|time\b|how\s+long|the\s+(?:same|length)|(?:one|two|three|four|five|six|seven|eight|nine|"
               r"ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|hundred)\b)")
# What the lyrics are about. Always a claim: the lyrics or words as subject, or a song that tells a story.
_LYRICS_TOPIC = re.compile(
    r"\b(?:lyrics?|lyrical\s+content|words|verses?|song['’]s\s+(?:story|message|narrative|theme))\s+(?:\w+\s+)?"
    r"(?:(?:are|is|seem|seems)\s+(?:all\s+)?about\s+" + _NOT_AMOUNT
    + r"|tells?(?:\s+(?:of|the\s+story|a\s+story))?|describes?|depicts?|recounts?|narrates?|talks?\s+about|"
    r"deals?\s+with|speaks?\s+(?:of|about)|revolves?\s+around|focus(?:es)?\s+on|cent(?:er|re)s?\s+on|explores?|"
    r"reflects?\s+on|paints?|celebrates?|mourns?|says?|mentions?|express(?:es)?|evokes?|touch(?:es)?\s+on|"
    r"address(?:es)?)\b|"
    r"\b(?:song|track|singer|vocalist|narrator|ballad|she|he|they)\s+(?:\w+\s+)?(?:tells?|recounts?|narrates?)\s+"
    r"(?:the|a|an|of)\s+(?:\w+\s+)?(?:story|tale)\b", re.IGNORECASE)
# A claim where the question asks what is sung: "she sings about home", "the song is about leaving"
_SINGS_ABOUT = re.compile(
    r"\b(?:sings?|singing|sang|sung|raps?|rapping|croons?|crooning|song|track|tune|ballad|it)(?:\s+is|['’]s)?\s+"
    r"(?:all\s+|mostly\s+|really\s+)?about\s+" + _NOT_AMOUNT, re.IGNORECASE)
_ASKS_LYRICS = re.compile(r"\b(?:lyrics?|lyrical|words|story|narrative|message|meaning|theme|themes|topic|subject|"
                          r"(?<!\bhow\s)about|say|saying)\b", re.IGNORECASE)
_LYRIC_HEDGE = re.compile(r"\b(?:could|would|might|may|perhaps|possibly|maybe|probably|likely|seems?|appears?|"
                          r"hard\s+to|difficult\s+to|unclear|if|whether|imagine|guess|not|n['’]t|never|no)\b",
                          re.IGNORECASE)
# "The lyrics say something about going home": too vague to be a claim
_VAGUE = re.compile(r"\s*(?:something|some\s+(?:sort|kind)|anything|nothing|whatever)\b", re.IGNORECASE)
_ASKS_INTERPRETATION = re.compile(r"\b(?:could|might|would|may|imagine|guess|interpret\w*)\b", re.IGNORECASE)
# A source that says what the lyrics are about: "singing about love", "love lyrics", "a protest song"
# (a mood is no subject: "a sad song" says nothing of the words)
_SUBJECT_WORDS = (r"love|romantic|romance|religious|spiritual|worship|political|protest|patriotic|christmas|holiday|"
                  r"birthday|inspirational|motivational|devotional|drinking|heartbreak|breakup|funny|humorous|comic|"
                  r"nonsense|war|anti-war")
_SOURCE_SUBJECT = re.compile(rf"\b(?:{_SUBJECT_WORDS})\s+(?:lyrics|songs?|ballads?|themes?)\b|"
                             r"\b(?:lyrics|words)\s+about\s+\w|\bthemes?\s+of\b", re.IGNORECASE)


# "He sings 'Tu amor me levanta'", "'Get up', said twice": words quoted as sung, which no caption gives
_ASKS_SUNG = re.compile(r"\b(?:sings?|sung|singing|lyrics?|words?|line|lines|chorus|hook|refrain|translat\w*|"
                        r"says?|chant\w*|shouts?)\b", re.IGNORECASE)
_QUOTED_WORDS = re.compile(r"(?:^|(?<=[\s(:]))[\"“'‘]([^\"“”‘’\n]{3,80}?)[\"”'’](?=[\s.,;:!?)]|$)")


def _quotes_lyrics(answer: str, question: str, context: str) -> str:
    if not _ASKS_SUNG.search(question):
        return ""
    for m in _QUOTED_WORDS.finditer(answer):
        if m.group(1).lower().strip(" .,!?") not in context.lower():
            return m.group(0)
    return ""


def invented_lyrics(answer: str, question: str, context: str) -> str:
    """The words or subject the answer gives the lyrics that the source does not ("" if none)."""
    if quoted := _quotes_lyrics(answer, question, context):
        return quoted
    if _SOURCE_SUBJECT.search(context) or _LYRICS_TOPIC.search(context) or _SINGS_ABOUT.search(context):
        return ""
    if _ASKS_INTERPRETATION.search(question):
        return ""  # "What could the lyrics be about?" asks for an interpretation
    claims = list(_LYRICS_TOPIC.finditer(answer))
    if _ASKS_LYRICS.search(question):
        claims += _SINGS_ABOUT.finditer(answer)
    for m in claims:
        start = max(answer.rfind(c, 0, m.start()) for c in ".!?;\n") + 1
        # a hedge or negation before the claim's verb, or a vague object after it
        if not _LYRIC_HEDGE.search(answer[start:m.end()]) and not _VAGUE.match(answer, m.end()):
            return m.group(0)
    return ""
