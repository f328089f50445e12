import pytest

from musicqa.atomic import atomic_path, write_atomic


def test_a_failed_writer_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "shard.parquet"
    write_atomic(target, b"old bytes")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half of the new")
        raise RuntimeError("killed mid-write")
    assert target.read_bytes() == b"old bytes"
    assert [p.name for p in tmp_path.iterdir()] == ["shard.parquet"]


def test_a_path_writer_replaces_the_file_in_one_step(tmp_path):
    target = tmp_path / "sub" / "clip.flac"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(".clip.flac.")
        tmp.write_text("new")
        assert not target.exists()  # readers see nothing until the writer is done
    assert target.read_text() == "new" and len(list(target.parent.iterdir())) == 1


def test_written_files_get_the_usual_permissions(tmp_path):
    import os
    import stat

    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "README.md", "card")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "README.md").stat().st_mode) == 0o644  # readable by a web server


# Folders -------------------------------------------------------------------------------------------------------

OLD = {"a.bin": b"old a", "b.bin": b"old b"}
NEW = {"a.bin": b"new a", "b.bin": b"new b", "c.bin": b"new c"}

# Writes NEW over the folder argv[1] with atomic_folder and SIGKILLs itself at a chosen point: "body" after the
# first file is written, or "replace<k>" just before (or "replace<k>+" just after) the k-th os.replace.
_KILLER = f"""
import os, signal, sys
from pathlib import Path
from musicqa import atomic

target, point = Path(sys.argv[1]), sys.argv[2]
NEW = {NEW!r}
real, calls = os.replace, [0]

def kill():
    os.kill(os.getpid(), signal.SIGKILL)

def replace(src, dst):
    calls[0] += 1
    if point == f"replace{{calls[0]}}":
        kill()
    real(src, dst)
    if point == f"replace{{calls[0]}}+":
        kill()

atomic.os.replace = replace
with atomic.atomic_folder(target) as tmp:
    for i, (name, data) in enumerate(NEW.items()):
        (tmp / name).write_bytes(data)
        if point == "body" and i == 0:
            kill()
"""


def _contents(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _fill(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


@pytest.mark.parametrize("point", ["body", "replace1", "replace1+", "replace2+", "replace3+"])
def test_a_kill_at_any_point_of_a_folder_replace_leaves_a_complete_old_or_new_folder(tmp_path, point):
    import signal
    import subprocess
    import sys

    from musicqa.atomic import readable_folder, recover_folder

    target = tmp_path / "step-000010"
    _fill(target, OLD)
    proc = subprocess.run([sys.executable, "-c", _KILLER, str(target), point], capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    # replace1 moves the old folder aside, replace2 moves the new one in, replace3 moves the old one to the trash
    expected = OLD if point in ("body", "replace1", "replace1+") else NEW
    assert _contents(readable_folder(target)) == expected  # a reader, before anyone repairs anything
    assert (target.exists()) == (point != "replace1+")  # the one window in which NAME is missing
    recover_folder(target)  # what the next writer does first
    assert _contents(target) == expected
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no leftovers


def test_a_rerun_after_a_kill_replaces_the_folder_and_cleans_up(tmp_path):
    import subprocess
    import sys

    from musicqa.atomic import atomic_folder

    target = tmp_path / "cache"
    _fill(target, OLD)
    subprocess.run([sys.executable, "-c", _KILLER, str(target), "replace1+"], capture_output=True)
    with atomic_folder(target) as tmp:
        _fill(tmp, NEW)
    assert _contents(target) == NEW and [p.name for p in tmp_path.iterdir()] == ["cache"]


def test_a_failed_folder_writer_leaves_the_old_folder(tmp_path):
    from musicqa.atomic import atomic_folder

    target = tmp_path / "converted"
    _fill(target, OLD)
    with pytest.raises(RuntimeError), atomic_folder(target) as tmp:
        _fill(tmp, {"a.bin": b"half"})
        raise RuntimeError("converter failed")
    assert _contents(target) == OLD and [p.name for p in tmp_path.iterdir()] == ["converted"]


def test_an_error_between_the_two_renames_puts_the_old_folder_back(tmp_path, monkeypatch):
    import os

    from musicqa import atomic

    target = tmp_path / "mp3"
    _fill(target, OLD)
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError("disk full")
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(OSError, match="disk full"), atomic.atomic_folder(target) as tmp:
        _fill(tmp, NEW)
    monkeypatch.undo()
    assert _contents(target) == OLD and [p.name for p in tmp_path.iterdir()] == ["mp3"]


def test_a_folder_replace_creates_the_target_and_replaces_a_link(tmp_path):
    from musicqa.atomic import atomic_folder, replace_folder

    elsewhere = tmp_path / "elsewhere"
    _fill(elsewhere, OLD)
    target = tmp_path / "out" / "mp3"
    with atomic_folder(target) as tmp:
        _fill(tmp, OLD)
    assert _contents(target) == OLD
    target2 = tmp_path / "link"
    target2.symlink_to(elsewhere)
    new = tmp_path / ".staging"
    _fill(new, NEW)
    replace_folder(new, target2)
    assert not target2.is_symlink() and _contents(target2) == NEW and _contents(elsewhere) == OLD


def test_a_running_writers_folder_is_not_taken_for_a_leftover(tmp_path):
    import os

    from musicqa.atomic import recover_folder

    target = tmp_path / "report"
    alive = tmp_path / f".report.new-{os.getppid()}-00000000"  # the parent (pytest's launcher) is running
    dead = tmp_path / ".report.new-999999999-00000000"
    alive.mkdir()
    dead.mkdir()
    recover_folder(target)
    assert alive.exists() and not dead.exists()
