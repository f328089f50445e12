"""theory: metre, progression, form and key changes stated without support."""

from __future__ import annotations

import pytest

from musicqa.filters.theory import invented_theory

BALLAD = ("A female vocalist sings an emotional pop ballad accompanied by piano. The song is in a minor key and the "
          "melody is sad and yearning.")


@pytest.mark.parametrize(("question", "answer"), [
    ("Does the song modulate to the relative major for the chorus?",
     "Yes, it lifts into A major for the chorus, brightening the mood before sinking back to F# minor."),
    ("What happens in the last chorus?", "It modulates up a whole step for a big finish."),
    ("Does it change key?", "Yes, for the bridge."),
    ("How does the bridge differ?", "There's a key change into the relative major."),
])
def test_round9_a_key_change_the_caption_does_not_give_is_invented(question: str, answer: str) -> None:
    assert invented_theory(answer, question, BALLAD)


@pytest.mark.parametrize(("question", "answer", "context"), [
    ("Does the piece modulate?", "No, it stays in F# minor throughout.", BALLAD),
    ("Does the piece modulate?", "Modulation is tough to catch in a short excerpt; it sounds settled.", BALLAD),
    ("What happens in the last chorus?", "It modulates up a whole step.",
     "A pop ballad with a key change in the last chorus."),
    ("Time signature?", "A waltz, so 3/4.", "A slow waltz on accordion."),
])
def test_round9_denied_or_supported_key_changes_are_kept(question: str, answer: str, context: str) -> None:
    assert not invented_theory(answer, question, context)


def test_metre_and_progressions_still_need_their_source() -> None:
    assert invented_theory("It's in 7/8.", "Time signature?", BALLAD) == "7/8"
    assert invented_theory("A I-IV-V shuffle.", "Chords?", "A twelve-bar blues shuffle.") == ""
    assert invented_theory("A ii-V-I.", "Chords?", "A twelve-bar blues shuffle.") == "ii-V-I"
