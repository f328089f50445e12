"""Exceptions the CLI turns into one-line messages (exit code 2) instead of tracebacks."""

from __future__ import annotations


class InputError(Exception):
    """Bad user input: the message names the file, row and field, the value and what was expected."""


class AudioError(Exception):
    """A clip's audio cannot be used; ``reason`` is a short stable code counted in summaries."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
