"""Each mcq check: an item that trips its reason and a near miss that does not."""

from __future__ import annotations

import dataclasses

import pytest

from musicqa.filters import check
from musicqa.filters import mcq as m
from musicqa.records import Clip, Facts, MCQItem

TRIO = ("Trio recorded live in a concert hall with a loud upright bass, piano and acoustic guitar playing a solo. "
        "Jazz feel and chord progression with no drums. Heartfelt performance.")


def clip(text: str = TRIO, facts: Facts | None = None) -> Clip:
    return Clip("test/1", "test", "1", "test", text, facts=facts)


def item(question: str = "Which instrument carries out a solo performance in this piece?",
         correct: str = "Acoustic guitar", related: str = "Trumpet", unrelated_true: str = "Instrumental performance",
         off: str = "A soprano singer") -> MCQItem:
    return MCQItem("test/1", question, correct, (related, unrelated_true, off))


GOOD = item()


def reasons(it: MCQItem, c: Clip | None = None) -> list[str]:
    """Every reason the item earns (all checks run)."""
    return [v.reason for *_, vs in check([(it, c or clip())], m.make_checks(m.CHECK_NAMES), collect_all=True)
            for v in vs]


def test_the_paper_style_item_passes_every_check():
    assert reasons(GOOD) == []
    # MuChoMusic's own example: the piano is in the trio, but it is not the soloist: a fair related distractor
    assert reasons(dataclasses.replace(GOOD, distractors=("Piano", "Instrumental performance", "A soprano singer")))\
        == []


def test_duplicate_option_trips_on_options_equal_after_normalisation_only():
    assert m.duplicate_option(item(off="The acoustic guitar."), clip()).reason == m.MCQ_DUPLICATE_OPTION
    assert m.duplicate_option(item(off="An acoustic guitar duo"), clip()).keep  # near miss: another option


def test_leak_trips_on_a_question_or_option_that_cites_the_source():
    assert m.leak(item(question="Which instrument is listed as soloing in the caption?"), clip()).reason == m.MCQ_LEAK
    assert m.leak(item(off="Based on the tags, a soprano singer"), clip()).reason == m.MCQ_LEAK
    assert m.leak(GOOD, clip()).keep  # near miss: same item without the citation


def test_general_knowledge_trips_on_a_question_about_music_in_general():
    ska = item(question="What is ska known for?", correct="Offbeat guitar chops", related="Blast beats",
               unrelated_true="Live recording", off="Bagpipes")
    assert m.general_knowledge(ska, clip()).reason == m.MCQ_GENERAL_KNOWLEDGE
    # near miss: the same topic asked about this clip
    assert m.general_knowledge(dataclasses.replace(ska, question="What is this track's guitar known for?"),
                               clip()).keep
    # an option that tells the genre's history (round 6)
    history = item(question="Where is the style from?", correct="Reggae emerged in Jamaica in the late 1960s",
                   related="Blast beats", unrelated_true="Live recording", off="Bagpipes")
    assert m.general_knowledge(history, clip()).reason == m.MCQ_GENERAL_KNOWLEDGE


FACTS = Facts(tempo_bpm=92.0, tempo_confidence=0.9, key="D", mode="minor", key_strength=0.8, loudness_lufs=-14.0)


def test_facts_trip_on_a_correct_answer_the_measurement_contradicts():
    tempo = item(question="About how fast is the pulse of this piece?", correct="Around 140 BPM")
    assert m.answer_facts(tempo, clip(facts=FACTS)).reason == m.MCQ_ANSWER_CONTRADICTS_FACTS
    assert m.answer_facts(item(correct="In F# major"), clip(facts=FACTS)).reason == m.MCQ_ANSWER_CONTRADICTS_FACTS
    # near misses: the measured tempo (or its double, a common estimator octave), the measured key, no facts
    assert m.answer_facts(dataclasses.replace(tempo, correct_answer="Around 90 BPM"), clip(facts=FACTS)).keep
    assert m.answer_facts(dataclasses.replace(tempo, correct_answer="Around 184 BPM"), clip(facts=FACTS)).keep
    assert m.answer_facts(item(correct="In D minor"), clip(facts=FACTS)).keep
    assert m.answer_facts(tempo, clip()).keep
    # an unsure measurement contradicts nothing
    unsure = dataclasses.replace(FACTS, tempo_confidence=0.2)
    assert m.answer_facts(tempo, clip(facts=unsure)).keep


def test_answer_unsupported_trips_on_an_answer_the_text_does_not_back():
    assert m.answer_supported(item(correct="Electric violin"), clip()).reason == m.MCQ_ANSWER_UNSUPPORTED
    assert m.answer_supported(item(correct="A brass section"), clip()).reason == m.MCQ_ANSWER_UNSUPPORTED
    assert m.answer_supported(GOOD, clip()).keep  # near miss: the caption's soloist
    # a question about an absence: its answer names what the text negates, and that is support, not contradiction
    missing = item(question="Which instrument is notably missing from this performance?", correct="Drums")
    assert m.answer_supported(missing, clip()).keep
    # the measured facts alone can support it
    key = item(question="In which key is this piece?", correct="D minor", related="D major")
    assert m.answer_supported(key, clip("calm piano piece", facts=FACTS)).keep
    assert m.answer_supported(key, clip("calm piano piece")).reason == m.MCQ_ANSWER_UNSUPPORTED


def test_distractor_true_trips_on_an_incorrect_distractor_the_text_supports():
    # "Which instrument do you hear?" has no role to rule the piano out: piano would be a second right answer
    hear = item(question="Which instrument can you hear in this recording?", related="Piano")
    assert m.distractor_true(hear, clip()).reason == m.MCQ_DISTRACTOR_TRUE
    # the incorrect-and-unrelated one must have no support at all, whatever the question
    assert m.distractor_true(item(off="Upright bass"), clip()).reason == m.MCQ_DISTRACTOR_TRUE
    # near misses: the correct-but-unrelated one is true by definition; a role question lets a present instrument
    # be the related mix-up; an unsupported distractor
    assert m.distractor_true(item(unrelated_true="Loud upright bass"), clip()).keep
    assert m.distractor_true(item(related="Piano"), clip()).keep
    assert m.distractor_true(hear.__class__(*[hear.clip_id, hear.question, hear.correct_answer,
                                              ("Trumpet", *hear.distractors[1:])]), clip()).keep
    # a distractor the measurement confirms is true too
    key = item(question="In which key is this piece?", correct="D minor", related="F# major", off="In D minor")
    assert m.distractor_true(key, clip(facts=FACTS)).reason == m.MCQ_DISTRACTOR_TRUE
    assert m.distractor_true(dataclasses.replace(key, distractors=("F# major", "Live", "E major")),
                             clip(facts=FACTS)).keep


@pytest.mark.parametrize(("lengths", "share"), [((10, 5, 5, 5), 1.0), ((5, 10, 5, 5), 0.0), ((5, 5, 5, 5), 0.0)])
def test_correct_longest_share_counts_strictly_longest_correct_options(lengths, share):
    c, *d = ("x" * n for n in lengths)
    assert m.correct_longest_share([MCQItem("t/1", "q", c, tuple(d))]) == share


def test_correct_longest_share_is_a_share_and_none_without_items():
    items = [MCQItem("t/1", "q", "long answer", ("a", "b", "c")), MCQItem("t/1", "q", "a", ("bb", "c", "d"))]
    assert m.correct_longest_share(items) == 0.5
    assert m.correct_longest_share([]) is None
