"""closed: which questions a short answer completes, and what still counts as a question."""

from __future__ import annotations

import pytest

from musicqa.filters import degenerate as d
from musicqa.filters.closed import closed, is_question
from musicqa.filters.degenerate import _words
from tests.filters.helpers import clip, pair


def _closed(question: str, answer: str) -> bool:
    return closed(question, _words(question), _words(answer), answer)


# round 9: a labeller's fields named by the part itself, a slot asked with "how", a filler before the question word
@pytest.mark.parametrize(("question", "answer"), [
    ("Pace", "Unhurried, gentle walking pace."),
    ("Bass", "Upright, walking line under the sax."),
    ("Perc", "Timpani rolls."),
    ("Sub bass", "Heavy 808s, long decay, booming."),
    ("Hat pattern", "Fast trap hats with triplet rolls."),
    ("How is the mood?", "Hypnotic."),
    ("Other instr besides piano?", "None, just piano."),
    ("ehh what instruments", "Guitar, bass, drums and organ, plus a male lead vocal with backing harmonies."),
    ("Instruments?", "Piano only."),
    ("# of instruments", "1, solo piano"),
])
def test_round9_labeller_fields_and_closed_questions_are_kept(question: str, answer: str) -> None:
    assert d.Degenerate()(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer", "reason"), [
    # a list asked for and one item given
    ("Instruments", "Guitar.", d.DEGENERATE_TOO_SHORT),
    ("Instruments?", "Strings.", d.DEGENERATE_TOO_SHORT),
    # a statement is still no question, however short, and "how" with more than its noun asks for more
    ("The track is fast.", "Yes it is fast and loud.", d.DEGENERATE_NOT_A_QUESTION),
    ("How is the mood built up?", "Slowly.", d.DEGENERATE_TOO_SHORT),
])
def test_round9_near_misses_still_trip(question: str, answer: str, reason: str) -> None:
    assert d.Degenerate()(pair(answer, question), clip()).reason == reason


def test_a_closed_question_takes_a_one_word_answer_of_its_type() -> None:
    assert _closed("Is the rapper male or female?", "Male.")
    assert _closed("Which language?", "Portuguese.")
    assert not _closed("Describe the texture.", "Dusty.")


def test_a_bare_part_is_a_field_but_a_bare_statement_is_not() -> None:
    assert is_question("Bass", _words("Bass"))
    assert not is_question("The cello plays.", _words("The cello plays."))


@pytest.mark.parametrize(("question", "answer"), [
    ("dur", "30s"),
    ("who plays the runs", "Violin."),
    ("What guitar effect is on there?", "Wah-wah."),
    ("is the guitar strummed or picked", "fingerpicked"),
])
def test_round10_fields_players_and_effects_take_a_short_answer(question: str, answer: str) -> None:
    assert d.Degenerate()(pair(answer, question), clip()).keep


def test_round10_one_player_asked_for_but_not_two() -> None:
    assert d.Degenerate()(pair("Drums.", "who plays the runs and the chords"), clip()).reason == d.DEGENERATE_TOO_SHORT
