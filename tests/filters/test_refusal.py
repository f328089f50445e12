"""refusal: declines and "not specified" answers are dropped; real answers with the same words are kept."""

from __future__ import annotations

import pytest

from musicqa.filters.refusal import REFUSAL_CANNOT_ANSWER, REFUSAL_NOT_AVAILABLE, refusal
from tests.filters.helpers import clip, pair


@pytest.mark.parametrize(("answer", "reason"), [
    ("As an AI language model, I cannot listen to audio files.", REFUSAL_CANNOT_ANSWER),
    ("It is not possible to determine the tempo of the audio.", REFUSAL_CANNOT_ANSWER),
    ("I don't know.", REFUSAL_CANNOT_ANSWER),
    ("Without the lyrics, it is difficult to determine what the song is about.", REFUSAL_CANNOT_ANSWER),
    ("Unknown.", REFUSAL_CANNOT_ANSWER),
    ("The artist of the audio is not specified.", REFUSAL_NOT_AVAILABLE),
    ("There is no information about the singer.", REFUSAL_NOT_AVAILABLE),
    ("It is not specified who composed this piece, but it may be Mozart.", REFUSAL_NOT_AVAILABLE),
    ("The recording location remains unknown.", REFUSAL_NOT_AVAILABLE),
    ("That information isn't available to me.", REFUSAL_NOT_AVAILABLE),
    ("The composer of this piece has not been identified.", REFUSAL_NOT_AVAILABLE),
    ("No producer is credited for this track.", REFUSAL_NOT_AVAILABLE),
    ("I have no information about the band.", REFUSAL_CANNOT_ANSWER),
    ("Could you provide more details about the clip?", REFUSAL_CANNOT_ANSWER),
    ("I couldn't find any information about the label.", REFUSAL_CANNOT_ANSWER),
    ("Determining the key would require listening to the audio, which I cannot do.", REFUSAL_CANNOT_ANSWER),
    # round 6: the decline after a description, contracted ("isn't something I can")
    ("A punk band with shouted vocals; who they are isn't something I can work out from the clip.",
     REFUSAL_CANNOT_ANSWER),
    # a decline dressed as care (round 6)
    ("I'm not comfortable guessing the singer's name, since that could mislead you.", REFUSAL_CANNOT_ANSWER),
    ("It would be irresponsible to speculate about the lyrics.", REFUSAL_CANNOT_ANSWER),
    ("I'd recommend consulting a qualified musicologist for the maqam.", REFUSAL_CANNOT_ANSWER),
])
def test_trips(answer: str, reason: str) -> None:
    assert refusal(pair(answer, "Who made this?"), clip()).reason == reason


@pytest.mark.parametrize("answer", [
    "Unfortunately, there is no pipe organ in this audio; the keys are a piano.",
    "It is impossible not to tap your foot to this groove.",
    "The lyrics are hard to make out because the vocals are buried under reverb.",
    "You can't tell at first which instrument is playing, until the cello enters.",
    "No specific instrument dominates; the piano, guitar and strings share the spotlight.",
    "There is no bass in this track, only a high flute and bells.",
])
def test_near_misses_are_kept(answer: str) -> None:
    assert refusal(pair(answer), clip()).keep


@pytest.mark.parametrize(("answer", "reason"), [
    ("It's unclear from the given information what the song is called.", REFUSAL_CANNOT_ANSWER),
    ("It's unclear, based on what we have, who sings.", REFUSAL_CANNOT_ANSWER),
    ("The band's name is not something that is mentioned.", REFUSAL_CANNOT_ANSWER),
    ("There's no indication of who composed the piece.", REFUSAL_NOT_AVAILABLE),
    ("There's no hint of who made it.", REFUSAL_NOT_AVAILABLE),
    ("There isn't any information about the producer.", REFUSAL_NOT_AVAILABLE),
    ("Unfortunately, the lyrics are not included.", REFUSAL_NOT_AVAILABLE),
])
def test_new_phrasings_trip(answer: str, reason: str) -> None:
    assert refusal(pair(answer, "Who made this?"), clip()).reason == reason


@pytest.mark.parametrize("answer", [
    "There's no indication of any vocals; a synth carries the melody.",  # absence of a sound is an answer
    "There's no sign of drums until the second verse.",
    "It's unclear at first where the melody is heading, then the strings resolve it.",
    "Volume is something that builds slowly until the last chorus.",
    "No information overload here: just a fast beat and one synth line.",
    "The drums are not present in the intro, only the piano.",
])
def test_new_phrasings_near_misses_are_kept(answer: str) -> None:
    assert refusal(pair(answer, "What do you hear?"), clip()).keep


@pytest.mark.parametrize("answer", [
    "Whether it's live or studio is anybody's guess.",
    "That depends on who's listening: some will find it sad and some won't.",
    "No key info comes with this one, sorry.",
    "The date of the recording is a matter of conjecture.",
    "Honestly that's subjective, hard for me to judge.",
    "Beats me, the title isn't anywhere.",
    "Can't say who the guitarist is, nobody's credited.",
    "Authorial intention is not recoverable from the sound alone.",
])
def test_uncertainty_and_missing_information_trip(answer: str) -> None:
    assert refusal(pair(answer, "Who made this?"), clip()).reason == REFUSAL_CANNOT_ANSWER


@pytest.mark.parametrize("answer", [
    "I can't hear any drums; it's just piano.",  # an observation about the audio, not a refusal
    "I can't hear anything electronic here; it sounds like an acoustic string trio.",
    "The groove depends on the bass, which locks in with the kick drum.",
    "Your ears will pick out a muted trumpet under the strings.",
    "Nothing tells a story like this slow, weeping slide guitar.",
])
def test_observations_with_the_same_words_are_kept(answer: str) -> None:
    assert refusal(pair(answer, "What do you hear?"), clip()).keep


@pytest.mark.parametrize("answer", [
    "Cloudy, I'm afraid: the low-quality recording leaves the drums muffled.",  # regret, not a decline (round 6c)
    "Observed: distant water drips under the pads. Severity: n/a, intentional ambience.",  # a field's value
])
def test_round6c_near_misses_are_kept(answer: str) -> None:
    assert refusal(pair(answer, "How is it?"), clip()).keep


@pytest.mark.parametrize("answer", ["I'm afraid I can't name the composer.", "n/a"])
def test_round6c_declines_still_trip(answer: str) -> None:
    assert not refusal(pair(answer, "Who composed it?"), clip()).keep



# round 7: a labeller's non-answers; "None." to a question about presence is an answer
@pytest.mark.parametrize(("question", "answer"), [
    ("Key + mode?", "n/k"), ("Drop?", "skip"), ("Era", "idk"), ("Composer", "no idea"), ("Key?", "?? can't tell"),
    ("Who produced it?", "None."),
])
def test_round7_shorthand_non_answers_are_refusals(question, answer):
    assert refusal(pair(answer, question), clip()).reason == REFUSAL_CANNOT_ANSWER


@pytest.mark.parametrize(("question", "answer"), [("Lyrics?", "None."), ("Any solos?", "None."),
                                                  ("Percussion?", "None, just strings.")])
def test_round7_none_about_presence_is_an_answer(question, answer):
    assert refusal(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    ("dance? y/n", "pass"),
    ("Was it live?", "Unfortunately, there isn't enough information to tell whether it was recorded live."),
])
def test_round7b_non_answers_are_refusals(question, answer):
    assert not refusal(pair(answer, question), clip()).keep


def test_round10_a_bare_unclear_is_a_refusal_but_none_is_an_answer() -> None:
    assert not refusal(pair("unclear", "mood 1 word"), clip()).keep
    assert not refusal(pair("?", "key"), clip()).keep
    assert refusal(pair("None.", "Vocals?"), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    ("What key is the piano improvisation in?", "I'm just an AI and cannot actually listen to audio, however it is "
     "most likely in Bb major."),
    ("Who composed this music?", "This soundtrack was composed by a famous classical composer."),
])
def test_round11_disclaimers_and_nameless_credits_are_refusals(question: str, answer: str) -> None:
    assert not refusal(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    ("Describe the vocals.", "Of course! The song features a soulful female vocalist with a warm tone. It's "
     "important to note that I'm just an AI, and vocal quality is subjective."),
    ("Who plays?", "A famous jazz pianist named Bill Evans."),
    ("lang", "n/a, instrumental"),
])
def test_round11_a_caveat_after_an_answer_a_named_credit_and_an_absence_are_kept(question: str, answer: str) -> None:
    assert refusal(pair(answer, question), clip()).keep
