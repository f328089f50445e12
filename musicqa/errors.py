"""Exceptions the CLI turns into one-line messages (exit code 2) instead of tracebacks."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path


class InputError(Exception):
    """Bad user input: the message names the file, row and field, the value and what was expected."""


class AudioError(Exception):
    """A clip's audio cannot be used; ``reason`` is a short stable code counted in summaries."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class StorageError(InputError):
    """A file or folder musicqa reads or writes failed at the OS level: disk full, no permission, a directory, a
    FIFO, a link loop or a dangling link where a file should be. The message names the path and the OS error.

    A subclass of InputError so every command already prints it as one line (exit 2): the fix is on the user's
    side (free space, fix the path), and what was stored before stays usable by the rerun (append-only stores,
    atomic replaces).
    """


def os_error_line(err: OSError, path: object = None, doing: str = "") -> str:
    """``<path>: <doing>: <strerror> (errno name)``; the path is the error's own where it names one."""
    import errno as errno_mod

    where = err.filename if err.filename is not None else path
    code = errno_mod.errorcode.get(err.errno, "") if err.errno else ""
    what = err.strerror or str(err) or type(err).__name__
    return (f"{where}: " if where is not None else "") + (f"{doing}: " if doing else "") + what + (
        f" ({code})" if code else "")


@contextlib.contextmanager
def storage(path: object, doing: str) -> Iterator[None]:
    """Turn an OSError inside the block into a one-line StorageError naming ``path`` (when the error names none)."""
    try:
        yield
    except OSError as err:
        raise StorageError(os_error_line(err, path, doing)) from err


def check_regular(path: Path, what: str) -> None:
    """Refuse, before any work, a ``path`` that exists but is not a regular file (a FIFO would block the reader
    forever; a directory, socket or device cannot hold records), or a link that leads nowhere or loops."""
    try:
        st = os.stat(path)  # follows links: ELOOP for a loop, ENOENT for a dangling one
    except FileNotFoundError as err:
        if os.path.islink(path):
            raise StorageError(os_error_line(err, path, f"{what} is a dangling link")) from err
        return
    except OSError as err:
        raise StorageError(os_error_line(err, path, what)) from err
    if not stat.S_ISREG(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode) else \
            "not a regular file"
        raise StorageError(f"{path}: {what} is {kind}, expected a regular file (move it away and rerun)")
