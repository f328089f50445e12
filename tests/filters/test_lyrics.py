"""lyrics: what the words say or are about is invented unless the source gives it."""

from __future__ import annotations

import pytest

from musicqa.filters.lyrics import invented_lyrics

SOURCE = "A folk song with a female singer and an acoustic guitar."


@pytest.mark.parametrize(("question", "answer"), [
    ("What does she sing in the chorus?", "She sings 'carry me home' twice, then hums."),
    ("Lyrics", "\"Never again\", shouted over the drums."),
    ("What is the song about?", "The song is about a sailor who never came back."),
    ("What do the words describe?", "The lyrics describe a winter morning in the mountains."),
])
def test_words_and_subjects_nobody_gave_are_invented(question: str, answer: str) -> None:
    assert invented_lyrics(answer, question, SOURCE)


@pytest.mark.parametrize(("question", "answer", "source"), [
    ("Lyrics", "'Stay', sung softly in the chorus.", "A soft pop ballad; the chorus repeats the word \"stay\"."),
    ("How is the texture?", "A 'wall of sound' from layered strings.", SOURCE),      # not a question about the words
    ("What could the lyrics be about?", "They might be about leaving home.", SOURCE),  # an interpretation asked for
    ("What is the song about?", "It's about love, tender and hopeful.", "A love song with piano."),
])
def test_words_the_source_gives_or_no_lyric_claim_are_kept(question: str, answer: str, source: str) -> None:
    assert not invented_lyrics(answer, question, source)
