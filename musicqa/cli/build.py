"""``python -m musicqa build``: the whole pipeline, configured by TOML + flags."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from musicqa.config import add_flags

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    from musicqa.build_config import BuildConfig

    p = sub.add_parser("build", help="build a music QA dataset folder", description=BuildConfig.__doc__)
    p.add_argument("--config", type=Path, default=None, help="TOML file of options (flags override it)")
    add_flags(p, BuildConfig)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from musicqa.build import run_build
    from musicqa.build_config import BuildConfig
    from musicqa.config import from_args

    cfg = from_args(BuildConfig, args, args.config)
    summary = run_build(cfg)
    print(json.dumps({"out": str(cfg.out), "clips": summary.clips, "pairs_kept": summary.pairs_kept,
                      "drops": dict(summary.drops), "skipped": dict(summary.skipped),
                      "failed": dict(summary.failed)}, indent=2))
    if cfg.report:
        try:
            from musicqa.report import write_report
        except ImportError:  # TODO(#6): the report lands separately
            log.info("report module not available")
        else:
            page = write_report(cfg.out)
            print(f"report: {page}")
    if cfg.push_to_hub:
        from huggingface_hub import HfApi

        HfApi().upload_folder(repo_id=cfg.push_to_hub, repo_type="dataset", folder_path=str(cfg.out),
                              ignore_patterns=["work/*", ".musicqa.lock"])
        print(f"pushed to {cfg.push_to_hub}")
    return 0
