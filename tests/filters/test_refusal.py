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
