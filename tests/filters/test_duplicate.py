"""duplicate: repeats are dropped after the first; different questions and other clips are not."""

from __future__ import annotations

from musicqa.filters.duplicate import (
    DUPLICATE_ANSWER,
    DUPLICATE_ANSWER_ACROSS_CLIPS,
    DUPLICATE_QUESTION,
    Duplicate,
)
from tests.filters.helpers import clip, pair


def run(pairs: list[tuple[str, str, str]], **kwargs: object) -> list[str]:
    dup = Duplicate(**kwargs)  # type: ignore[arg-type]
    return [dup(pair(a, q, c), clip("", c)).reason for c, q, a in pairs]


def test_same_question_in_one_clip() -> None:
    reasons = run([("c1", "What is the mood of this song?", "Warm and nostalgic, like a summer memory."),
                   ("c1", "What's the mood of the song?", "Bright and carefree with a sunny character.")])
    assert reasons == ["", DUPLICATE_QUESTION]


def test_different_questions_are_kept() -> None:
    reasons = run([("c1", "What is the mood at the start?", "At the start the mood is hushed and tense."),
                   ("c1", "What is the mood at the end?", "By the end the mood is bright and triumphant.")])
    assert reasons == ["", ""]


def test_near_identical_answers_in_one_clip() -> None:
    reasons = run([("c1", "Describe the music.", "A mellow jazz tune with a breathy saxophone over double bass."),
                   ("c1", "Describe it in detail.", "A mellow jazz tune with a breathy saxophone over a double bass.")])
    assert reasons == ["", DUPLICATE_ANSWER]


def test_identical_answer_on_another_clip() -> None:
    pairs = [("c1", "What is the main instrument?", "The main instrument is a grand piano."),
             ("c2", "What leads?", "The main instrument is a grand piano.")]
    assert run(pairs) == ["", DUPLICATE_ANSWER_ACROSS_CLIPS]
    assert run(pairs, across_clips=False) == ["", ""]


def test_same_question_on_another_clip_is_kept() -> None:
    reasons = run([("c1", "Describe the audio.", "A brass band plays a cheerful march."),
                   ("c2", "Describe the audio.", "A lone cello plays a slow, mournful melody.")])
    assert reasons == ["", ""]


def test_similarity_hook_catches_paraphrases() -> None:
    reasons = run([("c1", "How does it feel?", "Calm and slow."), ("c1", "What is the pace?", "Slow and calm here.")],
                  similar=lambda answer, previous: True)
    assert reasons == ["", DUPLICATE_ANSWER]


def test_short_answers_to_closed_questions_are_not_duplicates() -> None:
    dup = Duplicate()
    assert dup(pair("Yes.", "Is there a piano?", "a/1"), clip(clip_id="a/1")).keep
    assert dup(pair("Yes.", "Are there drums?", "a/1"), clip(clip_id="a/1")).keep
    assert dup(pair("Yes.", "Is there a piano?", "b/1"), clip(clip_id="b/1")).keep
    long = "The artist of the audio is unknown."
    assert dup(pair(long, "Who?", "a/1"), clip(clip_id="a/1")).keep
    assert dup(pair(long, "Who?", "b/1"), clip(clip_id="b/1")).reason == DUPLICATE_ANSWER_ACROSS_CLIPS


def replayed(pairs: list[tuple[str, str, str]], **kwargs) -> list[str]:
    """``run``'s reasons, from per-clip hashes replayed across clips (the build's path under every executor)."""
    from itertools import groupby

    from musicqa.filters.duplicate import AcrossClips

    dup, across = Duplicate(**kwargs), AcrossClips()
    out: list[str] = []
    for clip_id, group in groupby(pairs, key=lambda p: p[0]):
        qa = [pair(a, q, clip_id) for _, q, a in group]
        out += [v.reason for v in across(clip_id, dup.clip_hashes(qa))]
    return out


def test_hashes_replayed_across_clips_give_the_filters_verdicts() -> None:
    # clip b: its first answer was given on clip a, so the near-copy after it is no repeat of a kept answer and is
    # kept (first of its kind); clip c then drops both across clips; c's question asked twice is dropped once
    first, near = "The artist of the audio is unknown to me here.", "The artist of this audio is unknown to me here."
    pairs = [("a", "Who plays?", first), ("a", "Who is it?", near), ("b", "Who plays?", first),
             ("b", "Who is it?", near), ("c", "Who plays?", "Nobody can tell who plays this one."),
             ("c", "Who plays?", "A different answer entirely for this one."), ("c", "Who is it?", near),
             ("c", "Is it loud?", "Yes."), ("d", "Is it loud?", "Yes.")]
    expected = ["", DUPLICATE_ANSWER, DUPLICATE_ANSWER_ACROSS_CLIPS, "", "", DUPLICATE_QUESTION,
                DUPLICATE_ANSWER_ACROSS_CLIPS, "", ""]
    assert run(pairs) == expected
    assert replayed(pairs) == expected
    assert replayed(pairs, across_clips=False) == run(pairs, across_clips=False)

    def similar(answer: str, previous: list[str]) -> bool:  # a paraphrase test: "one" answers say the same
        return "one" in answer and any("one" in p for p in previous)

    assert replayed(pairs, similar=similar) == run(pairs, similar=similar)


def test_hashes_replayed_equal_the_filter_on_random_clips() -> None:
    import random

    rng = random.Random(7)
    words = "slow calm piano loud drums guitar voice the a is".split()
    for _ in range(200):
        pairs = []
        for c in range(rng.randint(1, 4)):
            for _ in range(rng.randint(1, 5)):
                q = " ".join(rng.choices(words[:4], k=rng.randint(1, 2)))
                a = " ".join(rng.choices(words, k=rng.randint(2, 6)))
                pairs.append((f"c{c}", q, a))
        assert replayed(pairs) == run(pairs), pairs


def test_round8_a_hyphenated_short_answer_is_short_across_clips():
    dup = Duplicate()
    assert dup(pair("Lo-fi hip hop.", "What genre?", clip_id="a/1"), clip(clip_id="a/1")).keep
    assert dup(pair("Lo-fi hip hop.", "What genre?", clip_id="a/2"), clip(clip_id="a/2")).keep
