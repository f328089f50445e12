import json
import multiprocessing as mp

import pytest

from musicqa.errors import InputError
from musicqa.store import JsonlStore, OutputLock, write_atomic


def test_append_then_read_round_trips_with_schema_version(tmp_path):
    s = JsonlStore(tmp_path / "g.jsonl")
    assert s.append([{"key": "a"}, {"key": "b"}]) == 2
    assert [r["key"] for r in JsonlStore(tmp_path / "g.jsonl").read()] == ["a", "b"]
    assert all(r["schema"] == 1 for r in s.read())


def test_torn_last_line_is_dropped_once_and_not_duplicated(tmp_path, caplog):
    path = tmp_path / "g.jsonl"
    JsonlStore(path).append([{"key": "a"}])
    with open(path, "a") as fh:
        fh.write('{"schema": 1, "key": "b", "te')  # a kill in the middle of a write
    s = JsonlStore(path)
    assert "g.jsonl:2: torn last line" in caplog.text
    s.append([{"key": "b"}])
    assert [r["key"] for r in s.read()] == ["a", "b"]
    assert path.read_text().count("\n") == 2


def test_record_from_another_schema_version_is_refused_with_its_line(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({"schema": 99, "key": "a"}) + "\n")
    with pytest.raises(InputError, match=r"g.jsonl:1: field 'schema' = 99"):
        list(JsonlStore(path).read())


def test_write_atomic_replaces_whole_file(tmp_path):
    write_atomic(tmp_path / "x.txt", "one")
    write_atomic(tmp_path / "x.txt", "two")
    assert (tmp_path / "x.txt").read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def _hold_lock(folder, ready, release):
    with OutputLock(folder):
        ready.set()
        release.wait(10)


def test_second_build_on_the_same_folder_refuses(tmp_path):
    ready, release = mp.Event(), mp.Event()
    proc = mp.Process(target=_hold_lock, args=(tmp_path, ready, release))
    proc.start()
    try:
        assert ready.wait(10)
        with pytest.raises(InputError, match="another musicqa build is running on this folder"):
            with OutputLock(tmp_path):
                pass
    finally:
        release.set()
        proc.join()
    with OutputLock(tmp_path):  # free again once the first build ended
        pass
