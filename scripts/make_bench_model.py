"""Build the generation benchmark's model: MPT-7B's architecture scaled to ~95M parameters, random weights, offline.

    python scripts/make_bench_model.py OUT_DIR

writes ``OUT_DIR/mpt-95m-chat``: a transformers ``MptForCausalLM`` with MPT-7B's layout (ALiBi attention, no
biases, MLP expansion 4, head_dim 128, tied embeddings, ChatML special tokens) at d_model 768 and 12 layers, and
a byte-level BPE tokenizer trained on the real MusicCaps captions and EvalMusicQA text shipped in
``sample_data/`` (all the vocabulary that corpus supports: ~13k tokens). ``bench/generation.py`` runs the seed's
method and musicqa's engine on it.

Why not the tiny test model: at d_model 64 a decoding step costs almost no arithmetic, so batching cannot show
what it buys; at this shape the per-token matmuls dominate, as they do for MPT-7B. Weights are random, so the
text is word salad; only speed is measured with it. The build is deterministic (same bytes every time).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from pathlib import Path

log = logging.getLogger("make_bench_model")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))  # run as a script from a checkout: reuse the tiny models' helpers
from make_tiny_models import CHATML, SPECIALS, digest  # noqa: E402

SAMPLE_DATA = REPO / "sample_data"
NAME = "mpt-95m-chat"
# MPT-7B is d_model 4096, 32 layers, 32 heads of 128, expansion 4, ALiBi, no biases, tied embeddings.
SHAPE = {"d_model": 768, "n_layers": 12, "n_heads": 6, "expansion_ratio": 4}


def corpus(csv_path: Path, eval_json: Path) -> list[str]:
    """Every MusicCaps caption and EvalMusicQA question/answer, plus the JSON punctuation replies use."""
    with open(csv_path, newline="", encoding="utf-8") as fh:
        texts = [row["caption"] for row in csv.DictReader(fh)]
    texts += [turn["value"] for item in json.loads(eval_json.read_text(encoding="utf-8"))
              for turn in item["conversation"]]
    texts += ['{"answers": ["', '"]}', '{"pairs": [{"question": "', '", "answer": "', '"}]}', '["', '", "'] * 50
    return texts


def make_tokenizer(texts: list[str], vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", bos_token="<|endoftext|>",
                                   unk_token="<|endoftext|>", pad_token="<|pad|>")
    fast.chat_template = CHATML
    fast.model_max_length = 2048
    return fast


def make_model(out: Path, tok) -> int:
    """Save the random-weight model and its tokenizer in ``out``; returns the parameter count."""
    import torch
    from transformers import GenerationConfig, MptConfig, MptForCausalLM

    torch.manual_seed(0)
    cfg = MptConfig(**SHAPE, max_seq_len=2048, vocab_size=len(tok), no_bias=True,
                    attn_config={"alibi": True, "alibi_bias_max": 8})
    cfg.eos_token_id = tok.convert_tokens_to_ids("<|im_end|>")
    cfg.pad_token_id = tok.pad_token_id
    cfg.bos_token_id = tok.bos_token_id
    model = MptForCausalLM(cfg)  # fp32 weights, so dtype "auto" runs fp32 (the roofline the bench measures)
    model.save_pretrained(out, safe_serialization=True)
    GenerationConfig(eos_token_id=cfg.eos_token_id, pad_token_id=cfg.pad_token_id).save_pretrained(out)
    tok.save_pretrained(out)
    return sum(p.numel() for p in model.parameters())


def build(out_dir: Path, force: bool = False) -> Path:
    """The model folder, built once (a ``manifest.json`` beside it marks a complete build)."""
    folder = out_dir / NAME
    done = out_dir / f"{NAME}.manifest.json"
    if done.exists() and not force:
        log.info("%s already built", folder)
        return folder
    out_dir.mkdir(parents=True, exist_ok=True)
    tok = make_tokenizer(corpus(SAMPLE_DATA / "musiccaps-public.csv", SAMPLE_DATA / "EvalMusicQA.json"), 16384)
    n_params = make_model(folder, tok)
    manifest = {"model": NAME, "digest": digest(folder), "parameters": n_params, "vocab_size": len(tok), **SHAPE}
    tmp = done.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(done)
    log.info("wrote %s: %s", folder, manifest)
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="output folder (the model goes in OUT/mpt-95m-chat)")
    ap.add_argument("--force", action="store_true", help="rebuild even if the model is complete")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    build(args.out, args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
