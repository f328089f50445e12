"""musicqa.sources.paths: a table's audio path is checked as text, resolved inside the folder, found by any name."""

from __future__ import annotations

from pathlib import Path

import pytest

from musicqa.sources import RowError
from musicqa.sources.paths import check_relative, locate, with_suffix


@pytest.mark.parametrize(("raw", "reason"), [
    ("../a.mp3", "source_path_escape"), ("a/../../b.mp3", "source_path_escape"), ("/etc/passwd", "source_path_escape"),
    ("C:/a.mp3", "source_path_escape"), ("a\\b.mp3", "source_path_escape"), ("", "source_bad_value"),
    ("a//b.mp3", "source_bad_value"), ("./a.mp3", "source_bad_value"),
])
def test_unsafe_paths_are_refused_as_text(raw: str, reason: str) -> None:
    assert check_relative(raw)[0] == reason


@pytest.mark.parametrize("raw", ["a.mp3", "14/214.mp3", "a..b/c...mp3", "-rf.mp3"])
def test_ordinary_relative_paths_pass(raw: str) -> None:
    assert check_relative(raw) is None


def test_with_suffix_names_the_alternative_releases() -> None:
    assert with_suffix("14/214.mp3", ".low.mp3") == "14/214.low.mp3"
    assert with_suffix("34/1004034.mp3", ".2min.mp3") == "34/1004034.2min.mp3"
    assert with_suffix("noext", ".wav") == "noext.wav"


def test_locate_tries_each_name_inside_the_root_only(tmp_path: Path) -> None:
    root = (tmp_path / "root").resolve()
    (root / "14").mkdir(parents=True)
    (root / "14" / "214.low.mp3").write_bytes(b"x")
    assert locate(root, "14/214.mp3", "t.tsv:2", "PATH", ["14/214.low.mp3"]) == (root / "14" / "214.low.mp3", None)
    assert locate(None, "14/214.mp3", "t.tsv:2", "PATH") == (None, None)  # no folder: nothing to look up
    (tmp_path / "outside.mp3").write_bytes(b"x")
    (root / "15").symlink_to(tmp_path, target_is_directory=True)
    audio, problem = locate(root, "15/outside.mp3", "t.tsv:3", "PATH")
    assert audio is None and problem.reason == "source_path_escape" and problem.message.startswith("t.tsv:3: field")
    assert locate(root, "16/1.mp3", "t.tsv:4", "PATH") == (None, RowError(
        "source_audio_not_found", f"t.tsv:4: field 'PATH' = '16/1.mp3': no such file in {root}; the clip has no audio",
        warning=True))
