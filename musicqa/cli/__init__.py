"""Command-line entry points; each subcommand lives in its own module with ``register()``."""

from __future__ import annotations

from musicqa.config import config_command

__all__ = ["config_command"]
