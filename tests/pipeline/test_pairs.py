"""Parse + filters per batch of clips (``Executor.map_filter``), then the duplicate filter replayed across clips on
the driver, give what the previous driver path gave: one ``check()`` over every pair of the build in one process.

The replies are scripted so that every hard case of that split happens: an answer dropped as given on another clip
while a near-copy of it follows on the same clip, a repeated question, a leak, a refusal, a reply that does not
parse, mcq items kept and dropped, and clips of one batch repeating answers of another.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from conftest import MTT_FIXTURE, REPO, SAMPLE_DATA

from musicqa.filters import check, filters_from_config
from musicqa.filters.mcq import correct_longest_share, make_checks
from musicqa.parse import OK
from musicqa.pipeline.driver import Build
from musicqa.pipeline.executor import FilterStep
from musicqa.pipeline.generate import stored_reply
from musicqa.pipeline.local import LocalExecutor
from musicqa.pipeline.pairs import select
from musicqa.pipeline.summary import BuildSummary
from musicqa.records import Clip, Generation

FIXED = ["A bright brass fanfare opens the piece over loud drums.",  # every clip: the first keeps it, the rest drop it
         "A bright brass fanfare opens this piece over loud drums.",  # its near-copy: kept once it is no repeat
         "A calm piano piece with soft strings and a steady pulse, clip {n}.",
         "The caption says it is a slow piano piece with strings."]  # leak (the 4 paper questions: one each)


def config(out: Path, **over):
    from musicqa.build_config import BuildConfig
    from musicqa.config import build

    values = {"out": str(out), "sources": ["musiccaps", "magnatagatune"], "prompts_dir": str(REPO / "prompts"),
              "musiccaps": {"csv": str(SAMPLE_DATA / "musiccaps-public.csv"), "limit": 4},
              "magnatagatune": {"annotations": str(MTT_FIXTURE / "annotations_final.csv"), "limit": 4},
              "audio": {"text_only": True}, "engine": {"max_retries": 0}, "report": False,
              "prompts": {"tasks": ["fixed", "open", "mcq"]}, **over}
    return build(BuildConfig, values, "test")


class Scripted:
    """Replies that trip every filter family and the duplicate filter's cases; the 4th clip's open reply is no JSON."""

    name, version = "scripted", "0"

    def __init__(self) -> None:
        self.clips: dict[str, int] = {}

    def generate(self, requests):
        out = []
        for r in requests:
            n = self.clips.setdefault(r.clip_id, len(self.clips))
            if r.task == "fixed":
                text = json.dumps({"answers": [FIXED[i % len(FIXED)].format(n=n) for i in range(len(r.questions))]})
            elif r.task == "open" and n == 3:
                text = '{"pairs": [{"question": "What'
            elif r.task == "open":
                pairs = [{"question": "What is the tempo of the piece?", "answer": f"Slow and even, clip {n}."},
                         {"question": "What's the tempo of this song?", "answer": "Fast and driving throughout."},
                         {"question": "What mood does it set overall?",
                          "answer": "A warm and gentle mood that stays the same from start to end."}]
                text = json.dumps({"pairs": pairs})
            else:
                good = {"question": "Which instrument leads?", "correct_answer": "A piano",
                        "incorrect_but_related": "A kazoo ensemble", "correct_but_unrelated": "Some rhythm",
                        "incorrect_and_unrelated": "Bagpipes"}
                text = json.dumps({"items": [good, {**good, "incorrect_and_unrelated": "a piano"}]})
            out.append(Generation(r.key, r.clip_id, r.task, text, "stop" if text.endswith("}") else "length",
                                  "scripted", r.attempt))
        return out

    def close(self) -> None:
        pass


def previous_driver_path(build: Build, clips, requests, final) -> tuple[dict, list, list, BuildSummary]:
    """The path this replaces, as it was: every reply parsed on the driver, one ``check()`` over all pairs (batches
    of 1,024, one duplicate memory), then the mcq items' checks; kept pairs, rejected and failed, the counts."""
    summary = BuildSummary()
    by_clip = defaultdict(list)
    for r in requests:
        by_clip[r.clip_id].append(r)
    failed, items, generated = [], [], []
    for clip in clips:
        for req in by_clip[clip.clip_id]:
            rec = final[req.key]
            parsed = stored_reply(rec, req)
            if parsed.status != OK:
                summary.failed[parsed.status] += 1
                failed.append({"clip_id": clip.clip_id, "task": req.task, "status": parsed.status,
                               "detail": parsed.detail, "attempts": rec["attempt"] + 1, "text": rec["text"]})
            items += [(p, clip) for p in parsed.pairs]
            generated += [(i, clip) for i in parsed.items]
    kept, rejected = defaultdict(list), []
    filters = filters_from_config(build.cfg.filters, max_answer_chars=build.cfg.prompts.max_answer_chars)
    for pair, _clip, drops in check(items, filters):
        summary.pairs_generated += 1
        if drops:
            summary.drops[drops[0].reason] += 1
            rejected.append({"clip_id": pair.clip_id, "task": pair.task, "question": pair.question,
                             "answer": pair.answer, "reason": drops[0].reason, "reasons": [v.reason for v in drops],
                             **({"score": drops[0].score} if drops[0].score is not None else {})})
        else:
            kept[pair.clip_id].append(pair)
            summary.pairs_kept += 1
    kept_items = []
    for item, _clip, verdicts in check(generated, make_checks(build.cfg.mcq.checks)):
        if verdicts:
            summary.drops[verdicts[0].reason] += 1
            rejected.append({"clip_id": item.clip_id, "task": "mcq", "question": item.question,
                             "answer": item.correct_answer, "distractors": list(item.distractors),
                             "reason": verdicts[0].reason, "reasons": [v.reason for v in verdicts]})
        else:
            kept_items.append(item)
    summary.mcq = {"per_clip": build.cfg.mcq.per_clip, "items_generated": len(generated),
                   "items_kept": len(kept_items),
                   "correct_longest_share_generated": correct_longest_share(i for i, _ in generated),
                   "correct_longest_share_kept": correct_longest_share(kept_items)}
    return dict(kept), rejected, failed, summary


@pytest.mark.parametrize(("batch", "classifier"), [(1, False), (3, False), (100, True)],
                         ids=["a clip per batch", "3 clips per batch", "learned layer, one batch"])
def test_the_local_executors_filter_map_gives_the_previous_driver_paths_result(tmp_path, batch, classifier):
    build = Build(config(tmp_path / "out", clips_per_filter_batch=batch,
                         filters={"classifier": classifier, "language": ""}), engine=Scripted())
    (tmp_path / "out" / "work").mkdir(parents=True)
    clips = [c for _, c in build.read() if isinstance(c, Clip)]
    requests = build.render(clips)
    final = {}
    for result in LocalExecutor().map_generate(build, [requests]):
        final.update(result.done)

    judged = FilterStep(LocalExecutor()).results(build, clips, requests, final)
    summary = BuildSummary()
    got = select(judged, final, summary, mcq_per_clip=build.cfg.mcq.per_clip)
    kept, rejected, failed, expected = previous_driver_path(build, clips, requests, final)

    reasons = Counter(r["reason"] for r in rejected)
    assert {"duplicate_answer_across_clips", "duplicate_answer", "duplicate_question", "leak_source_reference",
            "mcq_duplicate_option"} <= set(reasons), reasons  # the cases this test is about all happened
    assert failed and expected.pairs_kept > 0
    assert dict(got.kept) == kept
    assert got.rejected == rejected
    assert got.failed == failed
    assert (summary.drops, summary.failed) == (expected.drops, expected.failed)
    assert (summary.pairs_generated, summary.pairs_kept) == (expected.pairs_generated, expected.pairs_kept)
    assert summary.mcq == {k: round(v, 4) if isinstance(v, float) else v for k, v in expected.mcq.items()}
    assert [r.index for r in judged] == list(range(-(-len(clips) // batch)))
    lines = [json.loads(line) for line in (tmp_path / "out" / "work" / "filters.jsonl").read_text().splitlines()]
    assert [x["batch"] for x in lines] == [r.index for r in judged] and all(x["node"] and x["pid"] for x in lines)
    assert sum(x["pairs"] for x in lines) == expected.pairs_generated
