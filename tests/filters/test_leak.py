"""leak: a pair that trips each reason, and a near miss with the same words that doesn't."""

from __future__ import annotations

import pytest

from musicqa.filters.leak import (
    LEAK_GENERAL_KNOWLEDGE,
    LEAK_GENERATION_SETUP,
    LEAK_MEASUREMENT,
    LEAK_SOURCE_REFERENCE,
    LEAK_TAG_QUESTION,
    leak,
)
from tests.filters.helpers import clip, pair


@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("What can be inferred from the audio?", "Based on the tags, it can be inferred that it is a dance track.",
     LEAK_SOURCE_REFERENCE),
    ("What genre of music is the audio tagged as?", "It is an energetic dance track with synths.",
     LEAK_SOURCE_REFERENCE),
    ("What kind of song is it?", "The caption mentions a male vocalist, so it is probably pop.", LEAK_SOURCE_REFERENCE),
    ("Which instruments are used?", "From what's written, it features a banjo and a fiddle.", LEAK_SOURCE_REFERENCE),
    ("Describe the audio", "The audio is described as ambient, electronic and lounge.", LEAK_SOURCE_REFERENCE),
    ("What style is it?", "The list provided suggests a mellow jazz combo.", LEAK_SOURCE_REFERENCE),
    ("What does the word 'dance' suggest?", "The word 'dance' suggests it is upbeat.", LEAK_SOURCE_REFERENCE),
    ('What genre of music is "dance, electronic, pop, accordion"?', "A blend of dance-pop and folk.",
     LEAK_TAG_QUESTION),
    ("What type of music is lounge?", "Lounge is relaxed music heard in hotel bars.", LEAK_TAG_QUESTION),
    ("What genre of music is characterized by breakbeat rhythms?", "Drum and bass uses fast breakbeats.",
     LEAK_TAG_QUESTION),
    ("What is trip hop?", "Trip hop is a slow, moody blend of hip hop beats and electronica.", LEAK_TAG_QUESTION),
    ("Why is the music considered 'meditative'?", "Because it is slow and soft.", LEAK_TAG_QUESTION),
    ("What instrument is commonly used in funk music?", "The bass guitar drives most funk.", LEAK_TAG_QUESTION),
    ("Is the song sad?", "The text mentions that the song is sad and slow.", LEAK_SOURCE_REFERENCE),
    ("Describe the audio", "Described as 'energetic' and 'uplifting', it is a dance-pop track.", LEAK_SOURCE_REFERENCE),
    ("What mood is it?", "Its description points to a calm, relaxing mood.", LEAK_SOURCE_REFERENCE),
    ("What type is it?", "The music type given is electronic.", LEAK_SOURCE_REFERENCE),
    ("What can be inferred?", "Since the words 'epic' and 'cinematic' appear, it is a film score.",
     LEAK_SOURCE_REFERENCE),
    ("Describe the audio.", "This MusicCaps clip features a female singer.", LEAK_GENERATION_SETUP),
    ("Describe the audio.", "A slow piano ballad, as the user asked for.", LEAK_GENERATION_SETUP),
    ("What do you hear?", "As I mentioned earlier, the song uses a slide guitar.", LEAK_GENERATION_SETUP),
])
def test_trips(question: str, answer: str, reason: str) -> None:
    assert leak(pair(answer, question), clip()).reason == reason


@pytest.mark.parametrize(("question", "answer"), [
    ("How is the rap delivered?", "Two rappers trade verses in a tag-team style."),
    ("Where could this be used?", "It could accompany a video caption montage."),
    ("How do the strings sound?", "The strings are lush and descriptive, painting a vast landscape."),
    ("Does it fit a style?", "It fits the description of a classic lullaby: soft, slow and soothing."),
    ("What do you hear at the end?", "The guitarist tags a short bluesy lick onto the end of each phrase."),
    ("How would you describe the voice?", "The singer's voice can best be described as smoky and warm."),
    ("What is the term for the drum pattern heard in this track?", "It is a blast beat, common in extreme metal."),
    ("What is the role of the drums?", "The drums stay in the background, keeping a soft pulse with brushes."),
    ("What is the genre?", "It is a synth-pop song with a retro 1980s sound."),
    ("How would you describe the tone?", "Warm and slightly overdriven, the kind of tone often described as 'bluesy'."),
    ("What is the tempo?", "A moderate 96 BPM with a laid-back swing."),
    ("What instruments are commonly heard in this song?", "Mostly piano and brushed drums."),
    ("What does the chorus say?", "The chorus repeats 'we are young' over big, stomping drums."),
    ("How does the intro work?", "A lone cello note, unknown at first where it's heading, turns into a melody."),
    # an assistant's pleasantries are a register, not a leak (round 6)
    ("Describe the audio.", "Great question! A slow piano ballad with soft strings. I hope this helps!"),
    ("What is the mood?", "Absolutely. It's mellow and warm; let me know if you'd like more detail!"),
    ("What plays?", "Certainly! Here is a breakdown: piano, upright bass and brushed drums."),
])
def test_near_misses_are_kept(question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip()).keep


@pytest.mark.parametrize("answer", [
    "According to the provided details, the song is loud.",  # any source preposition before "provided details"
    "As per the given context, it is a string quartet.",
    "Yes, the details provided mention a piano.",  # "details"/"context"/"specifics" as a source noun
    "The given context says it is a string quartet.",
    "Three, according to the listed instruments: cello, violin and viola.",  # participle before the list noun
])
def test_source_by_another_name_trips(answer: str) -> None:
    assert leak(pair(answer, "What plays?"), clip()).reason == LEAK_SOURCE_REFERENCE


@pytest.mark.parametrize("answer", [
    "The fine details provided by the reverb make the room sound huge.",  # provided by a sound, not a source
    "The context given by the crowd noise points to a live show.",
    "The instruments blend well: cello, violin and viola.",
    "It sounds like a rock band signed to a major label.",
    "The acoustic guitar is tagged along behind the voice.",
])
def test_source_by_another_name_near_misses_are_kept(answer: str) -> None:
    assert leak(pair(answer, "What plays?"), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    ("Where was it recorded?", "I'm told it was recorded in a church, and the reverb fits."),
    ("What's the mood?", "The write-up calls it melancholic and dreamy."),
    ("What vibe does it have?", "Going off what I was given, it's a chill, mellow beach vibe."),
    ("What kind of voice is present?", "Per the accompanying notes, a female soprano."),
    ("Is it fast?", "It's marked as fast, so yeah, probably upbeat."),
    ("What's the genre?", "It's filed under classical and baroque."),
    ("Which moods were listed?", "Calm, relaxing and peaceful."),
    ("Instruments named?", "Guitar, bass and drums."),
    ("How was the tempo described?", "As medium tempo, steady."),
    ("What does the description say about the tempo?", "That it is fast."),
])
def test_hearsay_and_questions_about_the_source_trip(question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip()).reason == LEAK_SOURCE_REFERENCE


@pytest.mark.parametrize(("question", "answer"), [
    ("How is the song described in its lyrics?", "The singer describes a rainy city night and a lost love."),
    ("How is the track labelled on the record?", "It sounds like a B-side: rough, short and unpolished."),
    ("Which instruments play the melody?", "A muted trumpet, doubled by a flute an octave up."),
    ("What does the singer say?", "She tells a story about leaving home, half spoken, half sung."),
    ("Is it fast?", "The tempo is marked by a driving kick drum on every beat."),
])
def test_near_misses_about_the_music_are_kept(question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip()).keep


@pytest.mark.parametrize("question", [
    "What is the mood of chillout music?",
    "What is ska music known for?",
    "What is the connection between trance and techno music?",
    "How has this genre of music influenced other forms of music and culture?",
])
def test_genres_asked_about_in_general_trip(question: str) -> None:
    assert leak(pair("Relaxed and calm, built for unwinding.", question), clip()).reason == LEAK_TAG_QUESTION


@pytest.mark.parametrize("question", [
    "Is it jazz music?", "What kind of rock music is this?", "Would fans of jazz music enjoy it?",
    "Does the song sound like country music?",
])
def test_genre_questions_about_the_clip_are_kept(question: str) -> None:
    assert leak(pair("Yes, a mellow trio with brushed drums and an upright bass.", question), clip()).keep


# Round 6 (issue 24): leaks by the writers of v11-*, in other words; each with a near miss
@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("What is it?", "Ska emerged in Jamaica during the late 1950s, ahead of rocksteady.", "leak_general_knowledge"),
    ("Style", "Bossa nova: a Brazilian style born in Rio out of samba and jazz.", "leak_general_knowledge"),
    ("Could you say what a hemiola means in music theory?", "Two bars of three felt as three bars of two.",
     LEAK_TAG_QUESTION),
    ("Which style of music frequently blends cumbia and rock?", "Cumbia rock, mostly.", LEAK_TAG_QUESTION),
    ("How is the Hammond organ different from other keyboards?", "It has drawbars and a rotating speaker.",
     LEAK_TAG_QUESTION),
    ("What mood does the tag 'chillout' give?", "Relaxed.", LEAK_SOURCE_REFERENCE),
    ('Why would "singersongwriter" fit the audio?', "It is a voice with an acoustic guitar.", LEAK_TAG_QUESTION),
    ("What is the term for software that writes music?", "Algorithmic composition.", LEAK_TAG_QUESTION),
    ("Key?", "Analyser strength 0.58 for G major, so fairly sure.", "leak_measurement"),
    ("How sure is the tempo?", "The tempo estimate says 98, though its confidence is just 0.3.", "leak_measurement"),
    ("What does it say about tempo?", "The source describes the tempo as brisk.", LEAK_SOURCE_REFERENCE),
    ("Describe the audio", "A folk/pop/reggae/rock/ska song.", LEAK_SOURCE_REFERENCE),
])
def test_round6_leaks_trip(question: str, answer: str, reason: str) -> None:
    assert leak(pair(answer, question), clip()).reason == reason


@pytest.mark.parametrize(("question", "answer"), [
    ("How does the song develop?", "The song grew out of a simple piano figure into a full band arrangement."),
    ("What is it?", "It's ska: the guitar chops the offbeats and the horns answer the singer."),
    ("What does the bassline do?", "The bass often doubles the kick here, locking the groove."),
    ("How strong is the beat?", "The beat is strong and steady; the confidence of the drummer is obvious."),
    ("What's the style?", "An electronic/downtempo house piece with a trippy vocal."),
    ("Where does the intro lead?", "The source of the hum is a sustained organ note under the piano."),
    ("How is the guitar different here from the verse?", "In the chorus it switches to open power chords."),
    ("What does the singer mean?", "She sounds wistful, drawing out each vowel."),
])
def test_round6_near_misses_are_kept(question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("Hook?", "Strong, and the press kit itself flags the chorus as the single.", LEAK_SOURCE_REFERENCE),
    ("Vocals?", "The EPK says he tracked the vocal in one take.", LEAK_SOURCE_REFERENCE),
    ("Tell me about the history of the oud.", "It came to Europe through Andalusia.", LEAK_TAG_QUESTION),
    ("What's the history of dub as a genre?", "It came out of Kingston studios.", LEAK_TAG_QUESTION),
    ("what is a tabla", "a pair of hand drums from north india", LEAK_TAG_QUESTION),
    ("What kind of electronic music is known for its use of vocoders?", "Electro-funk.", LEAK_TAG_QUESTION),
    ("What plays?", "The instruments are accordion, banjo, cello, fiddle, harmonica, mandolin, and possibly more.",
     LEAK_SOURCE_REFERENCE),
    ("Where's it from?", "The kora took shape in the Mali empire centuries ago.", "leak_general_knowledge"),
    ("Describe it.", "Swing is a style of jazz that emerged in the 1930s in big bands.", "leak_general_knowledge"),
])
def test_round6b_leaks_trip(question: str, answer: str, reason: str) -> None:
    assert leak(pair(answer, question), clip()).reason == reason


@pytest.mark.parametrize(("question", "answer"), [
    ("What is this track's history with the drums?", "The drums enter late and grow louder."),  # about this clip
    ("What is the origin of the music?", "An original piece with East Asian influences, on a zither."),
    ("What can be inferred?", "The range of instruments suggests that the soundtrack was created to fit many scenes."),
    ("What is the mood?", "Drums, bass, guitar, keys and vocals build a warm, busy groove."),  # not alphabetical
    ("Which kit is used?", "A vintage drum kit with a deep snare."),  # "kit" alone is no press kit
    ("What is the bio-mechanical sound?", "A clanking, looped metallic percussion."),
])
def test_round6b_near_misses_are_kept(question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("Quality?", "Rough: the episode doc has it flagged as a low-quality recording.", LEAK_SOURCE_REFERENCE),
    ("Key?", "My producer's show notes have it down as G major.", LEAK_SOURCE_REFERENCE),
    ("Quick one from the chat: what is a theremin, anyway?", "An electronic instrument played without touch.",
     LEAK_TAG_QUESTION),
    ("What is it?", "The sitar is a long-necked lute with a history going back centuries.", "leak_general_knowledge"),
])
def test_round6c_leaks_trip(question: str, answer: str, reason: str) -> None:
    assert leak(pair(answer, question), clip()).reason == reason


@pytest.mark.parametrize(("question", "answer"), [
    ("How did the melody develop?", "It climbs a step each bar and then falls back."),
    ("What does the doc-style narration sound like?", "A calm male voice over soft piano."),
])
def test_round6c_near_misses_are_kept(question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip()).keep


# round 7: a labeller's shorthand for the source, second-hand knowledge, genres in general
@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("Mood", "Tags: dreamy, slow. So dreamy.", LEAK_SOURCE_REFERENCE),
    ("Piano?", "Metadata says no piano.", LEAK_SOURCE_REFERENCE),
    ("Was it live?", "The uploader thought so, and the room noise fits.", LEAK_SOURCE_REFERENCE),
    ("Where was it made?", "As I was told, in a church in Lisbon.", LEAK_SOURCE_REFERENCE),
    ("What's the mood?", "Sunny, just as the blurb promises.", LEAK_SOURCE_REFERENCE),
    ("bpm", "analyser: 121.4, conf 0.58.", LEAK_MEASUREMENT),
    ("Tempo feel", "Loose. 0.41 tempo conf, so hard to pin.", LEAK_MEASUREMENT),
    ("Highlife origin?", "Ghana, early 20th century dance bands.", LEAK_TAG_QUESTION),
    ("What is shoegaze known for?", "Walls of guitar noise and buried vocals.", LEAK_TAG_QUESTION),
    ("What is the connection between dub and punk?", "Shared sound systems in 1970s London.", LEAK_TAG_QUESTION),
    ("What is progressive house?", "A slowly building style of house music.", LEAK_TAG_QUESTION),
    ("What is the grunge genre in this audio?", "The grunge genre refers to music that mixes punk and metal.",
     LEAK_GENERAL_KNOWLEDGE),
])
def test_round7_trips(question, answer, reason):
    assert leak(pair(answer, question), clip()).reason == reason


@pytest.mark.parametrize(("question", "answer"), [
    ("What is the relationship between the two guitars?", "One strums chords while the other plays a lead line."),
    ("What is accompanying the oud?", "A frame drum and a low drone."),
    ("Tags for this clip, in your words?", "Dreamy, slow, synth-heavy."),
    ("What's the tempo?", "Around 120 BPM, steady and confident."),
    ("Was it recorded live?", "Yes: you can hear the audience clapping between songs."),
    ("Mood", "Metallic and cold, like an empty factory."),
])
def test_round7_near_misses_are_kept(question, answer):
    assert leak(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("dance? y/n", "cap says mellow so n", LEAK_SOURCE_REFERENCE),
    ("choir?", "n, no choir in the cap", LEAK_SOURCE_REFERENCE),
    ("Where can it be used?", "In description is saying it fits a sad film scene.", LEAK_SOURCE_REFERENCE),
    ("Where would you hear it?", "the beach cause it says it sounds like summer", LEAK_SOURCE_REFERENCE),
    ("What key?", "According to the key analysis provided, it is in F minor.", LEAK_MEASUREMENT),
    ("Loud or quiet?", "loud, the loudness number is -7 which is high", LEAK_MEASUREMENT),
    ("What is the significance of jazz in modern culture?", "It shaped popular music.", LEAK_TAG_QUESTION),
])
def test_round7b_trips(question, answer, reason):
    assert leak(pair(answer, question), clip()).reason == reason


@pytest.mark.parametrize(("question", "answer"), [
    ("What does the singer say?", "She says 'hold on' twice in the hook."),
    ("Any cap on the dynamics?", "No, it swings from whisper to roar."),
])
def test_round7b_near_misses_are_kept(question, answer):
    assert leak(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer", "reason"), [
    ("tempo", "the analysis i got puts it at 98 bpm", LEAK_MEASUREMENT),
    ("Key conf", "low, so take G minor loosely", LEAK_MEASUREMENT),
    ("how heavy is it", "very, the write up literally says brutal", LEAK_SOURCE_REFERENCE),
    ("What is the name of a subgenre of house that uses chopped vocals?", "Speed garage.", LEAK_TAG_QUESTION),
    ("Which term names a type of electronic music that uses breakbeats?", "Jungle.", LEAK_TAG_QUESTION),
])
def test_round8_trips(question, answer, reason):
    assert leak(pair(answer, question), clip()).reason == reason


@pytest.mark.parametrize(("question", "answer"), [
    ("Mood tags", "dark, brooding"), ("Genre tags", "trip hop, downtempo"),
    ("What type of music is this that you hear?", "A slow trip hop groove."),
])
def test_round8_a_forms_tag_field_is_kept(question, answer):
    assert leak(pair(answer, question), clip()).keep


# round 9: a tag string asked about word after word; clip-facing questions that quote a word or ask where it plays
@pytest.mark.parametrize("question", [
    "What genre of music is Celtic Electronic Ethnicrock Worldfusion?",
    "What genre of music is electronic ethnicrock ethno?",
    "What instruments are commonly used in this type of music?",
])
def test_round9_tag_strings_and_a_kind_in_general_are_tag_questions(question: str) -> None:
    assert leak(pair("It blends several styles.", question), clip()).reason == LEAK_TAG_QUESTION


@pytest.mark.parametrize("question", [
    "What genre of music is used in the film?",
    "What does 'arpeggiated' mean for what the piano is doing here?",
    "Where is this kind of music usually played?",
    "Who might enjoy this type of music?",
])
def test_round9_questions_about_the_clip_are_kept(question: str) -> None:
    assert leak(pair("A slow piano piece with rippling broken chords.", question), clip()).keep


def test_round10_a_term_to_define_is_a_tag_question_but_a_field_is_not() -> None:
    assert leak(pair("Ambient offshoot from 70s radio.", "space music = ?"), clip()).reason == LEAK_TAG_QUESTION
    assert leak(pair("About 92.", "bpm = ?"), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    ("What is the purpose of a pipe organ?", "A pipe organ is typically used in churches and concert halls."),
    ("What is the name of the bossanova song that became a hit in the 1960s?", "The Girl from Ipanema."),
    ("Tell me about the tin whistle.", "The tin whistle, also known as the penny whistle, has been a staple of Irish "
     "traditional music since the 19th century."),
    ("Which moods were associated with this track?", "Sad, emotional and film."),
])
def test_round11_instruments_and_songs_in_general_and_attached_moods_leak(question: str, answer: str) -> None:
    assert not leak(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    ("What is the purpose of the bridge?", "It lifts the energy before the last chorus."),
    ("Tell me about the tin whistle in this clip.", "It plays the fast jig melody, bright and breathy."),
    ("What's a good use for this in a wellness app?", "A cardio block: the fast drums give you a hard push."),
])
def test_round11_the_clips_own_parts_and_uses_are_kept(question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip()).keep
