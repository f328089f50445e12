"""musicqa.sources.song_describer on the format-faithful Song Describer fixture and on broken copies of it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from musicqa.errors import InputError
from musicqa.records import Clip
from musicqa.sources import RowError, get
from musicqa.sources.song_describer import COLUMNS, read_song_describer

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "song_describer" / "song_describer.csv"
NAME = "song_describer.csv"


def clips(items) -> dict[str, Clip]:
    return {i.source_id: i for i in items if isinstance(i, Clip)}


def errors(items) -> list[RowError]:
    return [i for i in items if isinstance(i, RowError)]


def with_rows(tmp_path: Path, *lines: str) -> Path:
    """The fixture with ``lines`` appended (pandas' layout: '\\n' endings)."""
    path = tmp_path / NAME
    path.write_text(FIXTURE.read_text(encoding="utf-8") + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_fixture_is_format_faithful() -> None:
    raw = FIXTURE.read_text(encoding="utf-8")
    assert raw.splitlines()[0] == ",".join(COLUMNS) and "\r" not in raw and raw.endswith("\n")
    with FIXTURE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 9 and [int(r["track_id"]) for r in rows] == sorted(int(r["track_id"]) for r in rows)
    assert {r["is_valid_subset"] for r in rows} == {"True", "False", ""}  # pandas writes None as an empty cell
    assert '"cinematic ""inspiring"" synth music, no vocals"' in raw  # quotes doubled inside a quoted field
    assert '"Solo piano, slow and relaxing.\nSounds like' in raw  # a caption over two lines
    assert all(r["path"] == f"{int(r['track_id']) % 100:02d}/{r['track_id']}.mp3" for r in rows)


def test_one_clip_per_track_with_its_validated_captions() -> None:
    items = list(read_song_describer(FIXTURE))
    got = clips(items)
    assert list(got) == ["131569", "524738", "786778", "1048592", "1267124", "1354585"]
    assert errors(items) == [
        RowError("source_caption_not_validated", f"{NAME}:5: caption 512 is not in the validated subset (rejected); "
                                                 "skipped (--no-song-describer.valid-only keeps it)", routine=True),
        RowError("source_caption_not_validated", f"{NAME}:7: caption 230 is not in the validated subset (not "
                                                 "reviewed); skipped (--no-song-describer.valid-only keeps it)",
                 routine=True),
    ]
    c = got["131569"]
    assert c.clip_id == "song_describer/131569" and c.split == "test" and (c.start_s, c.end_s) == (0.0, 120.0)
    assert c.meta.captions == ("Blues rock instrumental with a clean electric guitar lead, a steady bass line and "
                               "brushed drums.", "A laid back guitar piece that would suit a road trip")
    assert c.text == "\n".join(c.meta.captions) and c.meta.caption_ids == (311, 874)
    assert (c.meta.artist_id, c.meta.album_id, c.meta.path, c.meta.duration_s) == (338036, 18552, "69/131569.mp3",
                                                                                     243.0)
    assert got["1267124"].meta.captions == ("Solo piano, slow and relaxing.\nSounds like a film score for a quiet "
                                            "scene.",)
    assert got["1354585"].end_s == 55.7  # a track shorter than two minutes


def test_every_caption_with_valid_only_off_in_caption_id_order() -> None:
    got = clips(read_song_describer(FIXTURE, valid_only=False))
    assert got["786778"].meta.caption_ids == (230, 1002)  # sorted, though the file has 1002 first
    assert got["786778"].meta.is_valid_subset == (None, True)
    assert got["524738"].meta.captions == ("Hip hop beat with a deep bass, crisp snares and a male rapper delivering "
                                           "fast verses.", "rap song")
    assert got["524738"].meta.is_valid_subset == (True, False) and got["524738"].meta.familiarity == (0, 3)


@pytest.mark.parametrize(("line", "reason", "message"), [
    ("900,999999,short row", "source_malformed_row", "row has 3 fields, expected 9 as in the header"),
    ("900,999999,A caption,True,1,1,1,../99/999999.mp3,100.0", "source_path_escape",
     "field 'path' = '../99/999999.mp3', expected a path inside the audio folder, found a '..' component"),
    ("311,999999,A caption,True,1,1,1,99/999999.mp3,100.0", "source_duplicate_id",
     "field 'caption_id' = '311', expected a unique id (first on line 2)"),
    ("900,track_9,A caption,True,1,1,1,99/999999.mp3,100.0", "source_bad_id",
     "field 'track_id' = 'track_9', expected a number"),
    ("900,999999,A caption,yes,1,1,1,99/999999.mp3,100.0", "source_bad_value",
     "field 'is_valid_subset' = 'yes', expected True, False or empty"),
    ("900,999999,,True,1,1,1,99/999999.mp3,100.0", "source_empty_text", "field 'caption' = '', expected a caption"),
    ("900,131569,A caption,True,1,338036,18552,70/131569.mp3,243.0", "source_bad_value",
     "field 'path' = '70/131569.mp3', expected '69/131569.mp3' as on line 2 for track 131569"),
    ("900,999999,A caption,True,1,1,1,99/999999.mp3,2 min", "source_bad_value",
     "field 'duration' = '2 min', expected seconds"),
])
def test_a_bad_row_is_one_line_naming_the_line_and_field(tmp_path: Path, line: str, reason: str,
                                                         message: str) -> None:
    items = list(read_song_describer(with_rows(tmp_path, line)))
    assert errors(items)[-1] == RowError(reason, f"{NAME}:12: {message}")
    assert len(clips(items)) == 6  # the other tracks are still read


@pytest.mark.parametrize("line", [
    "900,131569,Another listener's view,True,,338036,18552,69/131569.mp3,243.0",  # a new caption of a known track
    "900,999999,A caption,True,2.0,1,1,99/999999.mp3,100.0",  # pandas' float familiarity
    "900,999999,A caption,True,1,1,1,99/..999999.mp3,100.0",  # '..' inside a name
])
def test_near_misses_are_read(tmp_path: Path, line: str) -> None:
    items = list(read_song_describer(with_rows(tmp_path, line)))
    assert [e.reason for e in errors(items)] == ["source_caption_not_validated"] * 2
    assert any(900 in c.meta.caption_ids for c in clips(items).values())


def test_audio_is_the_released_2min_file_or_the_full_track_and_never_outside(tmp_path: Path) -> None:
    root = tmp_path / "audio"
    for rel in ("69/131569.2min.mp3", "38/524738.mp3"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    (tmp_path / "secret.mp3").write_bytes(b"x")
    (root / "78").mkdir()
    (root / "78" / "786778.2min.mp3").symlink_to(tmp_path / "secret.mp3")
    items = list(read_song_describer(FIXTURE, audio_dir=root))
    got = clips(items)
    assert got["131569"].audio_path == (root / "69" / "131569.2min.mp3").resolve()
    assert got["524738"].audio_path == (root / "38" / "524738.mp3").resolve()
    assert "786778" not in got
    assert RowError("source_path_escape", f"{NAME}:6: field 'path' = '78/786778.mp3' resolves outside the audio "
                                          "folder, expected a file inside it (a symlink?)") in items
    assert RowError("source_audio_not_found", f"{NAME}:8: field 'path' = '92/1048592.mp3': no such file in "
                                              f"{root.resolve()} (also tried '92/1048592.2min.mp3'); the clip has no "
                                              "audio", warning=True) in items
    assert got["1048592"].audio_path is None


def test_the_source_declares_its_columns_section_card_and_export() -> None:
    source = get("song_describer")
    got = clips(read_song_describer(FIXTURE))
    cols = source.columns(got["131569"])
    assert list(cols) == list(source.features())
    assert cols["track_id"] == 131569 and cols["caption_ids"] == [311, 874] and cols["is_valid_subset"] == [True, True]
    assert source.audio_section(got["131569"]) == (0.0, 120.0) and source.duration(got["1354585"]) == 55.7
    assert source.prompt_variables(got["131569"]) == {"captions": list(got["131569"].meta.captions)}
    assert "only captions of the validated subset" in source.card_info(source.Config(csv=FIXTURE)).card_note
    assert source.card_info(source.Config(csv=FIXTURE)).license == "cc-by-sa-4.0"
    assert source.mullama == (("EvalMusicQA.json", ("test",)),) and source.splits == ("test",)


def test_missing_files_and_columns_stop_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found, expected the Song Describer table"):
        read_song_describer(tmp_path / "nope.csv")
    short = tmp_path / "short.csv"
    short.write_text("caption_id,track_id,caption\n1,2,x\n")
    with pytest.raises(InputError, match="short.csv:1: missing required column 'is_valid_subset'"):
        read_song_describer(short)
    with pytest.raises(InputError, match="audio folder not found"):
        read_song_describer(FIXTURE, audio_dir=tmp_path / "nope")


def test_limit_counts_tracks() -> None:
    assert list(clips(read_song_describer(FIXTURE, limit=2))) == ["131569", "524738"]
