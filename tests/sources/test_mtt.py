"""musicqa.sources.mtt on the format-faithful MagnaTagATune fixture and on broken copies of it."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from musicqa.errors import InputError
from musicqa.records import Clip
from musicqa.sources import RowError, get
from musicqa.sources.mtt import MTT_TAGS, SPLIT_BY_FOLDER, TAG_SYNONYMS, canonical_tag, read_mtt

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "mtt"
ANNOTATIONS = FIXTURE / "annotations_final.csv"
CLIP_INFO = FIXTURE / "clip_info_final.csv"
NAME = "annotations_final.csv"


def read_table(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f, delimiter="\t"))


def write_table(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return path


def edited(tmp_path: Path, clip_id: str, column: str, value: str) -> Path:
    """A copy of the fixture's annotations with one field of one clip replaced."""
    rows = read_table(ANNOTATIONS)
    col = rows[0].index(column)
    for r in rows[1:]:
        if r[0] == clip_id:
            r[col] = value
    return write_table(tmp_path / NAME, rows)


def by_id(items: list[Clip | RowError]) -> dict[str, Clip]:
    return {i.source_id: i for i in items if isinstance(i, Clip)}


def errors(items: list[Clip | RowError]) -> list[RowError]:
    return [i for i in items if isinstance(i, RowError)]


def test_fixture_is_format_faithful() -> None:
    raw = ANNOTATIONS.read_text(encoding="utf-8")
    lines = raw.split("\n")
    assert lines[-1] == "" and len(lines) == 35  # header + 33 clips, '\n' endings
    for line in lines[:-1]:
        fields = line.split("\t")
        assert len(fields) == 190
        assert all(f.startswith('"') and f.endswith('"') for f in fields)
    rows = read_table(ANNOTATIONS)
    assert rows[0] == ["clip_id", *MTT_TAGS, "mp3_path"]
    assert len(MTT_TAGS) == len(set(MTT_TAGS)) == 188
    assert {r[-1].split("/")[0] for r in rows[1:]} == set("0123456789abcdef")
    assert all(set(r[1:-1]) <= {"0", "1"} for r in rows[1:])
    info = read_table(CLIP_INFO)
    assert info[0] == ["clip_id", "track_number", "title", "artist", "album", "url", "segmentStart", "segmentEnd",
                       "original_url", "mp3_path"]  # fmt: skip
    assert all(len(r) == 10 for r in info)


def test_splits_follow_the_folders_and_skips_are_counted() -> None:
    items = list(read_mtt(ANNOTATIONS))
    clips = by_id(items)
    assert Counter(c.split for c in clips.values()) == {"train": 17, "validation": 1, "test": 6}
    assert Counter(e.reason for e in errors(items)) == {"source_empty_tags": 4, "source_too_few_tags": 5}
    for c in clips.values():
        assert c.split == SPLIT_BY_FOLDER[c.meta.mp3_path[0]]
        assert c.clip_id == f"magnatagatune/{c.source_id}" and c.source == "magnatagatune"
        assert (c.start_s, c.end_s, c.audio_path) == (0.0, None, None)
    assert clips["2"].meta.mp3_path == "f/american_bach_soloists-j_s__bach_solo_cantatas-01-bwv54__i_aria-30-59.mp3"
    assert clips["126"].split == "validation"


def test_synonyms_merge_into_one_canonical_tag_in_a_fixed_order() -> None:
    clips = by_id(list(read_mtt(ANNOTATIONS)))
    assert clips["2"].labels == ("classical", "female opera", "slow", "soprano", "strings", "violin")
    assert clips["2"].text == "classical, female opera, slow, soprano, strings, violin"
    assert clips["6"].labels == ("baroque", "classical", "fast", "harpsichord", "no vocals", "strings")
    # all six "no vocals" phrasings become one tag
    assert clips["17"].labels == ("acoustic guitar", "guitar", "no vocals", "quiet", "slow")
    # voice phrasings merge; bare nouns ("woman", "female") are kept as they are
    assert clips["25"].labels == ("drums", "female", "female vocals", "pop", "woman")
    assert clips["31"].labels == ("drums", "electric guitar", "guitar", "loud", "male vocals", "man", "rock")
    assert clips["47"].labels == ("chant", "choir", "male", "medieval", "monks", "vocals")
    for c in clips.values():
        assert not set(c.labels) & set(TAG_SYNONYMS), c
        assert list(c.labels) == sorted(set(c.labels))


def test_synonym_map_only_maps_mtt_tags_onto_mtt_tags_in_one_step() -> None:
    assert TAG_SYNONYMS["clasical"] == "classical" and TAG_SYNONYMS["harpsicord"] == "harpsichord"
    for variant in ["no voice", "no voices", "no vocal", "no singer", "no singing"]:
        assert TAG_SYNONYMS[variant] == "no vocals"
    for key, value in TAG_SYNONYMS.items():
        assert key in MTT_TAGS and value in MTT_TAGS and key != value
        assert value not in TAG_SYNONYMS  # no chains: one lookup is enough
    for kept in ["woman", "female", "women", "girl", "man", "men", "male", "instrumental", "fiddle", "classic"]:
        assert kept not in TAG_SYNONYMS
    assert canonical_tag(" No Voice ") == "no vocals"
    assert len({canonical_tag(t) for t in MTT_TAGS}) == 188 - len(TAG_SYNONYMS)


def test_min_tags_counts_merged_tags_and_is_configurable() -> None:
    items = list(read_mtt(ANNOTATIONS))
    clips = by_id(items)
    assert "17" in clips  # 10 raw tags, 5 after merging: kept
    skip = next(e for e in errors(items) if "clip 22 " in e.message)  # 6 raw tags, 3 after merging
    assert skip == RowError(
        "source_too_few_tags", f"{NAME}:8: clip 22 has 3 tags after merging synonyms, min_tags is 5; skipped",
        routine=True,
    )
    empty = next(e for e in errors(items) if "clip 10 " in e.message)
    assert empty == RowError(
        "source_empty_tags", f"{NAME}:4: clip 10 has no tags (every tag column is 0), expected some"
    )
    loose = list(read_mtt(ANNOTATIONS, min_tags=0))
    assert len(by_id(loose)) == 29
    assert Counter(e.reason for e in errors(loose)) == {"source_empty_tags": 4}  # empty is never a clip
    strict = by_id(list(read_mtt(ANNOTATIONS, min_tags=8)))
    assert sorted(strict, key=int) == ["40", "58", "93", "104", "142", "163"]
    assert strict.keys() == {k for k, c in clips.items() if len(c.labels) >= 8}


def test_clip_info_adds_title_and_artist() -> None:
    items = list(read_mtt(ANNOTATIONS, clip_info_path=CLIP_INFO))
    assert errors(items) == errors(list(read_mtt(ANNOTATIONS)))  # the join adds no problems
    clips = by_id(items)
    assert (clips["2"].meta.title, clips["2"].meta.artist) == ("BWV54 - I Aria", "American Bach Soloists")
    assert clips["25"].meta.title == 'Love, Actually "Live"'
    assert clips["31"].meta.artist == "Mötley Test Band"
    assert clips["81"].meta.title == "Jig for O'Brien"
    assert clips["63"].meta.title == "{{ 7*7 }}"  # text, never rendered here
    assert (clips["58"].meta.title, clips["58"].meta.artist) == ("", "")  # no clip_info row: kept without


def test_bad_clip_info_rows_are_reported_and_their_clips_kept(tmp_path: Path) -> None:
    rows = read_table(CLIP_INFO)
    rows[3] = rows[3][:4]  # clip 10: too few fields
    rows[4][0] = "x11"  # clip 11: bad id
    info = write_table(tmp_path / "clip_info_final.csv", rows)
    items = list(read_mtt(ANNOTATIONS, clip_info_path=info))
    assert errors(items)[:2] == [
        RowError("source_bad_clip_info", "clip_info_final.csv:4: row has 4 fields, expected 10 as in the header",
                 warning=True),
        RowError("source_bad_clip_info", "clip_info_final.csv:5: field 'clip_id' = 'x11', expected a number",
                 warning=True),
    ]
    clip = by_id(items)["11"]
    assert (clip.meta.title, clip.meta.artist) == ("", "")


@pytest.mark.parametrize(
    ("mp3_path", "reason", "expected"),
    [
        ("../0/x.mp3", "source_path_escape", "expected a path inside the audio folder, found a '..' component"),
        ("f/../../etc/passwd", "source_path_escape", "expected a path inside the audio folder, found a '..' component"),
        ("/etc/passwd", "source_path_escape", "expected a relative path, found an absolute one"),
        ("C:/x/y.mp3", "source_path_escape", "expected a relative path, found an absolute one"),
        ("f\\..\\..\\x.mp3", "source_path_escape", "expected '/' as the separator, found a backslash"),
        ("", "source_bad_value", "expected a relative path such as 'f/name.mp3'"),
        ("f//x.mp3", "source_bad_value", "expected a relative path such as 'f/name.mp3' (no empty or '.' components)"),
        ("g/x.mp3", "source_bad_value", "expected a path under one of the folders 0-9, a-f"),
    ],
)
def test_unsafe_mp3_path_is_a_row_error(tmp_path: Path, mp3_path: str, reason: str, expected: str) -> None:
    path = edited(tmp_path, "11", "mp3_path", mp3_path)
    items = list(read_mtt(path))
    (bad,) = [e for e in errors(items) if e.reason not in ("source_empty_tags", "source_too_few_tags")]
    assert bad == RowError(reason, f"{NAME}:5: field 'mp3_path' = {mp3_path!r}, {expected}")
    assert len(by_id(items)) == 23  # the other clips are still read


def test_audio_is_resolved_inside_the_audio_root_and_symlinks_cannot_escape(tmp_path: Path) -> None:
    root = tmp_path / "mtt-audio"
    clips = by_id(list(read_mtt(ANNOTATIONS)))
    present = clips["2"].meta.mp3_path
    (root / present).parent.mkdir(parents=True)
    (root / present).write_bytes(b"")
    outside = tmp_path / "secret.mp3"
    outside.write_bytes(b"")
    (root / "0").mkdir()
    (root / clips["11"].meta.mp3_path).symlink_to(outside)
    (root / "d").symlink_to(tmp_path, target_is_directory=True)  # a whole folder pointing out

    items = list(read_mtt(ANNOTATIONS, audio_dir=root))
    got = by_id(items)
    assert got["2"].audio_path == (root / present).resolve()
    assert got["6"].audio_path is None  # not on disk: the audio stage reports it
    escapes = [e for e in errors(items) if e.reason == "source_path_escape"]
    assert [e.message.split(":")[1] for e in escapes] == ["5", "31", "32"]  # clip 11, and both clips in d/
    assert escapes[0].message.endswith("resolves outside the audio folder, expected a file inside it (a symlink?)")
    assert "11" not in got and "142" not in got


def test_missing_columns_and_files_stop_before_any_work(tmp_path: Path) -> None:
    rows = [r[:-1] for r in read_table(ANNOTATIONS)]
    no_path = write_table(tmp_path / NAME, rows)
    with pytest.raises(InputError, match=rf"{NAME}:1: missing required column 'mp3_path'"):
        read_mtt(no_path)
    comma = tmp_path / "comma.csv"
    comma.write_text("clip_id,guitar,mp3_path\n1,1,f/a.mp3\n")
    with pytest.raises(InputError, match=r"missing required column 'clip_id'.*is the file tab-separated"):
        read_mtt(comma)
    bad_info = write_table(tmp_path / "info2.csv", [["clip_id", "artist"], ["2", "x"]])
    with pytest.raises(InputError, match=r"info2.csv:1: missing required column 'title'"):
        read_mtt(ANNOTATIONS, clip_info_path=bad_info)
    with pytest.raises(InputError, match="file not found"):
        read_mtt(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="audio folder not found"):
        read_mtt(ANNOTATIONS, audio_dir=tmp_path / "nope")


def test_bad_values_and_ids_name_line_and_field(tmp_path: Path) -> None:
    items = list(read_mtt(edited(tmp_path, "11", "guitar", "2")))
    assert RowError("source_bad_value", f"{NAME}:5: field 'guitar' = '2', expected 0 or 1") in items
    items = list(read_mtt(edited(tmp_path, "11", "clip_id", "11a")))
    assert RowError("source_bad_id", f"{NAME}:5: field 'clip_id' = '11a', expected a number") in items
    items = list(read_mtt(edited(tmp_path, "11", "clip_id", "2")))
    assert (
        RowError("source_duplicate_id", f"{NAME}:5: field 'clip_id' = '2', expected a unique id (first on line 2)")
        in items
    )


def test_context_limit_and_limit(tmp_path: Path) -> None:
    items = list(read_mtt(ANNOTATIONS, max_context_chars=40))
    too_long = [e for e in items if isinstance(e, RowError) and e.reason == "source_context_too_long"]
    assert too_long and too_long[0].message.startswith(f"{NAME}:2: clip 2 tags have 55 characters, expected at most 40")
    source = get("magnatagatune")
    limited = list(source.read(source.Config(annotations=ANNOTATIONS, limit=3), max_context_chars=2000))
    assert [type(i) for i in limited] == [Clip, Clip, RowError, Clip]  # clip 10 (no tags) is not counted
