"""degenerate: broken text is dropped with its reason; short-but-real and stylistic text is kept."""

from __future__ import annotations

import pytest

from musicqa.filters import degenerate as d
from tests.filters.helpers import clip, pair


@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("What instruments are playing?", "   ", d.DEGENERATE_EMPTY),
    ("", "A lively folk tune with fiddle and accordion.", d.DEGENERATE_EMPTY),
    ("What is it?", "It is a calm ambient piece with soft pads<|endoftext|>", d.DEGENERATE_SPECIAL_TOKEN),
    ("What is it?", "### Response: a fiddle and a banjo play a reel.", d.DEGENERATE_SPECIAL_TOKEN),
    ("Describe the song.", "La canción es una balada lenta con piano y una voz femenina muy suave.",
     d.DEGENERATE_WRONG_LANGUAGE),
    ("Describe the song.", "这首歌是一首节奏很快的摇滚歌曲，有吉他和鼓。", d.DEGENERATE_WRONG_LANGUAGE),
    ("The audio is a rock song.", "Yes, it features electric guitars, bass and drums.", d.DEGENERATE_NOT_A_QUESTION),
    ("Describe the featured instrument.", "The accordion.", d.DEGENERATE_TOO_SHORT),
    ("Describe the audio in detail", "Describe the audio in detail: a slow piano piece.", d.DEGENERATE_ECHOES_QUESTION),
    ("Describe the audio", "Describe the audio", d.DEGENERATE_RESTATES_QUESTION),
    ("What is the mood of the audio?", "The mood of the audio is the mood of the audio.",
     d.DEGENERATE_RESTATES_QUESTION),
    # the question's own words in another form say nothing either: "moody" for "mood", "melody" for "melodic"
    ("What's the mood?", "The mood of it is moody.", d.DEGENERATE_RESTATES_QUESTION),
    ("Describe the melodic contour.", "The melodic contour of the melody is the contour described by the melody.",
     d.DEGENERATE_RESTATES_QUESTION),
    ("How would you describe the guitar?", "The guitar is a guitar that sounds like a guitar.",
     d.DEGENERATE_RESTATES_QUESTION),
    ("Describe the audio in detail", "What is the mood of the audio?", d.DEGENERATE_ANSWER_IS_QUESTION),
    ("How loud is it?", "The drums are loud. The drums are loud. The drums are loud.", d.DEGENERATE_REPETITION),
    ("Is it funny?", "hahahahahahahahahahahahahahaha the song is funny", d.DEGENERATE_REPETITION),
    ("Describe it.", "The track features a warm bass line, crisp drums and a bright melody that carries the",
     d.DEGENERATE_TRUNCATED),
    ("Describe it.", "The beat is steady (with a swung hi-hat pattern and", d.DEGENERATE_TRUNCATED),
])
def test_trips(question: str, answer: str, reason: str) -> None:
    assert d.degenerate(pair(answer, question), clip()).reason == reason


@pytest.mark.parametrize(("question", "answer"), [
    ("Is the audio upbeat or slow?", "The audio is upbeat and lively."),
    ("What is the tempo?", "Fast, around 140 BPM."),
    ("Does it have vocals?", "No, it is instrumental."),
    ("How does the melody move?", "The melody rises, falls, and rises again... a true earworm."),
    ("What do the backing singers do?", 'The chorus chants "na na na" over and over while the drums pound.'),
    ("Tell me about the rhythm", "The rhythm is a syncopated funk groove with ghost notes on the snare."),
    ("How would you describe the melody?", "A melodic line on the oboe, rising and then falling."),
    ("What's the mood?", "The mood is moody and dark, like a rainy night."),
    ("How does the track open?", "The track opens with a quiet piano motif and slowly adds strings"),
    ("What style is it?", "A French chanson with accordion; the refrain 'la vie en rose' is sung softly."),
])
def test_near_misses_are_kept(question: str, answer: str) -> None:
    assert d.degenerate(pair(answer, question), clip()).keep


def test_min_answer_words_is_configurable() -> None:
    assert d.Degenerate(min_answer_words=2)(pair("Solo guitar.", "What plays?"), clip()).keep
    assert not d.Degenerate(min_answer_words=4)(pair("Solo guitar.", "What plays?"), clip()).keep


def test_short_sentence_loop_trips_and_two_repeats_are_kept() -> None:
    loop = "It is slow. It is slow. It is slow. It is slow."
    assert d.degenerate(pair(loop, "What is the tempo?"), clip()).reason == d.DEGENERATE_REPETITION
    twice = "It is slow. The cello sings above the viola. It is slow, and it ends quietly."
    assert d.degenerate(pair(twice, "What is the tempo?"), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    ("Describe the beat.", "The beat is a steady boom bap groove with a crunchy sna"),  # cut mid-word
    ("How does it start?", "It starts with a quiet synth pad and a distant, echoing vocal that slowly fad"),
    ("What instruments?", "Piano, strings, harp, and a soft fl"),
])
def test_mid_word_cuts_are_truncated(question: str, answer: str) -> None:
    assert d.degenerate(pair(answer, question), clip()).reason == d.DEGENERATE_TRUNCATED


@pytest.mark.parametrize(("question", "answer"), [
    ("What drums?", "Just a kick, a clap and rimshots"),  # "rimshots": a music-vocabulary word, no stop needed
    ("What's the bass doing?", "A slap bass line that pops and thumps under the strummed guitars"),
    ("Where is it from?", "Sounds like an old recording from Havana"),  # a capitalised name is not judged
])
def test_complete_last_words_are_kept(question: str, answer: str) -> None:
    assert d.degenerate(pair(answer, question), clip()).keep


def test_an_answer_at_the_schema_limit_was_cut_by_the_decoder() -> None:
    words = "piano strings violin cello harp flute oboe drums bass guitar organ choir".split()
    answer = " ".join(f"{i} {words[i % len(words)]}." for i in range(300))[:120]
    cut = d.Degenerate(max_answer_chars=120)
    assert cut(pair(answer, "Describe it."), clip()).reason == d.DEGENERATE_TRUNCATED
    assert cut(pair("A slow piano piece with soft strings.", "Describe it."), clip()).keep


@pytest.mark.parametrize("answer", [
    "muy tranquilo y relajado, con una guitarra suave",
    "oui il y a une chanteuse avec une voix douce",
    "Er singt mit einer tiefen Stimme über eine Gitarre.",
    "Темп медленный, играет фортепиано.",
    "Het is een rustig nummer met een akoestische gitaar en zachte zang.",
])
def test_other_languages_are_dropped(answer: str) -> None:
    assert d.degenerate(pair(answer, "Describe the music."), clip()).reason == d.DEGENERATE_WRONG_LANGUAGE


@pytest.mark.parametrize(("question", "answer"), [
    ("Tempo?", "Slow, rubato, no steady beat."),  # one-word question: too short to identify a language
    ("What style is it?", "A bossa nova with nylon guitar, sung softly in the style of João Gilberto."),
    ("Any singing?", "Yes, a mariachi band sings with trumpets and violins, very festive."),
    ("What genre?", "Roots reggae with a one-drop beat and a deep dub bass."),
])
def test_english_with_foreign_words_is_kept(question: str, answer: str) -> None:
    assert d.degenerate(pair(answer, question), clip()).keep


def test_the_expected_language_is_configurable() -> None:
    german = pair("Eine Frau singt ein ruhiges Lied zum Klavier, sehr traurig.", "Was hört man in dem Stück?")
    assert d.Degenerate(language="de")(german, clip()).keep
    assert d.Degenerate(language="")(german, clip()).keep  # check off
    assert d.Degenerate()(german, clip()).reason == d.DEGENERATE_WRONG_LANGUAGE


@pytest.mark.parametrize(("question", "answer"), [
    ("Is the rapper male or female?", "Male."),
    ("Which language?", "Portuguese."),
    ("Relaxing or rowdy?", "Relaxing."),
    ("Is there a piano?", "Yes."),
    ("Singer?", "No."),
    ("key", "D major"),
    ("Tempo approx", "About 125 BPM."),
    ("Organ type?", "Hammond-style."),
    ("What's the tempo?", "Medium."),
    ("Drop the energy in one word?", "Exciting."),  # round 5: the question asks for one word
    # round 6: instructions and one-slot questions ("Identify the primary instrument.") take a noun for an answer
    ("State the key and mode of the piece.", "E minor."),
    ("Identify the instrument carrying the bass line.", "The cello."),
    ("Determine whether the vocalist is male or female.", "Female."),
    ("What instrument leads?", "Piano."),
    ("What instrument is featured?", "The accordion."),
    ("What is the mood of the song?", "Melancholic."),
    ("Lead instr.", "Synthesizer."),
    ("Danceable y/n", "Yes."),
    ("Loud or quiet", "Quiet."),
    ("Period / instr.", "Baroque harpsichord piece."),
    ("Instr.", "- synths\n- programmed beat\n- female lead vocal"),
    ("Is it the kind of track that fills a dancefloor?", "Yes, it fills a dancefloor."),
])
def test_closed_questions_and_terse_requests_accept_a_short_answer(question: str, answer: str) -> None:
    assert d.degenerate(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("Describe the mood of the song.", "Melancholic.", d.DEGENERATE_TOO_SHORT),  # an open question
    ("Describe the overall genre and its characteristics.", "Downtempo house.", d.DEGENERATE_TOO_SHORT),
    ("What instruments are playing?", "Piano, strings.", d.DEGENERATE_TOO_SHORT),  # a plural asks for a list
    ("The track is fast.", "Yes, it is a fast techno track.", d.DEGENERATE_NOT_A_QUESTION),
    ("Guitar, drums and bass.", "The guitar, drums and bass play a loud rock riff.", d.DEGENERATE_NOT_A_QUESTION),
    ("Is there a piano?", "lol", d.DEGENERATE_TOO_SHORT),  # not of the question's type
    ("vibe?", "energet", d.DEGENERATE_TOO_SHORT),  # cut off mid-word
    ("Name the instruments.", "Drums, bass, guitar.", d.DEGENERATE_TOO_SHORT),  # a list request is open
    ("Tempo?", "The tempo.", d.DEGENERATE_RESTATES_QUESTION),
    ("Is it the kind of track that fills a dancefloor?",  # round 5: a yes/no question said back
     "Fills a dancefloor? Is it the kind of track that fills a dancefloor.", d.DEGENERATE_RESTATES_QUESTION),
    ("energy in one word?", "energet", d.DEGENERATE_TOO_SHORT),
    ("What genre is it?", "R&B/Fu", d.DEGENERATE_TOO_SHORT),  # cut off two letters into "Funk"
])
def test_short_answers_to_open_questions_still_trip(question: str, answer: str, reason: str) -> None:
    assert d.degenerate(pair(answer, question), clip()).reason == reason


def test_a_list_that_stops_at_its_next_marker_is_truncated() -> None:
    answer = "1. Eerie\n2. Sinister\n3."
    assert d.degenerate(pair(answer, "List three adjectives for the mood."), clip()).reason == d.DEGENERATE_TRUNCATED
    assert d.degenerate(pair("1. Eerie\n2. Sinister\n3. Baleful", "List three moods."), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    ("Is there a plucked string instrument?", "Yes, the sitar."),  # round 6: three words tell no language
    ("Which instrument?", "Solo oud, improvised."),
])
def test_three_latin_words_are_not_judged_for_language(question: str, answer: str) -> None:
    assert d.degenerate(pair(answer, question), clip()).keep


def test_a_bullet_list_is_not_truncated() -> None:
    answer = "Tension comes from:\n- dissonant clusters\n- low drones"
    assert d.degenerate(pair(answer, "Where does the tension come from?"), clip()).keep
    cut = "Tension comes from:\n- dissonant clusters\n- low drones and the"
    assert d.degenerate(pair(cut, "Where does the tension come from?"), clip()).reason == d.DEGENERATE_TRUNCATED


# Round 6, after v12: a crowd worker's register and a short loop
@pytest.mark.parametrize(("question", "answer"), [
    ("how fast is it", "quite quick, maybe 140 bpm"),  # a unit or shorthand ends an answer without a stop
    ("mood", "dark and moody tbh"),
    ("wat instrument is that", "a twangy banjo picking fast"),  # a misspelt question word
    ("whats the genre", "punk"),  # a one-slot question without its apostrophe
    ("Club-ready or not? Short verdict.", "Club-ready: a pounding kick and a bright synth lead."),  # "?" mid-question
    ("How does it feel?", "Light and playful, like a sunny afternoon ☀"),  # an emoji ends it
])
def test_round6_crowd_register_is_kept(question: str, answer: str) -> None:
    assert d.degenerate(pair(answer, question), clip()).keep


def test_a_short_phrase_four_times_running_is_a_loop() -> None:
    loop = "Big drums, big drums, big drums, big drums, big drums."
    assert d.degenerate(pair(loop, "Verdict?"), clip()).reason == d.DEGENERATE_REPETITION
    chant = "The crowd chants 'na na na na' between the verses, over a thumping kick."  # one word: not this rule
    assert d.degenerate(pair(chant, "What happens between verses?"), clip()).keep


# Round 6c, after v13: requests in a ticket's or a sommelier's clothes, and a one-slot question with a possessive
@pytest.mark.parametrize(("question", "answer"), [
    ("Sections: list what is audible in the cue.", "Observed: strings, brass stabs and heavy drums. Result: PASS."),
    ("Tempo and key as key: value, please.", "tempo: ~120 BPM\nkey: A minor"),
    ("Pour me a description of this track.", "A smooth lounge pour: saxophone up front, piano and double bass."),
    ("Mood check for the pause menu (expected: calm).", "Observed: calm, a little sad. Severity: low."),
    ("What's the singer's gender?", "Male."),
])
def test_round6c_requests_are_questions(question: str, answer: str) -> None:
    assert d.degenerate(pair(answer, question), clip()).keep


def test_a_colon_does_not_make_a_statement_a_question() -> None:
    statement = "The track is fast: very fast."
    assert d.degenerate(pair("Yes, a fast techno track with a pounding kick.", statement), clip()).reason == (
        d.DEGENERATE_NOT_A_QUESTION)


@pytest.mark.parametrize(("question", "answer"), [
    ("How fast is it?", "As fast as it is fast, at the speed it goes."),  # a tautology
    ("How fast is it?", "It is quick, the tempo is its tempo."),
    ("How loud is it?", "Its loudness is loud, with a loud level of loud."),  # round the question's word
    ("Describe the guitar.", "The guitar guitars along like a guitar would guitar."),
])
def test_an_answer_going_round_its_question_restates_it(question: str, answer: str) -> None:
    assert d.degenerate(pair(answer, question), clip()).reason == d.DEGENERATE_RESTATES_QUESTION


@pytest.mark.parametrize(("question", "answer"), [
    ("Is it loud?", "It's as loud as it is punchy, with a huge kick."),  # a comparison
    ("How loud is it?", "Loud: the drums are loud, the bass is loud, the guitars are loud."),  # names the band
    ("Describe the guitar.", "The guitar plays a bright riff; the guitar tone is crunchy and the guitar solo soars."),
])
def test_near_misses_of_going_round_are_kept(question: str, answer: str) -> None:
    assert d.degenerate(pair(answer, question), clip()).keep


# round 7: a labeller's field names and scales, numbers and Camelot codes as answers, English with loanwords
@pytest.mark.parametrize(("question", "answer"), [
    ("Vox", "Female."),
    ("Accomp", "Harp only."),
    ("Mood 1-10", "7."),
    ("Camelot code for this one?", "11B."),
    ("Tempo steady?", "No, lots of rubato."),
    ("Is the tempo slow?", "No, the tempo is brisk."),
    ("What's carrying the low end?", "The tuba."),
])
def test_round7_short_answers_to_fields_and_one_thing_questions_are_kept(question: str, answer: str) -> None:
    assert d.Degenerate()(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("Describe texture", "Describe texture: grainy and warm.", d.DEGENERATE_ECHOES_QUESTION),
    ("Which instrument carries the tune?", "**Which instrument carries the tune?** The oboe, over strings.",
     d.DEGENERATE_ECHOES_QUESTION),
    ("How long is the intro?", "The intro lasts roughly", d.DEGENERATE_TRUNCATED),
    ("Who plays the solo?", "A young cellist from the orchestra, a player called", d.DEGENERATE_TRUNCATED),
    ("What instruments are there?", "The cello.", d.DEGENERATE_TOO_SHORT),   # a list asked for, one thing given
    ("Room", "Sí, mucha reverberación en la sala.", d.DEGENERATE_WRONG_LANGUAGE),
])
def test_round7_trips(question: str, answer: str, reason: str) -> None:
    assert d.Degenerate()(pair(answer, question), clip()).reason == reason


def test_round7_a_two_word_question_repeated_without_a_label_is_no_echo() -> None:
    assert d.Degenerate()(pair("Tempo approx 120, steady and driving.", "Tempo approx"), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    ("vox M/F", "F"), ("dance? y/n", "y"), ("texture (3 words)", "grainy warm close"), ("Brass?", "y, two horns"),
    ("# of guitars", "Two."), ("lead inst", "acoustic gtr"),
    ("What genre is this?", "lofi hip hop, the kind of music people study to"),
    ("Set the scene for this one.", "A smoky club at 2 a.m., brushes on the snare, a muted trumpet."),
])
def test_round7b_labeller_options_and_requests_are_kept(question: str, answer: str) -> None:
    assert d.Degenerate()(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("Can you explain how the bridge builds?", "Bridge build", d.DEGENERATE_TOO_SHORT),
    ("What is the tone of the horns?", "The tone of the horn section is the tone of the horns playing.",
     d.DEGENERATE_RESTATES_QUESTION),
])
def test_round7b_trips(question: str, answer: str, reason: str) -> None:
    assert d.Degenerate()(pair(answer, question), clip()).reason == reason


@pytest.mark.parametrize(("question", "answer"), [
    ("Explicit?", "N"), ("Gender", "M"), ("Classify the genre.", "Deep house."), ("How many players?", "Three."),
    ("How long is the excerpt?", "About ten seconds."), ("Kick", "4-on-the-floor, straight"),
    ("Mood tags", "energetic, euphoric"), ("is it loud", "yeah its mastered loud, like festival edm usually is"),
])
def test_round8_form_cells_and_counts_are_kept(question: str, answer: str) -> None:
    assert d.Degenerate()(pair(answer, question), clip()).keep


def test_round9_a_bare_part_is_a_labellers_field_but_a_statement_is_no_question() -> None:
    # round 8 read "cello" as no question; a labeller's whole register (v17-labeller5: "Bass", "Perc", "Sub bass")
    # asks this way, so a part named alone is a field to fill (round 9)
    assert d.Degenerate()(pair("The cello plays a slow line.", "cello"), clip()).keep
    assert d.Degenerate()(pair("A slow line.", "The cello plays."), clip()).reason == d.DEGENERATE_NOT_A_QUESTION


@pytest.mark.parametrize(("question", "answer"), [
    ("Why the music is good for studying?",
     "The music is good for studying because it is the music which is good for study."),
    ("Why does the Phrygian mode sound Spanish?",
     "The Phrygian mode sounds Spanish because it has that Spanish Phrygian sound."),
    ("Describe the audio in detail", "The audio is described in detail as having a melancholic and emotional tone."),
])
def test_round9_a_reason_made_of_the_questions_words_restates_it(question: str, answer: str) -> None:
    assert d.Degenerate()(pair(answer, question), clip()).reason == d.DEGENERATE_RESTATES_QUESTION


@pytest.mark.parametrize(("question", "answer"), [
    ("Why does it sound sad?", "It sounds sad because of the slow minor-key piano."),
    ("Why is it good for studying?", "It is good for studying because the beat is steady and nothing jumps out."),
    ("How much detail is in the mix?", "Every part is described in detail by its own space in the stereo field."),
])
def test_round9_a_real_reason_is_kept(question: str, answer: str) -> None:
    assert d.Degenerate()(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    # a forum register leaves the closing stop off on purpose (round 10, v18-reddit)
    ("what's carrying this track ngl", "the rhodes chords imo. they're soft and warm and everything else (the boom bap "
     "drums, the deep bass) just sits under them. the vinyl crackle on top is what makes it feel like an old "
     "record tho"),
    ("Who's playing?", "can't tell from this one, sounds like a solo guitar though, recorded close up like that"),
])
def test_round10_a_lower_case_register_without_a_closing_stop_is_not_cut_off(question: str, answer: str) -> None:
    assert d.Degenerate()(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("Describe the drums.", "The drums keep a steady backbeat while the hi-hats open up on every fourth bar and the "
     "snare gets a little", d.DEGENERATE_TRUNCATED),
    ("What role does the piano play?",
     "[INSTRUMENT] carries a catchy montuno riff that locks in with the [PERCUSSION].",
     d.DEGENERATE_SPECIAL_TOKEN),
])
def test_round10_prose_cut_off_and_template_slots_still_trip(question: str, answer: str, reason: str) -> None:
    assert d.Degenerate()(pair(answer, question), clip()).reason == reason


def test_round11_a_last_word_cut_inside_a_caption_word_is_cut_off() -> None:
    caption = "A bossa nova instrumental with nylon-string guitar, brushed drums and a flute playing the melody."
    answer = "Sophisticated and breezy, so it could lean upscale, but the nylon guitar and flu"
    assert d.Degenerate()(pair(answer, "Is this usable for a luxury car ad?"), clip(caption)).reason == (
        d.DEGENERATE_TRUNCATED)


def test_round11_a_whole_word_before_a_run_together_tag_is_not_cut_off() -> None:
    tags = "genre---folk, instrument---acousticguitar, instrument---voice, mood/theme---sad"
    assert d.Degenerate()(pair("its a guitar i think, acoustic", "wat instrument is playin"), clip(tags)).keep
    assert d.Degenerate()(pair("the shop guy said it was crisp and he sold it to me", "mood?"),
                          clip("A mellow hip-hop beat.")).keep
    # an inflection of a caption's word ends a word too: "soft" before "softly"
    assert d.Degenerate()(pair("the piano plays really soft and slow", "Describe it."),
                          clip("A solo piano played softly and slowly.")).keep
