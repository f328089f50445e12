"""``checkpoint.json``: the one writer and reader of a checkpoint folder's metadata.

Training (``loop.py``) and the converter (``convert.py``) write it; resume, ``build``, infer, evaluate and the
MuChoMusic run read it. One owner keeps the schema number in one place and every reader's error one line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from musicqa.errors import InputError

META = "checkpoint.json"
SCHEMA = 1  # bump when a field changes meaning; readers refuse another version


def write_meta(folder: Path, meta: dict[str, Any]) -> None:
    """Write ``folder/checkpoint.json`` (``folder`` is the temp folder of an ``atomic_folder`` save)."""
    (Path(folder) / META).write_text(json.dumps({"schema": SCHEMA, **meta}, indent=2) + "\n")


def is_checkpoint(folder: Path) -> bool:
    return (Path(folder) / META).is_file()


def read_meta(folder: Path, flag: str | None = None) -> dict[str, Any]:
    """``folder``'s metadata; a missing, unreadable or other-version file is one InputError naming ``flag``."""
    path = Path(folder) / META
    where = f"{flag} {folder}" if flag else str(path)
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InputError(f"{where}: not a checkpoint folder ({META} missing)") from err
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{path}: unreadable ({err}), expected the JSON a musicqa.train save writes") from err
    if not isinstance(meta, dict) or meta.get("schema") != SCHEMA:
        found = meta.get("schema") if isinstance(meta, dict) else None
        raise InputError(f"{path}: field 'schema' = {found!r}, expected {SCHEMA} (written by another musicqa "
                         "version)")
    return meta
