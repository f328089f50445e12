"""``BuildSummary``: the counts of one build, each kept by the step of the stage it counts (``driver.Step``).

The stage objects hold no counter (a Ray worker's copy would count into nothing): a step counts what its stage
said of each item, on the driver, into ``BuildState.summary``.

Written to ``OUT/summary.json`` and shown in the card. Every key of ``skipped``, ``warnings``, ``analysis``,
``failed`` and ``drops`` is a stable reason string of the stage that produced it (``source_*``, ``audio_*``,
``analysis_*``, ``parse_*``, ``<filter>_*``), so counts compare across runs; ``analysis`` counts every
measured clip, ``ok`` or the reason it has no facts (such a clip goes on without them).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from typing import Any

log = logging.getLogger(__name__)


@dataclasses.dataclass
class BuildSummary:
    """Counts of one build; written to OUT/summary.json and the card."""

    clips_read: dict[str, int] = dataclasses.field(default_factory=dict)
    skipped: Counter = dataclasses.field(default_factory=Counter)
    warnings: Counter = dataclasses.field(default_factory=Counter)
    analysis: Counter = dataclasses.field(default_factory=Counter)  # "ok" or an analysis_* reason, per clip
    requests: int = 0
    generated_now: int = 0
    failed: Counter = dataclasses.field(default_factory=Counter)
    drops: Counter = dataclasses.field(default_factory=Counter)
    pairs_generated: int = 0
    pairs_kept: int = 0
    clips: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    pairs: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    mcq: dict = dataclasses.field(default_factory=dict)  # the mcq task's item counts and length cue (pipeline/pairs.py)
    judge: dict = dataclasses.field(default_factory=dict)  # the LLM judge's counts (pipeline/judge.py); {}: off

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        for k in ("skipped", "warnings", "analysis", "failed", "drops"):
            d[k] = dict(sorted(getattr(self, k).items()))
        return d


def stage_done(stage: str, n_in: int, n_out: int, reasons: Counter | dict[str, int] | None = None,
               unit: str = "items") -> None:
    """The one INFO line a stage ends with: items in, items out, and what was dropped, by reason."""
    drops = ", ".join(f"{r} {n}" for r, n in sorted((reasons or {}).items()) if n) or "none"
    log.info("%s: %d %s in, %d out; dropped: %s", stage, n_in, unit, n_out, drops)
