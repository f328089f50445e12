"""Every fault a user can cause ends the build with one line naming the path, and the rerun still gives the dataset.

OSErrors are injected where the bytes become durable (``os.fsync``, which every store append and every atomic
write calls), matched by the file's path, so each write site fails for real in the middle of a real build.
A directory, FIFO, link loop or dangling link where a store should be is made for real.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from conftest import SAMPLE_DATA
from test_stages import Scripted

from musicqa.build import run_build
from musicqa.cli.__main__ import one_line_errors


def config(out: Path, smoke: Path, **over):
    from musicqa.build_config import BuildConfig
    from musicqa.config import build

    values = {"out": str(out), "sources": ["musiccaps"], "report": False,
              "musiccaps": {"csv": str(SAMPLE_DATA / "musiccaps-public.csv"), "limit": 3,
                            "audio_dir": str(smoke / "audio" / "musiccaps")},
              "engine": {"max_retries": 1}, "filters": {"enabled": ["leak", "refusal", "duplicate"],
                                                        "classifier": False}, **over}
    return build(BuildConfig, values, "test")


def build_cli(cfg, capsys) -> tuple[int, list[str]]:
    """The build as ``python -m musicqa build`` ends it: (exit code, stderr lines but progress bars)."""
    code = one_line_errors(lambda: run_build(cfg, engine=Scripted()) and 0)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    bars = ("Creating parquet", "Generating ")  # datasets' progress bars, one per shard, split on their \r
    return code, [line for line in err.splitlines() if line.strip() and not line.startswith(bars)]


def dataset(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted((out / "data").rglob("*.parquet"))}


@pytest.fixture(scope="module")
def reference(smoke_dirs, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("reference") / "out"
    run_build(config(out, smoke_dirs), engine=Scripted())
    return dataset(out)


def fail_fsync(monkeypatch, part: str, code: int) -> None:
    """``os.fsync`` raises ``code`` for files whose path contains ``part`` (the store, the shard, the card...)."""
    real = os.fsync

    def fsync(fd: int) -> None:
        if part in os.readlink(f"/proc/self/fd/{fd}").replace("/.", "/"):  # an atomic write's temp: /.name.*.tmp
            raise OSError(code, os.strerror(code))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.parametrize(("part", "code"), [
    ("work/audio/musiccaps/", errno.ENOSPC),  # a normalised clip
    ("work/audio.jsonl", errno.ENOSPC),  # the audio store
    ("work/generations.jsonl", errno.ENOSPC),  # the generations store
    ("work/clips.jsonl", errno.EACCES),
    ("work/filters.jsonl", errno.ENOSPC),  # where each filter batch ran
    ("data.new-", errno.ENOSPC),  # a Parquet shard, in the new data folder (musicqa.bundle)
    ("README.md", errno.EDQUOT),  # the card
    ("summary.json", errno.EIO),
])
def test_a_failed_write_is_one_line_naming_the_file_and_the_rerun_gives_the_dataset(
        part, code, reference, smoke_dirs, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    with monkeypatch.context() as m:
        fail_fsync(m, part, code)
        status, lines = build_cli(config(out, smoke_dirs), capsys)
    assert status == 2 and len(lines) == 1, lines
    named = f"{out}/{part}" if part != "data.new-" else f"{out}/.data.new-"  # the shard's own path
    assert lines[0].startswith(f"error: {named}") and f"({errno.errorcode[code]})" in lines[0], lines
    assert build_cli(config(out, smoke_dirs), capsys) == (0, [])
    assert dataset(out) == reference


def test_libsndfile_system_error_says_where_and_how_much_space_is_left(smoke_dirs, tmp_path, monkeypatch, capsys):
    import soundfile as sf

    def full(*args, **kwargs):
        raise sf.LibsndfileError(2)  # what libsndfile reports for ENOSPC: "System error."

    monkeypatch.setattr(sf, "write", full)
    status, lines = build_cli(config(tmp_path / "out", smoke_dirs), capsys)
    assert status == 2 and len(lines) == 1
    assert lines[0].startswith(f"error: {tmp_path}/out/work/audio/musiccaps/") and "cannot write FLAC: libsndfile: " \
        "System error. (" in lines[0] and "bytes free on its file system)" in lines[0]


def make_dir(path: Path) -> None:
    path.mkdir()


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_loop(path: Path) -> None:
    path.symlink_to(path.name)


def make_dangling(path: Path) -> None:
    path.symlink_to(path.parent / "gone" / "generations.jsonl")


@pytest.mark.parametrize(("make", "says"), [
    (make_dir, "store is a directory, expected a regular file (move it away and rerun)"),
    (make_fifo, "store is a FIFO, expected a regular file (move it away and rerun)"),
    (make_loop, "store: Too many levels of symbolic links (ELOOP)"),
    (make_dangling, "store is a dangling link: No such file or directory (ENOENT)"),
])
def test_a_store_that_is_not_a_file_is_refused_before_any_work(make, says, smoke_dirs, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "work").mkdir(parents=True)
    make(out / "work" / "generations.jsonl")
    status, lines = build_cli(config(out, smoke_dirs), capsys)  # a FIFO would block this call forever
    assert (status, lines) == (2, [f"error: {out}/work/generations.jsonl: {says}"])
    assert not (out / "work" / "audio.jsonl").exists()  # refused before the audio stage


def test_an_output_folder_that_is_a_file_is_one_line(smoke_dirs, tmp_path, capsys):
    (tmp_path / "out").write_text("not a folder")
    status, lines = build_cli(config(tmp_path / "out", smoke_dirs), capsys)
    assert status == 2 and lines == [f"error: {tmp_path}/out: cannot create the output folder: File exists (EEXIST)"]


def test_zero_clips_is_one_line_with_the_sources_counts_and_no_card(smoke_dirs, tmp_path, capsys):
    out = tmp_path / "out"
    status, lines = build_cli(config(out, smoke_dirs, musiccaps={"csv": str(SAMPLE_DATA / "musiccaps-public.csv"),
                                                                 "limit": 0}), capsys)
    assert status == 2 and len(lines) == 1
    assert lines[0].startswith("error: --sources musiccaps: 0 clips passed the sources stage (skipped: ")
    assert not (out / "README.md").exists() and not (out / "data").exists()


def test_zero_clips_with_audio_is_one_line_pointing_at_text_only(tmp_path, capsys):
    out = tmp_path / "out"
    (tmp_path / "empty" / "audio" / "musiccaps").mkdir(parents=True)
    cfg = config(out, tmp_path / "empty")
    status, lines = build_cli(cfg, capsys)
    assert status == 2 and lines == ["error: 0 of 3 clips have usable audio (audio_missing 3); check the sources' "
                                     "audio folders, or keep them without audio with --audio.text-only"]
    assert not (out / "README.md").exists()


def test_more_engine_replicas_than_the_local_cluster_holds_is_refused_before_any_work(smoke_dirs, tmp_path,
                                                                                        capsys):
    from musicqa.pipeline.ray import RayExecutor

    out = tmp_path / "out"
    cores = len(os.sched_getaffinity(0))
    cfg = config(out, smoke_dirs, executor="ray", ray={"engine_replicas": cores + 1})
    status, lines = one_line_errors(lambda: RayExecutor().run(cfg) and 0), capsys.readouterr().err.splitlines()
    assert status == 2 and lines == [f"error: --ray.engine-replicas {cores + 1}: the cluster holds {cores} engine "
                                     f"actors of --ray.cpus-per-engine 1 and --ray.gpus-per-engine 0 (1 node: "
                                     f"{cores} CPU); lower them or add nodes"]
    assert not out.exists()  # no cluster started, no audio stage


def loads(out: Path) -> list[dict] | str:
    """Every row ``load_dataset(out, "musiccaps")`` gives (audio as bytes), or the name of the error it raises."""
    from datasets import Audio, load_dataset

    try:
        splits = load_dataset(str(out), "musiccaps")
    except Exception as err:  # noqa: BLE001 - which error a user gets is what is checked
        return type(err).__name__
    return [row for name in sorted(splits) for row in splits[name].cast_column("audio", Audio(decode=False))]


def crash(monkeypatch, target: str, when=lambda *args: True) -> None:
    """Make ``target`` ("module.function") stop as a kill would stop the process there, at the first call ``when``
    accepts."""
    import importlib

    module, name = target.rsplit(".", 1)
    mod = importlib.import_module(module)
    real = getattr(mod, name)

    def fake(*args, **kwargs):
        if when(*args):
            raise KeyboardInterrupt(f"killed in {target}")
        return real(*args, **kwargs)

    monkeypatch.setattr(mod, name, fake)


def new_card(path, data) -> bool:
    from musicqa.dataset_folder import INTERRUPTED_MARK

    return path.name == "README.md" and INTERRUPTED_MARK not in data


@pytest.mark.parametrize(("target", "when", "previous"), [
    ("musicqa.bundle.write_split", lambda *args: True, True),  # writing the new shards: the old dataset is intact
    ("musicqa.atomic.replace_folder", lambda *args: True, False),  # after the interrupted card, before the swap
    ("musicqa.bundle.write_atomic", new_card, False),  # after the swap, before the new card
])
def test_an_interrupted_bundle_leaves_the_previous_dataset_or_nothing_loadable(target, when, previous, reference,
                                                                              smoke_dirs, tmp_path, monkeypatch):
    from musicqa.dataset_folder import shards
    from musicqa.errors import InputError
    from musicqa.prompts import PAPER_QUESTIONS

    out = tmp_path / "out"
    run_build(config(out, smoke_dirs, prompts={"questions": list(PAPER_QUESTIONS[:2])}), engine=Scripted())
    before = loads(out)
    assert isinstance(before, list) and before and len(before[0]["qa"]) == 3  # 2 fixed + 1 open pair
    with monkeypatch.context() as m:
        crash(m, target, when)
        with pytest.raises(KeyboardInterrupt):
            run_build(config(out, smoke_dirs), engine=Scripted())  # the paper's 4 questions now
    if previous:
        assert loads(out) == before
    else:
        assert loads(out) == "DataFilesNotFoundError"  # the card names no file that exists: no partial dataset
        with pytest.raises(InputError, match="its bundling was interrupted"):
            shards(out)
    run_build(config(out, smoke_dirs), engine=Scripted())
    assert dataset(out) == reference
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".musicqa.lock"]  # no leftovers
