"""provenance: talk of measurements, tag strings, "as summarised above" and the cataloguer are leaks."""

from __future__ import annotations

import pytest

from musicqa.filters.leak import LEAK_MEASUREMENT, LEAK_SOURCE_REFERENCE, leak
from tests.filters.helpers import clip, pair

JAMENDO = "genre---jazz, instrument---trumpet, instrument---piano, mood/theme---relaxing"
MTT = "guitar, rock, loud, male vocal, drums"


@pytest.mark.parametrize(("question", "answer"), [
    ("What key is it in?", "The key-detection output gives G major."),
    ("Key and tempo?", "122 BPM / G minor (from the supplied stats)."),
    ("How loud is it?", "Per the loudness readout of -6.9 LUFS it is loud."),
    ("What tempo?", "Based on the fields I received, it is at 112."),
    ("Why does the tempo detector say 145?", "Because the hi-hats run in sixteenths."),
    ("How loud is it?", "Quiet and intimate; it's mastered at -18 LUFS."),
    ("What tempo?", "It runs at 121.7 BPM."),
    ("How sure is the key?", "G minor, with a key strength of 0.8."),
    # round 5: a figure with its confidence, a machine's estimate that speaks or comes back
    ("How fast is it?", "The computer's tempo number says 80 beats per minute with 0.7 confidence."),
    ("What's the tempo?", "Tempo estimate came back at 112 with confidence 0.5, so call it mid."),
])
def test_measurement_talk_trips(question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip()).reason == LEAK_MEASUREMENT


@pytest.mark.parametrize(("question", "answer"), [
    ("What tempo?", "About 125 BPM, a brisk walking pace."),
    ("What's the feel?", "A half-time feel around 70 BPM."),
    ("What metre?", "Each measure has three beats, a waltz meter."),
    ("How loud is it?", "Very loud and compressed, like a modern pop master."),
    ("What key?", "It sounds like D minor, with a sad, dark colour."),
    ("What does the teacher hear?", "A harmonic analysis of the chords gives a ii-V-I."),
    ("How does she sing?", "With confidence: a bold, bright alto over the band."),
    ("Does the melody return?", "Yes, the synth tone comes back at the end."),
    ("What's the drum sound?", "A drum machine gives it a robotic, computer-game feel."),
])
def test_heard_versions_are_kept(question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("context", "question", "answer"), [
    (JAMENDO, "What's in the band?", "instrument---trumpet, instrument---piano, genre---jazz."),
    (JAMENDO, "What mood?", "It fits mood/theme relaxing."),
    (MTT, "What does it sound like?", "guitar, rock, loud, male vocal, drums"),
    ("", "What's the story of the piece?", "As summarised above, it's a dramatic classical piece."),
    ("", "What mood?", "Whoever catalogued this marked it as calm and spacey."),
    ("", "Which of the listed categories does it fall under?", "Jazz, under the relaxing mood."),
    ("", "From the text we know there is a harmonica: when does it come in?", "After the first verse."),
])
def test_source_provenance_trips(context: str, question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip(context)).reason == LEAK_SOURCE_REFERENCE


@pytest.mark.parametrize(("context", "question", "answer"), [
    (MTT, "What's playing?", "A loud rock band: distorted guitar, drums and a male singer shouting."),
    (MTT, "What do you hear?", "Guitar, drums, and a bass line that growls underneath."),
    ("", "Is it a fair description to call the melody mournful?", "Yes, it falls at the end of every phrase."),
    ("", "What's the song about?", "The text of the lyrics is about leaving home."),
    ("", "How does it open?", "As described by the first bar, a rising arpeggio; the rest follows it."),
])
def test_near_misses_are_kept(context: str, question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip(context)).keep


# round 9: a detector cited in a labeller's shorthand, how the clip was catalogued, a tag called a tag, a tag run
@pytest.mark.parametrize(("context", "question", "answer", "reason"), [
    ("", "Key?", "Eb maj per detector.", LEAK_MEASUREMENT),
    (MTT, "Ensemble or solo?", "Going by how the clip was catalogued, it's a solo performance.", LEAK_SOURCE_REFERENCE),
    (JAMENDO, "What's the vocal delivery like?", "Given the relaxing tag, the trumpet is probably soft.",
     LEAK_SOURCE_REFERENCE),
    ("female, vocal, pop, guitar, acoustic, soft", "How would you describe the overall sound?",
     "It was labelled female, vocal, pop, guitar, acoustic and soft, so it's a gentle acoustic pop song.",
     LEAK_SOURCE_REFERENCE),
])
def test_round9_provenance_trips(context: str, question: str, answer: str, reason: str) -> None:
    assert leak(pair(answer, question), clip(context)).reason == reason


@pytest.mark.parametrize(("context", "question", "answer"), [
    ("rock, guitar, drums, loud, male vocals, fast, electric guitar", "Which instruments?",
     "Electric guitar, drums and male vocals."),
    (MTT, "How does it end?", "With a short tag: the chorus line sung twice over loud guitar."),
    ("female, vocal, pop, guitar, acoustic, soft", "Describe it.",
     "A gentle pop song with a female vocal, acoustic guitar and soft strumming."),
])
def test_round9_lists_and_music_words_are_kept(context: str, question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip(context)).keep


@pytest.mark.parametrize(("context", "question", "answer", "reason"), [
    ("", "key+mode", "G maj (key str .68)", LEAK_MEASUREMENT),
    ("", "Describe the audio", "The audio is a lounge pop triphop drummachine sampler synthesizer song.",
     LEAK_SOURCE_REFERENCE),
    ("", "What is it?", "An experimental blend of hip-hop, triphop, bass, bongo, brass, cello, clarinet, computer, "
     "drum machine, drums, electric guitar and voice.", LEAK_SOURCE_REFERENCE),
    (MTT, "What era?", "Going off the description it's 70s funk.", LEAK_SOURCE_REFERENCE),
])
def test_round10_provenance_trips(context: str, question: str, answer: str, reason: str) -> None:
    assert leak(pair(answer, question), clip(context)).reason == reason


@pytest.mark.parametrize("answer", [
    "The audio is a bossanova jazz song with a cool and slow tempo.",
    "A classical piece with a choir, bass, cello, doublebass, piano, violin, and voice.",
    "G major, and a strong, stable key centre.",
])
def test_round10_run_together_words_and_short_ordered_lists_are_kept(answer: str) -> None:
    assert leak(pair(answer, "Describe the audio"), clip()).keep


@pytest.mark.parametrize(("context", "question", "answer"), [
    ("sitar, indian, eastern, strings, no voice, slow", "What instruments?", "instrument: sitar, instrument: strings, "
     "no voice"),
    ("genre---ambient, instrument---piano, instrument---pad", "Drums?", "No drums are listed; it is piano and pad."),
    ("", "setting", "live club gig (crowd noise, as the cap notes)"),
    ("", "notable fx", "per cap. low quality rec"),
])
def test_round11_tag_fields_listings_and_the_cap_leak(context: str, question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip(context)).reason == LEAK_SOURCE_REFERENCE


def test_round11_no_cap_is_slang() -> None:
    assert leak(pair("that drop goes hard no cap", "thoughts?"), clip()).keep
