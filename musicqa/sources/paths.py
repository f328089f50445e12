"""Audio paths read from a table: checked as text, resolved inside the audio folder, looked up under known names.

A path in a CSV becomes a file we open, so it must not climb out of the audio folder (``../``, an absolute path,
a symlink pointing elsewhere). Datasets also ship their audio under names other than the one their table gives:
MTG-Jamendo's low-quality archives have ``14/214.low.mp3`` for ``14/214.mp3``, Song Describer's zip has
``34/1004034.2min.mp3`` for ``34/1004034.mp3``; ``locate`` tries the table's name first, then those.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from musicqa.sources.base import AUDIO_NOT_FOUND, BAD_VALUE, PATH_ESCAPE, RowError
from musicqa.sources.table import show

_DRIVE = re.compile(r"[A-Za-z]:")


def check_relative(raw: str) -> tuple[str, str] | None:
    """Return ``(reason, expected)`` if ``raw`` is not a clean relative path with '/' separators, else None.

    Checked as text, before touching the file system, so the rules hold with or without an audio folder.
    """
    if not raw:
        return BAD_VALUE, "a relative path such as 'folder/name.mp3'"
    if "\\" in raw:
        return PATH_ESCAPE, "'/' as the separator, found a backslash"
    if raw.startswith("/") or _DRIVE.match(raw):
        return PATH_ESCAPE, "a relative path, found an absolute one"
    parts = raw.split("/")
    if ".." in parts:
        return PATH_ESCAPE, "a path inside the audio folder, found a '..' component"
    if "\0" in raw or "" in parts or "." in parts:
        return BAD_VALUE, "a relative path such as 'folder/name.mp3' (no empty or '.' components)"
    return None


def with_suffix(raw: str, suffix: str) -> str:
    """``'14/214.mp3'`` -> ``'14/214<suffix>'``: the name a dataset's alternative audio release uses."""
    head, _, name = raw.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{head}/{stem}{suffix}" if head else f"{stem}{suffix}"


def locate(root: Path | None, raw: str, where: str, column: str,
           alternates: Sequence[str] = ()) -> tuple[Path | None, RowError | None]:
    """Return ``(file, None)``, ``(None, error)`` or, with no ``root``, ``(None, None)``.

    ``raw`` is checked as text, then ``root/raw`` and each ``root/alternate`` is resolved (symlinks followed)
    and must stay inside ``root``. None of them on disk gives ``(None, warning)``: the row's clip is still read
    and the audio stage skips it as ``audio_missing`` (``--audio.text-only`` keeps it), and the warning names
    the row and the field, which the audio stage cannot.
    """
    problem = check_relative(raw)
    if problem:
        return None, RowError(problem[0], f"{where}: field {column!r} = {show(raw)}, expected {problem[1]}")
    if root is None:
        return None, None
    tried = []
    for name in dict.fromkeys([raw, *alternates]):
        try:
            target = (root / name).resolve()
        except (OSError, RuntimeError) as err:  # a symlink loop: RuntimeError before 3.13, OSError after
            return None, RowError(BAD_VALUE, f"{where}: field {column!r} = {show(raw)} cannot be resolved ({err})")
        if not target.is_relative_to(root):
            return None, RowError(PATH_ESCAPE, f"{where}: field {column!r} = {show(raw)} resolves outside the audio "
                                               "folder, expected a file inside it (a symlink?)")
        if target.is_file():
            return target, None
        tried.append(name)
    also = f" (also tried {', '.join(map(repr, tried[1:]))})" if len(tried) > 1 else ""
    return None, RowError(AUDIO_NOT_FOUND, f"{where}: field {column!r} = {show(raw)}: no such file in {root}{also}; "
                                           "the clip has no audio", warning=True)


def audio_root(audio_dir: Path | None, what: str) -> Path | None:
    """``audio_dir`` resolved, or None; a folder that does not exist is an InputError before any row is read."""
    from musicqa.errors import InputError

    if audio_dir is None:
        return None
    if not Path(audio_dir).is_dir():
        raise InputError(f"{audio_dir}: audio folder not found, expected {what}")
    return Path(audio_dir).resolve()
