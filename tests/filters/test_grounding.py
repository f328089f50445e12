"""grounding: answers the caption/tags contradict or don't support are dropped; paraphrases are kept."""

from __future__ import annotations

import pytest

from musicqa.filters.grounding import GROUNDING_CONTRADICTION, GROUNDING_UNSUPPORTED, grounding
from musicqa.records import Clip
from tests.filters.helpers import clip, pair

TAGS = "piano, classical, slow, no vocals"
POP = ("A male vocalist sings this upbeat pop song. The tempo is fast with punchy drums, a groovy bass line and "
       "bright synth chords.")
ELECTRO = ("The Electro song features a punchy \"4 on the floor\" kick pattern, followed by shimmering hi hats and "
           "groovy synth bass. It sounds exciting and like something you would hear in clubs.")
AMBIENT = "This is an instrumental ambient piece. A soft synth pad holds long chords. There is no percussion."


@pytest.mark.parametrize(("context", "question", "answer", "reason"), [
    (TAGS, "Describe it.", "A female vocalist sings over distorted guitars at a fast tempo.", GROUNDING_CONTRADICTION),
    (POP, "What is the tempo?", "The tempo is slow and relaxed, closer to a ballad.", GROUNDING_CONTRADICTION),
    (POP, "Who sings?", "A female vocalist sings over the track.", GROUNDING_CONTRADICTION),
    (AMBIENT, "What keeps the rhythm?", "A steady drum beat and hand claps keep the rhythm.", GROUNDING_CONTRADICTION),
    (AMBIENT, "Is there singing?", "Yes, a breathy voice hums over the pads.", GROUNDING_CONTRADICTION),
    (POP, "Is there singing?", "No, there are no vocals at all.", GROUNDING_CONTRADICTION),
    (TAGS, "What else plays?", "A saxophone and a brushed jazz drum kit join the piano.", GROUNDING_UNSUPPORTED),
    (POP, "Is there a saxophone?", "Yes, a bright saxophone solo follows the second chorus.", GROUNDING_UNSUPPORTED),
    # round 5: a gendered voice over a caption that lists the band and names no voice
    (ELECTRO, "Any vocal chops?", "Yes, a soaring female vocal chop runs through the whole drop.",
     GROUNDING_UNSUPPORTED),
])
def test_trips(context: str, question: str, answer: str, reason: str) -> None:
    assert grounding(pair(answer, question), clip(context)).reason == reason


@pytest.mark.parametrize(("context", "question", "answer"), [
    (TAGS, "Is there singing?", "No, the piece is purely instrumental; a solo piano carries it slowly."),
    (TAGS, "How does it feel?", "Reflective and wistful, the kind of piece you might hear at a recital."),
    (POP, "What does the drummer play?", "Crisp hi-hats and a snappy snare on every backbeat."),
    (POP, "Would it work at a party?", "Yes, its energetic beat would keep a dance floor moving."),
    (AMBIENT, "Is there percussion?", "There is no percussion; a soft synth pad creates a calm space."),
    ("A string quartet plays slowly; the cello carries the melody. There are no vocals.", "Describe it.",
     "A slow chamber piece: the cello sings the melody while the violins hold long notes."),
    (ELECTRO, "Would this rock a peak-time floor?", "Yes."),  # rock the verb, not the genre
    ("A slow soul ballad: a woman sings over organ, bass and brushed drums.", "Who sings?",
     "A female singer, warm and husky, over the organ."),  # the caption gives the voice's gender
    ("rock, guitar, drums, male vocal, loud", "What does the band do?",
     "The bass locks in with the kick drum while the guitarist plays power chords."),
])
def test_near_misses_are_kept(context: str, question: str, answer: str) -> None:
    assert grounding(pair(answer, question), clip(context)).keep


def test_no_source_text_keeps_everything() -> None:
    assert grounding(pair("A female vocalist sings over distorted guitars at a fast tempo."), clip("")).keep


def test_a_caption_that_lists_instruments_lists_all_of_them() -> None:
    jazz = "This jazz song features percussion playing a fast beat, accompanied by a double bass. No voices."
    assert grounding(pair("Percussion and a walking double bass in a fast jazz groove."), clip(jazz)).keep
    verdict = grounding(pair("Percussion and double bass, joined by a muted trumpet."), clip(jazz))
    assert verdict.reason == GROUNDING_UNSUPPORTED  # jazz makes a trumpet plausible, the caption doesn't


def test_only_instrument_and_solo_rule_out_the_rest() -> None:
    mandolin = "A mandolin plays a folk song. This is the only musical instrument playing."
    assert grounding(pair("An acoustic guitar and a fiddle accompany the mandolin."), clip(mandolin)).reason \
        == GROUNDING_UNSUPPORTED
    assert grounding(pair("A cello and a flute join the harpsichord."), clip("harpsichord, classical, solo")).reason \
        == GROUNDING_UNSUPPORTED


def test_magnatagatune_man_and_woman_tags_are_voices() -> None:
    assert grounding(pair("A deep male baritone carries the melody."), clip("woman, singing, pop, guitar")).reason \
        == GROUNDING_CONTRADICTION
    assert grounding(pair("A woman sings a pop melody over guitar."), clip("woman, singing, pop, guitar")).keep


def test_a_source_of_two_minds_about_vocals_contradicts_neither_answer() -> None:
    both = "This music is instrumental. The tempo is fast with synthesiser arrangements and a catchy vocal riff."
    assert grounding(pair("This music is instrumental, built on fast synthesiser arrangements."), clip(both)).keep
    assert grounding(pair("A catchy vocal riff repeats over fast synthesisers."), clip(both)).keep


def test_hedged_and_hypothetical_mentions_are_not_claims() -> None:
    assert grounding(pair("It could be used in a rock concert."), clip(TAGS)).keep
    assert grounding(pair("In a packed club, with the crowd jumping.", "Where would this be played?"),
                     clip(POP)).keep
    # a hedge after the claim doesn't excuse it
    assert not grounding(pair("The song is calm and relaxing, perfect for sleep."),
                         clip("A trap beat with a male rapper. The song is intense and aggressive.")).keep


def test_a_no_to_a_question_about_a_property_does_not_deny_the_instrument() -> None:
    ballad = "A male singer performs a gentle ballad with fingerpicked acoustic guitar."
    assert grounding(pair("No, it's fingerpicked rather than strummed.", "Is the guitar strummed?"), clip(ballad)).keep
    assert grounding(pair("No, there is no guitar at all.", "Is there a guitar?"), clip(ballad)).reason \
        == GROUNDING_CONTRADICTION


def test_each_tag_is_its_own_label() -> None:
    assert grounding(pair("A slow, dark ambient piece of layered synth textures."),
                     clip("ambient, dark, synth, no vocals, slow")).keep


def test_a_person_word_next_to_singing_gives_the_gender() -> None:
    assert grounding(pair("A deep-voiced man croons the melody."), clip("A female singer performs a bossa nova.")
                     ).reason == GROUNDING_CONTRADICTION


@pytest.mark.parametrize(("context", "question", "answer"), [
    # a one-word answer followed by a full description is an answer, not a contradiction
    ("male vocals, rock, guitar", "Is the singer female?", "No. A man sings in a raspy voice over the guitar."),
    ("electronic, synth, beat, dance, techno", "Is there a guitar?", "Nope. Synths and a drum machine carry it."),
    ("jazz, saxophone, double bass, drums, mellow", "What instrument leads?",
     "Saxophone. It plays a mellow melody over double bass and brushed drums."),
    ("A female vocalist sings a soulful ballad accompanied by a grand piano. The tempo is slow.", "Is it fast?",
     "No. It is a slow, soulful ballad with a woman singing over a grand piano."),
])
def test_one_word_answers_with_a_description_are_kept(context: str, question: str, answer: str) -> None:
    assert grounding(pair(answer, question), clip(context)).keep


def test_a_real_voiceover_is_still_unsupported() -> None:
    answer = "A voice over explains the history of the song while a piano plays."
    assert grounding(pair(answer, "What do you hear?"), clip("piano, classical")).reason == GROUNDING_UNSUPPORTED


@pytest.mark.parametrize(("context", "question", "answer"), [
    ("A lofi hip hop beat with a mellow electric piano and vinyl crackle.", "What keeps time?",
     "Soft, dusty drums with a lazy swing."),
    ("A bass player plays slap bass with a drummer.", "How does it feel?", "Funky and bouncy."),
    ("A pop ballad with piano and strings; it modulates up a whole step.", "Is there a key change?",
     "Yes, there is a key change before the last chorus."),
    ("A choir sings without accompaniment.", "Any instruments?", "No, they sing completely unaccompanied."),
])
def test_implications_of_the_vocabulary_are_supported(context: str, question: str, answer: str) -> None:
    assert grounding(pair(answer, question), clip(context)).keep


def test_a_beat_implies_drums_unless_the_caption_denies_them() -> None:
    answer = pair("Soft, dusty drums with a lazy swing.", "What keeps time?")
    assert grounding(answer, clip("A lofi beat with piano. There are no drums.")).reason == GROUNDING_CONTRADICTION
    assert grounding(answer, clip("A slow piano piece with an upbeat feel.")).reason == GROUNDING_UNSUPPORTED


BAROQUE = "organ, baroque, classical, no vocals, slow"


@pytest.mark.parametrize("answer", [
    "Fugal: three independent voices chase each other across the manuals.",
    "Polyphonic, the inner voices moving in parallel thirds under the theme.",
    "Careful voice leading; each voice keeps its own line.",
    "A four-voice texture in strict counterpoint.",
])
def test_voices_in_counterpoint_are_lines_not_singers(answer: str) -> None:
    assert grounding(pair(answer, "Describe the texture."), clip(BAROQUE)).keep


@pytest.mark.parametrize("answer", [
    "A choir of voices sings above the organ.",
    "Yes, voices sing a contrapuntal line over the organ.",
    "Two voices, a man and a woman, sing a duet.",
])
def test_singing_voices_still_contradict_no_vocals(answer: str) -> None:
    assert grounding(pair(answer, "Describe the texture."), clip(BAROQUE)).reason == GROUNDING_CONTRADICTION


@pytest.mark.parametrize(("context", "answer"), [
    ("A cello plays a slow melody with a bow, long and sustained, over soft piano.", "Arco: long, bowed notes."),
    ("An acoustic guitar played with a bow makes eerie drones.", "Arco, bowed slowly across the strings."),
    ("A plucked double bass walks under a jazz piano.", "Pizzicato, plucked with a round tone."),
    ("A plucked double bass walks under a jazz piano.", "A dry, percussive attack on every plucked note."),
    ("A folk song with a strummed acoustic guitar and a female singer.", "Percussive, plucked strumming."),
])
def test_bowing_supports_arco_and_a_percussive_touch_is_no_percussion(context: str, answer: str) -> None:
    assert grounding(pair(answer, "How is it played?"), clip(context)).keep


def test_arco_needs_a_bowed_instrument() -> None:
    assert grounding(pair("Arco strings swell underneath.", "How is it played?"),
                     clip("A fingerpicked acoustic guitar and a male singer.")).reason == GROUNDING_UNSUPPORTED


@pytest.mark.parametrize(("context", "answer"), [
    ("Turkish folk music: a clarinet lead, a qanun and a saz, with bass guitar and drums.",
     "An oud takes a solo in the middle."),
    ("A mandolin plays a Greek folk dance over an acoustic guitar.", "A bouzouki answers the mandolin."),
    ("A Chinese folk melody on erhu over a guzheng.", "The erhu and a shamisen trade phrases."),
    ("An oboe plays a mournful Armenian folk tune over a drone.", "A duduk, breathy and mournful."),
    ("A violin plays a Turkish folk tune over percussion.", "A kemençe saws out the melody."),
])
def test_a_world_instrument_the_caption_does_not_list_is_unsupported(context: str, answer: str) -> None:
    assert grounding(pair(answer, "What else plays?"), clip(context)).reason == GROUNDING_UNSUPPORTED


@pytest.mark.parametrize(("context", "answer"), [
    ("Turkish folk music: a clarinet lead, a qanun and a saz.", "The qanun and the bağlama trade phrases."),
    ("An Arabic folk song.", "An oud and a darbuka."),                  # a genre-only caption leaves the band open
    ("folk, middle eastern, strings", "An oud carries the melody."),    # tags are sparse
    ("Japanese traditional music with koto and shakuhachi.", "Koto and a shakuhachi."),
    ("A slow twelve-bar blues on electric guitar.", "It's a classic twelve-bar, no frills."),  # praise, not classical
    ("A folk song with a female singer and an acoustic guitar.", "A lo-fi recording of a sad folk song."),
])
def test_listed_world_instruments_and_adjectives_are_kept(context: str, answer: str) -> None:
    assert grounding(pair(answer, "What plays?"), clip(context)).keep


def test_a_qualified_negation_denies_only_the_kind() -> None:
    """Round 6c: "no clean singing" over a caption of screamed vocals denies clean singing, not the singing."""
    metal = Clip("t/1", "t", "t/1", "test", "A metal song with screaming male vocal singing over distorted riffs.")
    assert grounding(pair("Screamed male vocals, with no clean singing anywhere.", "What vocals?"), metal).keep
    assert grounding(pair("There is no singing at all.", "Vocals?"), metal).reason == GROUNDING_CONTRADICTION


# round 7: a source that lists instruments lists all of them (tags too), but its genre's core stays implied
@pytest.mark.parametrize(("context", "question", "answer"), [
    ("rock, electric guitar, drums, loud", "Instruments?", "Electric guitar, drums and a swirling organ."),
    ("genre---jazz, instrument---piano, instrument---doublebass", "Any horns?", "Yes, a muted trumpet solos."),
    ("soundtrack, orchestral, strings, horn", "Voices?", "Yes, a choir chants over the horns."),
    ("A flamenco guitar with palmas (hand claps).", "What percussion?", "Claps and a cajón keeping time."),
    ("A ballad with soft female vocal and piano.", "Backing?", "A gospel choir swells behind her."),
    ("A country song with acoustic guitar and fiddle.", "Instr list", "Acoustic gtr, fiddle, banjo."),
    ("A reggae song with guitar skank and bass.", "Any melodica?", "Yes, a melodica answers the singer."),
])
def test_round7_one_unlisted_performer_is_unsupported(context, question, answer):
    assert grounding(pair(answer, question), clip(context)).reason == GROUNDING_UNSUPPORTED


@pytest.mark.parametrize(("context", "question", "answer"), [
    ("rock, electric guitar, drums, loud", "Rhythm section?", "The bass locks to the kick drum."),   # rock's core
    ("edm track with big drop, synth lead", "What hits at the drop?", "A pounding kick and the synth lead."),
    ("genre---rock, instrument---electricguitar, instrument---bass", "Guitars?", "Crunchy electric guitars."),
    ("ambient, instrument---pad, calm", "Texture?", "Warm synth pads, slowly evolving."),
    ("acoustic guitar, folk, female vocal", "Who sings?", "A woman with a soft voice over acoustic guitar."),
    ("folk, middle eastern, strings", "What plays?", "An oud carries the melody."),
    ("Latin percussion: congas, shakers and a cowbell.", "Percussion?", "Congas and shakers."),
    ("A sitar raga over a drone, indian classical.", "Tradition?", "The Indian classical tradition of the sitar."),
    ("A piano waltz in a moderate tempo.", "Feel?", "A relaxed one-in-a-bar swing, lilting and light."),
    ("An ambient piece with synth drones and chimes, no drums.", "Any percussion?",
     "No drums at all; only the soft chimes ring out."),
    ("A hip hop song over a slow boom bap beat.", "How do I mix into it?",
     "Don't try to beatmatch slow boom bap against house; cut in on the first bar."),
])
def test_round7_implied_or_named_performers_are_kept(context, question, answer):
    assert grounding(pair(answer, question), clip(context)).keep


# round 7b: crowd typos, genders nobody gave, kinds a caption's word does not cover, a hedge's reach
@pytest.mark.parametrize(("context", "question", "answer"), [
    ("genre---pop, instrument---piano, instrument---voice", "Singer?", "A male voice, warm and close."),
    ("A ballad with a soft vocal and strings.", "Who sings?", "A woman sings softly."),
    ("A soul groove with electric piano, bass and drums.", "What bass?", "An upright bass walking under the keys."),
    ("A samba with nylon guitar and a male singer.", "Anything else?",
     "The usual bossa-style chords, and there is a clarinet answering the singer."),
])
def test_round7b_claims_the_source_does_not_cover(context, question, answer):
    assert grounding(pair(answer, question), clip(context)).reason == GROUNDING_UNSUPPORTED


@pytest.mark.parametrize(("context", "question", "answer"), [
    ("sum guy singin over a beat, thers a saxaphone maybe", "What plays?", "A man sings and a saxophone answers him."),
    ("heavy metal, double bass drums, screaming vocals", "Drums?", "Relentless double bass drumming."),
    ("An orchestral crescendo with strings and timpani.", "Dynamics?", "From pianissimo or piano up to fortissimo."),
    ("big edm drop with synth leads", "Energy?", "Huge, the kind of drop that makes a festival crowd jump."),
    ("A soul song recorded warm, like an old radio broadcast.", "Quality?", "A bit lo-fi and warm, like old radio."),
    ("Brushed jazz drums, upright bass and piano.", "Drums?", "Brushes, kept light without overpowering the piano."),
    ("A men and women choir sings a hymn.", "Who sings?", "Men and women together, in four parts."),
])
def test_round7b_readings_that_are_no_claim_are_kept(context, question, answer):
    assert grounding(pair(answer, question), clip(context)).keep


# round 8: similes, a film's dialogue, screams, a string pad
@pytest.mark.parametrize(("context", "question", "answer"), [
    ("A doom metal track, down-tuned guitars, a man screaming.", "First impression?",
     "Guitars grind like heavy machinery and the screams wail like sirens."),
    ("An instrumental jazz ballad with a muted trumpet and upright bass.", "Does it clash with dialogue?",
     "No vocals, so only the trumpet competes with dialogue; it would mask speech only at the climax."),
    ("An orchestral cue: low strings and staccato violins.", "Underneath?", "A low string pad under the violins."),
    ("A drummer plays brushes on a jazz waltz.", "Does the drummer use sticks?", "No, brushes."),
    ("A Bollywood duet with dhol and claps.", "Does it clash with dialogue?", "Yes, heavily: the duet fills the mids."),
])
def test_round8_no_claim_in_similes_and_the_films_dialogue(context, question, answer):
    assert grounding(pair(answer, question), clip(context)).keep


def test_round8_a_simile_hides_no_real_claim_beside_it():
    context = "A doom metal track, down-tuned guitars, a man screaming."
    answer = "Guitars grind like machinery, and a saxophone wails over them."
    assert grounding(pair(answer, "First impression?"), clip(context)).reason == GROUNDING_UNSUPPORTED


# round 9: a caption that gives its singers' gender gives all of them; an either/or is not affirmed by "Certainly!"
@pytest.mark.parametrize(("context", "question", "answer"), [
    ("An indie rock song. A male vocalist sings with a slightly raspy voice.", "Describe the vocal.",
     "A raspy male voice, with a female harmony singer doubling him on the hooks."),
    ("live rock band, distorted guitars, singer kinda screaming, crowd cheering",
     "Is the lead vocalist male or female?",
     "Certainly! The lead vocalist appears to be female, with a powerful, gritty voice."),
])
def test_round9_a_voice_the_caption_does_not_give_is_unsupported(context, question, answer):
    assert grounding(pair(answer, question), clip(context)).reason == GROUNDING_UNSUPPORTED


@pytest.mark.parametrize(("context", "question", "answer"), [
    ("guy n girl singing together in spanish over acoustic guitar", "male or female singer",
     "both, a guy n a girl duet"),
    ("A male vocalist sings over a piano.", "Is the singer male or female?", "Certainly! The singer is male."),
    ("a guy singing with acustic guitar, sounds like hes on the street, ppl talking in the backround",
     "Is there any percussion?", "No percussion; the guitar carries the rhythm and the crowd chatters behind."),
    ("A solo harpsichord plays a fast piece.", "Why do its notes die away quickly?",
     "Its strings are plucked by quills rather than struck, and there is no sustain pedal."),
    ("Acoustic folk song with fingerpicked guitar.", "Guitar technique", "Fingerpicked, no strumming."),
])
def test_round9_voices_crowds_and_techniques_the_caption_gives_are_kept(context, question, answer):
    assert grounding(pair(answer, question), clip(context)).keep


# round 10: MTG-Jamendo's instrument tags list a voice when there is one; a use affirmed is no sample in the clip
@pytest.mark.parametrize(("context", "question", "answer"), [
    ("genre---ambient, instrument---synthesizer, instrument---pad, mood/theme---relaxing", "Vox?",
     "wordless female vox, airy"),
])
def test_round10_a_voice_jamendo_tags_do_not_list_is_unsupported(context, question, answer):
    assert grounding(pair(answer, question), clip(context)).reason == GROUNDING_UNSUPPORTED


@pytest.mark.parametrize(("context", "question", "answer"), [
    ("A funk song with a groovy bass guitar, punchy snare and kick, and a wah-wah electric guitar.",
     "Would this make a good sample source?", "Definitely: grab a two-bar loop of the wah guitar and the bassline."),
    ("genre---electronic, genre---downtempo, instrument---piano, instrument---drummachine, mood/theme---calm",
     "What instruments?", "A piano over a drum machine: a smooth, unhurried downtempo groove."),
    ("sitar, indian, drums, no vocals, eastern", "What percussion?", "Hand drums, most likely a tabla."),
    ("A trap song. Male rapper raps in spanish with autotune.", "Does the autotune work?",
     "It works; it doesn't bury the rapper."),
    ("classical, strings, violin, slow, soft, cello, sad, no vocals", "What instruments?",
     "A soft string texture led by violin, with cello adding a darker, lower voice beneath it."),
])
def test_round10_uses_feels_kinds_and_instrument_voices_are_kept(context, question, answer):
    assert grounding(pair(answer, question), clip(context)).keep


# round 11: a field recording's birds and stream give no rain; a dash ends a negation's clause
@pytest.mark.parametrize(("context", "question", "answer"), [
    ("A field recording of a forest. Birds are chirping and a small stream trickles in the foreground.",
     "What do you hear?", "Birds, and soft rain on the leaves with distant thunder."),
])
def test_round11_a_sound_the_recording_does_not_give_is_unsupported(context, question, answer):
    assert grounding(pair(answer, question), clip(context)).reason == GROUNDING_UNSUPPORTED


@pytest.mark.parametrize(("context", "question", "answer"), [
    ("A field recording of a forest. Birds are chirping and a small stream trickles in the foreground.",
     "Is there rain in this one?", "No rain - the water you hear is a small stream trickling steadily nearby."),
    ("rock, guitar, drums, loud, fast, male vocal, electric guitar, heavy", "Good to unwind to before bed?",
     "Probably not - it's loud, fast, heavy rock with electric guitar and pounding drums."),
    ("A solo piano piece with sustained pedal notes. There are no drums or vocals.", "Does it work under dialogue?",
     "Yes. It'll tuck under VO, though the melody shares the speech range, so dip it under quiet dialogue."),
])
def test_round11_dashes_registers_and_dialogue_under_the_cue_are_kept(context, question, answer):
    assert grounding(pair(answer, question), clip(context)).keep
