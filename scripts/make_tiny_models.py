"""Build tiny, random-initialised models and a trained tokenizer, offline and deterministically.

    python scripts/make_tiny_models.py OUT_DIR

writes ``OUT_DIR/tokenizer`` (byte-level BPE trained on real MusicCaps captions, ChatML special
tokens like MPT-7B-chat), ``OUT_DIR/tiny-mpt-chat`` (transformers ``MptForCausalLM``, runs on
vLLM's CPU backend: head_dim 32) and ``OUT_DIR/tiny-llama`` (``LlamaForCausalLM``). Tests and
configs/smoke.toml point the real code at these instead of a hub id. ``OUT_DIR/tiny-mert`` is a small
MERT-like (HuBERT-shaped) encoder for the trainer, built by ``musicqa.train.tiny``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import sys
from pathlib import Path

log = logging.getLogger("make_tiny_models")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CSV = REPO / "sample_data" / "musiccaps-public.csv"
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"]
# MPT-7B-chat's ChatML format; the pipeline passes prompts/chatml.jinja explicitly anyway.
CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def corpus(csv_path: Path, n_rows: int = 2000) -> list[str]:
    """Captions from the real MusicCaps CSV plus JSON punctuation, so replies tokenise compactly."""
    with open(csv_path, newline="", encoding="utf-8") as fh:
        texts = [row["caption"] for _, row in zip(range(n_rows), csv.DictReader(fh))]
    texts += ['{"answers": ["', '"]}', '{"pairs": [{"question": "', '", "answer": "', '"}]}'] * 50
    return texts


def make_tokenizer(out: Path, csv_path: Path, vocab_size: int = 2048):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus(csv_path), trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", bos_token="<|endoftext|>",
                                   unk_token="<|endoftext|>", pad_token="<|pad|>")
    fast.chat_template = CHATML
    fast.model_max_length = 2048
    fast.save_pretrained(out)
    return fast


def make_mpt(out: Path, tok) -> None:
    import torch
    from transformers import GenerationConfig, MptConfig, MptForCausalLM

    torch.manual_seed(0)
    cfg = MptConfig(d_model=64, n_heads=2, n_layers=2, expansion_ratio=2, max_seq_len=2048,
                    vocab_size=len(tok), no_bias=True, attn_config={"alibi": True, "alibi_bias_max": 8})
    cfg.eos_token_id = tok.convert_tokens_to_ids("<|im_end|>")
    cfg.pad_token_id = tok.pad_token_id
    cfg.bos_token_id = tok.bos_token_id
    model = MptForCausalLM(cfg)
    model.save_pretrained(out, safe_serialization=True)
    GenerationConfig(eos_token_id=cfg.eos_token_id, pad_token_id=cfg.pad_token_id).save_pretrained(out)
    tok.save_pretrained(out)


def make_llama(out: Path, tok) -> None:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=4, num_attention_heads=2,
                      num_key_value_heads=2, vocab_size=len(tok), max_position_embeddings=2048,
                      eos_token_id=tok.convert_tokens_to_ids("<|im_end|>"), bos_token_id=tok.bos_token_id,
                      pad_token_id=tok.pad_token_id, tie_word_embeddings=False)
    LlamaForCausalLM(cfg).save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)


def digest(folder: Path) -> str:
    """Content hash of a model folder: proves two builds are byte-identical."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="output folder")
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="MusicCaps CSV to train the tokenizer on")
    ap.add_argument("--force", action="store_true", help="rebuild even if the folder is complete")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    done = args.out / "manifest.json"
    if done.exists() and not args.force:
        log.info("tiny models already in %s", args.out)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    tok = make_tokenizer(args.out / "tokenizer", args.csv)
    make_mpt(args.out / "tiny-mpt-chat", tok)
    make_llama(args.out / "tiny-llama", tok)
    sys.path.insert(0, str(REPO))  # run as a script from a checkout: the package may not be installed
    from musicqa.train.tiny import make_tiny_mert  # the MERT-like encoder lives with the trainer that loads it

    make_tiny_mert(args.out / "tiny-mert")
    names = ["tokenizer", "tiny-mpt-chat", "tiny-llama", "tiny-mert"]
    manifest = {n: digest(args.out / n) for n in names}
    tmp = done.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(done)
    log.info("wrote %s", manifest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
