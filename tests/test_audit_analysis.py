"""``musicqa audit`` with measured facts: an ``analysis`` object per JSON line, the ``analysis`` column of a folder."""

from __future__ import annotations

import json
from pathlib import Path

from musicqa.audit import AuditConfig, audit
from musicqa.filters import FiltersConfig

D_MINOR_97 = {"tempo_bpm": 97.0, "tempo_confidence": 0.8, "key": "D", "mode": "minor", "key_strength": 0.9,
              "loudness_lufs": -12.0, "duration_s": 10.0}
ANSWERS = {  # the acceptance lines, for a clip measured at 97 BPM in D minor
    "kept": ["A steady groove at roughly 97 beats per minute.", "A melancholic piano piece in D minor."],
    "dropped": ["A driving rock beat at about 150 BPM.", "A bright, cheerful piano piece in E major."],
}


def cfg(tmp_path: Path) -> AuditConfig:
    return AuditConfig(out=tmp_path / "out.jsonl", progress=False, filters=FiltersConfig(classifier=False))


def test_jsonl_lines_with_analysis_are_checked_against_it(tmp_path: Path) -> None:
    lines = [{"clip_id": "c1", "question": f"Question {i} about the music?", "answer": a, "analysis": D_MINOR_97}
             for i, a in enumerate(ANSWERS["kept"] + ANSWERS["dropped"])]
    lines.append({"clip_id": "c2", "question": "Describe the tempo.", "answer": "A fast rock beat, about 150 BPM."})
    src = tmp_path / "pairs.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines))
    audit(src, cfg(tmp_path))
    out = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    reasons = [r["drop_reasons"] for r in out]
    assert reasons[:2] == [[], []]
    assert all(r and all(x.startswith("grounding_") for x in r) for r in reasons[2:4]), reasons
    assert reasons[2] == reasons[3] == ["grounding_measured_contradiction"]
    assert reasons[4] == []  # without facts nothing is measured, so nothing contradicts


def test_a_bad_analysis_object_is_one_line_naming_the_line_and_field(tmp_path: Path) -> None:
    src = tmp_path / "pairs.jsonl"
    src.write_text(json.dumps({"question": "Q?", "answer": "A calm piece in D minor.",
                               "analysis": {"tempo_bpm": "fast"}}) + "\n")
    errors: list[str] = []
    result = audit(src, cfg(tmp_path), on_error=errors.append)
    assert errors == ["pairs.jsonl:1: field 'analysis': field 'tempo_bpm' = 'fast', expected a number; "
                      "record skipped"]
    assert result.errors == 1


def test_the_analysis_column_of_a_dataset_folder_is_used(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from musicqa.bundle import ANALYSIS_TYPES

    folder = tmp_path / "ds" / "data" / "custom"
    folder.mkdir(parents=True)
    qa_type = pa.list_(pa.struct([("question", pa.string()), ("answer", pa.string()), ("task", pa.string())]))
    analysis_type = pa.struct([(k, pa.string() if v == "string" else pa.float64()) for k, v in ANALYSIS_TYPES.items()])
    table = pa.table({
        "clip_id": ["custom/a", "custom/b"], "context": ["a piano piece", "a piano piece"],
        "qa": pa.array([[{"question": f"Question {i}?", "answer": a, "task": "open"}
                         for i, a in enumerate(ANSWERS["kept"])],
                        [{"question": "Tempo?", "answer": ANSWERS["dropped"][0], "task": "open"}]], type=qa_type),
        "analysis": pa.array([D_MINOR_97, None], type=analysis_type),
    })
    pq.write_table(table, folder / "train-00000-of-00001.parquet")
    audit(tmp_path / "ds", cfg(tmp_path))
    out = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    # b has no facts, so nothing contradicts its 150 BPM; but its context ("a piano piece") does not support an exact
    # tempo either, and an unsupported specific is invented (issue 24)
    assert [r["drop_reasons"] for r in out] == [[], [], ["grounding_invented_specific"]]
    table = table.set_column(3, "analysis", pa.array([D_MINOR_97, D_MINOR_97], type=analysis_type))
    pq.write_table(table, folder / "train-00000-of-00001.parquet")
    audit(tmp_path / "ds", cfg(tmp_path))
    out = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["drop_reasons"] for r in out] == [[], [], ["grounding_measured_contradiction"]]
