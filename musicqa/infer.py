"""``python -m musicqa.infer --checkpoint CKPT --audio FILE_OR_DIR [--question Q]``: answer questions about music.

One file: the answer is printed. A folder: one JSON line per audio file, ``{"audio", "question",
"answer"}``, to ``--out`` or stdout (captioning music at scale is what the paper built the model for).
The checkpoint's own config says which LLaMA and MERT (id + revision) to load; ``--llm`` and
``--encoder`` point at other copies of the same weights (e.g. a local folder).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from pathlib import Path

from musicqa.config import field
from musicqa.errors import InputError

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")


@dataclasses.dataclass
class InferConfig:
    """``python -m musicqa.infer``: answer one question per audio file with a trained checkpoint."""

    checkpoint: Path | None = field(None, help="checkpoint folder written by musicqa.train (step-NNNNNN)")
    audio: Path | None = field(None, help="an audio file, or a folder searched recursively for audio files")
    question: str = field("Describe the audio in detail", help="the question asked about every file")
    out: Path | None = field(None, help="JSON-lines output for a folder (default: stdout)")
    max_new_tokens: int = field(256, help="longest answer in tokens")
    temperature: float = field(0.1, help="sampling temperature (the seed's 0.1); 0 = greedy")
    top_p: float = field(0.75, help="nucleus sampling threshold (the seed's 0.75)")
    batch_size: int = field(8, help="files answered per generate() call")
    seed: int = field(0, help="sampling seed")
    device: str = field("auto", help="cpu, cuda, cuda:N or auto")
    llm: str | None = field(None, help="load LLaMA from here instead of the checkpoint's --model.llm")
    encoder: str | None = field(None, help="load MERT from here instead of the checkpoint's --model.encoder")

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1 or self.batch_size < 1:
            raise ValueError("--max-new-tokens and --batch-size must be >= 1")
        if self.temperature < 0 or not 0 < self.top_p <= 1:
            raise ValueError("--temperature must be >= 0 and --top-p in (0, 1]")


def audio_files(path: Path) -> list[Path]:
    """The audio files under ``path`` (sorted), or ``[path]`` for a file."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"--audio {path}: no such file or folder")
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
    if not files:
        raise InputError(f"--audio {path}: no audio files ({', '.join(AUDIO_SUFFIXES)})")
    return files


class Answerer:
    """A trained checkpoint, its encoder and tokenizer, loaded once; ``answer`` takes files and a question."""

    def __init__(self, checkpoint: Path, device: str = "auto", llm: str | None = None,
                 encoder: str | None = None) -> None:
        import torch

        from musicqa.train import data
        from musicqa.train import model as mdl
        from musicqa.train.config import ModelConfig
        from musicqa.train.loop import pick_device

        chain = mdl.checkpoint_chain(checkpoint)
        meta = json.loads((checkpoint / "checkpoint.json").read_text())
        if meta.get("prompt_template_hash") != data.template_hash():
            log.warning("%s was trained with prompt template %s (hash %s); this install has hash %s",
                        checkpoint, meta.get("prompt_template"), meta.get("prompt_template_hash"), data.template_hash())
        overrides = {k: v for k, v in (("llm", llm), ("encoder", encoder)) if v}
        self.cfg = dataclasses.replace(ModelConfig(**meta["model"]), **overrides)
        self.device = pick_device(device, 0)
        self.model, self.tok = mdl.build(self.cfg, meta["phase"], chain, self.device)
        self.model.eval()
        self.encoder = mdl.MusicEncoder(self.cfg, self.device)
        self.tok.padding_side = "left"  # generation continues every prompt from its last token
        self._torch = torch

    def answer(self, files: list[Path], question: str, *, max_new_tokens: int = 256, temperature: float = 0.1,
               top_p: float = 0.75) -> list[str]:
        import numpy as np

        from musicqa import audio
        from musicqa.train import data

        torch = self._torch
        rate = self.encoder.spec.sample_rate
        feats = torch.from_numpy(np.stack([self.encoder(audio.load(f, sample_rate=rate), rate) for f in files]))
        feats = feats.to(self.device)
        prompt = data.prompt_ids(self.tok, question)
        ids = torch.tensor([prompt] * len(files), device=self.device)
        mask = torch.ones_like(ids)
        pad = self.tok.pad_token_id if self.tok.pad_token_id is not None else self.tok.eos_token_id
        sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p} if temperature > 0 else \
            {"do_sample": False}
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.cfg.dtype != "float32"):
            out = self.model.generate(ids, mask, feats, max_new_tokens=max_new_tokens, pad_token_id=pad,
                                      eos_token_id=self.tok.eos_token_id, **sampling)
        return [self.tok.decode(row[len(prompt):], skip_special_tokens=True).strip() for row in out]


def run(cfg: InferConfig) -> int:
    import torch
    from tqdm import tqdm

    if cfg.checkpoint is None or cfg.audio is None:
        raise InputError("--checkpoint and --audio are required")
    if not (cfg.checkpoint / "checkpoint.json").exists():
        raise InputError(f"--checkpoint {cfg.checkpoint}: not a checkpoint folder (checkpoint.json missing)")
    files = audio_files(cfg.audio)
    torch.manual_seed(cfg.seed)
    answerer = Answerer(cfg.checkpoint, cfg.device, cfg.llm, cfg.encoder)
    kw = {"max_new_tokens": cfg.max_new_tokens, "temperature": cfg.temperature, "top_p": cfg.top_p}
    if cfg.audio.is_file():
        print(answerer.answer(files, cfg.question, **kw)[0])
        return 0
    sink = open(cfg.out, "w", encoding="utf-8") if cfg.out else sys.stdout
    try:
        with tqdm(total=len(files), unit="file", desc="infer") as bar:
            for i in range(0, len(files), cfg.batch_size):
                batch = files[i:i + cfg.batch_size]
                for path, text in zip(batch, answerer.answer(batch, cfg.question, **kw)):
                    sink.write(json.dumps({"audio": str(path), "question": cfg.question, "answer": text},
                                          ensure_ascii=False) + "\n")
                sink.flush()
                bar.update(len(batch))
    finally:
        if sink is not sys.stdout:
            sink.close()
    log.info("infer: %d files answered%s", len(files), f", written to {cfg.out}" if cfg.out else "")
    return 0


def main(argv: list[str] | None = None) -> int:
    from musicqa.cli import config_command

    return config_command("infer", __doc__, InferConfig, run, argv)


if __name__ == "__main__":
    sys.exit(main())
