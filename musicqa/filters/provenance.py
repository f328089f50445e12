"""Where a fact came from, said aloud: measurements, tag strings, a summary "above", a cataloguer.

Once prompts carry measured tempo, key and loudness (issue 23), a generator can betray the setup by
talking about the measurement instead of the music: "the key-detection output gives G major", "122 BPM /
G minor (from the supplied stats)", "per the loudness readout of -6.9 LUFS", "based on the fields I
received", "why does the tempo detector say 145?". A listener hears "about 125 BPM" or "a half-time feel
around 70 BPM", never a detector, a readout, a confidence or an integrated-loudness figure, so those are
leaks and the heard versions are not. The same goes for reciting a source's tag strings
(``instrument---trumpet``, ``mood/theme---calm``, or the clip's own comma-separated tag list), for "as
summarised above", for whoever catalogued the clip, and for questions built on the text ("From the text we
know there is a harmonica: when does it come in?", "Which of the listed categories does it fall under?").
"""

from __future__ import annotations

import re

from musicqa.filters.vocab import is_term

_MEASURE = re.compile(
    # the instrument that measured: "tempo detector", "key-detection output", "loudness readout", "the analyser"
    r"\b(?:tempo|bpm|beat|key|pitch|loudness|lufs|level|chord|onset)[\s-]*(?:detection|detector|tracker|tracking|"
    r"estimator|estimation|analy[sz]er|meter|readout|reading|algorithm|extractor|extraction|tool)s?\b(?!\s+(?:of|to)\s+the\s+(?:song|music|piece|clip|track|melody))|"
    r"\b(?:the|a|per\s+the|from\s+the|by\s+the)\s+(?:\w+\s+){0,2}?(?:readouts?|detectors?|analy[sz]ers?|"
    r"measurements?|analysis\s+(?:fields?|data|output|results?|says|gives|puts|shows|reports))\b|"
    # figures handed over: "from the supplied stats", "the fields I received", "the numbers we were given"
    r"\b(?:supplied|provided|given|attached|measured|reported|detected)\s+(?:stats|statistics|figures|numbers|values|"
    r"fields|measurements|metrics|readings|data)\b|"
    r"\b(?:fields?|values|figures|stats|statistics|numbers|measurements|metrics|readings|data)\s+(?:that\s+)?"
    r"(?:i|we)\s+(?:received|was\s+given|were\s+given|got|have\s+been\s+given|was\s+handed|were\s+handed)\b|"
    r"\b(?:measured|detected)\s+(?:tempo|key|bpm|loudness|mode)\b|"
    r"\b(?:key|mode)[\s_-]strength\b|\btempo[\s_-]confidence\b|\bconfidence\s+(?:of|score|value|level)\s+(?:of\s+)?"
    r"(?:0?\.\d|\d)|"
    # a figure with its confidence ("80 BPM with 0.7 confidence", "with confidence 0.5"), a machine's estimate
    # that speaks or comes back ("the computer's tempo number says", "tempo estimate came back at 112")
    r"\bwith\s+(?:a\s+|an?\s+)?(?:confidence|certainty|key\s+strength)\s+(?:of\s+|score\s+of\s+)?(?:0?\.\d|\d)|"
    r"\b(?:0?\.\d+|\d{1,3}\s*%)\s+(?:confidence|certainty)\b|"
    r"\b(?:tempo|bpm|key|mode|loudness)\s+(?:estimates?|numbers?|values?|fields?|results?|outputs?)\s+"
    r"(?:says?|said|shows?|gives?|gave|reads?|reports?|puts|came\s+back|comes\s+back)\b|"
    r"\b(?:computer|software|algorithm|app)(?:['’]s)?\s+(?:\w+\s+){0,2}?(?:says?|said|number|figure|value|"
    r"reading|estimate|guess|output)\b|"
    # values no ear gives: an integrated-loudness figure, a tempo to the decimal
    r"\bLUFS\b|\bLKFS\b|\b\d{2,3}\.\d+\s*(?:bpm|beats\s+per\s+minute)\b|"
    # a score between 0 and 1 beside the word for it ("Detector strength 0.64", "its confidence is only 0.47"), a
    # machine's estimate by name ("the tempo estimate comes out at 112"), a detector with nothing to detect in the
    # music ("the detector says")
    r"\b(?:strength|confidence|certainty|probability|salience)\s+(?:\w+\s+){0,3}?(?:0?\.\d+|\d{1,3}\s*%)|"
    r"\b(?:tempo|bpm|key|loudness)\s+estimates?\b|\b(?:the|a|its)\s+(?:\w+\s+)?(?:detector|estimator)s?\b|"
    # a labeller's shorthand: "detector: 84.7, conf 0.63", "0.38 tempo conf fits"
    r"\b(?:detector|analy[sz]er|estimator)\s*[:=]|\bconf\.?\s*[:=]?\s*0?\.\d+|\b0?\.\d+\s+(?:tempo\s+|key\s+)?conf\b|"
    # "according to the key analysis provided", "the loudness number is -6.8"
    r"\b(?:key|tempo|bpm|loudness)\s+(?:analysis|detection|data)\s+(?:provided|given|supplied|says|shows|gives)\b|"
    r"\baccording\s+to\s+the\s+(?:key|tempo|bpm|loudness)\s+(?:analysis|data|numbers?)\b|"
    r"\bloudness\s+(?:number|figure|value|reading|score)\b|"
    # "the analysis i got puts it at 104", "Tempo conf", "per analysis fields", "detector only 0.72"
    r"\bthe\s+analysis\s+(?:i|we)\s+(?:got|have|was\s+given|received)\b|\b(?:tempo|key|bpm)\s+conf(?:idence)?\b|"
    r"\bper\s+(?:the\s+)?analysis\b|\banalysis\s+fields?\b|\bdetector\s+(?:only\s+|just\s+|says\s+)?0?\.\d|"
    # "Eb maj per detector.", "128 by the tracker"
    r"\b(?:per|by|from|says\s+the|according\s+to)\s+(?:the\s+)?(?:detector|tracker|estimator|analy[sz]er|readout|"
    r"algorithm)s?\b|"
    # a labeller's shorthand for a score: "G maj (key str .68)", "tempo conf .4"
    r"\b(?:key|tempo|bpm)\s+(?:str|strength|conf)\.?\s*[:=]?\s*0?\.\d+",
    re.IGNORECASE)
_MEASURE_GATE = ("detect", "track", "estimat", "analy", "meter", "readout", "reading", "algorithm", "extract",
                 "module", "tool", "software", "plug", "measure", "supplied", "provided", "given", "attached",
                 "reported", "received", "got", "handed", "strength", "confidence", "lufs", "lkfs", "bpm", "beats per",
                 "certainty", "computer", "number", "value", "field", "result", "output", "came back", "comes back",
                 "conf", "analysis", "loudness", " str")

# MTG-Jamendo's "genre---rock", "instrument---electricguitar", "mood/theme---calm"
_TAG_FIELD = re.compile(r"\b(?:instrument|genre|mood|theme)s?\s*:\s*\w", re.IGNORECASE)
_TAG_STRING = re.compile(r"\b[a-z]+(?:/[a-z]+)?---[\w-]+|\bmood/theme\b", re.IGNORECASE)

# Tag lists come sorted ("cello, classical guitar, double bass, flute, harp, horn"); nobody describing music
# lists six or more instruments or genres in alphabetical order by chance (1 in 720). Five is left alone: the
# labellers of v13-mpt read "a fusion of electronic, hardrock, metal, pop, and progressive rock" as a description.
_LIST = re.compile(r"(?:[a-z][a-z&'’ -]*,\s*){4,}(?:and\s+|or\s+)?[a-z][a-z&'’ -]*", re.IGNORECASE)
_TAIL = re.compile(r"^(?:and|or)\s+|\s+(?:and|or)\s+.*$", re.IGNORECASE)
_VAGUE = re.compile(r"\b(?:other|others|more|etc|possibly|various|many)\b", re.IGNORECASE)


def _alphabetical_list(answer: str) -> bool:
    """Six or more distinct comma-separated items in strictly alphabetical order (a recited tag list)."""
    for m in _LIST.finditer(answer):
        items = [x.strip().lower() for x in m.group(0).split(",")]
        if items and _VAGUE.search(items[-1]):  # "..., violin, and possibly other orchestral instruments"
            items = items[:-1]
        if len(items) < 5:
            continue
        items[0] = items[0].split()[-1]  # "The instruments are cello" -> "cello"
        items = [_TAIL.sub("", x).strip() for x in items]
        if len(items) >= 6 and all(a < b for a, b in zip(items, items[1:])):
            return True
        # a long tag list with a few words in front: "hip-hop, triphop, bass, bongo, brass, cello, clarinet, ..." (eight
        # in order; MPT-7B's labellers read "choir, bass, cello, doublebass, piano, violin, and voice" as a description)
        run = best = 1
        for a, b in zip(items, items[1:]):
            run = run + 1 if a < b else 1
            best = max(best, run)
        if best >= 8:
            return True
    return False


_SLASHED = re.compile(r"\b[a-z][a-z&-]+(?:/[a-z][a-z&-]+){3,}\b", re.IGNORECASE)

_PROVENANCE = re.compile(
    r"\bas\s+(?:summari[sz]ed|described|outlined|stated|listed|given|noted|indicated)\s+(?:above|below|earlier)\b|"
    r"\bas\s+(?:mentioned|said)\s+above\b|"
    r"\b(?:whoever|someone\s+who|somebody\s+who|the\s+(?:person|people|one)\s+who)\s+(?:\w+\s+){0,2}?"
    r"(?:catalogu?ed|tagged|labell?ed|annotated|filed|logged|described|classified|categori[sz]ed|entered|"
    r"summari[sz]ed|wrote\s+(?:this|it)\s+up)\b|"
    r"\b(?:listed|given|provided|supplied|above|offered|available)\s+(?:categories|options|genres|moods|tags|"
    r"labels|terms|attributes|descriptors|keywords|choices)\b|"
    r"\b(?:from|in|per)\s+the\s+text\b(?!\s+of\b)|\bthe\s+text\s+(?:says|tells|mentions|notes|states)\b|"
    # "No drums are listed; it is piano and pad."
    r"\b(?:are|is|were|was)(?:n['’]t|\s+not)?\s+listed\b(?!\s+(?:as|among|in\s+the\s+(?:credits|liner)))|"
    # "Going by how the clip was catalogued, it's a solo performance"
    r"\bhow\s+(?:the|this|it)\s*(?:clip|track|song|piece|recording|audio|file)?\s+(?:was|is|has\s+been|got|were)\s+"
    r"(?:catalogu?ed|cataloged|tagged|labell?ed|annotated|filed|logged|classified|categori[sz]ed|entered)\b",
    re.IGNORECASE)
_PROVENANCE_GATE = ("above", "below", "earlier", "who", "listed", "given", "provided", "supplied", "offered",
                    "available", "text", "how")  # "listed" also gates "No drums are listed"
# "Given the energetic tag, the vocal is ...": one of the clip's tag words, called a tag
_NAMED_TAG = re.compile(r"\b(?:the|that|this|its|an?)\s+([\w/-]+(?:\s+[\w-]+)?)\s+tags?\b(?!\s+(?:team|along|line))",
                        re.IGNORECASE)


def talks_of_measurement(text: str) -> bool:
    """True when ``text`` talks about a measurement of the clip rather than what is heard."""
    lower = text.lower()
    return any(g in lower for g in _MEASURE_GATE) and bool(_MEASURE.search(text))


def _tags(context: str) -> list[str]:
    items = [t.strip().lower() for t in context.split(",")]
    return items if len(items) >= 3 and all(0 < len(t.split()) <= 4 for t in items) else []


def names_a_tag(text: str, context: str) -> bool:
    """True when ``text`` calls one of the clip's tags a tag ("the energetic tag", "that no vocals tag")."""
    tags = {t.split("---")[-1] for t in _tags(context)}
    return bool(tags) and any(m.group(1).lower() in tags or m.group(1).lower().split()[-1] in tags
                              for m in _NAMED_TAG.finditer(text))


def _tag_salad(answer: str) -> bool:
    """Six or more different vocabulary terms in a row, no word or comma between ("a lounge pop triphop drummachine
    sampler synthesizer song"): a tag list with its commas dropped. MPT-7B's run-together spellings alone
    ("doublebass", "bossanova") are no leak to its labellers; a string of them is."""
    for stretch in _STRETCH.split(answer):
        run: list[str] = []
        for token in stretch.lower().split():
            run = [*run, token] if is_term(token) else []
            if len(set(run)) >= 6:
                return True
    return False


_STRETCH = re.compile(r"[^\w\s&-]+")


def recites_tags(answer: str, context: str) -> bool:
    """True when the answer is a string of tags: any ``x---y`` tag, or three or more comma-separated
    items that are the clip's own tags (and nothing else but a word or two)."""
    if "---" in answer or "mood/theme" in answer.lower():
        return bool(_TAG_STRING.search(answer))
    if len(_TAG_FIELD.findall(answer)) >= 2:  # "instrument: sitar, instrument: strings, no voice"
        return True
    if _SLASHED.search(answer) or _alphabetical_list(answer) or _tag_salad(answer):
        return True
    tags = _tags(context)
    if not tags:
        return False
    if _tag_run(answer, tags) >= 5:  # "It was labelled female, vocal, pop, guitar, acoustic and soft, so ..."
        return True
    items = [t.strip(" .;:!").lower() for t in answer.split(",")]
    if len(items) < 3 or any(len(t.split()) > 3 for t in items):
        return False
    return sum(t in tags for t in items) >= max(3, len(items) - 1)


def _tag_run(answer: str, tags: list[str]) -> int:
    """The longest run of the clip's tags, one after another, in a list (its lead-in word and "and" allowed)."""
    best = run = 0
    for item in re.split(r"[,;]|\s+(?:and|or|&)\s+", answer.lower()):
        item = item.strip(" .:!")
        if item in tags or (run == 0 and any(item.endswith(" " + t) for t in tags)):
            run += 1
            best = max(best, run)
        else:
            run = 0
    return best


def cites_provenance(text: str) -> bool:
    """True for "as summarised above", "whoever catalogued this", "the listed categories", "from the text"."""
    lower = text.lower()
    return any(g in lower for g in _PROVENANCE_GATE) and bool(_PROVENANCE.search(text))
