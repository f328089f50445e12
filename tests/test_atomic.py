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
