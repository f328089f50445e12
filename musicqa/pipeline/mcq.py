"""The mcq task after generation: stored replies -> MCQItems -> the item checks -> kept items, counted.

Runs on the driver beside ``driver.select_pairs`` and, like it, from the stores alone, so a rerun (or a Ray build)
gives the same items. A reply that never parsed is already counted and written to failed_generations.jsonl by
``select_pairs`` (the mcq task's ``Parsed`` has no pairs, so nothing of it reaches the QA filters); here only the
parsed items are checked. A dropped item goes to rejected.jsonl with its reason, its correct answer as ``answer``
and its distractors.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from musicqa.filters import check
from musicqa.filters.mcq import correct_longest_share, make_checks
from musicqa.parse import OK
from musicqa.pipeline.generate import stored_reply
from musicqa.pipeline.summary import BuildSummary, stage_done
from musicqa.records import Clip, MCQItem, PromptRequest

TASK = "mcq"


def select_items(cfg: Any, clips: Sequence[Clip], requests: Sequence[PromptRequest],
                 final: Mapping[str, Mapping[str, Any]], summary: BuildSummary,
                 rejected: list[dict]) -> dict[str, list[MCQItem]] | None:
    """Kept items per clip_id, or None when the build has no mcq task; drops are appended to ``rejected``.

    ``summary.mcq`` gets the item counts and the length cue: the share of items whose correct option is the
    longest, over the parsed items and over the kept ones.
    """
    if TASK not in cfg.prompts.tasks:
        return None
    by_clip: dict[str, list[PromptRequest]] = defaultdict(list)
    for r in requests:
        if r.task == TASK:
            by_clip[r.clip_id].append(r)
    generated: list[MCQItem] = []

    def items() -> Iterator[tuple[MCQItem, Clip]]:
        for clip in clips:
            for req in by_clip[clip.clip_id]:
                rec = final.get(req.key)
                if rec is None:
                    continue
                parsed = stored_reply(rec, req)
                if parsed.status == OK:
                    for item in parsed.items:
                        generated.append(item)
                        yield item, clip

    kept: dict[str, list[MCQItem]] = defaultdict(list)
    drops: Counter[str] = Counter()
    for item, _clip, verdicts in check(items(), make_checks(cfg.mcq.checks)):  # type: ignore[arg-type]
        if verdicts:
            drops[verdicts[0].reason] += 1
            rejected.append({"clip_id": item.clip_id, "task": TASK, "question": item.question,
                             "answer": item.correct_answer, "distractors": list(item.distractors),
                             "reason": verdicts[0].reason, "reasons": [v.reason for v in verdicts]})
        else:
            kept[item.clip_id].append(item)
    summary.drops.update(drops)
    all_kept = [i for v in kept.values() for i in v]
    summary.mcq = {"per_clip": cfg.mcq.per_clip, "items_generated": len(generated), "items_kept": len(all_kept),
                   "correct_longest_share_generated": _round(correct_longest_share(generated)),
                   "correct_longest_share_kept": _round(correct_longest_share(all_kept))}
    stage_done("mcq checks", len(generated), len(all_kept), drops, "items")
    return kept


def _round(share: float | None) -> float | None:
    return None if share is None else round(share, 4)
