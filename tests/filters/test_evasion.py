"""evasion: soft evasions that commit to nothing are refusals; the same moves beside a description are kept."""

from __future__ import annotations

import pytest

from musicqa.filters.evasion import evades
from musicqa.filters.refusal import REFUSAL_EVASIVE, refusal
from tests.filters.helpers import clip, pair


@pytest.mark.parametrize(("question", "answer"), [
    ("Which instrument leads?", "Good question, which instrument do you think it is?"),
    ("What is the mood?", "Music is subjective, the mood varies from listener to listener."),
    ("Is it loud?", "Loudness depends on your speakers and your volume knob, so there's no single answer."),
    ("What's the tuning?", "You'd have to ask the performers, honestly."),
    ("What would you use it for?", "Let's move on to the next round instead!"),
    ("Which part do you like best?", "Hmm, hard to say really."),
    ("Is the orchestra big?", "I can't verify that from here."),
    ("Who wrote the song?", "Authorship is unclear here."),
    ("Where was the band from?", "The band's origins are a mystery."),
    ("What's the bass doing?", "What do you think it's doing? Listen closely and tell me."),
    ("Who sings?", "Before I answer, what kind of music do you usually like?"),
    # round 5: the audience, not the clip, and the question handed back with any question word
    ("What's she singing about?", "Every listener hears something different in the words, and that's okay!"),
    ("Would the crowd dance to it?", "That depends entirely on the crowd, every night is different."),
    ("What's the vibe?", "Whatever vibe you bring to the dancefloor is the right one, that's the beauty of music."),
    ("Why do people like it?", "Well, why do YOU think people like it, friends?"),
])
def test_evasions_trip(question: str, answer: str) -> None:
    assert refusal(pair(answer, question), clip()).reason == REFUSAL_EVASIVE


@pytest.mark.parametrize(("question", "answer"), [
    ("Is it loud?", "It depends on your speakers, but the sub-bass is huge and the kick hits hard."),
    ("What is the mood?", "Everyone hears it differently, but to me it's a melancholic piano ballad."),
    ("Is there a beat?", "There's no beat at all; the piece is pure texture."),
    ("Any vocals?", "No."),
    ("Is there a saxophone?", "No, it's just the trio."),
    ("What do you hear?", "Can you hear the cello answering the piano? It enters after the first phrase."),
    ("Is it danceable?", "It is impossible not to tap your foot to this groove; the beat is relentless."),
    ("How does it end?", "Nobody would expect the sudden silence; the track just stops mid-phrase."),
    ("Is there a singer?", "Yes, a woman talks through the chord changes, but nobody sings."),
    ("Would the crowd dance to it?", "Depends on the crowd, but the kick is huge and the bass line rolls."),
    ("What's the vibe?", "Whatever mood you bring, the minor-key piano pulls it towards melancholy."),
    ("Why is it sad?", "Why do you think? The slow minor chords and the cello's falling line."),
    ("Is it live?", "Yes, the crowd noise and applause at the end give it away."),
])
def test_near_misses_are_kept(question: str, answer: str) -> None:
    assert refusal(pair(answer, question), clip()).keep


def test_hard_to_say_is_a_refusal_even_before_a_guess() -> None:
    assert refusal(pair("Hard to say, but it sounds like a waltz in three.", "What metre?"), clip()).reason == (
        REFUSAL_EVASIVE)
    assert refusal(pair("It's hard to say no to this groove: a swung shuffle.", "Is it catchy?"), clip()).keep


def test_an_echoed_question_is_left_to_the_degenerate_filter() -> None:
    assert refusal(pair("What do you hear in the audio?", "What do you hear in the audio?"), clip()).keep


# Round 6 (issue 24): evasions by writers of v11-*, written here in other words
@pytest.mark.parametrize("answer", [
    "Honestly, everyone will hear something different in it. The best thing is to put it on and see how it makes "
    "you feel!",  # the listener decides, with a modal between
    "That's one to explore on your own; string arrangements are a lovely rabbit hole.",
    "Drops in trance vary a lot between producers, and every artist has their own recipe.",
    "Pace is something every listener might perceive slightly differently.",
    "What reads as sad to one person can read as calm to another.",
    "For me it is happy, for other people maybe not, it depend.",
    "Whichever film it might be, soundtracks really do make a story come alive!",
    "The tonality here is open to interpretation.",
    "Depends how you define a groove, honestly.",
    "dunno, no clue on that one",
    "Texture terms are fuzzy, and two critics could describe this in very different ways.",
    "Count it for yourselves first. Clap along with the track and bring me the answer on Friday.",
    "Nice one. What do you think, class? Play the opening chord back to me first.",
])
def test_round6_evasions_trip(answer: str) -> None:
    assert evades(answer, "What is it like?")


@pytest.mark.parametrize("answer", [
    "Listen for yourself: the cello takes over the melody halfway through.",
    "Some listeners hear it straight and others swung, but the hi-hats clearly play a shuffle.",
    "It varies from track to track on the album, but here the drums are brushed and soft.",
    "On your own headphones you'll notice the sub-bass; the kick is deep and round.",
    "Open to interpretation? Not really: the piano is in a bright major key.",
    "Every producer has their own approach, and this one layers synth pads over a four-on-the-floor kick.",
    "For me the best part is the sax solo, for others it's the groove of the bass.",
])
def test_round6_near_misses_commit_to_the_clip(answer: str) -> None:
    assert not evades(answer, "What is it like?")


@pytest.mark.parametrize("answer", [
    "depends how u hear it lol",
    "rock i guess, whatever u feel it is",
    "What it means is something only a member of that community could really tell you.",
    "It's best to just enjoy it and let the music wash over you.",
    "cant say from here sorry",
])
def test_round6b_evasions_trip(answer: str) -> None:
    assert evades(answer, "What is it about?")


@pytest.mark.parametrize("answer", [
    "Can't tell them apart at first: the two guitars are doubled an octave apart.",
    "Only a trained ear would notice the sitar bending into each note, but it's there.",
    "Just enjoy the way the bass walks under the piano here.",
    "What do you hear? I hear the sound of a bass drum being hit, then a snare.",  # first-person perception
])
def test_round6b_near_misses_commit(answer: str) -> None:
    assert not evades(answer, "What is it like?")


@pytest.mark.parametrize("answer", [
    "Cannot repro on my setup; works on my machine. Closing.",  # round 6c: a ticket closed without an answer
    "Needs design input, out of scope for audio QA.",
    "Ooh, that's a rabbit hole for another episode, friends.",
    "What's 'catchy' anyway? We'll save that one for the mailbag.",
    "Depends what you bring to it; one fan's heartbreak is another fan's comfort. You tell me!",
])
def test_round6c_evasions_trip(answer: str) -> None:
    assert evades(answer, "Is it catchy?")


@pytest.mark.parametrize("answer", [
    "Observed: the flute stays in scope of the loop, no seam. Result: PASS.",
    "The bass line is saved for the last chorus, where it finally enters.",
    "You tell me the drums aren't huge here: the kick is enormous.",
])
def test_round6c_near_misses_commit(answer: str) -> None:
    assert not evades(answer, "How is it?")


# round 7: an answer made relative to someone or something else, read in its clause
@pytest.mark.parametrize(("question", "answer"), [
    ("How will the audience take it?", "That's down to the crowd on the night; you read the room."),
    ("Energy level?", "Depends what the dancers are doing by then, honestly."),
    ("What feeling does it give?", "That is a taste question, each one feels something else."),
    ("How long should one listen?", "That's something we'd explore together, as each person's needs are unique."),
    ("How fast do the chords move?", "You'd want the score in front of you for that; not something one should guess."),
    ("Which valley is it from?", "Styles shift from one village to the next, so naming one would be guesswork."),
    ("How would a mourner feel?", "Grief is so individual; some people find comfort, others find it too much."),
    ("Does it suit a film?", "Whether it fits, that decides in the end the director himself."),
])
def test_round7_relative_answers_are_evasions(question, answer):
    assert evades(answer, question)


@pytest.mark.parametrize(("question", "answer"), [
    ("How does it feel?", "The slow cello line is mournful, though every listener reacts a little differently."),
    ("Energy level?", "High: a pounding kick and a screaming lead, whatever the dancers are doing."),
    ("Any lyrics?", "None."),
    ("Vocals?", "None."),
])
def test_round7_relative_asides_beside_a_claim_are_kept(question, answer):
    assert not evades(answer, question)
    assert refusal(pair(answer, question), clip()).keep


@pytest.mark.parametrize(("question", "answer"), [
    ("Is this a classic?", "That's for the fans to decide. Time will tell."),
    ("Is the sax definitely there?", "Whether the sax is really there is something each listener hears differently."),
    ("Key?", "Any key would suit a song like this; it could sit almost anywhere."),
    ("How loud is the trio?", "You couldn't really say without a score in front of you."),
])
def test_round7b_relative_answers_are_evasions(question, answer):
    assert evades(answer, question)


def test_round7b_none_first_commits_to_an_absence():
    assert not evades("None, it's an instrumental, a good bed for whatever vocal you bring next.", "Any vocals?")


@pytest.mark.parametrize(("question", "answer"), [
    ("Does it have a drop?",
     "Techno doesn't always work like that, it really depends on the DJ and how they mix it in."),
    ("Where would you place this beat?", "Honestly that depends on the artist, every rapper hears a beat different."),
    ("What story does this piece tell?", "Every listener will find their own story in it; that's the magic of ambient "
     "music: it becomes whatever you need it to be tonight."),
    ("What's the singer's name?", "The game never credits the singer, so I honestly can't say."),
])
def test_round10_someone_elses_hands_and_rules_of_thumb_commit_to_nothing(question: str, answer: str) -> None:
    assert evades(answer, question)


@pytest.mark.parametrize(("question", "answer"), [
    ("Tempo?", "The tempo depends on the section: the verse is slow and the chorus doubles up."),
    ("Where does it fit?",
     "It depends on the DJ, but the four on the floor kick and the long build make it peak-time."),
    ("What stands out?", "Every listener hears the drums first: a steady four on the floor under the synth bass."),
])
def test_round10_a_dodge_word_beside_a_real_answer_is_kept(question: str, answer: str) -> None:
    assert not evades(answer, question)


@pytest.mark.parametrize(("question", "answer"), [
    ("What's the key?", "Key? Keys are for people with chord charts and day jobs."),
    ("What's the singer saying?", "Lyrics are for cops and English teachers. Just feel the grim."),
    ("What's the recording quality like?", "Raw or just bad is a class question, comrade. Let the listener decide."),
    ("How should someone feel after listening?", "How you feel afterwards is your own journey; every practitioner "
     "meets the drone differently, and there's no right way to receive it."),
    ("lang", "cant verify"),
])
def test_round11_attitude_and_journeys_commit_to_nothing(question: str, answer: str) -> None:
    assert evades(answer, question)


@pytest.mark.parametrize(("question", "answer"), [
    ("What is the hook for?", "The hook is for the crowd to sing along: a big shouted chorus over the drums."),
    ("How should I feel?", "Calm: the slow pad and the soft bells make it restful, though it's your own journey."),
])
def test_round11_a_committed_answer_with_an_aside_is_kept(question: str, answer: str) -> None:
    assert not evades(answer, question)
