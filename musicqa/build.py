"""``run_build``: one build of a ``BuildConfig``, by the local executor (``musicqa.pipeline``).

Kept as the stable entry point of the CLI, the tests and the benches; the stages, the executors and the
counting live in ``musicqa/pipeline/``.
"""

from __future__ import annotations

from typing import Any

from musicqa.pipeline import BuildSummary, LocalExecutor

__all__ = ["BuildSummary", "run_build"]


def run_build(cfg: Any, engine: Any = None) -> BuildSummary:
    """Build ``cfg.out`` from ``cfg``; ``engine`` lets tests share one loaded engine between builds."""
    return LocalExecutor(engine).run(cfg)
