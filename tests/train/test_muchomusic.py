"""MuChoMusic: the benchmark CSV reads, options shuffle reproducibly, answers are read as the benchmark reads
them, and a checkpoint (converted from the reference format) is scored end to end on real clips."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from musicqa.errors import InputError
from musicqa.train import evaluate as ev
from musicqa.train import muchomusic as mc

REPO = Path(__file__).resolve().parents[2]
CSV = REPO / "tests" / "fixtures" / "muchomusic" / "muchomusic.csv"
CLIPS = sorted((REPO / "sample_data" / "audio").glob("asc-*-*0s.mp3"))


def test_the_benchmark_csv_reads_with_its_category_lists():
    qs = mc.read_questions(CSV)
    assert [q.qid for q in qs] == ["12", "57", "103", "240", "311", "402"]
    assert qs[0].options[0] == "A synthesizer lead" and qs[1].options[0] == "Tense and driving, like a chase scene"
    assert qs[3].knowledge == ("performance", "sound texture") and qs[1].reasoning == ("mood and expression",)
    assert qs[0].reasoning == () and qs[2].genre == "Rock"


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace(",genre,", ",style,"), "column(s) genre missing"),
    (lambda t: t.replace("['instrumentation'],[]", "[instrumentation,[]", 1), ":2: field 'music_knowledge'"),
    (lambda t: t.replace(",A tuba,", ",,"), ":7: field 'distractor_1_answer' is empty"),
])
def test_a_bad_csv_is_a_one_line_error_naming_row_and_field(tmp_path, edit, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(edit(CSV.read_text()))
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        mc.read_questions(bad)


def test_options_shuffle_the_same_way_every_run_and_per_seed():
    qs = mc.read_questions(CSV)
    orders = [mc.shuffled(q, seed=0)[1] for q in qs]
    assert orders == [mc.shuffled(q, seed=0)[1] for q in qs]
    assert all(sorted(o) == [0, 1, 2, 3] for o in orders)
    assert len({tuple(o) for o in orders}) > 1  # not one fixed permutation for every question
    assert orders != [mc.shuffled(q, seed=1)[1] for q in qs]
    shown, order = mc.shuffled(qs[0], 0)
    assert shown[order.index(0)] == qs[0].options[0]


def test_generated_answers_are_read_as_the_benchmark_reads_them():
    options = ["In a coffee shop", "At a techno rave", "In a church", "On a football terrace"]
    assert mc.parse_letter("B", options) == 1
    assert mc.parse_letter("The correct answer is: (C) In a church", options) == 2
    assert mc.parse_letter("I think it would be played at a techno rave.", options) == 1  # option text, no letter
    assert mc.parse_letter("Drums and a choir", options) == 3  # the benchmark's rule: any lone character A-D
    assert mc.parse_letter("A or B?", options) == -1 and mc.parse_letter("no idea", options) == -1


def test_prompt_is_the_benchmarks_format():
    q = mc.read_questions(CSV)[4]
    shown, _ = mc.shuffled(q, 0)
    text = mc.prompt(q, shown, in_context=False)
    assert text == (f"Question: {q.question}\n Options: " + "".join(f"({x}) {o} " for x, o in zip("ABCD", shown))
                    + "\n The correct answer is: ")
    assert mc.prompt(q, shown, in_context=True).endswith(text.removeprefix("Question: "))


def test_summary_counts_accuracy_unanswered_and_dimensions():
    def rec(correct, likelihood, generated, knowledge=(), reasoning=(), genre="Rock"):
        return {"correct_index": correct, "likelihood": likelihood, "generated": generated,
                "knowledge": list(knowledge), "reasoning": list(reasoning), "genre": genre}

    records = [rec(0, 0, 0, ["melody"]), rec(1, 2, -1, ["melody", "harmony"], ["lyrics"]),
               rec(2, 2, 2, [], ["lyrics"], "Pop")]
    s = mc.summarise(records)
    assert s["likelihood"]["accuracy"] == pytest.approx(2 / 3)
    assert s["generated"]["unanswered_rate"] == pytest.approx(1 / 3)
    assert s["likelihood"]["per_knowledge"]["melody"]["accuracy"] == 0.5
    assert s["generated"]["per_reasoning"]["lyrics"] == {"n": 2, "accuracy": 0.5, "unanswered_rate": 0.5}
    assert s["likelihood"]["per_genre"]["Pop"]["accuracy"] == 1.0 and s["likelihood"]["knowledge"]["n"] == 2


def test_audio_dependence_is_real_accuracy_minus_the_controls():
    def rec(correct, likelihood, generated):
        return {"correct_index": correct, "likelihood": likelihood, "generated": generated}

    real = [rec(0, 0, 0), rec(1, 1, 1), rec(2, 2, -1), rec(3, 0, 0)]  # 3/4 likelihood, 2/4 generated
    noise = [rec(0, 0, -1), rec(1, 2, 1), rec(2, 1, -1), rec(3, 0, 0)]  # 1/4, 1/4 (2 unanswered)
    s = mc.control_summary(real, {"noise": noise, "silence": real})
    assert s["noise"]["likelihood"] == {"n": 4, "accuracy": 0.25, "unanswered_rate": 0.0, "audio_dependence": 0.5}
    assert s["noise"]["generated"]["audio_dependence"] == 0.25 and s["noise"]["generated"]["unanswered_rate"] == 0.5
    assert s["silence"]["likelihood"]["audio_dependence"] == 0.0  # a model that ignores the audio: no dependence


@pytest.fixture()
def audio_dir(tmp_path) -> Path:
    """The clips under the names the benchmark's download scripts give them; the last question has none."""
    names = {"00/415600.2min.mp3": CLIPS[0], "10/1021.2min.mp3": CLIPS[1], "[-0Gj8-vB1q4]-[30-40].mp3": CLIPS[2],
             "-0SdAVK79lg.mp3": CLIPS[3]}
    for name, clip in names.items():
        (tmp_path / "audio" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "audio" / name).symlink_to(clip)
    return tmp_path / "audio"


def test_a_converted_checkpoint_is_scored_on_muchomusic(converted_checkpoint, audio_dir, tmp_path, capsys):
    index = tmp_path / "knn.npy"
    vectors = np.random.default_rng(0).standard_normal((16, 32)).astype(np.float32)
    np.save(index, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    out = tmp_path / "results.json"
    assert ev.main(["--benchmark", "muchomusic", "--questions", str(CSV), "--audio-dir", str(audio_dir),
                    "--checkpoint", str(converted_checkpoint), "--out", str(out), "--preset", "mullama", "--knn-index",
                    str(index), "--max-new-tokens", "6"]) == 0
    result = json.loads(out.read_text())
    assert (result["questions"], result["scored"], result["missing_audio"]) == (6, 5, 1)
    for mode in ("likelihood", "generated"):
        assert 0 <= result[mode]["accuracy"] <= 1 and result[mode]["n"] == 5
        assert set(result[mode]["per_knowledge"]) == {"instrumentation", "metre and rhythm", "performance",
                                                      "sound texture"}
        assert set(result[mode]["per_reasoning"]) == {"mood and expression", "temporal relations between elements",
                                                      "functional context"}
        assert set(result[mode]["per_genre"]) == {"Electronic", "Rock", "Pop", "Country"}
    assert result["likelihood"]["unanswered_rate"] == 0
    table = capsys.readouterr().out
    assert "knowledge: instrumentation" in table and "genre: Electronic" in table

    # per question, in the benchmark's own input format, with our scores beside it
    preds = json.loads((tmp_path / "results.predictions.json").read_text())
    questions = {q.qid: q for q in mc.read_questions(CSV)}
    for p in preds:
        assert {"id", "prompt", "answers", "answer_orders", "dataset", "genre", "reasoning", "knowledge",
                "audio_path", "model_output"} <= set(p)
        assert p["answers"][p["answer_orders"].index(0)] == questions[p["id"]].options[0]
        assert p["likelihood"] == int(np.argmax(p["option_logprobs"]))
        assert all(np.isfinite(p["option_logprobs"])) and max(p["option_logprobs"]) < 0
    assert not (tmp_path / "results.json.partial.jsonl").exists()


def test_no_audio_at_all_is_a_one_line_error(converted_checkpoint, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert ev.main(["--benchmark", "muchomusic", "--questions", str(CSV), "--audio-dir", str(tmp_path / "empty"),
                    "--checkpoint", str(converted_checkpoint), "--out", str(tmp_path / "r.json")]) == 2
    assert "no audio file for any question" in capsys.readouterr().err


def test_an_exported_build_is_scored_with_audio_controls(converted_checkpoint, tmp_path, capsys):
    """The acceptance path: a dataset's mcq items -> export -> evaluate with noise, silence and no audio."""
    from musicqa.cli.__main__ import main as musicqa_main
    from tests.mcq_dataset import make_mcq_dataset

    dataset = make_mcq_dataset(tmp_path / "dataset", n_train=1, n_test=1, per_clip=1)
    bench = tmp_path / "bench"
    assert musicqa_main(["export", str(dataset), "--format", "muchomusic", "--out", str(bench)]) == 0
    out = tmp_path / "results.json"
    argv = ["--benchmark", "muchomusic", "--questions", str(bench / "muchomusic.csv"), "--audio-dir",
            str(bench / "audio"), "--checkpoint", str(converted_checkpoint), "--out", str(out), "--max-new-tokens",
            "4", "--audio-controls", "noise", "silence", "no-audio"]
    capsys.readouterr()
    assert ev.main(argv) == 0
    result = json.loads(out.read_text())
    assert (result["questions"], result["scored"], result["missing_audio"]) == (2, 2, 0)
    assert list(result["audio_controls"]) == ["noise", "silence", "no-audio"]
    for control, modes in result["audio_controls"].items():
        preds = json.loads((tmp_path / f"results.{control}.predictions.json").read_text())
        assert [p["control"] for p in preds] == [control] * 2
        for mode in ("likelihood", "generated"):
            got = modes[mode]
            assert got["n"] == 2 and got["accuracy"] == sum(p[mode] == p["correct_index"] for p in preds) / 2
            assert got["audio_dependence"] == pytest.approx(result[mode]["accuracy"] - got["accuracy"])
    real = json.loads((tmp_path / "results.predictions.json").read_text())
    noise = json.loads((tmp_path / "results.noise.predictions.json").read_text())
    silence = json.loads((tmp_path / "results.silence.predictions.json").read_text())
    assert [p["answers"] for p in real] == [p["answers"] for p in noise]  # the same items, the same option order
    # what the model heard differs: the scores move (the tiny model's gates are open: it is a finetune checkpoint)
    assert [p["option_logprobs"] for p in real] != [p["option_logprobs"] for p in noise]
    assert [p["option_logprobs"] for p in noise] != [p["option_logprobs"] for p in silence]
    table = capsys.readouterr().out
    assert "accuracy, audio = noise" in table and "audio dependence (real - no-audio)" in table



def test_an_unknown_audio_control_is_a_one_line_error(capsys):
    assert ev.main(["--benchmark", "muchomusic", "--audio-controls", "noise", "pink"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown control 'pink'" in err
    assert ev.main(["--predictions", "p.jsonl", "--references", "r.jsonl", "--audio-controls", "noise"]) == 2
    assert "--audio-controls needs --benchmark muchomusic" in capsys.readouterr().err


def test_an_unclosed_quote_is_named_as_such_on_its_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV.read_text().replace(",A tuba,", ',"A tuba,'))
    with pytest.raises(InputError, match=r"bad\.csv:7: .*is a quote \(\"\) left unclosed"):
        mc.read_questions(bad)


def test_an_undecodable_audio_file_is_skipped_like_a_missing_one(converted_checkpoint, tmp_path):
    audio = tmp_path / "audio"
    (audio / "00").mkdir(parents=True)
    (audio / "00" / "415600.2min.mp3").write_bytes(b"not audio at all" * 64)  # questions 0 and 1 share this clip
    (audio / "10").mkdir()
    (audio / "10" / "1021.2min.mp3").symlink_to(CLIPS[1])  # question 2's
    out = tmp_path / "r.json"
    assert ev.main(["--benchmark", "muchomusic", "--questions", str(CSV), "--audio-dir", str(audio), "--limit", "3",
                    "--checkpoint", str(converted_checkpoint), "--out", str(out), "--max-new-tokens", "2"]) == 0
    result = json.loads(out.read_text())
    assert (result["questions"], result["scored"], result["missing_audio"]) == (3, 1, 2)
    (pred,) = json.loads((tmp_path / "r.predictions.json").read_text())
    third = mc.read_questions(CSV)[2]
    assert (pred["id"], pred["dataset_identifier"]) == (third.qid, "1021")  # the question's own id, and its clip's
