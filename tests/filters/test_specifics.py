"""specifics: exact figures, years, credits, counts, languages and keys need the caption, tags or facts."""

from __future__ import annotations

import pytest

from musicqa.filters.grounding import GROUNDING_CONTRADICTION, GROUNDING_INVENTED_SPECIFIC, grounding
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
