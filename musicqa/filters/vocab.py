"""A small music vocabulary: surface forms -> concepts, with broader terms, implications and opposites.

The grounding filter compares what an answer claims about the music with what the caption or tags
say. Captions and tags use other words than an LLM does ("e-bass" vs "bass guitar", "no voices" vs
"instrumental"), and tags are sparse (a "rock" tag makes drums and guitar likely, not certain), so
a plain keyword overlap would reject most good answers. Each concept therefore lists its synonyms,
its broader concepts (a "violin" supports "strings"), what it makes plausible (``implies``), and
which concepts contradict it (``opposes``: "slow" vs "fast").

Everything here is data plus one compiled regular expression; ``find_mentions`` is the only entry
point and runs once per text, so a 50,000-pair audit stays fast.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache, lru_cache

# kind of concept -> whether an answer naming it without support in the source counts as ungrounded.
# Moods, tempo and loudness are inferences a listener is allowed to make; they only count when the
# source says the opposite.
SPECIFIC_KINDS = frozenset({"instrument", "vocals", "genre", "sound"})


@dataclass(frozen=True, slots=True)
class Concept:
    """One thing an answer can claim about a clip, e.g. ``violin`` (kind ``instrument``)."""

    name: str
    kind: str  # instrument | vocals | genre | sound | tempo | energy | mood
    forms: tuple[str, ...]  # lower-case surface forms; spaces match a space, a hyphen or nothing
    parents: tuple[str, ...] = ()  # broader concepts this one supports ("violin" -> "strings")
    implies: tuple[str, ...] = ()  # concepts made plausible ("rock" -> "electric guitar")
    opposes: tuple[str, ...] = ()  # concepts that contradict this one


def _c(name: str, kind: str, forms: str, parents: str = "", implies: str = "", opposes: str = "") -> Concept:
    split = lambda s: tuple(x.strip() for x in s.split("|") if x.strip())  # noqa: E731
    return Concept(name, kind, split(forms) or (name,), split(parents), split(implies), split(opposes))


_I, _V, _G, _S = "instrument", "vocals", "genre", "sound"
# fmt: off
CONCEPTS: tuple[Concept, ...] = (
    # --- instruments -------------------------------------------------------------------------------------
    _c("keys", _I, "keys|keyboard|keyboards|keyboard harmony|keyboard accompaniment|keyboardist"),
    _c("piano", _I, "piano|pianos|grand piano|upright piano|acoustic piano|pianist|pianoforte|piano melody|"
       "piano chords|piano accompaniment", parents="keys"),
    _c("electric piano", _I, "electric piano|e-piano|rhodes|wurlitzer|electronic piano", parents="piano|keys"),
    _c("organ", _I, "organ|organs|hammond|pipe organ|church organ|organist", parents="keys",
       implies="sacred|rnb|classical"),
    _c("harpsichord", _I, "harpsichord|clavichord|harpsichords", parents="keys", implies="classical"),
    _c("synth", _I, "synth|synths|synthesizer|synthesizers|synthesiser|synthesisers|synth pad|synth pads|pad|pads|"
       "synth lead|synth bass|synthesized|synthesised|synthetic sounds|synth sounds|"
       "moog", parents="keys", implies="electronic|pop"),
    _c("guitar", _I, "guitar|guitars|guitarist|guitar riff|guitar riffs|guitar solo|guitar chords|guitar strumming|"
       "strummed guitar|guitar melody|riffs|riff|strumming", parents="string instrument"),
    _c("string instrument", _I, "stringed instrument|string instrument|stringed instruments|string instruments|"
       "plucked strings|plucked instrument|plucked instruments"),
    _c("acoustic guitar", _I, "acoustic guitar|acoustic guitars|classical guitar|nylon guitar|spanish guitar|"
       "flamenco guitar|folk guitar|twelve string guitar|"
       "12 string guitar", parents="guitar", implies="folk|country|pop"),
    _c("electric guitar", _I, "electric guitar|electric guitars|e-guitar|e-guitars|distorted guitar|"
       "distorted guitars|distortion guitar|overdriven guitar|lead guitar|power chords|"
       "slide guitar|steel guitar|pedal steel|amplified guitar|guitar amplifier|"
       "fuzz guitar|shredding", parents="guitar", implies="rock|blues|pop"),
    _c("bass", _I, "bass|basses|bass guitar|bass guitars|bassline|basslines|bass line|bass lines|e-bass|"
       "electric bass|bassist|sub bass|sub-bass|808|808s|slap bass|fretless bass|bass riff"),
    _c("double bass", _I, "double bass|upright bass|contrabass|acoustic bass", parents="bass|"
       "strings", implies="jazz|classical"),
    _c("drums", _I, "drum|drums|drumming|drummer|drum kit|drumkit|drum beat|drum beats|kick|kick drum|brushes|"
       "bass drum|snare|snares|snare drum|hi hat|hi hats|hihat|hihats|hi-hats|cymbal|cymbals|"
       "tom|toms|drum fill|drum fills|drum roll|rimshot|rimshots|crash cymbal|ride cymbal|"
       "breakbeat|breakbeats|backbeat", parents="percussion"),
    _c("drum machine", _I, "drum machine|drum machines|programmed drums|programmed beat|electronic drums|"
       "digital drums|electronic drum|electronic beat|electronic beats|"
       "programmed percussion|digital drum", parents="drums|"
       "percussion", implies="electronic|hip hop|pop"),
    _c("percussion", _I, "percussion|percussions|percussive|percussionist|woodblock|cowbell|triangle|timbales|"
       "castanets|guiro|clave|claves|wooden percussion"),
    # kinds of percussion a caption names apart: "palmas (hand claps)" makes no cajon plausible
    _c("claps", _I, "claps|clapping|hand claps|handclaps|hand clap|palmas|snaps|finger snaps",
       parents="percussion"),
    _c("shaker", _I, "shaker|shakers|maracas|egg shaker|tambourine|tambourines", parents="percussion"),
    _c("hand drums", _I, "bongo|bongos|conga|congas|cajon|cajón|cajons|djembe|djembes|hand drum|hand drums",
       parents="percussion|drums"),
    _c("taiko", _I, "taiko|taikos|taiko drum|taiko drums", parents="percussion"),
    _c("tabla", _I, "tabla|tablas|dholak|dhol|mridangam", parents="percussion|drums", implies="folk"),
    _c("darbuka", _I, "darbuka|darbukas|darbouka|doumbek|dumbek|goblet drum", parents="percussion", implies="folk"),
    _c("frame drum", _I, "frame drum|frame drums|daf|bendir|riq|bodhran|bodhrán", parents="percussion",
       implies="folk"),
    _c("timpani", _I, "timpani|kettle drum|kettle drums|kettledrum", parents="percussion|"
       "drums", implies="classical|soundtrack"),
    _c("mallets", _I, "xylophone|marimba|vibraphone|vibes|glockenspiel|celesta|steel drum|steel drums|"
       "steelpan|steel pan|kalimba|mbira|gamelan", parents="percussion"),
    _c("bells", _I, "bell|bells|chime|chimes|wind chimes|tubular bells|gong|gongs|singing bowl|singing bowls",
       parents="percussion"),
    _c("strings", _I, "strings|string|string player|string players|string section|string ensemble|string quartet|"
       "string orchestra|"
       "bowed strings|string arrangement|string arrangements|pizzicato|arco|col arco|bowed instrument|"
       "bowed instruments|bowed string", parents="string instrument",
       implies="classical|soundtrack"),
    _c("violin", _I, "violin|violins|violinist|fiddle|fiddles|fiddler|viola|"
       "violas", parents="strings", implies="classical|folk|country"),
    _c("cello", _I, "cello|cellos|cellist|violoncello", parents="strings", implies="classical"),
    _c("harp", _I, "harp|harps|harpist|lyre", parents="string instrument", implies="classical"),
    _c("banjo", _I, "banjo|banjos", parents="string instrument", implies="country|folk"),
    _c("mandolin", _I, "mandolin|mandolins", parents="guitar"),
    _c("ukulele", _I, "ukulele|ukuleles|uke", parents="guitar"),
    _c("sitar", _I, "sitar|sitars|sarod|veena|tanpura|tambura", parents="string instrument", implies="folk"),
    # Instruments of other traditions are each their own: a caption naming a saz makes no oud plausible
    _c("zither", _I, "zither|zithers|dulcimer|dulcimers|hammered dulcimer|cimbalom|psaltery",
       parents="string instrument", implies="folk"),
    _c("koto", _I, "koto|kotos", parents="zither", implies="folk"),
    _c("guzheng", _I, "guzheng|guzhengs|guqin", parents="zither", implies="folk"),
    _c("qanun", _I, "qanun|qanuns|kanun|kanuns|qanoun|kanoon", parents="zither", implies="folk"),
    _c("santoor", _I, "santoor|santur|santoors|yangqin", parents="zither", implies="folk"),
    _c("oud", _I, "oud|ouds|barbat", parents="string instrument", implies="folk"),
    _c("saz", _I, "saz|sazes|bağlama|baglama", parents="string instrument", implies="folk"),
    _c("bouzouki", _I, "bouzouki|bouzoukis", parents="string instrument", implies="folk"),
    _c("balalaika", _I, "balalaika|balalaikas", parents="string instrument", implies="folk"),
    _c("kora", _I, "kora|koras", parents="string instrument", implies="folk"),
    _c("pipa", _I, "pipa|pipas", parents="string instrument", implies="folk"),
    _c("shamisen", _I, "shamisen|shamisens|sanshin", parents="string instrument", implies="folk"),
    _c("erhu", _I, "erhu|erhus|huqin", parents="string instrument", implies="folk"),
    _c("bowed fiddle", _I, "rebab|rabab|kemenche|kemençe|kamancheh|kamancha|sarangi|esraj", parents="string instrument",
       implies="folk"),
    _c("brass", _I, "brass|brass section|brass band|brass instruments|horn section|horns|horn|brass melody"),
    _c("trumpet", _I, "trumpet|trumpets|trumpeter|cornet|flugelhorn|bugle", parents="brass", implies="jazz|classical"),
    _c("trombone", _I, "trombone|trombones|trombonist", parents="brass"),
    _c("tuba", _I, "tuba|tubas|sousaphone|euphonium", parents="brass"),
    _c("french horn", _I, "french horn|french horns", parents="brass", implies="classical|soundtrack"),
    _c("woodwinds", _I, "woodwind|woodwinds|wind instrument|wind instruments|reed instrument|reeds"),
    _c("flute", _I, "flute|flutes|flutist|flautist|piccolo|pan flute|panpipes|pan pipes|recorder|recorders|"
       "tin whistle|penny whistle|bansuri|shakuhachi|"
       "ocarina", parents="woodwinds", implies="classical|folk"),
    _c("clarinet", _I, "clarinet|clarinets|clarinetist", parents="woodwinds"),
    _c("oboe", _I, "oboe|oboes|bassoon|bassoons|english horn|cor anglais|shehnai", parents="woodwinds"),
    _c("duduk", _I, "duduk|duduks", parents="woodwinds", implies="folk"),
    _c("ney", _I, "ney|neys", parents="woodwinds", implies="folk"),
    _c("zurna", _I, "zurna|zurnas|suona|shawm|shawms", parents="woodwinds", implies="folk"),
    _c("saxophone", _I, "saxophone|saxophones|sax|saxes|saxophonist|tenor sax|alto sax|baritone sax",
       parents="woodwinds", implies="jazz|rnb"),
    _c("accordion", _I, "accordion|accordions|accordionist|concertina|bandoneon|harmonium", implies="folk"),
    _c("harmonica", _I, "harmonica|harmonicas|mouth organ|blues harp"),
    _c("melodica", _I, "melodica|melodicas|pianica"),
    _c("bagpipes", _I, "bagpipe|bagpipes|uilleann pipes|pipes", parents="woodwinds", implies="folk"),
    _c("didgeridoo", _I, "didgeridoo|didgeridoos|conch|conch shell|shell trumpet", parents="woodwinds", implies="folk"),
    _c("orchestra", _I, "orchestra|orchestras|orchestral|orchestration|symphony orchestra|philharmonic|"
       "full orchestra|symphonic", implies="strings|brass|woodwinds|timpani|percussion|harp"),
    _c("turntables", _I, "turntable|turntables|scratching|scratches|record scratch|record scratches|dj|deejay|"
       "dj mixer", implies="hip hop|electronic"),
    _c("samples", _I, "sample|samples|sampler|sampled|vocal sample|vocal samples|loop|loops", implies="hip hop|"
       "electronic"),
    _c("theremin", _I, "theremin"),
    # --- vocals ------------------------------------------------------------------------------------------
    _c("vocals", _V, "vocal|vocals|voice|voices|singer|singers|singing|sings|sing|sung|vocalist|vocalists|vox|"
       "a cappella|acapella|a capella|"
       "lyrics|lyric|vocalisation|vocalization|vocalizations|vocalising|vocalizing|humming|hums|"
       "screams|screaming|screamed|growls|growling|growled|"
       "hum|crooning|croons|croon|chant|chants|chanting|chanted|falsetto|"
       "backing vocals|backup vocals|background vocals|backup singers|backing singers|"
       "vocal harmony|vocal harmonies|melodic singing|lead vocals|lead singer|duet|"
       "harmonizing|harmonising|harmonizes|harmonises|yodel|yodeling|scat|scatting|belting|belts|"
       "soprano|alto voice|tenor voice|baritone voice|mezzo|vocables|vocable|nonsense syllables|wordless vocals|"
       "wordless singing"),
    _c("male vocals", _V, "male vocal|male vocals|male voice|male voices|male singer|male singers|"
       "male vocalist|male vocalists|man singing|men singing|man sings|boy singing|"
       "male voice singing|male voices singing|male rapper|baritone|tenor|"
       "he sings|his voice|male|boy band|boy choir", parents="vocals"),
    _c("female vocals", _V, "female vocal|female vocals|female voice|female voices|female singer|"
       "female singers|female vocalist|female vocalists|woman singing|women singing|"
       "woman sings|girl singing|female voice singing|female rapper|she sings|"
       "her voice|diva|female|girl group|girls choir", parents="vocals"),
    _c("choir", _V, "choir|choirs|choral|chorale|choristers|chorus of voices|gospel choir", parents="vocals",
       implies="sacred|classical"),
    _c("rap", _V, "rap|raps|rapping|rapper|rappers|rapped|mc|emcee|spoken word|verses rapped",
       parents="vocals", implies="hip hop"),
    _c("opera voice", _V, "opera|operas|opera singer|operatic|operatic vocals|aria|bel canto", parents="vocals",
       implies="classical|orchestra|strings"),
    # --- genres ------------------------------------------------------------------------------------------
    _c("rock", _G, "rock|rock music|rock song|rock and roll|rock n roll|rock 'n' roll|hard rock|soft rock|"
       "classic rock|pop rock|alternative rock|indie rock|garage rock|progressive rock|prog rock|"
       "psychedelic rock|punk rock|punkrock|hardrock|post rock|postrock|grunge|arena rock|"
       "southern rock|surf rock|rockabilly|stoner rock|folk rock|blues rock|glam rock|math rock|"
       "shoegaze|britpop|new wave|newwave|emo|post punk|postpunk",
       implies="guitar|electric guitar|bass|drums|vocals|pop|metal|punk|blues|keys|piano|organ|synth"),
    _c("metal", _G, "metal|heavy metal|death metal|black metal|thrash metal|thrash|doom metal|nu metal|"
       "metalcore|power metal|speed metal|symphonic metal|progressive metal|djent|hardcore",
       parents="rock", implies="electric guitar|bass|drums|vocals|punk"),
    _c("punk", _G, "punk|punk rock|pop punk|ska punk|hardcore punk", parents="rock",
       implies="electric guitar|bass|drums|vocals"),
    _c("pop", _G, "pop|pop music|pop song|synth pop|synthpop|electropop|electro pop|dance pop|k-pop|kpop|j-pop|"
       "jpop|indie pop|teen pop|bubblegum|power pop|instrumentalpop|instrumental pop|europop|"
       "city pop|art pop|dream pop",
       implies="vocals|synth|drums|bass|guitar|piano|keys|drum machine|rock|electronic|rnb|hip hop|folk|percussion|"
       "strings|acoustic guitar|electric guitar"),
    _c("electronic", _G, "electronic|electronic music|electronica|edm|electro|techno|house|house music|"
       "deep house|tech house|trance|psytrance|dubstep|drum and bass|drum n bass|dnb|"
       "jungle|idm|synthwave|vaporwave|chiptune|8-bit|8 bit|big beat|breakbeat|"
       "electro house|electrohouse|club music|rave|hardstyle|dance music|eurodance|"
       "future bass|glitch|industrial|ebm|downtempo|trip hop|triphop|chillout|chill out|"
       "chillwave|lofi|lo-fi|lo fi|ambient electronic|electronic dance music|"
       "progressive trance|progressive house|garage|uk garage|grime|"
       "dance track|dance song|dance tune|dance hit|dance number|dance anthem|dance beat|electroacoustic|trap",
       implies="synth|drum machine|bass|samples|drums|keys|turntables|vocals|percussion|pop|ambient|hip hop|"
       "experimental"),
    _c("ambient", _G, "ambient|ambient music|drone music|dark ambient|soundscape|soundscapes|new age|newage|"
       "meditation music|relaxation music|space music",
       implies="synth|keys|piano|strings|bells|flute|samples|electronic|soundtrack|experimental"),
    _c("hip hop", _G, "hip hop|hiphop|hip-hop|rap music|boom bap|gangsta rap|trap music|drill|"
       "pop rap|conscious hip hop|turntablism",
       implies="rap|vocals|drums|drum machine|bass|samples|turntables|synth|keys|rnb|electronic|pop|piano"),
    _c("rnb", _G, "r&b|rnb|r and b|rhythm and blues|soul|soul music|neo soul|neo-soul|motown|funk|funky|"
       "jazz funk|jazzfunk|disco|nu disco|new jack swing|quiet storm|groove",
       implies="vocals|bass|drums|keys|piano|organ|brass|guitar|electric guitar|synth|saxophone|trumpet|"
       "percussion|strings|drum machine|jazz|pop|hip hop|blues|sacred"),
    _c("jazz", _G, "jazz|jazzy|smooth jazz|bebop|bop|swing|big band|free jazz|jazz fusion|fusion|cool jazz|"
       "acid jazz|dixieland|ragtime|latin jazz|bossa nova|lounge|lounge music|nu jazz|"
       "easy listening|easylistening|cocktail",
       implies="saxophone|trumpet|trombone|brass|double bass|bass|piano|keys|drums|guitar|clarinet|"
       "vocals|organ|electric piano|percussion|woodwinds|strings|rnb|blues|electronic|pop"),
    _c("blues", _G, "blues|bluesy|delta blues|chicago blues|blues rock|twelve bar|12 bar|12-bar",
       implies="guitar|electric guitar|acoustic guitar|harmonica|bass|drums|piano|vocals|organ|rock|jazz|rnb|"
       "country"),
    _c("country", _G, "country|country music|bluegrass|americana|honky tonk|honky-tonk|western|"
       "country and western|cowboy",
       implies="guitar|acoustic guitar|electric guitar|banjo|violin|mandolin|bass|drums|vocals|harmonica|"
       "piano|folk|rock|pop|blues"),
    _c("folk", _G, "folk|folk music|folk song|folky|traditional|traditional music|celtic|irish|scottish|"
       "singer-songwriter|singer songwriter|world music|world|ethnic|regional music|"
       "balkan|klezmer|polka|sea shanty|shanty|flamenco|fado|tango|cumbia|mariachi|"
       "salsa|samba|reggaeton|latin|latin music|afrobeat|afrobeats|african|highlife|"
       "middle eastern|arabic|bollywood|indian|carnatic|hindustani|qawwali|"
       "chinese|japanese|oriental|asian|gypsy|medieval|renaissance",
       implies="acoustic guitar|violin|flute|accordion|banjo|mandolin|percussion|drums|vocals|"
       "harp|bagpipes|sitar|tabla|zither|koto|guzheng|qanun|santoor|oud|saz|bouzouki|balalaika|kora|pipa|shamisen|"
       "erhu|bowed fiddle|duduk|ney|zurna|darbuka|frame drum|strings|choir|organ|brass|trumpet|piano|bells|"
       "clarinet|oboe|woodwinds|double bass|bass|keys|synth|drum machine|mallets|"
       "didgeridoo|ukulele|country|pop|sacred|reggae"),
    _c("sacred", _G, "hymn|hymns|worship|spiritual|religious|gospel|christian|choral music|devotional|bhajan|"
       "kirtan|sacred|church music|liturgical|chant music|gregorian|psalm|psalms",
       implies="choir|vocals|organ|piano|keys|strings|bells|percussion|tabla|accordion|flute|"
       "classical|folk|rnb"),
    _c("reggae", _G, "reggae|dub|ska|dancehall|rocksteady|roots reggae", implies="bass|drums|guitar|"
       "electric guitar|organ|keys|vocals|brass|percussion|rap|synth|drum machine|rnb|hip hop|pop|"
       "electronic"),
    _c("classical", _G, "classical|classical music|classic|baroque|romantic era|chamber music|chamber|"
       "concerto|sonata|symphony|symphonic music|opera|operatic|orchestral music|"
       "string quartet|minuet|waltz|march|marching band|military band|nocturne|etude|"
       "prelude|fugue|requiem|cantata|contemporary classical|neoclassical|neo-classical|"
       "impressionist|minimalism|avant garde|avant-garde",
       implies="piano|strings|violin|cello|orchestra|harp|harpsichord|flute|woodwinds|clarinet|oboe|brass|"
       "trumpet|french horn|timpani|organ|choir|vocals|opera voice|double bass|percussion|"
       "trombone|tuba|acoustic guitar|guitar|bells|mallets|soundtrack|sacred"),
    _c("soundtrack", _G, "soundtrack|soundtracks|film score|movie score|score|cinematic|film music|"
       "movie music|movie soundtrack|theme music|trailer music|epic music|"
       "video game music|game music|video game soundtrack|jingle",
       implies="orchestra|strings|piano|synth|brass|percussion|drums|choir|keys|woodwinds|timpani|"
       "bells|harp|samples|violin|cello|flute|french horn|guitar|classical|ambient|electronic"),
    _c("experimental", _G, "experimental|noise music|musique concrete|sound art|avant-garde electronic",
       implies="synth|samples|drums|percussion|guitar|keys|bass|strings|vocals|electronic|ambient|rock"),
    _c("childrens", _G, "children's music|childrens music|kids song|kids music|nursery rhyme|lullaby|lullabies",
       implies="vocals|piano|keys|mallets|bells|synth|acoustic guitar|ukulele|percussion|pop|folk"),
    # --- sounds and recording setting --------------------------------------------------------------------
    _c("live", _S, "live performance|live recording|recorded live|live concert|concert|audience|crowd|"
       # a street performance is a live one: "sounds like he's on the street, people talking"
       "on the street|busking|busker|buskers|street performer|street performance|street musician|"
       "applause|applauding|cheering|cheers|crowd noise|live audience|in front of an audience|"
       "stadium|arena|festival crowd|live show|whistling crowd"),
    _c("speech", _S, "speech|speaking|spoken|talking|talks|narration|narrator|dialogue|announcer|"
       "conversation|people talking|radio host|voice over|voiceover|monologue"),
    _c("nature", _S, "insects|animal|animals|dog|dogs barking|frogs|crickets|nature sounds|sounds of nature"),
    _c("wind", _S, "wind|wind blowing|breeze|gust|gusts", parents="nature"),
    _c("forest", _S, "forest|woods|woodland|jungle|rainforest", parents="nature", implies="birds|wind|nature"),
    # a field recording's sounds each its own: a caption's birds and stream give no rain or thunder (round 11)
    _c("birds", _S, "birds|bird|birdsong|birds chirping|chirping|songbirds", parents="nature"),
    _c("water", _S, "ocean|waves|sea|water|river|stream|brook|creek|waterfall|trickling water", parents="nature"),
    _c("rain", _S, "rain|raindrops|rainfall|thunder|thunderstorm|storm|rolling thunder", parents="nature"),
    _c("noise", _S, "sound effects|sound effect|sfx|gunshot|gunshots|explosion|explosions|siren|sirens|"
       "footsteps|traffic|car|cars|engine|phone ringing|doorbell|laughter|laughing|"
       "baby crying|static|radio static|vinyl crackle|crackle|crackling|"
       "fire crackling|beeping|typing|clock ticking|ticking"),
    # --- tempo, energy, mood (only ever contradicted, never "unsupported") ---------------------------------
    _c("slow", "tempo", "slow|slow tempo|slow-paced|slow paced|slow pace|slower tempo|slowly paced|"
       "downtempo|down-tempo|largo|adagio|lento|leisurely pace|unhurried|languid",
       opposes="fast"),
    _c("fast", "tempo", "fast|fast tempo|fast-paced|fast paced|fast pace|uptempo|up-tempo|up tempo|"
       "high tempo|high-tempo|quick tempo|rapid tempo|rapid|brisk|breakneck|frantic|"
       "presto|prestissimo|allegro|allegretto|vivace|vivo|hyperactive|racing tempo|quick-paced|quick paced",
       opposes="slow"),
    _c("quiet", "energy", "quiet|quietly|soft|softly|gentle|gently|calm|calming|calmly|peaceful|tranquil|"
       "serene|mellow|soothing|meditative|hushed|delicate|relaxing|relaxed|placid|subdued|"
       "low-key|laid back|laid-back|lullaby-like|sleepy|restful",
       opposes="loud"),
    _c("loud", "energy", "loud|loudly|aggressive|aggressively|energetic|high energy|high-energy|frenetic|"
       "explosive|fierce|raucous|thunderous|pounding|hard-hitting|headbanging|furious|"
       "ferocious|rowdy|blaring|booming|bombastic|violent|chaotic|manic|brutal|"
       "adrenaline|intense",
       opposes="quiet"),
    _c("sad", "mood", "sad|sadness|melancholic|melancholy|sorrowful|sorrow|mournful|somber|sombre|gloomy|"
       "depressing|depressed|tragic|heartbreaking|heartbroken|grief|grieving|despair|"
       "doleful|woeful|lament|lamenting|tearful|weeping",
       opposes="happy"),
    _c("happy", "mood", "happy|happiness|joyful|joyous|joy|cheerful|cheery|jubilant|merry|gleeful|festive|"
       "celebratory|jolly|carefree|sunny|bubbly|playful|fun|lighthearted|light-hearted",
       opposes="sad"),
)
# fmt: on

BY_NAME: dict[str, Concept] = {c.name: c for c in CONCEPTS}

# Forms that are concepts only in a given sense; the lookahead/lookbehind keeps the other senses out.
# "tenor"/"score"/"chamber"/"world" etc. are left in because their musical sense dominates in answers
# about music; these exclusions cover the non-musical senses that do occur in generated text.
_EXCLUDE_AFTER = {  # keyed by form: the senses that follow a form and are not the music concept
    "rock": r"[ -]?(?:solid|steady|the boat|bottom|star|stars)\b",
    "festival crowd": r"\s+(?:would|will|to\s+jump|jump|goes?\s+wild|loves?)\b",
    # metal's "double bass drum" is a double kick, no upright bass
    "double bass": r"[ -](?:drums?|drumming|pedals?|kicks?)\b",
    "swing": r"[ -](?:feel|rhythm|groove|eighths|8ths|feeling)\b",
    # "a raspy voice over the guitar": a preposition, not a voiceover
    "voice over": r"\s+(?:the|a|an|some|his|her|their|its|this|that|soft|gentle|lush|sparse|\w+ing|acoustic|electric|"
                  r"piano|guitars?|drums?|strings|synths?|bass|organ|keys|beats?|music|backing)\b",
    "slow": r"[ -](?:riser|risers|fade|fades|fade-in|fade-out|build|builds|build-up|buildup|start|attack|"
            r"release|burn|motion|down|sweep|sweeps|vibrato|glide|bends?|strum|strums|strummed|decay|swell|"
            r"swells|crescendo|intro|introduction|section|part|passage|bridge|outro|ending|verse|breakdown)\b",
    "fast": r"[ -](?:fade|riff|riffs|runs?|fills?|licks?|arpeggios?|passages?|notes?|picking|strumming|"
            r"rolls?|hi[ -]?hats?|sections?|part|parts|solo|solos)\b",
    "soft": r"[ -](?:rock|kick|kicks|synth|pads?|piano|hits?|snare|strings?|percussion|drums?|shakers?|"
            r"claps|vocals?|voice|singing|background|backing|hum|keys)\b",
    "house": r"[ -]?(?:party|parties|hold|holds|of)\b",
    "loop": r"[ -]?back\b",
    "score": r"[ -]?(?:of|points?)\b",
    "march": r"[ -]?\d",
    "trap": r"[ -]?(?:door|of)\b",
    "water": r"[ -]?(?:down|downs)\b",
    "stream": r"\s+(?:of|on)\b",
    "bass": r"[ -]?(?:-?heavy|frequencies|frequency|boost|response|notes?|tones?|register|end|sounds?)\b",
    "sample": r"[ -]?(?:rate|of|size)\b",
    "concert": r"[ -]?(?:hall|halls|pitch)\b",
    "chamber": r"[ -]?(?:of|reverb)\b",
    # "classic" names the genre only alone, as the tag does; "the classic I-IV-V", "classic for metal" are praise
    "classic": r"[ -]+\w",
    # "plucked, percussive notes", "a percussive attack": a quality of the playing, not a percussion instrument
    "percussive": r"(?:[ -]|,\s*[\w-]+\s+|\s+and\s+[\w-]+\s+)(?:notes?|attack|quality|qualities|feel|character|"
                  r"touch|articulation|strum\w*|playing|picking|style|technique|edge|bite|chords?|stabs?|manner|way|"
                  r"tone|accents?|plucks?|plucking|slaps?|bass|guitar|piano|keys|synths?|riffs?|strokes?|bowing)\b",
    # "a lo-fi recording" is its quality, not the genre
    "lofi": r"[ -]?(?:(?:live|studio|home|bedroom|muddy|rough|dusty)\s+)?(?:recording|recordings|recorded|quality|"
            r"production|fidelity|mix|mixing|tape)\b|"
            r"\s+(?:and|but|yet)\s+(?:warm|grainy|dusty|muffled|hissy|noisy|crackly)\b",
    "industrial": r"[ -](?:machinery|machines?|noise|clang\w*|setting|estate|area|revolution|strength)\b",
    # "pianissimo or piano", "piano to forte": a dynamic, not the instrument
    "piano": r"[ -](?:or|to|and)\s+(?:forte|fortissimo|mezzo|mezzo-forte)\b|\s*\((?:p|pp)\)",
    # "voice leading" is counterpoint
    "voice": r"[ -]?leading\b",
    "spiritual": r"[ -]?(?:experience|journey|connection|feeling|meaning|quality|atmosphere|mood|sense)\b",
    "traditional": r"[ -]?(?:song|structure|sense|instrumentation|instruments?|arrangement|touch|rock|pop|"
                   r"jazz|blues|sound|feel|elements?|melod\w+|rhythms?)\b",
    "tom": r"[ -]?(?:waits|petty)\b",
    "hardcore": r"[ -]?(?:fans?|kids?|crowds?|scene|punks?)\b",
    # a choir's basses "hold", "sing", "answer": voices, not a bass instrument
    "basses": r"\s+(?:hold|holds|sing|sings|singing|answer|answers|join|joins|enter|enters|drone|sustain)\b",
    # "the melody shares the speech range": a register
    "speech": r"[ -](?:range|register|frequencies|band|intelligibility)\b",
    "crowd": r"[ -]?(?:moving|going|pleaser|pleasing|favou?rite|dancing|on its feet)\b|"
             r"\s+(?:at\s+(?:a\s+|the\s+)?(?:festival|club|party|rave|wedding)|would|will|to\s+jump|jump)\b",
    "world": r"[ -]?(?:war|of|around|tour)\b",
    "fun": r"[ -]?(?:and)\s+(?:games)\b",
    "singing": r"\s+(?:guitar|guitars|cello|violin|tone|lead|melody|strings|saxophone|sax|bowl|bowls|saw)\b",
    # "the bass is the engine that drives the track", "the engine of the groove": a metaphor, not a motor
    "engine": r"\s+(?:that|which|of|behind|driving|drives|for|room)\b",
    # "static harmony", "static and meditative": unchanging, not radio static
    "static": r"[ -](?:harmon\w*|chords?|drones?|textures?|grooves?|patterns?|rhythms?|pulse|bass|feel|quality|"
              r"pedal|and\s+(?:meditative|hypnotic|unchanging|still|calm|trance\w*|repetitive))\b",
}
_EXCLUDE_BEFORE = {  # keyed by form: words just before a form that give it another sense
    "world": r"\b(?:the|a|this|our|another|other|fantasy|real|modern|whole|dream|new)\s+$",
    "house": r"\b(?:a|the|this|their|my|your|his|her|our|full|haunted|opera|big|glass|tree|coffee)\s+$",
    "sample": r"\b(?:a|for)\s+$",
    # "Indian classical" is a world tradition (its words name it), not Western art music
    "classical": r"\b(?:indian|hindustani|carnatic|arabic|persian|chinese|japanese|turkish|ottoman|javanese)\s+$",
    # a pad is a synth pad, not a drum pad or a launch pad; "a low string pad" is the strings' bed
    "pad": r"\b(?:drum|launch|trigger|touch|mpc|sampler|foot|brake|landing|strings?)[ -]?$",
    "pads": r"\b(?:drum|launch|trigger|touch|mpc|sampler|foot|brake|landing|strings?)[ -]?$",
    "classical music": r"\b(?:indian|hindustani|carnatic|arabic|persian|chinese|japanese|turkish|ottoman|javanese)\s+$",
    # "7ths n 9ths vibes", "chill vibes": a mood, not a vibraphone ("the vibes", "on vibes" are the instrument)
    "vibes": r"\b(?!the\b|on\b|a\b|and\b)\w+\s+$",
    # a film's dialogue the cue must not mask is not in the clip: "it'll mask speech", "under a conversation"
    "speech": r"\b(?:mask|masks|masking|with|over|under|against|fight|fights|clash\w*|compet\w*|duck\w*|around|"
              r"behind|beneath|below|for)\s+(?:the\s+|any\s+|a\s+)?(?:[\w-]+\s+)?$",
    "dialogue": r"\b(?:mask|masks|masking|with|over|under|against|fight|fights|clash\w*|compet\w*|duck\w*|around|"
                r"behind|beneath|below|for)\s+(?:the\s+|any\s+|a\s+)?(?:[\w-]+\s+)?$",
    "conversation": r"\b(?:mask|masks|masking|with|over|under|against|fight|fights|clash\w*|compet\w*|duck\w*|"
                    r"around|behind|beneath|below|for)\s+(?:the\s+|any\s+|a\s+)?(?:[\w-]+\s+)?$",
    "sing": r"\b(?:to|along|you|listeners|people|can|want to|and|cello|violin|guitar|piano|sax|saxophone|trumpet|"
            r"flute|strings|melody|synth|instruments?)\s+$",
    "crowd": r"\b(?:get|gets|getting)\s+the\s+$|\b(?:festival|club|party|rave|stadium|dancefloor|wedding)\s+$",
    # "slightly lo-fi", "a bit lo-fi": a quality of the recording
    "lofi": r"\b(?:bit|slightly|somewhat|very|quite|little|pretty|kinda|rather)\s+$",
    "lo-fi": r"\b(?:bit|slightly|somewhat|very|quite|little|pretty|kinda|rather)\s+$",
    "piano": r"\b(?:mezzo|pianissimo\s+or|pianissimo\s+to|forte\s+to|forte\s+or)[ -]?$",
    # "an old record spinning on a turntable": the player, not a DJ's instrument
    "turntable": r"\b(?:on|onto|off)\s+(?:a|the|an\s+old|my|your)\s+$",
    "wind": r"\b(?:to|down|unwind|will)\s+$",
    "water": r"\bunder\s+$",
    "sea": r"\ba\s+$",
    "waves": r"\b(?:sound|synth|saw|sine|square|new)\s+$",
    "march": r"\bin\s+$",
    "fun": r"\bno\s+$",
    "classic": r"\b(?:a|an|instant|modern|true|timeless|cult)\s+$",
    "voices": r"\b(?:synth|synthesizer|synthesiser|instrument|instrumental|organ|pad|string|brass|wind|inner|outer|"
              r"independent|contrapuntal|polyphonic|fugal|imitative)\s+$",
    "voice": r"\b(?:synth|synthesizer|synthesiser|instrument|organ|pad|lead\s+synth|inner|outer|independent|"
             r"contrapuntal|polyphonic|fugal|imitative|lower|higher|darker|brighter|low|middle|second|third|"
             r"own)\s+$",
    "percussive": r"\b(?:very|quite|more|less|rather|highly|so|too|almost|somewhat|is|are|was|were|sounds|feels)\s+$",
    # "the cello sings the melody" is an instrument, not a voice
    "sings": r"\b(?:cello|violin|violins|guitar|guitars|piano|sax|saxophone|trumpet|flute|strings|melody|lead|"
             r"synth|clarinet|horn|horns|organ|solo|line)\s+$",
    "score": r"\b(?:high|low|perfect)\s+$",
    # "Would this rock a peak-time floor?", "this will rock the party": the verb, not the genre
    "rock": r"\b(?:would|will|could|can|should|might|gonna|to|['’]ll)\s+(?:(?:this|it|that|they|really|totally)\s+)?$",
    # "drums with a lazy swing", "a slight swing": a feel, not the genre
    "swing": r"\b(?:lazy|slight|subtle|gentle|light|laid-back|loose|little|some|heavy|bit\s+of|hint\s+of|touch\s+of|"
             r"steady|natural|relaxed|easy|lilting|loping|shuffle|triplet|one-in-a-bar|bar)\s+$",
    # "pushes the groove forward", "a steady groove": the feel of any music, not the genre
    # any word before "groove" makes it the feel of any music ("a steady groove", "a downtempo groove")
    "groove": r"\b[\w-]+,?\s+$",
    # "the cello anchoring the bass", "the left hand takes the bass": the bass line, not a bass instrument
    "bass": r"\b(?:anchor\w*|hold\w*|hold\w*\s+down|carr\w*|tak\w*|cover\w*|handl\w*|keep\w*|doubl\w*)\s+the\s+$",
    # "a deep, sustained hum stays underneath": a sound, not someone humming
    "hum": r"\b(?:to|along|a|the|low|deep|sustained|electrical|electric|mains|amp|constant|steady|faint|soft|gentle|"
           r"quiet|warm|droning|background|tape|subtle)[,]?\s+$",
    "engine": r"\b(?:rhythmic|harmonic|emotional|groove|beating|real|main)\s+$",
    "static": r"\b(?:feels?|felt|sounds?|remains?|stays?|is|are|fairly|rather|quite|very|mostly|largely|harmonically|"
              r"more|pretty|somewhat|so|too|almost|deliberately|rhythmically|kept|keeps?)\s+$",
    # "its strings are plucked by quills", "the piano strings": an instrument's own strings, not a string section
    "strings": r"\b(?:its|their)\s+(?:[\w-]+,?\s+){0,3}$|"
               r"\b(?:sympathetic|nylon|steel|gut|open|piano|guitar|harp|harpsichord|sitar|koto|zither)\s+$",
    # "the open low E string", "its top string": one string of an instrument
    "string": r"\b(?:open|low|high|top|bottom|single|each|every|one|its|[b-g]|[b-g]#)\s+$",
    # "a soft bass line hums beneath the chords": the bass hums, nobody sings
    "hums": r"\b(?:bass|bassline|line|pad|pads|synth|organ|drone|amp|strings|cello|it|that|which)\s+(?:\w+\s+)?$",
    # "a two-bar loop": a stretch to sample, not a loop in the track
    "loop": r"\b(?:[\w-]*bar|techno|house|trance|dance|electronic|minimal|ambient|lo-fi|lofi)\s+$",
}


_TOKEN = re.compile(r"(?:[^\W_]|[&'])+")


def _norm_key(text: str) -> str:
    """Spaces and hyphens don't matter: "hip hop" = "hip-hop" = "hiphop"."""
    return "".join(_TOKEN.findall(text.lower()))


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str], dict[str, int]]:
    """Normalised form -> concept name (the first concept listing a form owns it), and for each
    first word of a form the longest form's word count, so most words cost one set lookup."""
    names: dict[str, str] = {}
    starts: dict[str, int] = {}
    for concept in CONCEPTS:
        for form in concept.forms:
            words = _TOKEN.findall(form.lower())
            names.setdefault("".join(words), concept.name)
            starts[words[0]] = max(starts.get(words[0], 0), len(words))
    return names, starts


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _scan(text: str) -> list[tuple[str, int, int]]:
    """(concept, start, end) for every longest form in ``text``.

    A dictionary lookup of word n-grams rather than one big regex alternation: the alternation of a
    thousand forms costs about a millisecond per answer, this about twenty microseconds.
    """
    index, starts = _index()
    lower = text.lower()
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(lower)]
    words = [lower[s:e] for s, e in spans]
    found: list[tuple[str, int, int]] = []
    i = 0
    while i < len(words):
        # a run-together form ("doublebass", "electricguitar": MTG-Jamendo's tag spelling) is one word
        longest = starts.get(words[i], 1 if words[i] in index else 0)
        for n in range(min(longest, len(words) - i), 0, -1):
            key = "".join(words[i:i + n])
            name = index.get(key)
            if name is None:
                continue
            start, end = spans[i][0], spans[i + n - 1][1]
            surface = lower[start:end]
            form = _norm_key(surface)
            after = _EXCLUDE_AFTER.get(surface) or _EXCLUDE_AFTER.get(form)
            if after and _compiled(after).match(lower, end):
                continue
            before = _EXCLUDE_BEFORE.get(surface) or _EXCLUDE_BEFORE.get(form)
            if before and _compiled(before).search(lower[max(0, start - 25):start]):
                continue
            found.append((name, start, end))
            i += n - 1
            break
        i += 1
    return found


@dataclass(frozen=True, slots=True)
class Mention:
    """A concept found in a text: where, and whether the text negates it ("no vocals")."""

    concept: str
    start: int
    end: int
    negated: bool
    hedged: bool  # inside a "could be used in..." / "perhaps" sentence: an inference, not a claim


# A negator opens a scope that runs to the end of its clause.
_NEGATOR = re.compile(
    r"\b(?:no|not|without|lacks?|lacking|lacked|absence of|absent|free of|devoid of|nor|never|zero|"
    r"isn't|aren't|wasn't|weren't|doesn't|don't|didn't|can't|cannot|neither|minus|instead of|"
    # "without overpowering the piano": a manner, not an absence ("without singing" still denies the singing)
    r"rather than|void of)\b(?!\s+\w+ing\s+(?:(?:down|up|out|over|off|on)\s+)?"
    r"(?:the|a|an|its|his|her|their|your|any)\b)"
    r"(?![ -](?:only|just|to mention|longer|matter|doubt|surprisingly|wonder|"
    # an instruction, not a denial: "Don't try to beatmatch slow boom bap against house"
    r"question|less|shortage|try|bother|worry|forget|rush|overthink|force|expect|wait|help)\b)",
    re.IGNORECASE,
)
# Substrings _NEGATOR needs; most answers have none, and then no clause analysis is needed.
_NEGATOR_GATE = ("no", "not", "n't", "without", "lack", "absen", "free of", "devoid", "never", "zero", "neither",
                 "minus", "instead of", "rather than", "void of", "cannot")
# "it doesn't bury the rapper", "never drowns out the vocals": an action denied, not the thing's presence
_ACTION_DENIED = re.compile(r"(?<=n['’]t|not|ver)\s+(?!(?:have|has|had|feature|features|include|includes|use|uses|"
                            r"contain|contains|hear|play|plays|need|get|come|carry|really|even|any|sound|seem|appear)\b)"
                            r"[a-z]+\s+(?:out\s+|over\s+)?(?:the|his|her|its|their|your)\s", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(
    # a dash between clauses too: "No rain - the water you hear is a stream"
    r"[.;:!?(),\n–—]|\s-\s|\b(?:but|while|whereas|although|though|however|yet|except|just|only|so|because|which|"
    r"that|who|where|when|then|also|plus|and|with(?!out))\b",
    re.IGNORECASE,
)
# Between two mentions of one list ("no drums, bass or vocals") the negation carries over.
_LIST_GAP = re.compile(r"^\s*(?:,|/|\bor\b|\bnor\b|,\s*or\b|,\s*nor\b|\band\b|,\s*and\b)\s*(?:any\s+|even\s+)?$",
                       re.IGNORECASE)
_POST_NEGATION = re.compile(
    r"^\s*(?:\w+\s+){0,2}?(?:is|are|was|were)\s+(?:completely\s+|entirely\s+|totally\s+)?"
    r"(?:absent|missing|not\s+(?:present|heard|audible|used|included|featured|there)|nowhere)|"
    r"^\s*(?:-|:)?\s*(?:none|absent)\b",
    re.IGNORECASE,
)
# Sentences about how the music could be used or what it resembles are inferences, not claims about
# what is audible; the grounding filter ignores the concepts named in them.
_HEDGE = re.compile(
    r"\b(?:could|would|might|may|perhaps|possibly|maybe|perfect for|suitable for|ideal for|great for|"
    r"good for|fit for|used (?:in|for|as|at|during)|imagine|reminiscent of|reminds?|"
    r"similar to|compared to|unlike|inspired by|influenced by|if|whether|typical(?:ly)?|associated with|"
    r"commonly|often|usually|fans of|enjoy|in the manner of|in the style of|in the vein of)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")
# A simile names what the sound is like, not what plays: "guitars chug like industrial machinery", "the screams sit
# on top like sirens"; "instruments like guitar and drums" gives examples and "sounds like a sax" is a hearing
_SIMILE = re.compile(r"(?<!\bsounds)(?<!\bsound)(?<!\bsounded)(?<!s)(?<!such)\s+like\s+(?:an?\s+|the\s+|some\s+)?"
                     r"(?:[\w-]+\s+){0,4}$", re.IGNORECASE)
_NEW_CLAIM = re.compile(r"[,;]\s+(?:and|but|while|whereas|plus)\s+(?:there\s+(?:is|are|['’]s)|you\s+(?:can\s+)?hear)\b|"
                        r";\s+", re.IGNORECASE)
# Predicative "instrumental" ("this is an instrumental", "instrumental piece") means no vocals; the noun
# in captions ("the instrumental consists of...") does not, so only these shapes count.
_INSTRUMENTAL = re.compile(
    r"\b(?:is|are|was|purely|entirely|completely|fully|an|mostly|totally)\s+instrumental\b(?!\s+(?:section|"
    r"break|part|backing|bed|interlude|parts|sections|breaks))|"
    r"\binstrumental\s+(?:piece|track|song|music|composition|version|performance|number|tune|work|recording|"
    r"arrangement|cover|rendition|jam)\b|"
    r"\b(?:no|without|without any|lack of|absence of)\s+(?:\w+\s+)?(?:vocals?|voices?|singers?|singing|lyrics)\b|"
    # "plays this rock instrumental.": the noun closing its phrase names the whole piece
    r"\b(?:a|an|this|the)\s+(?:[\w-]+\s+)?instrumental(?=\s*(?:[.,;!]|$))",
    re.IGNORECASE,
)


# In a text about counterpoint a "voice" is a melodic line: "a few independent voices interweaving on the
# harpsichord" names no singer ("a choir of voices sings" still does, by "choir" and "sings").
_COUNTERPOINT = re.compile(r"\b(?:contrapuntal\w*|counterpoint\w*|polyphon\w*|fugue\w*|fugal|fughetta|canons?|canonic|"
                           r"imitative|imitation|voice[- ]leading|(?:inner|outer|independent|interweaving|interlocking)"
                           r"\s+voices?|(?:two|three|four|five|2|3|4|5)[- ]voiced?\s+(?:fugue|counterpoint|texture|"
                           r"canon|invention|writing|chorale|harmony))\b", re.IGNORECASE)


def about_counterpoint(text: str) -> bool:
    """True when ``text`` speaks of voices as melodic lines ("independent voices", "a three-voice fugue")."""
    return "voice" in text.lower() and bool(_COUNTERPOINT.search(text))


def find_mentions(text: str) -> list[Mention]:
    """Every vocabulary concept named in ``text``, in order, with its negation and hedging.

    Negation is clause-local ("no vocals, just a piano" negates only vocals) and carries through a list
    ("without drums, bass or vocals").
    """
    if not text:
        return []
    found = _scan(text)
    if found and about_counterpoint(text):
        found = [f for f in found if text[f[1]:f[2]].lower() not in ("voice", "voices")]
    if not found:
        return []
    hedges = [m.start() for m in _HEDGE.finditer(text)]
    sentences = [m.start() for m in _SENTENCE.finditer(text)] if hedges else []
    lower = text.lower()
    negators = ([m.start() for m in _NEGATOR.finditer(text) if not _ACTION_DENIED.match(text, m.end())]
                if any(g in lower for g in _NEGATOR_GATE) else [])
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text)] if negators else []
    out: list[Mention] = []
    for concept, start, end in found:
        clause_start = max(start - 60, breaks[bisect.bisect_right(breaks, start) - 1] if breaks and breaks[0] <= start
                           else 0)
        k = bisect.bisect_left(negators, clause_start)
        negated = (k < len(negators) and negators[k] < start) or text[max(0, start - 4):start].lower() == "non-"
        negated = negated or bool(_POST_NEGATION.search(text[end:end + 40]))
        if not negated and out and out[-1].negated and _LIST_GAP.match(text[out[-1].end:start]):
            negated = True
        # hedged when a hedge word comes before the mention in its sentence: "a rock song that could
        # suit a party" claims rock; "it could be used in a rock concert" doesn't
        sentence_start = sentences[bisect.bisect_right(sentences, start) - 1] if sentences else 0
        # a hedge reaches to the end of its sentence but not past a new clause's own claim: "the typical
        # batida of bossa nova, and there is a flute" states the flute
        if hedges and (fresh := [m.end() for m in _NEW_CLAIM.finditer(text, sentence_start, start)]):
            sentence_start = fresh[-1]
        hedged = bisect.bisect_left(hedges, sentence_start) < bisect.bisect_left(hedges, start)
        hedged = hedged or bool(_SIMILE.search(text, max(0, start - 40), start))
        if negated and lower[start:end] in _TECHNIQUE_FORMS:
            continue  # "fingerpicked, no strumming" denies a way of playing, not the guitar
        out.append(Mention(concept, start, end, negated, hedged))
    return out


_TECHNIQUE_FORMS = frozenset({"strumming", "strum", "strums", "strummed", "riff", "riffs", "guitar strumming"})


def says_no_vocals(text: str) -> bool:
    """True when ``text`` says the music has no vocals ("instrumental piece", "no singer")."""
    return bool(_INSTRUMENTAL.search(text))


@cache
def ancestors(name: str) -> frozenset[str]:
    """``name`` and every broader concept above it ("electric guitar" -> guitar)."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        n = todo.pop()
        if n in seen or n not in BY_NAME:
            continue
        seen.add(n)
        todo.extend(BY_NAME[n].parents)
    return frozenset(seen)


def is_term(text: str) -> bool:
    """True when ``text`` as a whole is one vocabulary form ("trip hop", "sitar", "easylistening")."""
    key = _norm_key(text)
    names = _index()[0]
    return key in names or key.rstrip("s") in names
