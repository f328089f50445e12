"""TrainConfig: every knob of ``python -m musicqa.train``; musicqa's defaults (presets.py holds the reference's).

Torch-free on purpose: ``--help`` and config validation must not import torch. The sizes of the
model come from ``ModelConfig``; ``model.py`` builds exactly what it describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from musicqa.config import field

PHASES = ("pretrain", "finetune")
PRECISIONS = ("fp32", "bf16", "fp16")
DTYPES = ("float32", "bfloat16", "float16")
PRESETS = ("musicqa", "mullama")
ADAPTER_VALUES = ("v_proj", "base")
TOKENIZE_MODES = ("split", "joint")
PROMPTS = ("alpaca", "mullama")

# LLaMA-2-7B in transformers format and MERT-v1-330M, pinned: a hub id without a revision can change under us.
LLAMA_ID = "meta-llama/Llama-2-7b-hf"
LLAMA_REVISION = "01c7f73d771dfac7d292323805ebc428287df4f9"
MERT_ID = "m-a-p/MERT-v1-330M"
MERT_REVISION = "0e06c986db0527c0fd1b47181c40f006805e3de0"
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class ModelConfig:
    """What to load and how big the new parts are; the paper's MU-LLaMA is the default."""

    llm: str = field(LLAMA_ID, help="LLaMA in transformers format: hub id or local folder")
    llm_revision: str | None = field(LLAMA_REVISION, help="hub revision (commit) of --model.llm; ignored for folders")
    encoder: str = field(MERT_ID, help="MERT (HuBERT-like) music encoder: hub id or local folder")
    encoder_revision: str | None = field(MERT_REVISION, help="hub revision (commit) of --model.encoder")
    trust_remote_code: bool = field(False, help="load the encoder with its own hub code instead of the native "
                                                "HubertModel path (only needed for CQT/deepnorm variants)")
    adapter_layers: int = field(20, help="inject the music token into the last N LLaMA layers")
    bridge_blocks: int = field(3, help="residual SwiGLU blocks in the bridge")
    bridge_ffn_mult: int = field(4, help="SwiGLU hidden size = this x LLaMA's hidden size")
    lora_rank: int = field(16, help="LoRA rank in the finetune phase")
    lora_alpha: float = field(16.0, help="LoRA alpha; alpha = rank gives the seed's unscaled LoRA")
    lora_targets: list[str] = field(help="LLaMA linear layers that get LoRA in the finetune phase",
                                    factory=lambda: list(LORA_TARGETS))
    bias_tuning: bool = field(True, help="finetune: add zero-initialised biases to --model.bias-targets and train "
                                         "them (bias tuning, the reference's w_bias)")
    bias_targets: list[str] | None = field(None, help="layers that get a bias under --model.bias-tuning; none = "
                                                      "the LoRA targets (the reference: q_proj o_proj gate_proj "
                                                      "up_proj down_proj, none on k_proj/v_proj)")
    adapter_value: str = field("v_proj", help="how the music adapter becomes a value: v_proj = through LLaMA's "
                                              "v_proj with its LoRA and bias; base = the frozen W_v alone, as "
                                              "the reference")
    chunk_seconds: float = field(60.0, help="encode audio in chunks of this many seconds and average over the "
                                            "whole clip")
    encode_seconds: float | None = field(None, help="encode only the first N seconds of a clip (the reference "
                                                    "encoded the first 60 s); none = the whole clip")
    dtype: str = field("float32", help=f"dtype of the frozen base weights: {', '.join(DTYPES)}")

    def __post_init__(self) -> None:
        if self.adapter_layers < 1:
            raise ValueError(f"--model.adapter-layers must be >= 1, got {self.adapter_layers}")
        if self.bridge_blocks < 0 or self.bridge_ffn_mult < 1:
            raise ValueError("--model.bridge-blocks must be >= 0 and --model.bridge-ffn-mult >= 1")
        if self.lora_rank < 1:
            raise ValueError(f"--model.lora-rank must be >= 1, got {self.lora_rank}")
        if self.chunk_seconds < 1:
            raise ValueError(f"--model.chunk-seconds must be >= 1, got {self.chunk_seconds}")
        if self.dtype not in DTYPES:
            raise ValueError(f"--model.dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        if self.adapter_value not in ADAPTER_VALUES:
            raise ValueError(f"--model.adapter-value must be one of {', '.join(ADAPTER_VALUES)}, "
                             f"got {self.adapter_value!r}")
        unknown = sorted(set(self.bias_targets or []) - set(self.lora_targets))
        if unknown:
            raise ValueError(f"--model.bias-targets {unknown} are not LoRA targets ({' '.join(self.lora_targets)})")
        if self.encode_seconds is not None and self.encode_seconds < 1:
            raise ValueError(f"--model.encode-seconds must be >= 1, got {self.encode_seconds}")

    def biased_layers(self) -> list[str]:
        """The layer names that get a trainable bias in the finetune phase (empty without bias tuning)."""
        if not self.bias_tuning:
            return []
        return list(self.bias_targets) if self.bias_targets is not None else list(self.lora_targets)


@dataclass
class DataConfig:
    """Which musicqa dataset folder (or hub id) to read, and how examples are cut."""

    dataset: str = field("", help="musicqa dataset folder (output of `musicqa build`) or hub dataset id")
    revision: str | None = field(None, help="hub revision of --data.dataset; ignored for folders")
    subset: str = field("musiccaps", help="dataset config: musiccaps or magnatagatune")
    split: str = field("train", help="split to train on")
    eval_split: str | None = field(None, help="split whose loss is logged every --eval-every steps")
    tasks: list[str] = field(help="QA tasks to keep (fixed, open)", factory=lambda: ["fixed", "open"])
    max_examples: int | None = field(None, help="use only the first N QA pairs (smoke runs)")
    max_tokens: int = field(512, help="truncate prompt + answer to this many tokens (the reference's max_words)")
    feature_cache: Path = field(Path("cache/features"), help="folder of cached MERT features (per clip)")
    prompt: str = field("alpaca", help="prompt template in musicqa/train/templates: alpaca (musicqa) or mullama "
                                       "(the reference's string, '<built-in function input>' line included)")
    tokenize: str = field("split", help="split: prompt and answer tokenised apart (what inference sees); joint: "
                                        "prompt + answer as one string, the prompt's own length masked (the "
                                        "reference)")
    alpaca: Path | None = field(None, help="Alpaca-format JSON (instruction/input/output, or MU-LLaMA's "
                                           "conversation JSON) mixed in as text-only rows with 1 s of silence "
                                           "as audio, as the reference's pretraining did")
    alpaca_max: int | None = field(None, help="use only the first N rows of --data.alpaca")

    def __post_init__(self) -> None:
        if self.max_tokens < 8:
            raise ValueError(f"--data.max-tokens must be >= 8, got {self.max_tokens}")
        if self.prompt not in PROMPTS:
            raise ValueError(f"--data.prompt must be one of {', '.join(PROMPTS)}, got {self.prompt!r}")
        if self.tokenize not in TOKENIZE_MODES:
            raise ValueError(f"--data.tokenize must be one of {', '.join(TOKENIZE_MODES)}, got {self.tokenize!r}")
        if self.alpaca_max is not None and self.alpaca_max < 1:
            raise ValueError(f"--data.alpaca-max must be >= 1, got {self.alpaca_max}")
        if self.max_examples is not None and self.max_examples < 1:
            raise ValueError(f"--data.max-examples must be >= 1, got {self.max_examples}")


@dataclass
class TrainConfig:
    """``python -m musicqa.train``: one phase of MU-LLaMA training on a musicqa dataset."""

    preset: str = field("musicqa", help="musicqa: this project's defaults; mullama: the reference's recipe for "
                                        "--phase (TOML keys and flags still override it; README lists every "
                                        "difference)")
    phase: str = field("pretrain", help="pretrain: bridge + prefix + gates; finetune: LLaMA norms/biases + LoRA")
    out: Path = field(Path("runs/train"), help="output folder: checkpoints, metrics.jsonl, resolved config")
    init_from: Path | None = field(None, help="finetune: the pretrain checkpoint whose bridge/prefix/gates to use")
    resume: Path | None = field(None, help="checkpoint folder to resume from (same config); 'auto' = latest in --out")
    epochs: int = field(20, help="passes over the training examples")
    max_steps: int | None = field(None, help="stop after this many optimizer steps (overrides --epochs)")
    batch_size: int = field(4, help="examples per micro-batch (per process)")
    accum_steps: int = field(8, help="micro-batches per optimizer step")
    blr: float = field(1e-3, help="base learning rate; lr = blr x effective batch / 256, as the seed")
    lr: float | None = field(None, help="absolute learning rate (overrides --blr)")
    min_lr: float = field(0.0, help="cosine schedule floor")
    warmup_epochs: float = field(1.0, help="linear warmup length in epochs")
    weight_decay: float = field(0.05, help="AdamW weight decay (not applied to norms and biases)")
    decay_gates: bool = field(False, help="apply weight decay to the gates too (the reference does: its gates are "
                                          "4-D tensors, and only 1-D tensors and biases were exempt)")
    warmup_from_zero: bool = field(False, help="the first warmup step runs at lr 0, as the reference's schedule "
                                               "on fractional epochs; default: step k of w runs at (k+1)/w x lr")
    betas: list[float] = field(help="AdamW betas", factory=lambda: [0.9, 0.95])
    grad_clip: float = field(1.0, help="clip the gradient norm to this; 0 disables")
    precision: str = field("fp32", help=f"autocast precision: {', '.join(PRECISIONS)} (fp16 adds a gradient "
                                        "scaler, as the reference)")
    device: str = field("auto", help="cpu, cuda, cuda:N or auto")
    seed: int = field(0, help="seeds data order and initialisation; same seed, same run")
    log_every: int = field(10, help="log the loss every N optimizer steps")
    eval_every: int = field(0, help="evaluate on --data.eval-split every N steps (0: never)")
    save_every: int = field(500, help="save a checkpoint every N optimizer steps (and always at the end)")
    keep_checkpoints: int = field(2, help="keep only the newest N step checkpoints (0: keep all)")
    model: ModelConfig = field(help="model sizes and ids", factory=ModelConfig)
    data: DataConfig = field(help="dataset and example cutting", factory=DataConfig)

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise ValueError(f"--preset must be one of {', '.join(PRESETS)}, got {self.preset!r}")
        if self.phase not in PHASES:
            raise ValueError(f"--phase must be one of {', '.join(PHASES)}, got {self.phase!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"--precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if self.batch_size < 1 or self.accum_steps < 1:
            raise ValueError("--batch-size and --accum-steps must be >= 1")
        if self.epochs < 1 and self.max_steps is None:
            raise ValueError("--epochs must be >= 1 (or give --max-steps)")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"--max-steps must be >= 1, got {self.max_steps}")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ValueError(f"--betas must be two numbers in [0, 1), got {self.betas}")
        if self.phase == "pretrain" and self.init_from is not None:
            raise ValueError("--init-from is for --phase finetune (it names the pretrain checkpoint)")
        if self.model.dtype != "float32" and self.precision == "fp32":
            raise ValueError(f"--model.dtype {self.model.dtype} needs --precision bf16 or fp16 (trainable tensors "
                             "stay float32; autocast runs the mixed matmuls)")
        if self.eval_every and not self.data.eval_split:
            raise ValueError("--eval-every needs --data.eval-split")
        for name in ("log_every", "save_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be >= 1")

    def learning_rate(self, world_size: int = 1) -> float:
        """The peak learning rate: --lr, else blr x effective batch / 256 (the seed's rule)."""
        if self.lr is not None:
            return self.lr
        return self.blr * self.batch_size * self.accum_steps * world_size / 256
