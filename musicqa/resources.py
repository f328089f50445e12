"""Where the prompt templates and card templates are: the working directory first, then the package's checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def resource(path: Path) -> Path:
    """A relative resource path (prompts/, data_cards/) found from the working dir or the package's root."""
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path
    candidate = PACKAGE_ROOT / path
    return candidate if candidate.exists() else path
