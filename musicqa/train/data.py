"""Training examples from a musicqa dataset folder: one example per QA pair, tokenised, loss on the answer.

The folder written by ``musicqa build`` is the only thing the trainer reads from the build side,
through ``datasets.load_dataset(folder, subset, split=...)``. Audio is read with
``Audio(decode=False)`` and decoded by ``musicqa.audio`` (soundfile), so torchcodec is not needed.
``load_alpaca`` adds text-only instruction rows, whose audio is one second of silence, as the
reference MU-LLaMA's pretraining mixed in the Alpaca set.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from musicqa import mullama
from musicqa.errors import InputError

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
PROMPT_TEMPLATE = "alpaca.jinja"
IGNORE = -100  # label of tokens that carry no loss (prompt, padding)
SILENCE_RATE = 24000  # the reference feeds torch.zeros(24000) as the audio of a text-only row


@dataclass(frozen=True, slots=True)
class Example:
    """One QA pair about one clip; ``clip_key`` is the sha256 of the clip's audio bytes."""

    clip_id: str
    clip_key: str
    question: str
    answer: str
    task: str


@dataclass(frozen=True, slots=True)
class Clip:
    """A clip's audio bytes (or file) and its content key, for the feature cache."""

    clip_id: str
    clip_key: str
    data: bytes


@lru_cache(maxsize=4)
def _template(name: str):
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), undefined=jinja2.StrictUndefined,
                               keep_trailing_newline=True, autoescape=False)
    return env.get_template(name)


def render(name: str, **variables) -> str:
    """Render any template in musicqa/train/templates (sandboxed, undefined variables are errors)."""
    return _template(name).render(**variables)


def template_name(prompt: str) -> str:
    """``--data.prompt`` (alpaca, mullama) -> its template file name."""
    return f"{prompt}.jinja"


def template_hash(name: str = PROMPT_TEMPLATE) -> str:
    """First 16 hex chars of the prompt template's sha256; stored in checkpoints so infer uses the same text."""
    return hashlib.sha256((TEMPLATES / name).read_bytes()).hexdigest()[:16]


def render_prompt(question: str, name: str = PROMPT_TEMPLATE) -> str:
    """The instruction prompt for one question: alpaca.jinja (musicqa's, no ``### Input:`` block: the
    music is the input) or mullama.jinja (the reference's string, which its released weights expect)."""
    return _template(name).render(question=question.strip())


def load_split(dataset: str, subset: str, split: str, revision: str | None = None,
               tasks: Sequence[str] = ("fixed", "open")) -> tuple[list[Example], dict[str, Clip]]:
    """Flatten one split into examples, and collect each clip's audio bytes once.

    Raises InputError naming the dataset, config and split when they cannot be read, and the row and
    field when a row lacks audio or QA pairs in the contract's shape.
    """
    import datasets
    from datasets import Audio

    where = f"{dataset} [{subset}/{split}]"
    try:
        ds = datasets.load_dataset(dataset, subset, split=split, revision=revision)
    except (FileNotFoundError, ValueError, datasets.exceptions.DatasetNotFoundError) as err:
        raise InputError(f"{where}: cannot load ({type(err).__name__}: {err})") from err
    for col in ("audio", "clip_id", "qa"):
        if col not in ds.column_names:
            raise InputError(f"{where}: column '{col}' missing (found {', '.join(ds.column_names)})")
    ds = ds.cast_column("audio", Audio(decode=False))
    examples: list[Example] = []
    clips: dict[str, Clip] = {}
    for i, row in enumerate(ds):
        data = _audio_bytes(row["audio"], Path(dataset) if Path(dataset).is_dir() else None, f"{where} row {i}")
        key = hashlib.sha256(data).hexdigest()
        clips.setdefault(key, Clip(row["clip_id"], key, data))
        for j, qa in enumerate(row["qa"] or []):
            try:
                question, answer, task = qa["question"], qa["answer"], qa["task"]
            except (KeyError, TypeError) as err:
                raise InputError(f"{where} row {i}: field 'qa[{j}]' = {qa!r}, expected "
                                 "{question, answer, task}") from err
            if task in tasks and question.strip() and answer.strip():
                examples.append(Example(row["clip_id"], key, question, answer, task))
    log.info("%s: %d clips, %d QA pairs", where, len(clips), len(examples))
    if not examples:
        raise InputError(f"{where}: no QA pairs with task in {list(tasks)}")
    return examples, clips


def _audio_bytes(cell: dict, root: Path | None, where: str) -> bytes:
    if cell.get("bytes"):
        return cell["bytes"]
    path = cell.get("path")
    if path and root is not None and (root / path).is_file():
        return (root / path).read_bytes()
    if path and Path(path).is_file():
        return Path(path).read_bytes()
    raise InputError(f"{where}: field 'audio' has no embedded bytes and path {path!r} does not exist")


def silence_clip() -> Clip:
    """One second of digital silence as 16-bit WAV: the audio of every text-only row (keyed like any clip)."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.zeros(SILENCE_RATE, dtype=np.float32), SILENCE_RATE, format="WAV", subtype="PCM_16")
    data = buf.getvalue()
    return Clip("alpaca/silence", hashlib.sha256(data).hexdigest(), data)


def load_alpaca(path: Path, limit: int | None = None) -> tuple[list[Example], Clip]:
    """Text-only examples from an Alpaca JSON file, all paired with ``silence_clip()``.

    Accepts the original format (``[{"instruction", "input", "output"}]``; a non-empty input is
    joined to the instruction by a newline) and MU-LLaMA's (``[{"conversation": [human, gpt]}]``
    without ``audio_name``). Errors name the file, the item and the field.
    """
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"--data.alpaca {path}: cannot read as JSON ({type(err).__name__}: {err})") from err
    if not isinstance(rows, list) or not rows:
        raise InputError(f"--data.alpaca {path}: expected a non-empty JSON list of instruction rows")
    clip = silence_clip()
    examples = []
    for i, row in enumerate(rows[:limit] if limit else rows):
        if isinstance(row, dict) and "conversation" in row:  # MU-LLaMA's format: parsed by its one owner
            pairs = mullama.pairs_of(row)
            if isinstance(pairs, str):
                raise InputError(f"{path}: item {i}: {pairs}; expected {{conversation: [human, gpt]}}")
            (question, answer), *_ = pairs
        else:
            try:
                extra = (row.get("input") or "").strip()
                question = row["instruction"] + (f"\n{extra}" if extra else "")
                answer = row["output"]
            except (KeyError, TypeError, AttributeError) as err:
                raise InputError(f"{path}: item {i}: expected {{instruction, input, output}} or "
                                 "{conversation: [human, gpt]}") from err
        if not isinstance(question, str) or not isinstance(answer, str):
            raise InputError(f"{path}: item {i}: instruction/output must be text")
        if question.strip() and answer.strip():
            examples.append(Example(f"alpaca/{i}", clip.clip_key, question, answer, "alpaca"))
    log.info("%s: %d text-only Alpaca rows (audio: 1 s of silence)", path, len(examples))
    return examples, clip


def wave_loader(data: bytes, sample_rate: int) -> Callable[[], np.ndarray]:
    """A thunk decoding audio bytes to mono float32 at ``sample_rate`` (only called on a cache miss)."""
    def load() -> np.ndarray:
        from musicqa import audio

        x, sr = audio.decode_bytes(data)
        return audio.resample(audio.to_mono(x), sr, sample_rate)
    return load


@dataclass(frozen=True, slots=True)
class Tokenized:
    """Token ids of prompt + answer and the labels that put the loss on the answer only."""

    clip_key: str
    input_ids: tuple[int, ...]
    labels: tuple[int, ...]


def prompt_ids(tokenizer, question: str, template: str = PROMPT_TEMPLATE) -> list[int]:
    """BOS + the rendered prompt; inference feeds exactly this before generating."""
    ids = tokenizer(render_prompt(question, template), add_special_tokens=False)["input_ids"]
    return _bos(tokenizer) + ids


def _bos(tokenizer) -> list[int]:
    return [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []


def tokenize(examples: Sequence[Example], tokenizer, max_tokens: int, template: str = PROMPT_TEMPLATE,
             mode: str = "split") -> list[Tokenized]:
    """Prompt then answer + EOS; labels are IGNORE on the prompt so the loss is on answer tokens only.

    ``split`` (musicqa): prompt and answer are tokenised apart and concatenated, the same split
    inference sees; a pair whose prompt leaves fewer than 4 answer tokens is skipped (and counted).
    ``joint`` (the reference): BOS + tokens of the string prompt + answer + EOS, cut to
    ``max_tokens``, with as many leading labels masked as BOS + the prompt alone has; a pair with
    no answer token left is skipped (the reference trains on it with zero loss).
    """
    out, skipped = [], 0
    eos = tokenizer.eos_token_id
    for ex in examples:
        p = prompt_ids(tokenizer, ex.question, template)
        if mode == "joint":
            full = _bos(tokenizer) + tokenizer(render_prompt(ex.question, template) + ex.answer,
                                               add_special_tokens=False)["input_ids"] + [eos]
            full = full[:max_tokens]
            if len(full) <= len(p):
                skipped += 1
                continue
            out.append(Tokenized(ex.clip_key, tuple(full), tuple([IGNORE] * len(p) + full[len(p):])))
            continue
        a = tokenizer(ex.answer.strip(), add_special_tokens=False)["input_ids"] + [eos]
        room = max_tokens - len(p)
        if room < 4:
            skipped += 1
            continue
        a = a[:room]
        out.append(Tokenized(ex.clip_key, tuple(p + a), tuple([IGNORE] * len(p) + a)))
    if skipped:
        log.warning("skipped %d QA pairs whose prompt leaves no room in --data.max-tokens %d", skipped, max_tokens)
    return out


def collate(items: Sequence[Tokenized], features: Callable[[str], np.ndarray], pad_id: int):
    """Right-padded batch: input_ids, attention_mask, labels [B, T] and features [B, num_states, hidden]."""
    import torch

    width = max(len(t.input_ids) for t in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    labels = torch.full((len(items), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    for i, t in enumerate(items):
        n = len(t.input_ids)
        ids[i, :n] = torch.tensor(t.input_ids)
        labels[i, :n] = torch.tensor(t.labels)
        mask[i, :n] = 1
    feats = torch.from_numpy(np.stack([features(t.clip_key) for t in items]))
    return {"input_ids": ids, "attention_mask": mask, "labels": labels, "features": feats}
