"""musicqa.filters.measured: tempo and key claims checked against the clip's measured facts."""

from __future__ import annotations

import dataclasses

import pytest
from helpers import clip, pair

from musicqa.filters import make_filters
from musicqa.filters.measured import GROUNDING_MEASURED_CONTRADICTION, key_claims, measured, tempo_claims
from musicqa.records import KEEP, Facts

FACTS = Facts(tempo_bpm=97.0, tempo_confidence=0.8, key="D", mode="minor", key_strength=0.9, loudness_lufs=-11.0)
DROP = (False, GROUNDING_MEASURED_CONTRADICTION)


def judge(answer: str, facts: Facts | None = FACTS, question: str = "Describe the audio."):
    v = measured(pair(answer, question), dataclasses.replace(clip("a slow piano"), facts=facts))
    return v.keep, v.reason


@pytest.mark.parametrize("answer", [
    "The groove moves at roughly 97 beats per minute.",     # the acceptance line
    "It is in D minor, which gives it a sombre colour.",    # the acceptance line
    "A relaxed tempo, about 100 BPM.",                      # +3%: within the +-8% a listener is off by
    "A half-time feel around 50 BPM.",                      # half the measured tempo
    "Drummers would count it at 194 bpm, double time.",     # double
    "Somewhere between 90 and 100 BPM.",                    # a range that holds it
    "The harmony sits in d-minor territory.",               # any spelling of the measured key
])
def test_heard_versions_of_the_measured_facts_are_kept(answer):
    assert judge(answer) == (True, "")


@pytest.mark.parametrize("answer", [
    "A brisk pace, about 150 BPM.",                         # the acceptance line
    "The piece is in E major.",                             # the acceptance line
    "A tempo of about 106 BPM.",                            # +9%: just past the tolerance
    "The song is in A minor throughout.",                   # a fifth away: not the relative
    "It is in E-flat major.",
    "It is in D major.",                                    # the parallel key is another key
    "The harmony sits in F major.",                         # the relative major: the LLM was told D minor
])
def test_contradictions_of_the_measured_facts_are_dropped(answer):
    assert judge(answer) == DROP


def test_near_misses_without_a_checkable_claim_are_kept():
    for answer in ("A minor detail: the hi-hat is slightly late.",   # "A minor" is English here, not a key
                   "It is in a minor key, melancholic and slow.",    # the measured mode
                   "The tempo is moderate and steady.",               # tempo words are grounding.py's business
                   "Track 3 of 150 on the album."):                   # a number that is no tempo
        assert judge(answer) == (True, ""), answer


MAJOR = dataclasses.replace(FACTS, key="G", mode="major")


@pytest.mark.parametrize(("question", "answer", "facts"), [
    ("Is the track in a major key?", "Definitely! A sunny, major-key tune through and through.", FACTS),
    ("What's the tonality?", "Yes, it is major tonality, bright like a festival.", FACTS),
    ("What's the tonality?", "The key is major, open and bright.", FACTS),
    ("Major or minor?", "Major.", FACTS),
    ("Is it in a minor key?", "No.", FACTS),                    # a "No" to one mode claims the other
    ("Is it in a minor key?", "Yes, dark and brooding.", MAJOR),
    ("Which mode is it in?", "It stays in minor the whole way.", MAJOR),
])
def test_a_mode_against_a_confident_measured_mode_is_dropped(question, answer, facts):
    assert judge(answer, facts, question) == DROP


@pytest.mark.parametrize(("question", "answer", "facts"), [
    ("Describe the harmony.", "Jazz is a major influence on the voicings.", FACTS),
    ("Describe the chords.", "A lush major seventh chord opens the phrase.", FACTS),
    ("Does the key change?", "The bridge briefly shifts to a major key before the last chorus.", FACTS),
    ("Describe the harmony.", "Minor-sounding chords colour the verse.", MAJOR),    # a chord, not the key
    ("Anything else?", "A few minor details: the hi-hat drags a little.", MAJOR),
    ("What's the key?", "D minor, though the chorus has a major-key lift.", FACTS),  # a full key carries its mode
    ("Is it in a minor key?", "Yes, a brooding minor key.", FACTS),
    ("Major or minor?", "Yes.", FACTS),                           # a yes to two modes claims neither
    ("Is it in a minor key?", "Yes, brooding.", dataclasses.replace(FACTS, key_strength=0.3)),  # unsure, agrees
])
def test_mode_words_that_are_no_contradicting_key_claim_are_kept(question, answer, facts):
    assert judge(answer, facts, question) == (True, "")


def test_an_unsure_measurement_supports_nothing_but_still_rules_out_what_it_contradicts():
    # not told to the LLM, so "150 BPM, E major" had no support at all; an unsure measurement that agrees is kept
    weak = dataclasses.replace(FACTS, tempo_confidence=0.2, key_strength=0.5)
    assert judge("A brisk pace, about 150 BPM.", weak) == DROP
    assert judge("It is in E major.", weak) == DROP
    assert judge("Yes, bright and happy.", weak, "Is it in a major key?") == DROP
    assert judge("About 97 BPM, in D minor.", weak) == (True, "")
    assert judge("A brisk pace, about 150 BPM, in E major.", None) == (True, "")
    tempo_only = Facts(tempo_bpm=97.0, tempo_confidence=0.9)
    assert judge("About 150 BPM.", tempo_only) == DROP and judge("In E major.", tempo_only) == (True, "")


@pytest.mark.parametrize(("caption", "answer"), [
    ("a waltz in E major", "The piece is in E major."),
    ("an uptempo reel at 150 bpm", "A brisk pace, about 150 BPM."),
    ("a sad song in a major key", "Yes, a major key, oddly enough.")])
def test_what_the_caption_states_is_kept_whatever_was_measured(caption, answer):
    c = dataclasses.replace(clip(caption), facts=dataclasses.replace(FACTS, key_strength=0.95))
    assert measured(pair(answer, "What's the key and tempo?"), c) == KEEP


def test_claims_are_read_in_every_common_spelling():
    assert tempo_claims("at 120bpm, or 118-124 BPM, 97.5 beats a minute") == [(120, 120), (118, 124), (97.5, 97.5)]
    assert key_claims("F sharp minor, Db major, C# min, in A major, the key of Bb") == [
        ("F#", "minor"), ("C#", "major"), ("C#", "minor"), ("A", "major")]
    assert key_claims("B-flat major, B flat minor, Bb major, B♭ minor, F-sharp major, F# minor") == [
        ("A#", "major"), ("A#", "minor"), ("A#", "major"), ("A#", "minor"), ("F#", "major"), ("F#", "minor")]


def test_the_grounding_family_runs_it_after_the_text_check():
    (grounding,) = make_filters(["grounding"])
    c = dataclasses.replace(clip("a slow piano piece, no vocals"), facts=FACTS)
    assert grounding(pair("A soft piano piece at about 150 BPM."), c).reason == GROUNDING_MEASURED_CONTRADICTION
    assert grounding(pair("A soft piano piece at about 97 BPM."), c) == KEEP
    assert grounding(pair("A female vocalist sings at 97 BPM."), c).reason == "grounding_contradiction"


# round 7: Camelot codes, several keys, a bare number for a tempo, an answer that opens with "A major"
@pytest.mark.parametrize(("question", "answer"), [
    ("Camelot?", "6B."),                                          # 6B is B-flat major, the clip is D minor
    ("Where does it sit on the wheel?", "It's 7B, so mixing is easy."),  # F major, the relative: another key
    ("Which key?", "D minor, which is 8A on the wheel."),         # D minor is 7A: the pair disagrees
    ("bpm", "136."),                                              # a bare number answering a tempo question
    ("What tempo is it?", "Steady, roughly 150, nothing rushed."),
    ("What's the key?", "A major, bright and open."),             # "A major" opening an answer is a key
])
def test_round7_keys_and_tempos_the_measurement_rules_out(question, answer):
    assert judge(answer, question=question) == DROP


@pytest.mark.parametrize(("question", "answer"), [
    ("Camelot?", "7A."),                                          # D minor's code
    ("What mixes well after it?", "From 7A go to 6A (G minor) or 8A (A minor), or 7B for F major."),
    ("Which key?", "D minor, which is 7A on the wheel."),
    ("bpm", "98."),
    ("How long is the fade?", "About 150 milliseconds, very quick."),   # no tempo question: a number is no BPM
    ("Any detail worth noting?", "A minor detail: the ride cymbal is slightly loud."),
])
def test_round7_readings_that_agree_or_claim_no_key_are_kept(question, answer):
    assert judge(answer, question=question) == (True, "")
