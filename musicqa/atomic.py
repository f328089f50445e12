"""Whole-file writes that readers never see half done: a temp file in the same folder, fsync, ``os.replace``.

The one implementation for every output that is rewritten rather than appended (shards, cards, configs,
summaries, exported JSON, normalised audio, cached features, checkpoint pointers). The temp file sits in the
target's folder because ``os.replace`` is only atomic within one file system; its name starts with a dot and is
unique per writer (pid + random suffix, created with O_EXCL), so two writers never share one and a crash leaves
only a hidden leftover.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from musicqa.errors import storage


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temp path beside ``path`` for a writer that wants a file name; it becomes ``path`` on success.

    For libraries that write to a path themselves (soundfile, pyarrow, numpy). On an exception the temp file
    is removed and ``path`` is left as it was.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    # any OSError here or in the writer (disk full, no permission, a directory in the way) is one line naming
    # ``path``; the old file stays as it was
    with storage(path, "cannot write"):
        path.parent.mkdir(parents=True, exist_ok=True)
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
