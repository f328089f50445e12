"""Where the shipped ``prompts/`` and ``data_cards/`` folders are, for a checkout and for an installed wheel.

The repository keeps them at its top level (the source of truth, edited there); ``setup.py`` copies them
into the wheel as ``musicqa/_data/<folder>``. A checkout (editable install, or ``PYTHONPATH``) has no
``_data`` and finds them beside the package instead, so both layouts build from any working directory.
"""

from __future__ import annotations

from pathlib import Path

PACKAGED = Path(__file__).resolve().parent / "_data"  # the wheel's copy (setup.py's build_py writes it)
CHECKOUT = Path(__file__).resolve().parents[1]  # the repository root, when running from a checkout


def resource(path: Path) -> Path:
    """``path`` itself when it is absolute or exists from the working dir; else the shipped copy if there is one.

    A user's own ``--prompts-dir`` always wins. A relative path found nowhere comes back unchanged, so the
    caller's error names the path the user gave, not one inside site-packages.
    """
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path
    candidate = shipped_root() / path
    return candidate if candidate.exists() else path


def shipped_root() -> Path:
    """The folder holding the shipped folders: the wheel's ``_data`` when installed, else the checkout root.

    Only one of the two is searched, so an installed musicqa never picks up an unrelated ``prompts/``
    lying in site-packages.
    """
    return PACKAGED if PACKAGED.is_dir() else CHECKOUT
