"""``python -m musicqa build``: the whole pipeline, configured by TOML + flags."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from musicqa.config import add_flags

if TYPE_CHECKING:  # the build module imports the pipeline; --help should not
    from musicqa.pipeline import BuildSummary

log = logging.getLogger(__name__)
SPLIT_ORDER = {"train": 0, "validation": 1, "test": 2}  # the order a reader expects, not the build's


def register(sub: argparse._SubParsersAction) -> None:
    from musicqa.build_config import BuildConfig

    p = sub.add_parser("build", help="build a music QA dataset folder", description=BuildConfig.__doc__)
    p.add_argument("--config", type=Path, default=None, help="TOML file of options (flags override it)")
    add_flags(p, BuildConfig)
    # the one short alias: `--tasks fixed open mcq` reads better than its section's name
    p.add_argument("--tasks", dest="prompts.tasks", nargs="*", default=argparse.SUPPRESS, metavar="TASK",
                   help="the same as --prompts.tasks")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from musicqa.build import run_build
    from musicqa.build_config import BuildConfig
    from musicqa.config import from_args

    cfg = from_args(BuildConfig, args, args.config)
    summary = run_build(cfg)
    if cfg.dry_run:
        print(f"dry run: {summary.requests} prompts rendered to {cfg.out / 'prompts.jsonl'} (no engine loaded)")
        return 0
    done = []
    if cfg.report:
        from musicqa.report import write_report

        done.append(f"report: {write_report(cfg.out)}")
    if cfg.push_to_hub:
        from huggingface_hub import HfApi

        HfApi().upload_folder(repo_id=cfg.push_to_hub, repo_type="dataset", folder_path=str(cfg.out),
                              ignore_patterns=["work/*", ".musicqa.lock"])
        done.append(f"pushed to https://huggingface.co/datasets/{cfg.push_to_hub}")
    print("\n".join(summary_lines(cfg.out, summary, done)))
    return 0


def summary_lines(out: Path, summary: BuildSummary, notes: Sequence[str] = ()) -> list[str]:
    """The build's closing lines: what was built (clips and pairs per config and split), where, how to load it.

    Printed last, after the engine's and the report's logs, so a user reads them without scrolling;
    ``notes`` (report page, hub push) go just before the ``load_dataset`` line, which ends the output.
    """
    clips = sum(n for splits in summary.clips.values() for n in splits.values())
    lines = [f"built {out}: {clips} clips, {summary.pairs_kept} QA pairs"]
    if clips:
        lines.append(f"  {'config':<16}{'split':<12}{'clips':>6}{'pairs':>7}")
        for config, splits in summary.clips.items():
            for split in sorted(splits, key=lambda s: SPLIT_ORDER.get(s, len(SPLIT_ORDER))):
                lines.append(f"  {config:<16}{split:<12}{splits[split]:>6}{summary.pairs[config][split]:>7}")
    lines.append(f"dropped: {sum(summary.drops.values())} pairs (rejected.jsonl), {sum(summary.failed.values())} "
                 "replies that never parsed (failed_generations.jsonl); counts per reason in summary.json")
    if summary.mcq:
        share = summary.mcq["correct_longest_share_kept"]
        lines.append(f"mcq: {summary.mcq['items_kept']} multiple-choice items kept of {summary.mcq['items_generated']}"
                     + (f"; the correct option is the longest in {share:.0%} of them (chance: 25%)"
                        if share is not None else ""))
    if summary.judge:
        j = summary.judge
        lines.append(f"judge: {j['kept']} of {j['pairs']} pairs kept by {j['model']} ({j['judged_now']} judged now, "
                     f"{j['unparsed']} replies were no verdict); its reasons in rejected.jsonl")
    lines.extend(notes)
    if clips:
        config = next(iter(summary.clips))
        lines.append(f"load it: from datasets import load_dataset; "
                     f"ds = load_dataset({json.dumps(str(out))}, {json.dumps(config)})")
    return lines
