"""``run_build``: one build of a ``BuildConfig``, by the executor it names (``musicqa.pipeline``).

Kept as the stable entry point of the CLI, the tests and the benches; the stages, the executors and the
counting live in ``musicqa/pipeline/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from musicqa.pipeline import BuildSummary, LocalExecutor

if TYPE_CHECKING:
    from musicqa.build_config import BuildConfig
    from musicqa.engines.base import Engine

__all__ = ["BuildSummary", "run_build"]


def run_build(cfg: BuildConfig, engine: Engine | None = None) -> BuildSummary:
    """Build ``cfg.out`` from ``cfg``; ``engine`` lets tests share one loaded engine between local builds."""
    if cfg.executor == "ray":
        if engine is not None:
            raise ValueError("--executor ray loads one engine per actor; an engine object only serves local builds")
        from musicqa.pipeline.ray import RayExecutor  # imports ray only when asked for

        return RayExecutor().run(cfg)
    return LocalExecutor(engine).run(cfg)
