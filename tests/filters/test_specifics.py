"""specifics: exact figures, years, credits, counts, languages and keys need the caption, tags or facts."""

from __future__ import annotations

import pytest

from musicqa.filters.grounding import GROUNDING_CONTRADICTION, GROUNDING_INVENTED_SPECIFIC, grounding
from musicqa.filters.specifics import invented_specific
from musicqa.records import Clip, Facts
from tests.filters.helpers import clip, pair

FUNK = ("Empowering youthful music with heavily processed female vocals and compressed drum samples. Big claps on "
        "the backbeat and a funky electric bass part accompany.")
TRIO = "An upbeat jazz trio: upright bass walking, brushed drums and piano. The piano modulates up a whole step."
FADO = "A solo female singer performs a folk ballad in Portuguese with a nylon-string guitar. The key is minor."
DEATH = "A death metal song with guttural growled vocals, blast beats and down-tuned guitars."


def measured(text: str, **facts: float | str) -> Clip:
    return Clip("test/1", "test", "test/1", "test", text, facts=Facts(**facts))  # type: ignore[arg-type]


@pytest.mark.parametrize(("context", "question", "answer"), [
    (FUNK, "What BPM is it?", "It's exactly 128 BPM."),
    (FUNK, "Who produced it?", "Max Martin produced this one in 2014."),
    (FUNK, "When was it made?", "It was released in 1987."),
    (TRIO, "Who's on piano?", "Bill Evans, from his 1961 Village Vanguard sessions."),
    (TRIO, "How long is it?", "The song is approximately 5 minutes long."),
    (FUNK, "How long is the song?", "It's three minutes and twelve seconds long."),
    (FUNK, "How many singers are there?", "Exactly twelve women."),
    (FUNK, "What language are the vocals in?", "They're in German."),
    (FUNK, "What key?", "It's in D major."),
    ("genre---classical, instrument---violin", "Who composed it?", "Tchaikovsky wrote it for his violin concerto."),
])
def test_invented_specifics_trip(context: str, question: str, answer: str) -> None:
    assert grounding(pair(answer, question), clip(context)).reason == GROUNDING_INVENTED_SPECIFIC


@pytest.mark.parametrize(("context", "question", "answer"), [
    (TRIO, "How many players are there?", "Three: piano, bass and drums."),
    (TRIO, "How many musicians?", "Three musicians, a classic piano trio."),
    (FADO, "Which language?", "Portuguese."),
    (FUNK, "What does it sound like?", "A 1980s-style funk groove, in the style of Prince."),
    (FUNK, "Who is it for?", "Fans of Janet Jackson would enjoy the claps."),
    (TRIO, "Is there a key change?", "Yes, it goes up a whole step for the final chorus."),
    (FUNK, "What's the tempo?", "Mid-tempo, a steady dance pace."),
    (TRIO, "How does it build?", "Over a few minutes the piano trades choruses with the bass."),
    (FUNK, "What's the mood?", "She sings with confidence; it's bright and empowering."),
    ("This is a recording of a bagpipe band playing a Scottish march.", "Where might this be heard?",
     "At a Highland games or a parade."),
])
def test_supported_or_inferred_specifics_are_kept(context: str, question: str, answer: str) -> None:
    assert grounding(pair(answer, question), clip(context)).keep


def test_measured_facts_support_a_figure() -> None:
    answer = pair("Fast: roughly 140 BPM, in G major.", "Tempo and key?")
    assert grounding(answer, measured(FUNK, tempo_bpm=142.0, tempo_confidence=0.8, key="G", mode="major")).keep
    assert grounding(answer, measured(FUNK, loudness_lufs=-9.0)).reason == GROUNDING_INVENTED_SPECIFIC


def test_opposite_mode_contradicts_the_caption() -> None:
    assert grounding(pair("A bright C major.", "What's the key?"), clip(FADO)).reason == GROUNDING_CONTRADICTION
    assert grounding(pair("Minor.", "Major or minor?"), clip(FADO)).keep
    assert grounding(pair("Major.", "Major or minor?"), clip(FADO)).reason == GROUNDING_CONTRADICTION


def test_contrast_does_not_deny() -> None:
    answer = pair("Guttural growls rather than clean singing.", "How are the vocals delivered?")
    assert grounding(answer, clip(DEATH)).keep
    assert grounding(pair("There is no singing at all.", "How are the vocals delivered?"), clip(DEATH)).reason == (
        GROUNDING_CONTRADICTION)


BALLAD = "A soft piano ballad with a string section and a male singer."


@pytest.mark.parametrize("answer", [
    "Firmly in E-flat minor.",
    "A-flat major, I'd say.",
    "It sits in G♭ major.",
    "F-sharp minor, dark and slow.",
    "Db major.",
])
def test_a_full_key_in_any_spelling_needs_support(answer: str) -> None:
    assert grounding(pair(answer, "Which key is it in?"), clip(BALLAD)).reason == GROUNDING_INVENTED_SPECIFIC


@pytest.mark.parametrize(("context", "answer"), [
    ("A soft piano ballad in B flat major with strings.", "It's in B-flat major."),
    ("A soft piano ballad in Bb major with strings.", "A# major, bright and warm."),   # the same key, spelt sharp
    ("A soft piano ballad in the key of e minor.", "E minor."),
    (BALLAD, "The piano plays a major role in it."),                                   # English, not a key
])
def test_a_key_the_source_states_is_kept(context: str, answer: str) -> None:
    assert grounding(pair(answer, "Which key is it in?"), clip(context)).keep


@pytest.mark.parametrize(("context", "answer"), [
    (BALLAD, "The groove sits in 5/4 throughout."),
    (BALLAD, "A lilting 6/8 pulse under the piano."),
    ("An accordion and tuba play a lively folk dance.", "A bouncy 2/4 polka."),         # no polka in the source
    ("A jazz waltz with piano and brushed drums.", "It's in 4/4."),                    # a waltz is in three
])
def test_an_unsupported_time_signature_is_invented(context: str, answer: str) -> None:
    assert grounding(pair(answer, "What's the meter?"), clip(context)).reason == GROUNDING_INVENTED_SPECIFIC


@pytest.mark.parametrize(("context", "answer"), [
    ("A jazz waltz with piano and brushed drums.", "3/4, a lilting waltz."),
    ("A folk song with three beats to the bar on guitar.", "It's in 3/4."),
    ("An electro track with a four on the floor kick and synth bass.", "Straight 4/4."),
    ("A lively polka with accordion and tuba.", "A bouncy 2/4 polka."),
    ("A rock song in 7/8 with distorted guitars.", "A driving 7/8 riff."),
    ("A marching band plays a brisk march.", "A crisp 6/8 march."),
    (BALLAD, "The strings enter about 3/4 of the way through."),                      # a fraction
    (BALLAD, "Steady 1/4 notes on the piano."),                                       # a note value
    (BALLAD, "It feels like four beats to the bar."),                                 # no signature stated
])
def test_a_supported_or_absent_time_signature_is_kept(context: str, answer: str) -> None:
    assert grounding(pair(answer, "What's the meter?"), clip(context)).keep


@pytest.mark.parametrize(("context", "question", "answer"), [
    ("A guzheng melody built on a pentatonic scale.", "How many notes per octave does it use?",
     "Five, as in any pentatonic tune."),
    ("A dreamy piano piece on a whole-tone scale.", "How many different pitches?", "Six, all a whole step apart."),
    ("A slow twelve-bar blues on electric guitar.", "How many bars in each chorus?", "Twelve, then it repeats."),
    ("A Viennese waltz played by an orchestra.", "How many beats to the bar?", "Three, the classic waltz lilt."),
])
def test_a_count_that_a_source_term_implies_is_kept(context: str, question: str, answer: str) -> None:
    assert grounding(pair(answer, question), clip(context)).keep


def test_a_count_no_source_term_implies_is_invented() -> None:
    answer = pair("Five, as in any pentatonic tune.", "How many notes per octave does it use?")
    assert grounding(answer, clip("A guzheng melody over soft strings.")).reason == GROUNDING_INVENTED_SPECIFIC
    assert grounding(answer, clip("A guzheng melody on a diatonic scale.")).reason == GROUNDING_INVENTED_SPECIFIC


@pytest.mark.parametrize(("context", "question", "answer"), [
    ("A Turkish folk song with a clarinet lead and a saz.", "Who is playing the clarinet?",
     "The soloist is Şükrü Ünlü, a famous clarinettist."),
    ("A Czech orchestral piece with strings and horns.", "Describe the origin.", "It was composed by Antonín Dvořák."),
    ("A mellow acoustic cover of a pop song, sung by a girl.", "Name the original artist of this cover.",
     "It's Taylor Swift's \"Shake It Off\", slowed right down."),
    ("A mellow acoustic cover of a pop song, sung by a girl.", "Identify the songwriter.", "Joni Mitchell."),
    ("A mellow acoustic cover of a pop song, sung by a girl.", "How does she sound?",
     "Breathy and warm; she covers Adele's \"Hello\" with real feeling."),
])
def test_credits_in_any_script_and_after_an_imperative_question_trip(context: str, question: str,
                                                                        answer: str) -> None:
    assert grounding(pair(answer, question), clip(context)).reason == GROUNDING_INVENTED_SPECIFIC


@pytest.mark.parametrize(("context", "question", "answer"), [
    (TRIO, "Name the lead instrument.", "Piano, with the bass walking underneath."),   # no credit asked
    (TRIO, "What does it sound like?", "Very much in the style of Bill Evans."),
    ("A slow romantic piano piece.", "What does it remind you of?", "It is reminiscent of Chopin's nocturnes."),
    ("A slow romantic piano piece.", "Do you like it?", "I love this. Tender and slow."),
    ("A slow romantic piano piece.", "How does it open?", "Gently. A single line, then soft chords."),
    ("A Turkish folk song with a clarinet lead.", "Who plays the lead?", "A Turkish clarinettist, very expressive."),
])
def test_comparisons_and_plain_capitals_are_no_credit(context: str, question: str, answer: str) -> None:
    assert grounding(pair(answer, question), clip(context)).keep


SITAR = "sitar, indian, tabla, drone, slow, no vocals"


@pytest.mark.parametrize(("context", "question", "answer"), [
    (SITAR, "Which raga is it?", "Raga Malkauns, a midnight raga."),
    (SITAR, "Raga?", "Bageshri, a late-evening raga."),
    (SITAR, "Raga?", "Bageshri."),
    ("An oud and darbuka improvise together.", "Describe the melody.", "It winds through maqam Rast, ornamented."),
    ("A slow piano piece in a major key.", "What mode is the melody in?", "Mixolydian, with a flat seventh."),
    ("A slow piano piece.", "Describe the harmony.", "The melody is in the Lydian mode, floating and bright."),
])
def test_an_unsupported_raga_maqam_or_mode_name_is_invented(context: str, question: str, answer: str) -> None:
    assert grounding(pair(answer, question), clip(context)).reason == GROUNDING_INVENTED_SPECIFIC


@pytest.mark.parametrize(("context", "question", "answer"), [
    (SITAR, "Describe it.", "A meditative evening raga unfolding slowly on sitar."),
    (SITAR, "Which raga?", "Sounds like a morning raga, gentle and unhurried."),
    (SITAR + ", raga yaman", "Which raga?", "Yaman, an evening raga."),
    (SITAR, "Describe it.", "Hindustani raga feel, slow and meditative."),
    ("A slow modal piano piece in Dorian mode.", "What mode?", "Dorian."),
    ("A slow piano piece.", "What mode?", "Minor, melancholic."),
])
def test_ragas_and_modes_without_a_name_or_with_support_are_kept(context: str, question: str, answer: str) -> None:
    assert grounding(pair(answer, question), clip(context)).keep


TWO_CHORDS = "An acoustic guitar strums two chords; a man sings over it."
BLUES = "A slow twelve-bar blues on electric guitar with a shuffling rhythm section."


@pytest.mark.parametrize(("context", "answer"), [
    (TWO_CHORDS, "It just rocks back and forth, V-I, V-I."),
    (TWO_CHORDS, "A vi–IV–I–V loop."),
    (BLUES, "The turnaround is a jazzy ii-V-I."),
    ("A brass quintet plays a stately chorale.", "It closes on a plagal IV-I."),
])
def test_an_unsupported_roman_numeral_progression_is_invented(context: str, answer: str) -> None:
    assert grounding(pair(answer, "What are the chords doing?"), clip(context)).reason == GROUNDING_INVENTED_SPECIFIC


@pytest.mark.parametrize(("context", "answer"), [
    (BLUES, "The standard I-IV-V, twelve bars at a time."),
    (BLUES, "It lands on IV-I at the end of each chorus."),
    (BLUES, "It moves through the tonic, subdominant and dominant."),             # words, not numerals
    ("A jazz ballad on piano over a ii-V-I progression.", "A gentle ii-V-I that keeps coming back."),
    (TWO_CHORDS, "I love this. Two simple chords, strummed with a loose wrist."),  # the pronoun
])
def test_supported_progressions_and_words_are_kept(context: str, answer: str) -> None:
    assert grounding(pair(answer, "What are the chords doing?"), clip(context)).keep


FOLK = "A female singer with an acoustic guitar, soft and sad; a folk song."


@pytest.mark.parametrize(("question", "answer"), [
    ("What are the lyrics about?", "The words describe a fisherman lost at sea on a winter night."),
    ("What is she singing about?", "She sings about her grandmother's garden in spring."),
    ("What is the song about?", "It's about leaving a small mining town for the city."),
    ("Tell me about the vocals.", "A soft voice; the lyrics recount a wedding that never happened."),
])
def test_invented_lyric_content_trips(question: str, answer: str) -> None:
    assert grounding(pair(answer, question), clip(FOLK)).reason == GROUNDING_INVENTED_SPECIFIC


@pytest.mark.parametrize(("context", "question", "answer"), [
    ("A female singer singing about love over an acoustic guitar.", "What is the song about?",
     "The song is about love and longing."),
    ("A man croons a love song over piano.", "What are the lyrics about?", "They describe missing someone."),
    (FOLK, "Can you make out the words?", "The lyrics are hard to make out under the reverb."),
    ("A male voice sings vocables over guitar. There are no lyrics.", "What are the lyrics?",
     "There are no real lyrics, only vocables."),
    ("A man sings wordless vocables over a guitar.", "What does he sing?", "Vocables without words, in falsetto."),
    (FOLK, "What could the lyrics be about?", "Perhaps lost love, given the sad mood."),   # asks for a reading
    (FOLK, "What could the lyrics be about?", "The lyrics are about lost love."),  # an interpretation, asked for
    (FOLK, "What do the lyrics say?", "The lyrics say something about going home."),  # too vague to be a claim
    (FOLK, "What does the guitar do?", "It strums softly while she sings about home."),  # an aside
    (FOLK, "How long is the verse?", "The verse is about 30 seconds long."),
])
def test_lyric_near_misses_are_kept(context: str, question: str, answer: str) -> None:
    assert grounding(pair(answer, question), clip(context)).keep


def test_a_mode_against_the_caption_ignores_english_major_and_minor() -> None:
    caption = "A slow ballad in a minor key; jazz is a major influence."
    assert grounding(pair("A bright major key throughout.", "Key?"), clip(caption)).reason == GROUNDING_CONTRADICTION
    assert grounding(pair("Minor, and melancholic.", "Major or minor?"), clip(caption)).keep
    assert grounding(pair("The piano plays a major role.", "What leads?"), clip(caption)).keep


# Round 6, after v12: audience figures, a moment past the clip's end, a language of the wider list
@pytest.mark.parametrize(("question", "answer", "facts"), [
    ("Any traction?", "It's already doing 25k monthly listeners on the live cut.", {}),
    ("How did it chart?", "It peaked at No. 4 and went gold within a year.", {}),
    ("When does the choir come in?", "At 1:15, right after the second chorus.", {"duration_s": 10.0}),
    ("Which language are they singing in?", "Wolof.", {}),
])
def test_round6_unsupported_specifics_trip(question: str, answer: str, facts: dict) -> None:
    assert grounding(pair(answer, question), measured(FUNK, **facts)).reason == GROUNDING_INVENTED_SPECIFIC


@pytest.mark.parametrize(("question", "answer", "facts"), [
    ("When do the claps come in?", "At 0:04, on the backbeat.", {"duration_s": 10.0}),  # inside the clip
    ("How loud are the claps?", "Big: the claps hit hard on every backbeat.", {}),
    ("How many singers?", "One female singer, heavily processed.", {}),
])
def test_round6_supported_specifics_are_kept(question: str, answer: str, facts: dict) -> None:
    assert grounding(pair(answer, question), measured(FUNK, **facts)).keep


# round 7: figures a caption never gives, in a labeller's shorthand
@pytest.mark.parametrize(("question", "answer"), [
    ("Release year", "Late 80s, '87 at a guess."),
    ("Which piece is it?", "Sounds like Satie's Gymnopédie, Op. 12 style."),
    ("Who sings?", "About 30 kids in unison."),
    ("Lyrics", "'Hold me close', repeated."),
    ("What does the chorus say?", "She sings \"we were young once\" over the strings."),
    ("Which mode is it?", "G Mixolydian, with a flattened seventh."),
    ("bpm", "88."),
])
def test_round7_invented_specifics_are_found(question, answer):
    assert invented_specific(answer, question, "A folk song with a female singer and an acoustic guitar.", None)


@pytest.mark.parametrize(("question", "answer", "context"), [
    ("Lyrics", "'Stay', sung softly in the chorus.", "A soft pop ballad; the chorus repeats the word \"stay\"."),
    ("What's the texture?", "A 'wall of sound' feel from the strings.", "A lush string orchestra."),   # no lyric asked
    ("Which mode is it?", "Dorian, it sounds minor with a bright sixth.", "A modal jazz tune in D Dorian."),
    ("How many singers?", "Two, a man and a woman.", "A male and a female singer trade verses."),
])
def test_round7_specifics_the_source_gives_are_kept(question, answer, context):
    assert not invented_specific(answer, question, context, None)


@pytest.mark.parametrize(("question", "answer"), [
    ("decade", "80s, synths everywhere."),
    ("What form is it in?", "Rondo: the theme keeps coming back."),
    ("composer?", "Grieg"),
    ("What movie could this be from?", "It's from Lord of the Rings, the riding scene."),
])
def test_round7b_invented_specifics_are_found(question, answer):
    assert invented_specific(answer, question, "A gentle piece for strings and piano.", None)


@pytest.mark.parametrize(("question", "answer", "context"), [
    ("decade", "80s, like the caption's synthpop.", "80s synthpop with drum machine."),
    ("Who does it remind you of?", "Nick Drake in his quieter songs.", "A fingerpicked folk song, male voice."),
    ("What form is it in?", "Verse and chorus, then a short bridge.", "A pop song with verse and chorus."),
    ("Describe the meter.", "A swing feel in 4/4 over the walking bass.", "A jazz trio with a walking bass."),
])
def test_round7b_era_form_and_comparisons_the_source_allows_are_kept(question, answer, context):
    assert not invented_specific(answer, question, context, None)


QUARTET = "A string quartet performs a slow, mournful piece. The cello sustains long low notes."


@pytest.mark.parametrize(("question", "answer", "context"), [
    # a work's generic words ("String Quartet") in the caption do not make its composer the caption's
    ("Which composer wrote this piece?", "This appears to be the slow movement of Shostakovich's String Quartet No. 8.",
     QUARTET),
    ("How many musician play in this recording?", "There are four musician: one singer, one guitarist and two violin "
     "player.", "A female singer with an acoustic guitar and a light string section."),
    ("What era does this piece seem to come from?", "It sounds like a Baroque work from the early 1700s.",
     "guitar, classical, slow, solo, no vocals, soft"),
])
def test_round9_names_counts_and_centuries_are_found(question, answer, context):
    assert invented_specific(answer, question, context, None)


@pytest.mark.parametrize(("question", "answer", "context"), [
    ("Who's on the mic?", "A male rapper, with a child's voice dropping in to announce that Santa's arriving.",
     "A Christmas hip-hop piece. A child voice announces the arrival of Santa. The male vocalist is rapping."),
    ("What era of classical music does this piece resemble?",
     "The Romantic era: expressive qualities typical of 19th-century piano music.",
     "solo piano piece, slow and melancholic, sounds classical maybe romantic era?"),
    ("How many players?", "Four: the string quartet's two violins, viola and cello.", QUARTET),
])
def test_round9_names_and_eras_the_source_allows_are_kept(question, answer, context):
    assert not invented_specific(answer, question, context, None)


PIANO = "A solo piano plays a slow melody. The right hand plays a simple tune while the left hand plays broken chords."


@pytest.mark.parametrize(("question", "answer", "context"), [
    ("Where do the sounds sit?", "The left hand sits toward the left speaker and the melody drifts right.", PIANO),
    ("Where do the shimmers sit?", "They sweep from the left speaker to the right every few seconds.",
     "An ambient pad."),
    ("What did they use for the bell sound?", "That's the Omnisphere 'Dark Bells' preset.", "A trap beat with bells."),
    ("Where was this recorded?", "Live in a cabin in the Appalachian foothills.", "A solo acoustic guitar piece."),
    ("lang", "Jamaican Patois", "A reggae song with a female vocalist."),
])
def test_round10_stereo_places_gear_and_languages_are_found(question, answer, context):
    assert invented_specific(answer, question, context, None)


@pytest.mark.parametrize(("question", "answer", "context"), [
    ("What do the hands do?", "The left hand plays broken chords under the right hand's tune.", PIANO),
    ("Where is the guitar?", "Panned left, with the keys on the right.", "A wide stereo mix: guitar left, keys right."),
    ("Where was this recorded?", "In a big reverberant hall, by the sound of it.", "A solo acoustic guitar piece."),
    ("Keys?", "A warm Rhodes with some plate reverb.", "A lo-fi beat with Rhodes chords."),
])
def test_round10_hands_given_stereo_and_rooms_are_kept(question, answer, context):
    assert not invented_specific(answer, question, context, None)


@pytest.mark.parametrize(("question", "answer", "context"), [
    ("What frequency is the drone tuned to?", "The drone sits on a 432 Hz foundation.", "An ambient drone."),
    ("What's the clearance status?", "Cleared for worldwide trailer use in perpetuity.", "An epic orchestral cue."),
    ("Stems available?", "Yes, a full stem pack as 24-bit WAV.", "An indie pop song."),
    ("Which composer wrote this piece?", "It sounds like Erik Satie's Gymnopedie No. 1, played slowly.",
     "piano, classical, slow, soft, solo"),
    ("What raga is being played?", "The raga is Yaman.", "sitar, indian, eastern, strings, no voice, slow"),
    ("How many singers are there?", "A group of eight monks.", "Male voices chant slowly in unison."),
    ("era", "romantic, ~1850s", "opera, classical, female vocal, soprano, orchestra"),
    ("What form does this movement take?", "Ritornello form with a da capo return.", "classical, violin, baroque"),
    ("What tuning are the guitars in?", "Drop C, no question.", "metal, heavy metal, guitar, drums, loud"),
])
def test_round11_frequencies_rights_credits_and_tunings_are_found(question, answer, context):
    assert invented_specific(answer, question, context, None)


@pytest.mark.parametrize(("question", "answer", "context"), [
    ("Who does it remind you of?", "It sounds like Erik Satie, sparse and slow.", "piano, classical, slow, solo"),
    ("What tuning?", "Drop D, as the caption says.", "A grunge song with guitars in drop D."),
    ("Describe the low end.", "A 60s-style bass line, round and warm.", "A 1960s soul song with bass and organ."),
    ("What key?", "An open, ringing D major.", "A folk song in D major with open strings."),
])
def test_round11_comparisons_given_tunings_and_open_chords_are_kept(question, answer, context):
    assert not invented_specific(answer, question, context, None)
