"""Specifics without support: exact figures, years, names, counts, languages and keys nobody gave the LLM.

A caption rarely states a tempo, a year or who plays, so an answer "It's exactly 128 BPM", "Max Martin
produced this one in 2014", "Exactly twelve men", "They're in German" or "in D major" is invented unless
the caption or tags, or the measured facts of the analysis stage (:class:`musicqa.records.Facts`), say so.
A model trained on such answers learns to make up credits and figures. Whether a *measured* fact agrees
with the claim is the measured-contradiction filter's business (issue 23); here a measured tempo or key
only counts as support. Comparisons ("in the style of Bill Evans", "reminiscent of 1960s soul") are a
listener's inferences and are left alone, as is any mode or tempo word without a figure ("a minor key",
"about mid-tempo").

The same holds for the music theory a caption rarely gives: metre, progression, form and key changes
(:mod:`musicqa.filters.theory`), a named raga, maqam or church mode ("Raag Bhupali", "Yaman, an evening raga",
"Dorian.") without the name in the source, and what the lyrics say or are about (:mod:`musicqa.filters.lyrics`).

A count that a source term implies is supported: "pentatonic" 5 notes, "hexatonic" or "whole-tone" 6,
"heptatonic" or "diatonic" 7, "octatonic" 8, "chromatic" 12, "twelve-bar" 12, "waltz" 3 beats.
"""

from __future__ import annotations

import re

from musicqa.filters.lexicon import words as known_words
from musicqa.filters.lyrics import invented_lyrics
from musicqa.filters.measured import (
    bare_tempo_claims,
    camelot_claims,
    key_claims,
    key_mentions,
    mode_claims,
    modes_said,
)
from musicqa.filters.theory import invented_theory
from musicqa.filters.vocab import about_counterpoint, is_term
from musicqa.records import Facts

_BPM = re.compile(r"\b(\d{2,3})(?:\.\d+)?\s*(?:bpm|beats?\s+per\s+minute|beats?\s+a\s+minute)\b", re.IGNORECASE)
# "4 minutes", "three minutes and twelve seconds": a length in figures or in words
_MINUTES = re.compile(r"\b(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)(?:\.\d+)?\s*"
                      r"(?:minutes?|mins?)\b(?!\s+(?:in|into)\b)", re.IGNORECASE)
_YEAR = re.compile(r"\b(1[6-9]\d\d|20[0-2]\d)\b(?!s\b|['’]s\b)")
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12, "a dozen": 12, "dozen": 12}
_ENSEMBLES = {"duo": 2, "duet": 2, "pair": 2, "trio": 3, "quartet": 4, "quintet": 5, "sextet": 6, "septet": 7,
              "octet": 8}
_COUNT = re.compile(
    r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+dozen|\d{1,2})\s+(?:\w+\s+)?"
    # a learner's singular counts too: "four musician", "two violin player"
    r"(?:players?|musicians?|guitarists?|singers?|vocalists?|drummers?|violinists?|pianists?|men|women|voices|people|"
    r"members?|performers?|rappers?|percussionists?|horn\s+players?|backing\s+singers?|kids|children|boys|girls|"
    r"choristers?|dancers?|soloists?|instrumentalists?|monks|nuns|priests|chanters|stems)\b", re.IGNORECASE)
# "'93", "Chopin's Op. 9", "BWV 782": a year in short, a work's catalogue number
_SHORT_YEAR = re.compile(r"(?<![\w'’])['’](\d\d)\b(?!['’]?s\b)")
_CATALOGUE = re.compile(r"\b(?:op\.?|opus|bwv|kv\.?|k\.|hob\.?|d\.)\s*\d+\b", re.IGNORECASE)
_AUDIENCE_FIGURE = re.compile(
    r"\b\d[\d,.]*\s*(?:k|m|million|thousand|billion)?\s+(?:monthly\s+|daily\s+|weekly\s+)?(?:listeners|streams|plays|"
    r"views|followers|subscribers|downloads|copies|sales|spins)\b|\b(?:charted|peaked|debuted)\s+at\s+(?:no\.?|number|#)"
    r"\s*\d+\b|\b(?:gold|platinum)\s+(?:record|certified|certification|status)\b|\bwent\s+(?:gold|platinum)\b",
    re.IGNORECASE)
_TIMESTAMP = re.compile(r"\b(\d{1,2}):([0-5]\d)\b")
_HOW_MANY = re.compile(r"\bhow\s+many\b|#\s*of\b|\bnumber\s+of\b|\bhead\s*count\b", re.IGNORECASE)
_LEADING_COUNT = re.compile(r"^\W*(?:exactly\s+|about\s+)?(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                            r"\d{1,2})\b", re.IGNORECASE)
_LANGUAGES = ("english|spanish|portuguese|french|german|italian|japanese|korean|chinese|mandarin|cantonese|hindi|"
              "arabic|russian|turkish|greek|swahili|yoruba|hebrew|latin|dutch|swedish|polish|punjabi|tamil|bengali|"
              "urdu|persian|farsi|vietnamese|thai|indonesian|tagalog|zulu|xhosa|amharic|finnish|norwegian|danish|"
              "czech|hungarian|romanian|ukrainian|catalan|basque|gaelic|welsh|irish|icelandic|malay|javanese|"
              "shona|igbo|hausa|wolof|bambara|mandinka|lingala|kikuyu|tigrinya|somali|quechua|maori|hawaiian|samoan|"
              "tibetan|nepali|sinhala|khmer|lao|burmese|mongolian|kazakh|uzbek|georgian|armenian|azerbaijani|kurdish|"
              "pashto|malayalam|telugu|kannada|marathi|gujarati|sanskrit|yiddish|ladino|romani|occitan|galician|"
              "breton|serbian|croatian|bosnian|slovenian|slovak|bulgarian|macedonian|albanian|lithuanian|latvian|"
              "estonian|maltese|afrikaans|creole|patois|bhojpuri|cebuano|fijian|inuktitut|navajo")
_LANGUAGE_CLAIM = re.compile(
    r"\b(?:in|sung\s+in|sings?\s+in|raps?\s+in|rapping\s+in|singing\s+in|spoken\s+in|language\s+is|lyrics\s+are\s+in|"
    r"lyrics\s+in|words\s+are\s+in|they['’]re\s+in|it['’]s\s+in)\s+(?:\w+\s+)?(" + _LANGUAGES + r")\b|"
    r"^\W*(" + _LANGUAGES + r")\W*$", re.IGNORECASE)
_ASKS_LANGUAGE = re.compile(r"\blang(?:uage)?s?\b", re.IGNORECASE)
# Where a sound sits in the stereo field, which no caption gives: "the melody drifts to the right speaker", "panned
# hard left", "sweeps from left to right" (round 10; "left hand" and "right hand" are a pianist's)
_STEREO = re.compile(r"\b(?:left|right)[\s-]+(?:speaker|channel|side\s+of\s+the\s+(?:mix|stereo)|ear|headphone)s?\b|"
                     r"\bpanned\b|\bpanning\b|\bhard[\s-]+(?:left|right)\b|\bfrom\s+(?:the\s+)?left\s+(?:\w+\s+)?"
                     r"(?:to|into)\s+(?:the\s+)?right\b|\bfrom\s+(?:the\s+)?right\s+(?:\w+\s+)?(?:to|into)\s+(?:the\s+)?left\b",
                     re.IGNORECASE)
# "tuned to 432 Hz", "a 7 Hz theta binaural beat", "528 Hz, the love frequency": a frequency nobody measured
_HERTZ = re.compile(r"\b\d{1,5}(?:\.\d+)?\s*(?:hz|khz|hertz)\b", re.IGNORECASE)
# licensing and delivery a supervisor would need in writing: "cleared for worldwide trailer use in perpetuity",
# "a full stem pack ... as 24-bit WAV"
_RIGHTS = re.compile(r"\b(?:pre-?cleared|cleared\s+for|in\s+perpetuity|royalty[- ]free|one[- ]stop|public\s+domain|"
                     r"stem\s+pack|(?:16|24|32)[- ]bit|master\s+and\s+sync)\b", re.IGNORECASE)
_STEREO_SOURCE = re.compile(r"\b(?:stereo|pann\w*|pans?|wide|width|mono|binaural|spatial|surround)\b|"
                            r"\b(?:left|right)\b(?![\s-]+hand)", re.IGNORECASE)
_ANY_LANGUAGE = re.compile(r"\b(" + _LANGUAGES + r")\b", re.IGNORECASE)
# A full key named in lower case in a caption ("in the key of e minor"); in answers only upper case counts
_LOWER_KEY = re.compile(r"\b(?:key\s+of|in)\s+([a-g])(\s*(?:#|♯|b(?![a-z])|♭|-?\s*sharp|-?\s*flat))?[\s-]*"
                        r"(major|minor)\b(?![\s-]*(?:keys?|tonality|mode|scale|chords?|thirds?|way|role|part)\b)")
# "who/which artist" or an attribution verb next to a capitalised name makes it a credit, not a style
_CREDIT_NOUNS = (r"(?:artist|artists|band|composer|producer|songwriter|writer|album|song|record|label|country|city|"
                 r"singer|vocalist|player|performer|orchestra|ensemble|conductor|arranger|group|film|movie|game|"
                 r"title|piece|work|track|musician|musicians|pianist|guitarist|drummer|bassist|violinist|cellist|"
                 r"saxophonist|trumpeter|clarinetist|clarinettist|flautist|organist|rapper|dj|mc)")
_ASKS_CREDIT = re.compile(r"\b(?:who(?!\s+(?:would|might|could|should|is\s+(?:it|this)\s+for)\b)|whose|"
                          r"which\s+(?:\w+\s+)?(?:artist|band|composer|producer|album|song|record|label|country|city|"
                          r"singer|player|orchestra|ensemble|film|movie|game)|what\s+(?:\w+\s+)?"
                          r"(?:artist|band|composer|producer|album|song|record|label|country|city|year|piece|work|"
                          r"film|movie|show|game|musical))\b|"
                          # "What is the name of the clarinet player?", "the song's title"
                          r"\bname\s+of\s+(?:the\s+|this\s+|that\s+)?(?:[\w-]+\s+){0,2}?" + _CREDIT_NOUNS + r"\b|"
                          r"\btitle\s+of\b|['’]s\s+title\b|"
                          # a place asked for: "Where was this recorded?"
                          r"\bwhere\s+(?:was|were|is)\s+(?:this|it|they|the\s+\w+)\s+(?:\w+\s+)?(?:recorded|made|tracked|"
                          r"captured|produced|performed)\b|"
                          # an imperative: "Name the original artist", "Identify the composer", "State the band"
                          r"^\W*(?:please\s+)?(?:name|identify|state|give|tell\s+me|specify|provide|list)\s+"
                          r"(?:me\s+)?(?:the\s+|this\s+)?(?:original\s+|main\s+|lead\s+|credited\s+|likely\s+)?"
                          + _CREDIT_NOUNS + r"s?\b(?!['’])|"
                          # a labeller's field: "composer?", "Artist", "Band name"
                          r"^\W*" + _CREDIT_NOUNS + r"s?(?:\s+name)?\W*$",
                          re.IGNORECASE)
# "decade" - "80s thrash era", "Era?" - "60s soul": a decade asked for and given, which a caption rarely states
_ASKS_ERA = re.compile(r"\b(?:decade|era|year|when|period)\b", re.IGNORECASE)
_DECADE = re.compile(r"(?<![\w'’])(?:19|20)?['’]?([1-9]0)['’]?s\b", re.IGNORECASE)
# "from the early 1700s", "an 18th-century dance": a century asked for and given
_CENTURY = re.compile(r"\b1[0-8][0-9]0['’]?s\b|\b(?:1[0-9]|20|21)(?:st|nd|rd|th)[\s-]+century\b|"
                      r"\b(?:fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty-first)[\s-]+century\b",
                      re.IGNORECASE)
_CREDIT_CUE = re.compile(r"\b(?:by|wrote|written|composed|produced|performed|recorded|arranged|played|sung|from|on|"
                         r"through|via|licensed|published|cleared|"
                         r"his|her|their|album|sessions?|concerto|symphony|sonata|opus|label|released|"
                         r"(?:cover|covers|version|rendition|remake|remix|take)\s+of|covers|covering|covered|"
                         r"titled|entitled)\b",
                         re.IGNORECASE)
# "Fleetwood Mac's \"Landslide\"": a name whose quoted title follows is a credit
_TITLE_AFTER = re.compile(r"^\s+[\"“‘]")
# "the Omnisphere 'Dark Bells' preset", "Valhalla reverb on it": a product named for a sound nobody credited
_GEAR_AFTER = re.compile(r"^\s+(?:[\"“‘'][^\"”’']{1,30}[\"”’']\s+)?(?:preset|patch|plugin|plug-in|vst|sample\s+pack|"
                         r"library|soundbank|reverb|delay|compressor|emulation)s?\b", re.IGNORECASE)
_CREDITING = re.compile(r"\s*(?:wrote|composed|produced|performed|recorded|played|sang|sings|arranged|released)\b",
                        re.IGNORECASE)
_COMPARISON = re.compile(r"\b(?:like|style|reminiscent|evokes?|recalls?|similar|think|vein|echoes|nod|à\s+la|"
                         r"a\s+la|shades\s+of|influence[sd]?|inspired|sounds?|fans\s+of)\s+(?:\w+\s+){0,3}$",
                         re.IGNORECASE)
# Upper- and lower-case letters of the Latin, Greek and Cyrillic scripts ("Hüsnü Şenlendirici", "Dvořák")
_LETTERS = [chr(i) for r in ((0x41, 0x250), (0x370, 0x530), (0x1E00, 0x1F00)) for i in range(*r)]
_UP = "".join(re.escape(c) for c in _LETTERS if c.isupper())
_LOW = "".join(re.escape(c) for c in _LETTERS if c.islower())
_WORD = rf"[{_UP}][{_LOW}'’]+"
_NAME = re.compile(rf"\b{_WORD}(?:[\s-]+(?:(?:of|the|de|van|von|da|del|la|le)\s+){{0,2}}{_WORD})*")
# Capitalised words that are no credit: instruments and gear named after makers, days, the pronoun
_NOT_NAMES = frozenset("""i rhodes hammond moog wurlitzer fender gibson stratocaster telecaster marshall roland
yamaha korg steinway leslie mellotron theremin auto-tune autotune vocoder linn akai mpc casio nord prophet juno tr
monday tuesday wednesday thursday friday saturday sunday christmas god lord jesus yes no she he they we you it
this that there these those her his their its my our your the a an
allegro allegretto adagio andante andantino moderato presto prestissimo largo larghetto lento vivace grave tempo di
marcia rubato accelerando ritardando rallentando crescendo diminuendo forte fortissimo pianissimo mezzo dolce
cantabile espressivo maestoso sostenuto""".split())
_ONLY_NAME = re.compile(r"\W*(?:,?\s*(?:prob|probably|maybe|i\s+think|perhaps)\W*)?$", re.IGNORECASE)
# "Who does she remind you of?", "Which artists is it close to?": names in the answer are comparisons, not credits
_ASKS_COMPARISON = re.compile(r"\b(?:remind\w*|resembl\w*|"
                              r"sounds?\s+like|similar|compar\w*|influenc\w*|lineage|in\s+the\s+vein|"
                              r"close\s+to|evoke\w*|recall\w*|inspired|fans\s+of|if\s+you\s+like)\b", re.IGNORECASE)


# Counts a term implies: "How many pitches per octave?" - "Five" is supported by a pentatonic caption
_IMPLIED_COUNTS = ((re.compile(r"\bpentatonic\b", re.I), 5), (re.compile(r"\b(?:hexatonic|whole[- ]tone)\b", re.I), 6),
                   (re.compile(r"\b(?:heptatonic|diatonic)\b", re.I), 7), (re.compile(r"\boctatonic\b", re.I), 8),
                   (re.compile(r"\b(?:chromatic|twelve[- ]tone|dodecaphonic)\b", re.I), 12),
                   (re.compile(r"\b(?:twelve|12)[- ]bar\b", re.I), 12),
                   (re.compile(r"\b(?:waltz|triple\s+(?:meter|metre|time))", re.I), 3),
                   (re.compile(r"\bduple\s+(?:meter|metre|time)", re.I), 2))

# Named ragas, maqams and church modes: "Raag Bhupali", "Yaman, an evening raga", "the Dorian mode"
_SYSTEM = r"(?:raga|ragas|ragam|raag|raagam|ragini|maqam|maqams|maqamat|makam|makams|dastgah|thaat|thaath)"
_NAMED_AFTER = re.compile(rf"\b(?i:{_SYSTEM})\s+(?:(?i:is|was|called|named)\s+)?({_WORD}(?:\s+{_WORD})?)")
_NAMED_BEFORE = re.compile(rf"\b({_WORD})(?:\s+{_WORD})?,?\s+(?:(?:an?|the|is|this)\s+)?(?:[\w-]+\s+){{0,2}}?"
                           rf"(?i:{_SYSTEM})s?\b")
_CHURCH = r"(?:ionian|dorian|phrygian|lydian|mixolydian|aeolian|locrian)"
_CHURCH_MODE = re.compile(rf"\bin\s+(?:the\s+)?({_CHURCH})\b|\b({_CHURCH})[\s-]+(?:mode|scale)\b|^\W*({_CHURCH})\b|"
                          # a tonic and its mode: "E Dorian", "F# Mixolydian"
                          rf"(?-i:\b[A-G])(?:#|b|♯|♭|[\s-]?sharp|[\s-]?flat)?[\s-]+({_CHURCH})\b", re.IGNORECASE)
_ASKS_SYSTEM = re.compile(rf"\b{_SYSTEM}\b", re.IGNORECASE)
_ASKS_MODE = re.compile(rf"\b(?:{_SYSTEM}|modes?|scales?)\b", re.IGNORECASE)
_SCALE_WORDS = frozenset("raga raag ragam ragini maqam makam dastgah thaat pentatonic hexatonic heptatonic diatonic "
                         "chromatic octatonic major minor modal blues harmonic melodic natural morning evening night "
                         "indian hindustani carnatic classical".split())

def _invented_scale_name(answer: str, question: str, context: str) -> str:
    known = known_words()
    names = [m for m in _NAMED_AFTER.finditer(answer) if m.group(1).split()[0].lower() not in _NOT_NAMES]
    names += [m for m in _NAMED_BEFORE.finditer(answer)
              if known and m.group(1).lower() not in known and m.group(1).lower() not in _NOT_NAMES]
    names += [m for m in _CHURCH_MODE.finditer(answer) if m.group(1) or m.group(2) or _ASKS_MODE.search(question)]
    if _ASKS_SYSTEM.search(question) and (lead := re.match(rf"^\W*({_WORD})\b", answer)):
        word = lead.group(1).lower()
        if known and word not in known and word not in _NOT_NAMES and not is_term(word):
            names.append(lead)
    ctx = context.lower()
    for m in names:
        name = next(g for g in m.groups() if g)
        if name.lower() in _SCALE_WORDS or name.lower() in ctx:
            continue
        if _COMPARISON.search(answer[max(0, m.start() - 40):m.start()]):
            continue  # "reminiscent of Shankar's evening ragas"
        return name
    return ""


def _numbers_in(text: str) -> set[int]:
    lower = text.lower()
    out = {int(n) for n in re.findall(r"\b\d{1,3}\b", lower)}
    out |= {v for k, v in _NUMBERS.items() if re.search(rf"\b{k}\b", lower)}
    out |= {v for k, v in _ENSEMBLES.items() if re.search(rf"\b{k}s?\b", lower)}
    if (re.search(r"\b(?:male|man|guy|boy)\b", lower) and re.search(r"\b(?:female|woman|girl|lady)\b", lower)) or (
            re.search(r"\bduet\b", lower)):
        out.add(2)  # "a male and a female singer", "guy n girl singing together", "a duet"
    return out


def _count(word: str) -> int:
    word = re.sub(r"\s+", " ", word.lower())
    return int(word) if word.isdigit() else _NUMBERS.get(word, -1)


def _names(answer: str, question: str, context: str) -> list[str]:
    """Capitalised names the answer credits (not compares to) that the context does not contain."""
    if _ASKS_COMPARISON.search(question):
        return []
    credit_question = bool(_ASKS_CREDIT.search(question))
    known = known_words()
    ctx = context.lower()
    out = []
    for m in _NAME.finditer(answer):
        name = m.group(0)
        tokens = [re.split(r"['’]", t)[0] for t in re.split(r"[\s-]+", name) if t[:1].isupper()]
        if all(t.lower() in _NOT_NAMES for t in tokens) or name.lower() in ctx or is_term(name.lower()):
            continue
        in_ctx = {t: re.search(rf"\b{re.escape(t.lower())}\b", ctx) is not None for t in tokens if len(t) > 3}
        proper = [t for t in in_ctx if not (known and t.lower() in known)]
        if (in_ctx and all(in_ctx.values())) or any(in_ctx[t] for t in proper):
            continue  # "Evans" for a caption naming Bill Evans; "Quartet" in "String Quartet No. 8" names no one
        before, after = answer[max(0, m.start() - 25):m.start()], answer[m.end():m.end() + 20]
        if _COMPARISON.search(answer[max(0, m.start() - 40):m.start()]) and not credit_question:
            continue  # "in the style of Bill Evans" is a listener's comparison; "Which composer?" - "It sounds
            # like Satie's Gymnopedie No. 1" names the work asked for all the same (round 11)
        titled = name[-2:] in ("'s", "’s") and bool(_TITLE_AFTER.match(answer[m.end():]))
        credited = (credit_question or titled or bool(_CREDIT_CUE.search(before)) or bool(_CREDITING.match(after))
                    or bool(_GEAR_AFTER.match(answer[m.end():])))
        start_of_sentence = not answer[:m.start()].strip() or answer[:m.start()].rstrip()[-1] in ".!?:;\n\"“"
        unknown = any(known and t.lower().strip("'’") not in known for t in tokens)
        if len(tokens) == 1 and start_of_sentence and credit_question and _ONLY_NAME.match(answer[m.end():]):
            out.append(name)  # "composer?" - "Chopin": the whole answer is the credit
        elif len(tokens) == 1 and start_of_sentence:
            # a capital at the start of a sentence is usually just a capital ("Bright", "Slow")
            if credited and _CREDITING.match(after):  # "Tchaikovsky wrote it"
                out.append(name)
        elif credited and (len(tokens) >= 2 or unknown or credit_question or titled):
            out.append(name)
    return out


def invented_specific(answer: str, question: str, context: str, facts: Facts | None) -> str:
    """The first specific the answer states that neither ``context`` nor ``facts`` supports ("" if none)."""
    ctx_numbers = _numbers_in(context)
    for m in _BPM.finditer(answer):
        bpm = int(m.group(1))
        measured = facts is not None and facts.tempo_bpm is not None
        if not measured and not any(abs(bpm - n) <= 0.08 * n for n in ctx_numbers if n >= 30):
            return m.group(0)
    for m in _MINUTES.finditer(answer):
        measured = facts is not None and facts.duration_s is not None and facts.duration_s >= 60
        if not measured and _count(m.group(1)) not in ctx_numbers and "minute" in m.group(0).lower():
            return m.group(0)
    for m in _YEAR.finditer(answer):
        if m.group(1) not in context:
            return m.group(0)
    if _ASKS_ERA.search(question) and not _ASKS_COMPARISON.search(question):
        for m in _DECADE.finditer(answer):
            if not re.search(rf"(?<!\d){m.group(1)}['’]?s\b|\b(?:19|20){m.group(1)}\b", context):
                return m.group(0)
        for m in _CENTURY.finditer(answer):
            if m.group(0).lower() not in context.lower():
                return m.group(0)
    for m in (*_SHORT_YEAR.finditer(answer), *_CATALOGUE.finditer(answer)):
        if m.group(0).lower() not in context.lower():
            return m.group(0)
    if not (facts is not None and facts.tempo_bpm is not None) and not _BPM.search(answer):
        for low, _ in bare_tempo_claims(answer, question):
            if not any(abs(low - n) <= 0.08 * n for n in ctx_numbers if n >= 30):
                return f"{low:g} (a tempo)"
    # audience figures nobody measured: "pulling around 40k monthly listeners", "a million streams", "charted at No. 3"
    for m in _AUDIENCE_FIGURE.finditer(answer):
        if m.group(0).lower() not in context.lower():
            return m.group(0)
    if (stereo := _STEREO.search(answer)) and not _STEREO_SOURCE.search(context):
        return stereo.group(0)
    for m in (*_HERTZ.finditer(answer), *_RIGHTS.finditer(answer)):
        if m.group(0).lower() not in context.lower():
            return m.group(0)
    # a moment past the clip's end: "the hook lands at 0:42" in a 10-second clip
    if facts is not None and facts.duration_s:
        for m in _TIMESTAMP.finditer(answer):
            if int(m.group(1)) * 60 + int(m.group(2)) > facts.duration_s + 1:
                return m.group(0)
    # "three independent voices" in counterpoint counts lines, not people
    lines = about_counterpoint(answer)
    counts = [m.group(1) for m in _COUNT.finditer(answer) if not (lines and m.group(0).lower().endswith("voices"))]
    for word in counts:
        if _count(word) > 1 and _count(word) not in ctx_numbers:
            return word
    if _HOW_MANY.search(question) and (lead := _LEADING_COUNT.match(answer)):
        implied = {n for pattern, n in _IMPLIED_COUNTS if pattern.search(context)}
        if _count(lead.group(1)) > 1 and _count(lead.group(1)) not in ctx_numbers | implied:
            return lead.group(1)
    langs = [m.group(1) or m.group(2) for m in _LANGUAGE_CLAIM.finditer(answer)]
    if _ASKS_LANGUAGE.search(question):
        langs += [m.group(1) for m in _ANY_LANGUAGE.finditer(answer)]
    for lang in langs:
        if lang and lang.lower() not in context.lower():
            return lang
    measured_key = facts is not None and facts.key is not None
    if not measured_key and (keys := key_mentions(answer)):
        stated = {tonic for tonic, _ in key_claims(context)}
        stated |= {tonic for tonic, _ in key_claims(" ".join(
            f"{m.group(1).upper()}{m.group(2) or ''} {m.group(3)}" for m in _LOWER_KEY.finditer(context)))}
        for words, tonic, _ in keys:
            if tonic not in stated:
                return words
    if not measured_key and camelot_claims(answer, question) and not key_claims(context):
        return "a Camelot key"
    for check in (invented_theory(answer, question, context), _invented_scale_name(answer, question, context)):
        if check:
            return check
    names = _names(answer, question, context)
    if names:
        return names[0]
    return invented_lyrics(answer, question, context)


# "a minor scale" in a source, or in an answer set against one, speaks of the key too
_SCALE_MODE = re.compile(r"\b(major|minor)[\s-]+scale\b", re.IGNORECASE)
_MODE_WORD = re.compile(r"^\W*(major|minor)\W*$", re.IGNORECASE)


def _modes(text: str, question: str | None = None) -> set[str]:
    """The modes ``text`` gives the key: full keys, mode words ("a minor key"), "a minor scale"; an answer
    (``question`` given) also by "Minor." or a yes/no."""
    out = {mode for _, _, mode in key_mentions(text)} | {m.group(1).lower() for m in _SCALE_MODE.finditer(text)}
    out |= mode_claims(text, question) if question is not None else set(modes_said(text))
    if (bare := _MODE_WORD.match(text)) and question is not None:
        out.add(bare.group(1).lower())
    return out


def opposite_mode(answer: str, context: str, question: str = "") -> bool:
    """True when the caption says minor and the answer major, or the other way round ("Minor." counts)."""
    said = _modes(context)
    if len(said) != 1:
        return False
    claimed = _modes(answer, question)
    return len(claimed) == 1 and claimed != said
