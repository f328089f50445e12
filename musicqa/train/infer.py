"""``python -m musicqa.infer --checkpoint CKPT --audio FILE_OR_DIR [--question Q]``: answer questions about music.

One file: the answer is printed. A folder: one JSON line per audio file, ``{"audio", "question",
"answer"}``, to ``--out`` or stdout (captioning music at scale is what the paper built the model for).
The checkpoint's own config says which LLaMA and MERT (id + revision) to load and which prompt
template the model was trained with; ``--llm`` and ``--encoder`` point at other copies of the same
weights (e.g. a local folder). ``--preset mullama`` samples as the paper's evaluation did
(temperature 0.6, top-p 0.8, and the kNN cache when ``--knn-index`` is given).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from pathlib import Path

from musicqa.config import field
from musicqa.errors import InputError
from musicqa.train.checkpoint import read_meta
from musicqa.train.config import PRESETS

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")


@dataclasses.dataclass
class InferConfig:
    """``python -m musicqa.infer``: answer one question per audio file with a trained checkpoint."""

    checkpoint: Path | None = field(None, help="checkpoint folder written by musicqa.train (step-NNNNNN)")
    audio: Path | None = field(None, help="an audio file, or a folder searched recursively for audio files")
    preset: str = field("musicqa", help="musicqa: the defaults below; mullama: the paper's evaluation sampling "
                                        "(temperature 0.6, top-p 0.8, 1024 tokens, kNN size 100 / temperature "
                                        "20 / weight 0.2); flags still override it")
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
    knn_index: Path | None = field(None, help="kNN cache index: a faiss index file (needs faiss) or a .npy "
                                              "array [N, dim]; off when not given")
    knn_size: int = field(100, help="kNN cache: neighbours mixed in")
    knn_temperature: float = field(20.0, help="kNN cache: softmax temperature on the similarities")
    knn_weight: float = field(0.2, help="kNN cache: weight of the neighbours' mix (0 = off)")
    audio_control: str | None = field(None, help="answer without the real music, to measure how much the answers "
                                                 "depend on it: noise (white, the clip's RMS, seeded by --seed and "
                                                 "the file name) or silence of each clip's length, or no-audio "
                                                 "(the model without its music input); score these predictions "
                                                 "as the real ones")

    def __post_init__(self) -> None:
        if self.audio_control is not None:
            from musicqa.train.controls import check

            check([self.audio_control], "--audio-control")
        if self.preset not in PRESETS:
            raise ValueError(f"--preset must be one of {', '.join(PRESETS)}, got {self.preset!r}")
        if self.max_new_tokens < 1 or self.batch_size < 1:
            raise ValueError("--max-new-tokens and --batch-size must be >= 1")
        if self.temperature < 0 or not 0 < self.top_p <= 1:
            raise ValueError("--temperature must be >= 0 and --top-p in (0, 1]")
        check_knn(self)


def check_knn(cfg) -> None:
    """Shared by infer and evaluate: the kNN cache options in range."""
    if cfg.knn_size < 1 or not 0 <= cfg.knn_weight <= 1:
        raise ValueError("--knn-size must be >= 1 and --knn-weight in [0, 1]")


def knn_cache(cfg):
    """The kNN cache the options describe, or None when off."""
    if cfg.knn_index is None or cfg.knn_weight == 0:
        return None
    from musicqa.train.knn import KnnCache

    return KnnCache.load(cfg.knn_index, cfg.knn_size, cfg.knn_temperature, cfg.knn_weight)


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
                 encoder: str | None = None, knn=None) -> None:
        import torch

        from musicqa.train import data
        from musicqa.train import model as mdl
        from musicqa.train.config import ModelConfig
        from musicqa.train.loop import pick_device

        chain = mdl.checkpoint_chain(checkpoint)
        meta = read_meta(checkpoint)
        self.template = meta.get("prompt_template") or data.PROMPT_TEMPLATE
        self.tokenize = meta.get("tokenize", "split")
        if not (data.TEMPLATES / self.template).is_file():
            raise InputError(f"{checkpoint}: prompt template {self.template!r} is not in this install")
        if meta.get("prompt_template_hash") != data.template_hash(self.template):
            log.warning("%s was trained with prompt template %s (hash %s); this install has hash %s", checkpoint,
                        self.template, meta.get("prompt_template_hash"), data.template_hash(self.template))
        overrides = {k: v for k, v in (("llm", llm), ("encoder", encoder)) if v}
        self.cfg = dataclasses.replace(ModelConfig(**meta["model"]), **overrides)
        self.device = pick_device(device, 0)
        self.model, self.tok = mdl.build(self.cfg, meta["phase"], chain, self.device)
        self.model.eval()
        self.model.knn = knn
        self.encoder = mdl.MusicEncoder(self.cfg, self.device)
        self.tok.padding_side = "left"  # generation continues every prompt from its last token
        self._torch = torch

    def features(self, files: list[Path], control: str | None = None, seed: int = 0):
        """[B, num_states, hidden] encoder features of the files (decoded and resampled by musicqa.audio).

        ``control`` (musicqa.train.controls) replaces each clip by noise or silence of its length before the encoder,
        seeded by ``seed`` and the file's name; ``no-audio`` returns None: the model then runs without music.
        """
        import numpy as np

        from musicqa import audio
        from musicqa.train import controls

        if control == "no-audio":
            return None
        rate = self.encoder.spec.sample_rate
        waves = [audio.load(f, sample_rate=rate) for f in files]
        if control is not None:
            waves = [controls.replace(w, control, seed, f.name) for w, f in zip(waves, files)]
        feats = np.stack([self.encoder(w, rate) for w in waves])
        return self._torch.from_numpy(feats).to(self.device)

    def _autocast(self):
        torch = self._torch
        half = {"bfloat16": torch.bfloat16, "float16": torch.float16}.get(self.cfg.dtype)
        return torch.autocast(self.device.type, dtype=half or torch.float32, enabled=half is not None)

    @property
    def _pad(self) -> int:
        return self.tok.pad_token_id if self.tok.pad_token_id is not None else self.tok.eos_token_id

    def answer(self, files: list[Path], question: str, *, max_new_tokens: int = 256, temperature: float = 0.1,
               top_p: float = 0.75, control: str | None = None, seed: int = 0) -> list[str]:
        """One answer per file; under ``control`` (musicqa.train.controls) the files' audio is replaced or left out."""
        return self.generate(self.features(files, control, seed), question, max_new_tokens=max_new_tokens,
                             temperature=temperature, top_p=top_p, rows=len(files))

    def generate(self, feats, question: str, *, max_new_tokens: int = 256, temperature: float = 0.1,
                 top_p: float = 0.75, rows: int = 1) -> list[str]:
        """One answer per row of ``feats`` to the same question, in the checkpoint's prompt template.

        ``feats`` None (the no-audio control): ``rows`` answers from the model without its music injection
        (as many samples as files, so sampling varies as it does with audio).
        """
        from musicqa.train import data

        torch = self._torch
        prompt = data.prompt_ids(self.tok, question, self.template)
        ids = torch.tensor([prompt] * (rows if feats is None else len(feats)), device=self.device)
        mask = torch.ones_like(ids)
        sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p} if temperature > 0 else \
            {"do_sample": False}
        with self._autocast():
            out = self.model.generate(ids, mask, feats, max_new_tokens=max_new_tokens, pad_token_id=self._pad,
                                      eos_token_id=self.tok.eos_token_id, **sampling)
        return [self.tok.decode(row[len(prompt):], skip_special_tokens=True).strip() for row in out]

    def option_logprobs(self, feats, question: str, options: list[str]) -> list[float]:
        """Mean log-probability per token of each option as the answer to ``question`` about one clip.

        The options are tokenised as training tokenised answers (the checkpoint's template and
        tokenisation), without the closing EOS; the mean keeps long options from losing by length.
        """
        import numpy as np

        from musicqa.train import data

        torch = self._torch
        examples = [data.Example("", "", question, option, "choice") for option in options]
        items = data.tokenize(examples, self.tok, 1 << 16, self.template, self.tokenize)
        if len(items) != len(options):
            raise InputError(f"an answer option of {question!r} tokenises to nothing")
        items = [data.Tokenized(t.clip_key, t.input_ids[:-1], t.labels[:-1]) for t in items]  # drop the EOS
        clip = np.zeros(1, np.float32) if feats is None else feats[0].cpu().numpy()  # None: the no-audio control
        batch = data.collate(items, lambda _key: clip, self._pad)
        batch = {k: v.to(self.device) for k, v in batch.items()}
        with torch.no_grad(), self._autocast():
            logits = self.model(batch["input_ids"], batch["attention_mask"],
                                None if feats is None else batch["features"]).logits.float()
        logp = logits[:, :-1].log_softmax(-1).gather(-1, batch["input_ids"][:, 1:, None]).squeeze(-1)
        keep = (batch["labels"][:, 1:] != data.IGNORE).float()
        return ((logp * keep).sum(1) / keep.sum(1).clamp(min=1)).tolist()


def run(cfg: InferConfig) -> int:
    import torch
    from tqdm import tqdm

    if cfg.checkpoint is None or cfg.audio is None:
        raise InputError("--checkpoint and --audio are required")
    read_meta(cfg.checkpoint, "--checkpoint")
    files = audio_files(cfg.audio)
    torch.manual_seed(cfg.seed)
    if cfg.preset == "mullama" and cfg.knn_index is None:
        log.warning("--preset mullama: the paper's evaluation also used the kNN cache; give --knn-index to do the same")
    answerer = Answerer(cfg.checkpoint, cfg.device, cfg.llm, cfg.encoder, knn_cache(cfg))
    if cfg.preset == "mullama" and answerer.template != "mullama.jinja":
        log.warning("--preset mullama with a checkpoint trained on prompt %s: the prompt follows the checkpoint",
                    answerer.template)
    kw = {"max_new_tokens": cfg.max_new_tokens, "temperature": cfg.temperature, "top_p": cfg.top_p,
          "control": cfg.audio_control, "seed": cfg.seed}
    if cfg.audio.is_file():
        print(answerer.answer(files, cfg.question, **kw)[0])
        return 0
    sink = open(cfg.out, "w", encoding="utf-8") if cfg.out else sys.stdout
    try:
        with tqdm(total=len(files), unit="file", desc="infer") as bar:
            for i in range(0, len(files), cfg.batch_size):
                batch = files[i:i + cfg.batch_size]
                for path, text in zip(batch, answerer.answer(batch, cfg.question, **kw)):
                    line = {"audio": str(path), "question": cfg.question, "answer": text}
                    if cfg.audio_control:  # evaluate pairs on (audio, question) and ignores this field
                        line["audio_control"] = cfg.audio_control
                    sink.write(json.dumps(line, ensure_ascii=False) + "\n")
                sink.flush()
                bar.update(len(batch))
    finally:
        if sink is not sys.stdout:
            sink.close()
    log.info("infer: %d files answered%s", len(files), f", written to {cfg.out}" if cfg.out else "")
    return 0


def main(argv: list[str] | None = None) -> int:
    from musicqa.config import config_command
    from musicqa.train.presets import infer_values

    return config_command("infer", __doc__, InferConfig, run, argv, preset=infer_values)


if __name__ == "__main__":
    sys.exit(main())
