"""musicqa.sources.musiccaps on the real MusicCaps CSV and on small broken copies of it."""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path

import pytest

from musicqa.errors import InputError
from musicqa.records import Clip
from musicqa.sources import RowError, get, musiccaps, names
from musicqa.sources.musiccaps import REQUIRED_COLUMNS, parse_aspect_list, read_musiccaps

REAL_CSV = Path(__file__).resolve().parents[2] / "sample_data" / "musiccaps-public.csv"
HEADER = [
    "ytid",
    "start_s",
    "end_s",
    "audioset_positive_labels",
    "aspect_list",
    "caption",
    "author_id",
    "is_balanced_subset",
    "is_audioset_eval",
]
NAME = "musiccaps-public.csv"


def row(ytid: str = "abc123def45", **overrides: str) -> list[str]:
    """A valid row in the real column order, with some fields replaced."""
    values = {
        "ytid": ytid,
        "start_s": "30",
        "end_s": "40",
        "audioset_positive_labels": "/m/04rlf",
        "aspect_list": "['piano', 'sad']",
        "caption": "A sad piano melody.",
        "author_id": "4",
        "is_balanced_subset": "False",
        "is_audioset_eval": "True",
    } | overrides
    return [values[c] for c in HEADER]


def write_csv(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    path = tmp_path / NAME
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def split_items(items: list[Clip | RowError]) -> tuple[list[Clip], list[RowError]]:
    return [i for i in items if isinstance(i, Clip)], [i for i in items if isinstance(i, RowError)]


@pytest.fixture(scope="module")
def real_items() -> list[Clip | RowError]:
    if not REAL_CSV.is_file():
        pytest.skip(f"real MusicCaps CSV not found at {REAL_CSV}")
    return list(read_musiccaps(REAL_CSV))


def test_real_csv_gives_every_clip_with_its_youtube_id_and_split(real_items: list[Clip | RowError]) -> None:
    clips, errors = split_items(real_items)
    assert errors == []
    assert len(clips) == 5521
    assert Counter(c.split for c in clips) == {"test": 2858, "train": 2663}
    assert len({c.clip_id for c in clips}) == 5521
    assert all(c.clip_id == f"musiccaps/{c.source_id}" and c.source == "musiccaps" for c in clips)
    assert all(c.end_s is not None and c.end_s - c.start_s == 10.0 for c in clips)
    first = clips[0]
    assert first.source_id == "-0Gj8-vB1q4" and first.split == "test"
    assert (first.start_s, first.end_s) == (30.0, 40.0)
    assert first.labels[:2] == ("low quality", "sustained strings melody")
    assert first.text.startswith("The low quality recording features a ballad song")
    assert all(c.audio_path is None for c in clips)  # no audio_dir given


def test_real_csv_limit_and_read_source(real_items: list[Clip | RowError]) -> None:
    assert "musiccaps" in names()
    source = get("musiccaps")
    got = list(source.read(source.Config(csv=REAL_CSV, limit=3), max_context_chars=2000))
    assert got == real_items[:3]


def test_missing_column_stops_before_any_row_is_read(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "caption"]
    path = write_csv(tmp_path, [row()[:5] + row()[6:]], header)
    with pytest.raises(InputError, match=rf"{NAME}:1: missing required column 'caption'"):
        read_musiccaps(path)  # raised by the call itself, not on the first next()


def test_missing_file_and_missing_audio_dir_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_musiccaps(tmp_path / "nope.csv")
    path = write_csv(tmp_path, [row()])
    with pytest.raises(InputError, match="audio folder not found"):
        read_musiccaps(path, audio_dir=tmp_path / "no-audio")


def test_required_columns_are_the_ones_the_dataset_keeps() -> None:
    assert set(REQUIRED_COLUMNS) == {"ytid", "start_s", "end_s", "caption", "aspect_list", "is_audioset_eval"}


@pytest.mark.parametrize(
    ("bad", "reason", "message"),
    [
        (row(start_s="abc"), "source_bad_value", "field 'start_s' = 'abc', expected seconds"),
        (row(start_s="-5"), "source_bad_value", "field 'start_s' = '-5', expected seconds"),
        (row(end_s="nan"), "source_bad_value", "field 'end_s' = 'nan', expected seconds"),
        (row(end_s="30"), "source_bad_value", "field 'end_s' = '30', expected seconds after start_s (30)"),
        (row(is_audioset_eval="maybe"), "source_bad_value", "field 'is_audioset_eval' = 'maybe', expected True or"),
        (row("abc"), "source_bad_id", "field 'ytid' = 'abc', expected 11 characters of A-Z a-z 0-9 _ -"),
        (row("../../etc/p"), "source_bad_id", "field 'ytid' = '../../etc/p', expected 11 characters"),
        (row("$(rm -rf x)"), "source_bad_id", "field 'ytid' = '$(rm -rf x)', expected 11 characters"),
        (row(aspect_list="__import__('os').system('id')"), "source_bad_value", "field 'aspect_list' = "),
        (row(aspect_list="['ok', 1]"), "source_bad_value", "field 'aspect_list' = \"['ok', 1]\", expected a list"),
        (row(caption="   "), "source_empty_text", "field 'caption' = '', expected a caption"),
        (
            row(caption="x" * 20_000),
            "source_context_too_long",
            "field 'caption' has 20000 characters, expected at most 2000",
        ),
        (row()[:-1], "source_malformed_row", "row has 8 fields, expected 9 as in the header"),
        ([*row(), "extra"], "source_malformed_row", "row has 10 fields, expected 9 as in the header"),
    ],
)
def test_bad_row_is_reported_with_file_line_and_field_and_the_build_goes_on(
    tmp_path: Path, bad: list[str], reason: str, message: str
) -> None:
    path = write_csv(tmp_path, [row("good0000001"), bad, row("good0000002")])
    clips, errors = split_items(list(read_musiccaps(path)))
    assert [c.source_id for c in clips] == ["good0000001", "good0000002"]
    assert len(errors) == 1
    assert errors[0].reason == reason
    assert errors[0].message.startswith(f"{NAME}:3: {message}")
    assert "\n" not in errors[0].message


def test_the_style_guide_example_message_exactly(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [row(f"ok{i:09d}") for i in range(416)] + [row(start_s="abc")])
    errors = [i for i in read_musiccaps(path) if isinstance(i, RowError)]
    assert errors == [
        RowError("source_bad_value", "musiccaps-public.csv:418: field 'start_s' = 'abc', expected seconds")
    ]


def test_line_numbers_count_quoted_newlines_like_an_editor(tmp_path: Path) -> None:
    multi = row("multiline01", caption="Line one.\nLine two.\nLine three.")
    path = write_csv(tmp_path, [multi, row("bad", caption="x")])
    assert path.read_text().count("\n") == 5  # header, 3 lines for the multi-line row, the bad row
    items = list(read_musiccaps(path))
    assert isinstance(items[0], Clip) and items[0].text == "Line one.\nLine two.\nLine three."
    assert isinstance(items[1], RowError) and items[1].message.startswith(f"{NAME}:5: field 'ytid' = 'bad'")


def test_unclosed_quote_is_one_malformed_row_that_names_its_span(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [row("good0000001")])
    with path.open("a", encoding="utf-8") as f:
        f.write('broken00001,30,40,/m/x,"[\'a\']","unclosed caption,0,False,True\n')
        f.write("good0000002,30,40,/m/x,\"['a']\",fine,0,False,True\n")
    items = list(read_musiccaps(path))
    assert isinstance(items[0], Clip)
    assert len(items) == 2  # the open quote swallowed the last line: reported, not silently merged
    assert isinstance(items[1], RowError) and items[1].reason == "source_malformed_row"
    assert items[1].message.startswith(f"{NAME}:3: row has 10 fields, expected 9")
    assert items[1].message.endswith("(the row runs to line 4: an unclosed quote?)")


def test_invalid_utf8_is_a_row_error_not_a_crash(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [row("good0000001")])
    with path.open("ab") as f:
        f.write(b"latin100001,30,40,/m/x,\"['a']\",caf\xe9 music,0,False,True\n")
        f.write(b"good0000002,30,40,/m/x,\"['a']\",fine,0,False,True\n")
    items = list(read_musiccaps(path))
    assert [type(i) for i in items] == [Clip, RowError, Clip]
    assert items[1] == RowError(
        "source_malformed_row", f"{NAME}:3: field 'caption' is not valid UTF-8, expected UTF-8 text"
    )


def test_duplicate_ytid_is_reported_with_the_first_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [row(), row()])
    items = list(read_musiccaps(path))
    assert isinstance(items[1], RowError) and items[1].reason == "source_duplicate_id"
    assert items[1].message == f"{NAME}:3: field 'ytid' = 'abc123def45', expected a unique id (first on line 2)"


def test_jinja_in_a_caption_is_kept_verbatim(tmp_path: Path) -> None:
    caption = "A {{ 7*7 }} song {% for x in y %} with {# note #} tags."
    (clip,) = read_musiccaps(write_csv(tmp_path, [row(caption=caption)]))
    assert isinstance(clip, Clip) and clip.text == caption


def test_max_context_chars_is_configurable(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [row(caption="x" * 30)])
    assert isinstance(next(read_musiccaps(path, max_context_chars=30)), Clip)
    assert isinstance(next(read_musiccaps(path, max_context_chars=29)), RowError)


def test_limit_counts_clips_not_bad_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [row("bad"), *(row(f"ok{i:09d}") for i in range(5))])
    items = list(read_musiccaps(path, limit=2))
    assert [type(i) for i in items] == [RowError, Clip, Clip]
    assert list(read_musiccaps(path, limit=0)) == []


def test_audio_is_found_by_ytid_or_seed_name_with_one_directory_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audio = tmp_path / "audio"
    audio.mkdir()
    for name in ["plain000001.mp3", "plain000001.wav", "seed0000001.txt", "[seed0000001]-[30-40].wav",
                 "[other000001]-[0-10].wav", "UPPER000001.FLAC"]:  # fmt: skip
        (audio / name).write_bytes(b"")
    ids = ["plain000001", "seed0000001", "other000001", "UPPER000001", "absent00001"]
    path = write_csv(tmp_path, [row(i) for i in ids] + [row(f"ok{i:09d}") for i in range(50)])
    calls = []
    real_scandir = os.scandir

    def counting_scandir(p: Path) -> object:
        calls.append(p)
        return real_scandir(p)

    monkeypatch.setattr(musiccaps.os, "scandir", counting_scandir)
    clips = [c for c in read_musiccaps(path, audio_dir=audio) if isinstance(c, Clip)]
    found = {c.source_id: c.audio_path for c in clips}
    root = audio.resolve()
    assert found["plain000001"] == root / "plain000001.wav"  # wav preferred over mp3
    assert found["seed0000001"] == root / "[seed0000001]-[30-40].wav"
    assert found["other000001"] is None  # a seed file of another segment is not this clip
    assert found["UPPER000001"] == root / "UPPER000001.FLAC"
    assert found["absent00001"] is None
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("['a', 'b c']", ("a", "b c")),
        ('["it\'s", "x"]', ("it's", "x")),
        ("[]", ()),
        ("", ()),
        ("['a', ' ', '']", ("a",)),
        ("['a'", None),
        ("[1]", None),
        ("{'a': 1}", None),
        ("[print('x')]", None),
        ("[f'{x}']", None),
        ("[" * 5000 + "]" * 5000, None),
        ("['" + "a" * 20_000 + "']", None),
    ],
)
def test_aspect_list_is_parsed_without_evaluating_it(text: str, expected: tuple[str, ...] | None) -> None:
    assert parse_aspect_list(text) == expected


def test_unknown_source_names_the_choices() -> None:
    with pytest.raises(InputError, match="unknown source 'mtt', expected one of: musiccaps, magnatagatune"):
        get("mtt")
