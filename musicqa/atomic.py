"""Whole-file writes and whole-folder replaces that readers never see half done; the one owner of both.

Files: a temp file in the same folder, fsync, ``os.replace``. Folders (checkpoints, converted weights, extracted
archives, caches, reports): see the section below; the old folder is kept until the new one is in place.

The one implementation for every output that is rewritten rather than appended (shards, cards, configs,
summaries, exported JSON, normalised audio, cached features, checkpoint pointers). The temp file sits in the
target's folder because ``os.replace`` is only atomic within one file system; its name starts with a dot and is
unique per writer (pid + random suffix, created with O_EXCL), so two writers never share one and a crash leaves
only a hidden leftover.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temp path beside ``path`` for a writer that wants a file name; it becomes ``path`` on success.

    For libraries that write to a path themselves (soundfile, pyarrow, numpy). On an exception the temp file
    is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    # O_EXCL: the name is this writer's alone; mode 0o666 minus the umask, as a plain open() gives (mkstemp's
    # 0o600 would leave shards and cards unreadable to a web server or a colleague)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        with open(tmp, "rb+") as fh:  # the writer may not have synced: make the bytes durable before the rename
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a whole file (str as UTF-8) so that ``path`` holds either its old bytes or all the new ones.

    A lone surrogate (from input read with ``surrogateescape``, or a legal ``"\\udcff"`` JSON escape) is
    written back as its backslash escape instead of failing the whole write.
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data.encode("utf-8", errors="backslashreplace") if isinstance(data, str) else data)


# Folders ------------------------------------------------------------------------------------------------------
#
# A folder cannot be renamed over a non-empty one, so replacing it takes three renames:
#   1. the new folder is written completely as ``.NAME.new-<pid>-<hex>`` beside the target and fsynced;
#   2. the old target is renamed aside to ``.NAME.old`` (kept, complete, until the new one is in place);
#   3. the new folder is renamed to NAME; the old one is renamed to ``.NAME.trash-...`` and deleted.
# A crash between 2 and 3 leaves no NAME but a complete ``.NAME.old``: ``readable_folder`` finds it for a reader,
# ``recover_folder`` (run by every writer before it starts) renames it back. A crash at any other point leaves
# NAME complete (old or new) and hidden leftovers that ``recover_folder`` deletes. One writer per target at a
# time: the callers are single-process commands or hold the output folder's lock.


def _sibling(target: Path, kind: str, unique: bool) -> Path:
    suffix = f"-{os.getpid()}-{uuid.uuid4().hex[:8]}" if unique else ""
    return target.with_name(f".{target.name}.{kind}{suffix}")


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """Make every file under ``folder`` durable, so the rename never publishes a folder of empty files."""
    if folder.is_symlink():
        return
    for root, _, files in os.walk(folder):
        for name in files:
            p = os.path.join(root, name)
            if os.path.islink(p):
                continue
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(Path(root))


def _discard_old(target: Path) -> None:
    """Delete ``.NAME.old`` by first renaming it to a trash name, so a half-deleted tree never keeps the name
    that ``recover_folder`` would restore."""
    old = _sibling(target, "old", unique=False)
    if old.is_symlink() or old.is_file():
        old.unlink()
    elif old.exists():
        trash = _sibling(target, "trash", unique=True)
        os.replace(old, trash)
        shutil.rmtree(trash, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # ours is being written (a failed write of ours removes its own folder)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_folder(target: Path) -> None:
    """Finish or undo a replace that a crash interrupted, and delete its hidden leftovers.

    NAME missing with ``.NAME.old`` present: the crash came after the old folder was moved aside, before the
    new one came in, so the old one (complete) goes back. Both present: the swap was done, the old one goes.
    ``.NAME.new-*`` / ``.NAME.trash-*`` left by a dead process are deleted.
    """
    target = Path(target)
    old = _sibling(target, "old", unique=False)
    if _exists(old):
        if _exists(target):
            _discard_old(target)
        else:
            os.replace(old, target)
    if not target.parent.is_dir():
        return
    for kind in ("new", "trash"):
        for p in target.parent.glob(f".{glob.escape(target.name)}.{kind}-*"):
            pid = p.name.rsplit("-", 2)[-2]
            if pid.isdigit() and not _pid_alive(int(pid)):
                if p.is_symlink() or p.is_file():
                    p.unlink(missing_ok=True)
                else:
                    shutil.rmtree(p, ignore_errors=True)


def readable_folder(target: Path) -> Path:
    """The folder a reader should open for ``target``: itself, or the complete old one a crash left aside.

    Changes nothing on disk (a reader may have no write access); writers call ``recover_folder``.
    """
    target = Path(target)
    old = _sibling(target, "old", unique=False)
    return old if not _exists(target) and _exists(old) else target


def replace_folder(new: Path, target: Path) -> None:
    """Move the complete folder ``new`` to ``target``, keeping the old ``target`` until the new one is in place.

    ``new`` must be on the same file system as ``target`` (best: beside it). Its files are fsynced first.
    """
    new, target = Path(new), Path(target)
    recover_folder(target)
    _fsync_tree(new)
    old = _sibling(target, "old", unique=False)
    if _exists(target):
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if _exists(old) and not _exists(target):
            os.replace(old, target)  # not a crash but an error: put the old folder back at once
        raise
    _fsync_dir(target.parent)
    _discard_old(target)


@contextlib.contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield an empty folder beside ``target`` to fill; on success it replaces ``target`` (``replace_folder``).

    On an exception the partial folder is deleted and ``target`` is left as it was. A kill leaves a hidden
    ``.NAME.new-*`` folder that the next writer's ``recover_folder`` deletes.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_folder(target)
    tmp = _sibling(target, "new", unique=True)
    tmp.mkdir()  # mode 0o777 minus the umask (mkdtemp's 0o700 would hide a report from a web server)
    try:
        yield tmp
        replace_folder(tmp, target)
    finally:
        if _exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)

