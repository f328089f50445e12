"""hearsay: each leak phenomenon trips in wordings no phrase list names; the listener's own words don't."""

from __future__ import annotations

import pytest

from musicqa.filters.hearsay import cites_source
from musicqa.filters.leak import LEAK_SOURCE_REFERENCE, leak
from tests.filters.helpers import clip, pair


@pytest.mark.parametrize(("question", "answer"), [
    # a document about the clip that speaks
    ("What's the genre?", "The clip's description files it as dream pop."),
    ("What's the tempo like?", "Slow, or at least that's what the clip's info claims."),
    ("What's the genre?", "Its catalogue entry puts it down as synthwave."),
    # hearsay markers
    ("Is there a singer?", "Reportedly a female singer."),
    ("What's the tempo?", "Fast, or so the sheet says."),
    # handed to the writer, or came with the clip
    ("What's the style?", "The style I've been handed is bossa nova."),
    ("Is it acoustic?", "Yes, it arrived with a label saying acoustic."),
    ("Who sings?", "A woman, according to the sheet that came with it."),
    # someone else's filing
    ("What is it for?", "It's billed as music for a spa."),
    # questions about the paperwork
    ("What adjectives does the text use for this music?", "Dreamy, lush and nostalgic."),
    ("Which instruments are in the rundown for this clip?", "Guitar, synth and a drum machine."),
    ("Which descriptors were attached to it?", "Dark and moody."),
    ("What's the energy?", "The playlist notes have it down as energetic and aggressive."),
    ("How is the dialogue characterised in your handout?", "Funny and engaging."),
    ("Which adjectives did the station attach to it?", "Energetic, aggressive, upbeat."),
])
def test_second_hand_knowledge_trips_leak(question: str, answer: str) -> None:
    assert cites_source(question) or cites_source(answer)
    assert leak(pair(answer, question), clip()).reason == LEAK_SOURCE_REFERENCE


@pytest.mark.parametrize(("question", "answer"), [
    ("What's the genre?", "I'd file it under trip hop: slow breakbeats and a dusty sample."),
    ("What's the genre?", "I would have filed it under ambient, all long pads."),
    ("What tells you it's jazz?", "The swing feel and the walking bass mark it as jazz."),
    ("How does the melody move?", "The piano notes describe a slow falling line in a minor key."),
    ("Is it live?", "The finer details suggest a live take: crowd noise and room echo."),
    ("What do you hear?", "I hear a muted trumpet over brushed drums."),
    ("What is the main instrument in this audio?", "The main instrument in this audio is electric guitar."),
    ("How does the chorus start?", "The drums' entry marks the chorus, with a crash on the one."),
    ("Can anyone hear a drum?", "I can't hear any drums at all; it's just strings."),
    ("Is there a guitar in the audio file?", "Yes, a nylon-string guitar plays the melody."),
    ("Which words does the singer use in the chorus?", "She sings 'hold on' over and over."),
])
def test_the_listeners_own_judgement_is_kept(question: str, answer: str) -> None:
    assert not cites_source(question) and not cites_source(answer)
    assert leak(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    # any document noun (WordNet's), not only the listed ones, that reports on the clip
    ("What's the genre?", "The brochure pegs it as bossa nova."),
    ("Which instruments play?", "The inventory lists a harp and two flutes."),
    ("How old is it?", "The archive's register for this tape notes 1962."),
    # a citing preposition, or a question about what a document holds
    ("Who plays?", "A string quartet, according to the pamphlet handed out at the door."),
    ("What's on the leaflet?", "Harp, flute and voice."),
    # hearsay whatever the source is called, and people or services who described the clip
    ("What is it?", "A lullaby, if the liner sticker is to be believed."),
    ("What's the mood?", "The record seller called it melancholy."),
    ("What did the critic call the groove?", "Loose and swinging."),
    # the document as subject across an auxiliary, and words read off a document
    ("What's it for?", "A workout mix, or that's how the catalogue has it filed."),
    ("Which sounds are there?", "Rain and thunder, all listed on the folder's manifest."),
    # whoever lists or is cited: "lists it as" and "according to" need no document noun
    ("What's the piece called?", "The in-game jukebox lists it as 'Night Market', which fits."),
    ("What mood is it going for?", "Wonder, according to the developer's blog post about it."),
    ("Where does it play?", "The codex entry for the music box says it plays in the attic."),
    # handed to the writer, in a relative clause
    ("What's the tempo?", "The tempo I was given for this one is slow."),
    ("What's the mood?", "From what I've been given, wistful and quiet."),
])
def test_any_document_or_person_as_the_source_trips_leak(question: str, answer: str) -> None:
    assert cites_source(question) or cites_source(answer)
    assert leak(pair(answer, question), clip()).reason == LEAK_SOURCE_REFERENCE


@pytest.mark.parametrize(("question", "answer"), [
    ("What's on the record?", "Crackly vinyl, a piano and a soft voice."),
    ("How do the notes move?", "The high notes call out over the bass line."),
    ("Could it be a film score?", "It could score a chase scene, with its pounding drums."),
    ("What does the drum program do?", "The drum program uses a swung hi-hat pattern."),
    ("What does the singer say?", "The singer says goodbye to her lover in the last line."),
    ("Where was it recorded?", "Going by the sound of it, a small club with a chatty crowd."),
    ("What instrument is in the title sequence?", "A tremolo guitar over a low drone."),
    ("What does the guitar do?", "The guitar places its chords on the offbeat."),
    ("How does the chorus feel?", "I was given goosebumps by the chorus, it soars."),
    ("Who wrote it?", "Without the sleeve we really can't name the composer, but it sounds baroque."),
    ("How was the melody written?", "A melody written on the piano, then doubled by strings."),
    ("What genre?", "I would list it as ambient: long pads, no beat."),
    ("What metre?", "According to my ears, a waltz; the dancers sway according to the beat."),
    ("What is the title of the audio?", "The title of the audio is not mentioned."),
])
def test_music_words_that_are_also_documents_are_kept(question: str, answer: str) -> None:
    assert not cites_source(question) and not cites_source(answer)
    assert leak(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    ("State the tempo.", "The source characterises it as a brisk march tempo."),  # round 6: "the source" speaks
    ("What's it like?", "The reference text portrays it as a tender lullaby."),
])
def test_the_source_by_that_name_trips_leak(question: str, answer: str) -> None:
    assert not leak(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    ("Which instrument is playing in this cover?", "A banjo, picking an arpeggiated melody."),  # the clip itself
    ("What is heard in this version?", "A solo cello and a soft organ pad."),
    ("Where does the hum come from?", "The source of the hum is an organ pedal note under the choir."),
])
def test_the_clip_by_another_name_is_kept(question: str, answer: str) -> None:
    assert leak(pair(answer, question), clip()).keep


def test_round9_where_the_clip_would_play_is_no_document() -> None:
    assert not cites_source("Would this song fit in a live set list?")
    assert not cites_source("Does it belong on a road-trip playlist?")
    assert cites_source("What moods are on the tag list?")
