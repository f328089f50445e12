"""MuChoMusic (Weck et al., ISMIR 2024): 1,187 human-validated multiple-choice questions about music.

``python -m musicqa.evaluate --benchmark muchomusic --questions muchomusic.csv --audio-dir DIR
--checkpoint CKPT --out results.json`` scores a checkpoint two ways on the same prompts:

- likelihood: the option whose text the model finds most likely as the answer (mean log-prob
  per token), which always answers;
- generated: the model answers greedily and the letter is read as mulab-mir/muchomusic's scorer
  reads it (after the last "The correct answer is:", exactly one of the characters A-D anywhere in
  the text; else an option's text contained in the reply; else unanswered).

The CSV is the benchmark's own (``question, dataset, dataset_identifier, correct_answer,
distractor_{1,2,3}_answer, music_knowledge, music_reasoning, genre``; the category columns hold
Python list literals). The four options are shuffled per question from ``--seed`` and the
question's id, so every run and every subset shows the same order. Prompts follow the benchmark's
``prepare_prompts.py`` format (musicqa/train/templates/muchomusic.jinja), wrapped in the
checkpoint's own instruction template. Audio is found under ``--audio-dir`` by file stem: Song
Describer tracks as ``<track_id>`` or ``<track_id>.2min``, MusicCaps clips as ``<ytid>_<start>``,
``<ytid>`` or ``[<ytid>]-[<start>-<end>]``; questions without audio are counted and skipped.
Reported: accuracy, unanswered rate, and accuracy per knowledge/reasoning dimension and genre.

``--audio-controls noise silence no-audio`` scores every question again with its clip replaced by noise
or silence of the same length, or with no audio input (musicqa/train/controls.py); the results JSON gets each
control's accuracy and ``audio_dependence`` (real minus control accuracy) under ``audio_controls``, and
``<out>.<control>.predictions.json`` beside the real predictions.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import logging
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from musicqa.atomic import write_atomic
from musicqa.errors import AudioError, InputError
from musicqa.store import JsonlStore

log = logging.getLogger(__name__)

LETTERS = ("A", "B", "C", "D")
ANSWER_PREFIX = "The correct answer is:"
COLUMNS = ("question", "dataset", "dataset_identifier", "correct_answer", "distractor_1_answer",
           "distractor_2_answer", "distractor_3_answer", "music_knowledge", "music_reasoning", "genre")
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")
MODES = ("likelihood", "generated")


@dataclass(frozen=True, slots=True)
class Question:
    """One benchmark row; ``options[0]`` is the correct answer (the CSV's order, before shuffling)."""

    qid: str
    question: str
    dataset: str
    identifier: str
    options: tuple[str, str, str, str]
    knowledge: tuple[str, ...]
    reasoning: tuple[str, ...]
    genre: str


def _categories(value: str, where: str) -> tuple[str, ...]:
    if not value or not value.strip():
        return ()
    try:
        items = ast.literal_eval(value)  # literals only: the benchmark stores Python list reprs
    except (ValueError, SyntaxError) as err:
        raise InputError(f"{where} = {value!r}, expected a list such as ['melody', 'harmony']") from err
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        raise InputError(f"{where} = {value!r}, expected a list of strings")
    return tuple(items)


def read_questions(path: Path) -> list[Question]:
    """The benchmark CSV's rows; a missing column or a bad cell is a one-line error naming row and field."""
    rows: list[tuple[int, dict]] = []  # (the line the row starts on, the row)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh, strict=True)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"{path}: not the MuChoMusic CSV: column(s) {', '.join(missing)} missing")
            start = reader.line_num + 1
            for row in reader:
                rows.append((start, row))
                start = reader.line_num + 1
    except FileNotFoundError as err:
        raise InputError(f"--questions {path}: file not found") from err
    except csv.Error as err:  # strict: an unclosed quote reaches the end of the file instead of eating the rest
        raise InputError(f"--questions {path}:{start}: {err}; is a quote (\") left unclosed on that line?") from err
    except (IsADirectoryError, UnicodeDecodeError) as err:
        raise InputError(f"--questions {path}: not a UTF-8 CSV file ({type(err).__name__})") from err
    out = []
    for n, row in rows:
        if None in row.values() or None in row:  # too few or too many fields: quoting went wrong
            raise InputError(f"{path}:{n}: the row's fields do not match the header's {len(reader.fieldnames or [])}"
                             ": is a quote (\") left unclosed?")
        options = tuple((row[c] or "").strip() for c in COLUMNS[3:7])
        for col, text in zip(COLUMNS[3:7], options):
            if not text:
                raise InputError(f"{path}:{n}: field '{col}' is empty")
        if not (row["question"] or "").strip() or not (row["dataset_identifier"] or "").strip():
            raise InputError(f"{path}:{n}: field 'question'/'dataset_identifier' is empty")
        qid = (row.get("question_id") or "").strip() or str(len(out))
        out.append(Question(qid, row["question"].strip(), row["dataset"].strip(),
                            row["dataset_identifier"].strip(), options,  # type: ignore[arg-type]
                            _categories(row["music_knowledge"], f"{path}:{n}: field 'music_knowledge'"),
                            _categories(row["music_reasoning"], f"{path}:{n}: field 'music_reasoning'"),
                            (row["genre"] or "").strip()))
    if not out:
        raise InputError(f"--questions {path}: no questions")
    return out


def shuffled(q: Question, seed: int) -> tuple[list[str], list[int]]:
    """(options as shown, order) with ``shown[j] == q.options[order[j]]``; the correct one is at order.index(0)."""
    order = list(range(len(q.options)))
    random.Random(f"{seed}:{q.qid}").shuffle(order)  # str seeds hash with sha512: the same on every platform
    return [q.options[i] for i in order], order


def audio_stems(q: Question) -> list[str]:
    """File stems the clip of ``q`` may have, as the benchmark's download scripts name them."""
    ident = q.identifier.removesuffix(".json")
    if q.dataset == "sdd":
        return [ident, f"{ident}.2min"]
    ytid, _, start = ident.rpartition("_")  # MusicCaps: "<ytid>_<start_s>"; YouTube ids may contain "_"
    stems = [ident]
    if ytid:
        stems.append(ytid)
        if start.isdigit():
            stems.append(f"[{ytid}]-[{start}-{int(start) + 10}]")
    return stems


def index_audio(folder: Path) -> dict[str, Path]:
    """Stem -> file for every audio file under ``folder`` (the first one wins if two share a stem)."""
    if not folder.is_dir():
        raise InputError(f"--audio-dir {folder}: no such folder")
    found: dict[str, Path] = {}
    for p in sorted(folder.rglob("*")):
        if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file():
            found.setdefault(p.stem, p)
    return found


def parse_letter(output: str, options: list[str]) -> int:
    """The option index the reply picks (-1: unanswered), by the benchmark's own rule (see the module doc)."""
    tail = output.split(ANSWER_PREFIX)[-1].strip()
    letters = set(LETTERS).intersection(tail)  # characters anywhere in the reply, as the benchmark's scorer
    if len(letters) == 1:
        return LETTERS.index(letters.pop())
    low = tail.lower().strip()
    for j, option in enumerate(options):
        if option.lower().strip() in low:
            return j
    return -1


def _accuracy(records: Iterable[dict], mode: str) -> dict:
    records = list(records)
    n = len(records)
    correct = sum(r[mode] == r["correct_index"] for r in records)
    unanswered = sum(r[mode] == -1 for r in records)
    return {"n": n, "accuracy": correct / n if n else None, "unanswered_rate": unanswered / n if n else None}


def summarise(records: list[dict]) -> dict:
    """Accuracy and unanswered rate per mode, overall, per knowledge/reasoning dimension and per genre."""
    out: dict = {}
    for mode in MODES:
        groups: dict[str, dict[str, list[dict]]] = {"knowledge": defaultdict(list), "reasoning": defaultdict(list),
                                                    "genre": defaultdict(list)}
        for r in records:
            for dim in r["knowledge"]:
                groups["knowledge"][dim].append(r)
            for dim in r["reasoning"]:
                groups["reasoning"][dim].append(r)
            if r["genre"]:
                groups["genre"][r["genre"]].append(r)
        out[mode] = {
            **_accuracy(records, mode),
            "knowledge": _accuracy((r for r in records if r["knowledge"]), mode),
            "reasoning": _accuracy((r for r in records if r["reasoning"]), mode),
            "per_knowledge": {k: _accuracy(v, mode) for k, v in sorted(groups["knowledge"].items())},
            "per_reasoning": {k: _accuracy(v, mode) for k, v in sorted(groups["reasoning"].items())},
            "per_genre": {k: _accuracy(v, mode) for k, v in sorted(groups["genre"].items())},
        }
    return out


def prompt(q: Question, shown: list[str], in_context: bool) -> str:
    """The benchmark's question-with-options text (prepare_prompts.py's format), from the template file."""
    from musicqa.train.data import render

    return render("muchomusic.jinja", question=q.question, options=list(zip(LETTERS, shown)), in_context=in_context)


def _signature(cfg, questions: list[Question]) -> str:
    ident = {"checkpoint": str(Path(cfg.checkpoint).resolve()), "seed": cfg.seed, "in_context": cfg.in_context,
             "max_new_tokens": cfg.max_new_tokens, "knn": [str(cfg.knn_index), cfg.knn_size, cfg.knn_temperature,
                                                           cfg.knn_weight],
             "questions": hashlib.sha256("\n".join(q.qid for q in questions).encode()).hexdigest()}
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:16]


def _done(store: JsonlStore, signature: str) -> dict[tuple[str, str], dict]:
    """Records of an interrupted run with the same signature, by (control, qid) (the store drops a torn last line)."""
    records = list(store.read())
    if records and records[0].get("signature") != signature:
        log.warning("%s is from another configuration: starting over", store.path)
        store.path.unlink()
        return {}
    return {(rec.get("control", ""), rec["qid"]): rec for rec in records[1:]}


def _score(answerer, feats, q: Question, path: Path, cfg, control: str) -> dict:
    """One question's record: both modes' picks, the options as shown, and what the model heard (``control``)."""
    shown, order = shuffled(q, cfg.seed)
    text = prompt(q, shown, cfg.in_context)
    scores = answerer.option_logprobs(feats, text, shown)
    reply = answerer.generate(feats, text, max_new_tokens=cfg.max_new_tokens, temperature=0.0)[0]
    return {"qid": q.qid, "dataset_identifier": q.identifier, "control": control, "audio_path": str(path),
            "prompt": text, "answers": shown,
            "answer_orders": order, "correct_index": order.index(0), "option_logprobs": scores,
            "likelihood": max(range(len(shown)), key=scores.__getitem__), "model_output": reply,
            "generated": parse_letter(reply, shown), "dataset": q.dataset, "genre": q.genre,
            "knowledge": list(q.knowledge), "reasoning": list(q.reasoning)}


def control_summary(real: list[dict], by_control: dict[str, list[dict]]) -> dict:
    """Per control and mode: accuracy, unanswered rate, and ``audio_dependence`` = real accuracy minus it.

    A model that listens loses accuracy when its audio is noise, silence or absent; a dependence near 0
    means its score comes from the question and options alone.
    """
    out = {}
    for control, records in by_control.items():
        out[control] = {}
        for mode in MODES:
            acc, real_acc = _accuracy(records, mode), _accuracy(real, mode)["accuracy"]
            acc["audio_dependence"] = None if acc["accuracy"] is None or real_acc is None else \
                real_acc - acc["accuracy"]
            out[control][mode] = acc
    return out


def run_benchmark(cfg) -> dict:
    """Score ``cfg.checkpoint`` on ``cfg.questions`` (and under each of ``cfg.audio_controls``); resumable
    through ``<out>.partial.jsonl``."""
    from tqdm import tqdm

    from musicqa.train.checkpoint import read_meta
    from musicqa.train.infer import Answerer, knn_cache

    for flag, value in (("--questions", cfg.questions), ("--audio-dir", cfg.audio_dir),
                        ("--checkpoint", cfg.checkpoint), ("--out", cfg.out)):
        if value is None:
            raise InputError(f"--benchmark muchomusic needs {flag}")
    read_meta(cfg.checkpoint, "--checkpoint")
    questions = read_questions(cfg.questions)
    if cfg.limit:
        questions = questions[:cfg.limit]
    files = index_audio(cfg.audio_dir)
    located = {q.qid: next((files[s] for s in audio_stems(q) if s in files), None) for q in questions}
    missing = [q for q in questions if located[q.qid] is None]
    if missing:
        log.warning("%d of %d questions have no audio under %s and are not scored (e.g. %s %s)", len(missing),
                    len(questions), cfg.audio_dir, missing[0].dataset, missing[0].identifier)
    todo = [q for q in questions if located[q.qid] is not None]
    if not todo:
        raise InputError(f"--audio-dir {cfg.audio_dir}: no audio file for any question (see --help for the names)")

    partial = JsonlStore(cfg.out.with_name(cfg.out.name + ".partial.jsonl"), schema=None)
    signature = _signature(cfg, questions)
    done = _done(partial, signature)
    answerer = Answerer(cfg.checkpoint, cfg.device, cfg.llm, cfg.encoder, knn_cache(cfg))
    controls = ("", *cfg.audio_controls)  # "": the real audio
    by_file: dict[Path, list[Question]] = defaultdict(list)
    for q in todo:
        by_file[located[q.qid]].append(q)
    unreadable: set[str] = set()
    with tqdm(total=len(todo) * len(controls), initial=sum((c, q.qid) in done for c in controls for q in todo),
              unit="question", desc="muchomusic") as bar:
        if not partial.path.exists() or partial.path.stat().st_size == 0:
            partial.append([{"signature": signature}])
        for path, qs in by_file.items():
            for control in controls:
                left = [q for q in qs if (control, q.qid) not in done]
                if not left:
                    continue
                try:
                    feats = answerer.features([path], control=control or None, seed=cfg.seed)
                except AudioError as err:  # as a missing file: warned, counted, not scored; the run goes on
                    log.warning("%s; its %d question(s) are not scored", err, len(qs))  # err names the file
                    unreadable.update(q.qid for q in qs)
                    bar.update(sum((c, q.qid) not in done for c in controls for q in qs))
                    break
                batch = []
                for q in left:
                    batch.append(rec := _score(answerer, feats, q, path, cfg, control))
                    done[control, q.qid] = rec
                    bar.update(1)
                partial.append(batch)  # durable once per audio file and control: a kill loses at most those
    scored = [q for q in todo if q.qid not in unreadable]
    records = [done["", q.qid] for q in scored]
    result = {"benchmark": "muchomusic", "questions": len(questions), "scored": len(records),
              "missing_audio": len(missing) + len(todo) - len(scored), "seed": cfg.seed,
              "in_context": cfg.in_context, "checkpoint": str(cfg.checkpoint), **summarise(records)}
    if cfg.audio_controls:
        result["audio_controls"] = control_summary(
            records, {c: [done[c, q.qid] for q in scored] for c in cfg.audio_controls})
    # per-question records in the benchmark's own input format (its evaluate.py reads this file as it is)
    for control in controls:
        name = f"{cfg.out.stem}.{control}.predictions.json" if control else f"{cfg.out.stem}.predictions.json"
        write_atomic(cfg.out.with_name(name), json.dumps(
            [{"id": q.qid, **{k: v for k, v in done[control, q.qid].items() if k != "qid"}} for q in scored],
            ensure_ascii=False, indent=1))
    write_atomic(cfg.out, json.dumps(result, indent=2) + "\n")
    partial.path.unlink()
    return result


def table(result: dict) -> str:
    """The summary as aligned text: overall, knowledge/reasoning, then each dimension and genre."""
    lines = [f"MuChoMusic: {result['scored']} of {result['questions']} questions scored "
             f"({result['missing_audio']} without audio)", f"{'':38s} {'likelihood':>10s} {'generated':>10s}"]

    def row(label: str, key: tuple[str, ...]) -> str:
        cells = []
        for mode in MODES:
            node = result[mode]
            for k in key:
                node = node[k]
            cells.append("-" if node["accuracy"] is None else f"{node['accuracy']:.3f}")
        return f"{label:38s} {cells[0]:>10s} {cells[1]:>10s}"

    lines.append(row("accuracy", ()))
    unanswered = result["generated"]["unanswered_rate"]  # None when nothing was scored
    lines.append(f"{'unanswered rate':38s} {'0.000':>10s} {'-' if unanswered is None else f'{unanswered:.3f}':>10s}")
    for control, modes in result.get("audio_controls", {}).items():
        cells = [("-" if modes[m][k] is None else f"{modes[m][k]:+.3f}" if k == "audio_dependence" else
                  f"{modes[m][k]:.3f}") for k in ("accuracy", "audio_dependence") for m in MODES]
        lines.append(f"{'accuracy, audio = ' + control:38s} {cells[0]:>10s} {cells[1]:>10s}")
        lines.append(f"{'audio dependence (real - ' + control + ')':38s} {cells[2]:>10s} {cells[3]:>10s}")
    lines += [row("knowledge (all)", ("knowledge",)), row("reasoning (all)", ("reasoning",))]
    for group in ("per_knowledge", "per_reasoning", "per_genre"):
        for name in result["likelihood"][group]:
            lines.append(row(f"{group.removeprefix('per_')}: {name}"[:38], (group, name)))
    return "\n".join(lines)
