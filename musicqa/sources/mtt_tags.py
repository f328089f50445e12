"""MagnaTagATune's tag vocabulary: the 188 columns in file order, and the synonym map applied to them."""

from __future__ import annotations

# The 188 tag columns of annotations_final.csv, in file order, as listed by published code that reads the
# file (two independent repositories agree). The reader does not require them: any column other than
# clip_id and mp3_path is a tag, so a re-annotated table works too.
# fmt: off
MTT_TAGS: tuple[str, ...] = (
    "no voice", "singer", "duet", "plucking", "hard rock", "world", "bongos", "harpsichord", "female singing",
    "clasical", "sitar", "chorus", "female opera", "male vocal", "vocals", "clarinet", "heavy", "silence", "beats",
    "men", "woodwind", "funky", "no strings", "chimes", "foreign", "no piano", "horns", "classical", "female",
    "no voices", "soft rock", "eerie", "spacey", "jazz", "guitar", "quiet", "no beat", "banjo", "electric", "solo",
    "violins", "folk", "female voice", "wind", "happy", "ambient", "new age", "synth", "funk", "no singing",
    "middle eastern", "trumpet", "percussion", "drum", "airy", "voice", "repetitive", "birds", "space", "strings",
    "bass", "harpsicord", "medieval", "male voice", "girl", "keyboard", "acoustic", "loud", "classic", "string",
    "drums", "electronic", "not classical", "chanting", "no violin", "not rock", "no guitar", "organ", "no vocal",
    "talking", "choral", "weird", "opera", "soprano", "fast", "acoustic guitar", "electric guitar", "male singer",
    "man singing", "classical guitar", "country", "violin", "electro", "reggae", "tribal", "dark", "male opera",
    "no vocals", "irish", "electronica", "horn", "operatic", "arabic", "lol", "low", "instrumental", "trance",
    "chant", "strange", "drone", "synthesizer", "heavy metal", "modern", "disco", "bells", "man", "deep", "fast beat",
    "industrial", "hard", "harp", "no flute", "jungle", "pop", "lute", "female vocal", "oboe", "mellow", "orchestral",
    "viola", "light", "echo", "piano", "celtic", "male vocals", "orchestra", "eastern", "old", "flutes", "punk",
    "spanish", "sad", "sax", "slow", "male", "blues", "vocal", "indian", "no singer", "scary", "india", "woman",
    "woman singing", "rock", "dance", "piano solo", "guitars", "no drums", "jazzy", "singing", "cello", "calm",
    "female vocals", "voices", "different", "techno", "clapping", "house", "monks", "flute", "not opera",
    "not english", "oriental", "beat", "upbeat", "soft", "noise", "choir", "female singer", "rap", "metal", "hip hop",
    "quick", "water", "baroque", "women", "fiddle", "english",
)
# fmt: on

# MTT's vocabulary came from an online game, so one fact is often tagged several ways. Merged here: only
# tags that state the same audible fact in other words (typos, singular/plural, noun/adjective, and the
# voice/vocal/singer/singing phrasings). Each canonical tag is itself an MTT tag, so no new words appear.
# Considered and deliberately NOT merged:
#   "female"/"woman"/"women"/"girl" and "male"/"man"/"men": bare nouns, they do not say a voice is heard
#       singing (and "women"/"men" say there are several), so they are not "female/male vocals".
#   "female opera"/"male opera", "soprano", "chorus": a style or register, or ambiguous (a song's chorus).
#   "instrumental" vs "no vocals": close, but "instrumental" also names a piece's genre/arrangement and is
#       tagged on clips with wordless voices; kept as its own tag.
#   "fiddle" vs "violin": same instrument, but "fiddle" carries the folk/celtic playing style.
#   "classic" vs "classical": "classic" also means "classic rock" and old songs.
#   "electric"/"electro"/"electronic"/"electronica", "hard"/"hard rock", "heavy"/"heavy metal"/"metal",
#       "jazz"/"jazzy", "funk"/"funky", "space"/"spacey", "quiet"/"soft"/"silence", "no beat"/"no drums",
#       "piano"/"piano solo", "beat"/"fast beat": different genres, a genre vs a flavour, or different facts.
TAG_SYNONYMS: dict[str, str] = {
    # spelling mistakes
    "clasical": "classical",
    "harpsicord": "harpsichord",
    # no voice in the music, said six ways
    "no voice": "no vocals",
    "no voices": "no vocals",
    "no vocal": "no vocals",
    "no singer": "no vocals",
    "no singing": "no vocals",
    # a voice in the music; "vocals" is a mass noun, so one voice or several
    "vocal": "vocals",
    "voice": "vocals",
    "voices": "vocals",
    "singer": "vocals",
    "singing": "vocals",
    # a woman's voice in the music
    "female vocal": "female vocals",
    "female voice": "female vocals",
    "female singer": "female vocals",
    "female singing": "female vocals",
    "woman singing": "female vocals",
    # a man's voice in the music
    "male vocal": "male vocals",
    "male voice": "male vocals",
    "male singer": "male vocals",
    "man singing": "male vocals",
    # singular/plural of one instrument or sound
    "violins": "violin",
    "guitars": "guitar",
    "flutes": "flute",
    "horns": "horn",
    "string": "strings",
    "drum": "drums",
    "beats": "beat",
    # noun/adjective or short/long form of one thing
    "synth": "synthesizer",
    "choral": "choir",
    "operatic": "opera",
    "orchestral": "orchestra",
    "chanting": "chant",
    "india": "indian",
    # plain synonyms
    "strange": "weird",
    "quick": "fast",
}


def canonical_tag(tag: str) -> str:
    """Return the tag ``TAG_SYNONYMS`` merges ``tag`` into (lower-cased, stripped), or the tag itself."""
    tag = tag.strip().lower()
    return TAG_SYNONYMS.get(tag, tag)
