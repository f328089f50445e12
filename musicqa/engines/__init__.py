"""Generation engines: ``make_engine(cfg)`` returns an object following ``base.Engine``."""

from __future__ import annotations

from musicqa.engines.base import Engine, EngineConfig
from musicqa.errors import InputError

ENGINES = ("vllm", "transformers")


def make_engine(cfg: EngineConfig, chat_template: str) -> Engine:
    """Build the configured engine; vllm/torch are imported only here, on demand."""
    if cfg.name == "vllm":
        from musicqa.engines.vllm import VllmEngine

        return VllmEngine(cfg, chat_template)
    if cfg.name == "transformers":
        from musicqa.engines.hf import TransformersEngine

        return TransformersEngine(cfg, chat_template)
    raise InputError(f"--engine.name: unknown engine {cfg.name!r}, expected one of {', '.join(ENGINES)}")
