"""A reference-style MU-LLaMA at tiny size: the state_dict layout of ``LLaMA_adapter`` and its forward.

Written for these tests from the structure of crypto-code/MU-LLaMA's ``llama/llama.py`` and
``llama/llama_adapter.py`` (nothing imported or copied from it): Meta's weight layout (q/k rows
interleaved per rotary pair, rotary applied as complex multiplication), biases on wq/wo/w1/w2/w3
only, unscaled LoRA pairs ``lora_<w>_l1``/``_l2`` on all seven projections, a [1, heads, 1, 1]
gate in every layer of which only the last ``n_prefix`` are used, and the adapter's value taken
through the plain ``wv``. The base LLaMA weights are transformers' tiny-llama ones moved back into
Meta's layout, so a converted checkpoint on top of tiny-llama must reproduce these logits.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F  # noqa: N812


def meta_rows(t: torch.Tensor, heads: int) -> torch.Tensor:
    """transformers' q/k row order (halves) -> Meta's (interleaved pairs): the inverse of convert.hf_rows."""
    head_dim = t.shape[0] // heads
    return t.reshape(heads, 2, head_dim // 2, *t.shape[1:]).transpose(1, 2).reshape(t.shape)


def state_dict(llm, mert_state: dict, num_states: int, enc_dim: int, n_prefix: int, phase: str, rank: int = 4,
               seed: int = 0) -> dict[str, torch.Tensor]:
    """LLaMA_adapter.state_dict() at the sizes of ``llm`` (a transformers LlamaForCausalLM), random new parts."""
    g = torch.Generator().manual_seed(seed)

    def rnd(*shape, scale=0.1):
        return torch.randn(*shape, generator=g) * scale

    c = llm.config
    dim, heads, layers, ffn = c.hidden_size, c.num_attention_heads, c.num_hidden_layers, c.intermediate_size
    hf = {k: v.detach().clone() for k, v in llm.state_dict().items()}
    sd: dict[str, torch.Tensor] = {f"mert_model.{k}": v for k, v in mert_state.items()}
    sd["mu_mert_agg.weight"], sd["mu_mert_agg.bias"] = rnd(1, num_states, 1, scale=0.5), rnd(1)
    sd["mu_mert_proj.weight"], sd["mu_mert_proj.bias"] = rnd(dim, enc_dim, scale=0.3), rnd(dim)
    for b in range(1, 4):
        sd[f"mu_mert_norm_{b}.weight"] = 1 + rnd(dim)
        sd[f"mu_mert_f1_{b}.weight"] = rnd(4 * dim, dim)
        sd[f"mu_mert_f2_{b}.weight"] = rnd(dim, 4 * dim)
        sd[f"mu_mert_f3_{b}.weight"] = rnd(4 * dim, dim)
    sd["llama.tok_embeddings.weight"] = hf["model.embed_tokens.weight"]
    finetune = phase == "finetune"
    for i in range(layers):
        p, q = f"llama.layers.{i}.", f"model.layers.{i}."
        sd[p + "attention.wq.weight"] = meta_rows(hf[q + "self_attn.q_proj.weight"], heads)
        sd[p + "attention.wk.weight"] = meta_rows(hf[q + "self_attn.k_proj.weight"], heads)
        sd[p + "attention.wv.weight"] = hf[q + "self_attn.v_proj.weight"]
        sd[p + "attention.wo.weight"] = hf[q + "self_attn.o_proj.weight"]
        sd[p + "feed_forward.w1.weight"] = hf[q + "mlp.gate_proj.weight"]
        sd[p + "feed_forward.w2.weight"] = hf[q + "mlp.down_proj.weight"]
        sd[p + "feed_forward.w3.weight"] = hf[q + "mlp.up_proj.weight"]
        sd[p + "attention.gate"] = rnd(1, heads, 1, 1, scale=1.0) if i >= layers - n_prefix else torch.zeros(
            1, heads, 1, 1)
        norms = (1 + rnd(dim), 1 + rnd(dim)) if finetune else (hf[q + "input_layernorm.weight"],
                                                                hf[q + "post_attention_layernorm.weight"])
        sd[p + "attention_norm.weight"], sd[p + "ffn_norm.weight"] = norms
        if finetune:
            for w, n in (("attention.wq", dim), ("attention.wo", dim), ("feed_forward.w1", ffn),
                         ("feed_forward.w2", dim), ("feed_forward.w3", ffn)):
                sd[f"{p}{w}.bias"] = rnd(n)
            for w, n_in, n_out in (("attention.lora_wq", dim, dim), ("attention.lora_wk", dim, dim),
                                   ("attention.lora_wv", dim, dim), ("attention.lora_wo", dim, dim),
                                   ("feed_forward.lora_w1", dim, ffn), ("feed_forward.lora_w2", ffn, dim),
                                   ("feed_forward.lora_w3", dim, ffn)):
                sd[f"{p}{w}_l1.weight"] = rnd(rank, n_in, scale=0.3)
                sd[f"{p}{w}_l2.weight"] = rnd(n_out, rank, scale=0.3)
    sd["llama.norm.weight"] = 1 + rnd(dim) if finetune else hf["model.norm.weight"]
    sd["llama.output.weight"] = hf["lm_head.weight"]
    sd["prefix_query.weight"] = rnd(n_prefix, dim, scale=0.5)
    return sd


def _rms(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    return (x.float() * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + eps)).type_as(x) * w


def _lin(sd: dict, name: str, x: torch.Tensor, lora: str | None = None) -> torch.Tensor:
    out = F.linear(x, sd[f"{name}.weight"], sd.get(f"{name}.bias"))
    if lora and f"{lora}_l1.weight" in sd:  # unscaled LoRA, as llama.py adds it
        out = out + F.linear(F.linear(x, sd[f"{lora}_l1.weight"]), sd[f"{lora}_l2.weight"])
    return out


def _rotary(x: torch.Tensor, freqs: torch.Tensor) -> torch.Tensor:
    xc = torch.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))
    return torch.view_as_real(xc * freqs[None, :, None, :]).flatten(3).type_as(x)


def forward(sd: dict, tokens: torch.Tensor, features: torch.Tensor, heads: int, eps: float,
            theta: float = 10000.0) -> torch.Tensor:
    """Logits [B, T, vocab] of the reference model for ``tokens`` and the clip features [B, num_states, enc_dim]."""
    # forward_audio, from the time-averaged hidden states on: aggregate, L2-normalise, project, 3 SwiGLU blocks
    x = F.conv1d(features, sd["mu_mert_agg.weight"], sd["mu_mert_agg.bias"]).squeeze(1)
    x = F.normalize(x, dim=-1)[:, None, :]
    x = F.linear(x, sd["mu_mert_proj.weight"], sd["mu_mert_proj.bias"])
    b = 1
    while f"mu_mert_norm_{b}.weight" in sd:
        n = _rms(x, sd[f"mu_mert_norm_{b}.weight"], 1e-6)
        x = x + F.linear(F.silu(F.linear(n, sd[f"mu_mert_f1_{b}.weight"])) * F.linear(n, sd[f"mu_mert_f3_{b}.weight"]),
                         sd[f"mu_mert_f2_{b}.weight"])
        b += 1
    audio = x  # [B, 1, dim]

    bsz, seqlen = tokens.shape
    h = sd["llama.tok_embeddings.weight"][tokens]
    dim = h.shape[-1]
    head_dim = dim // heads
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2)[: head_dim // 2].float() / head_dim))
    freqs = torch.polar(torch.ones(seqlen, head_dim // 2), torch.outer(torch.arange(seqlen).float(), inv))
    mask = torch.triu(torch.full((1, 1, seqlen, seqlen), float("-inf")), diagonal=1)
    layers = 1 + max(int(k.split(".")[2]) for k in sd if k.startswith("llama.layers."))
    n_prefix = sd["prefix_query.weight"].shape[0]
    for i in range(layers):
        p = f"llama.layers.{i}."
        adapter = audio + sd["prefix_query.weight"][i - (layers - n_prefix)] if i >= layers - n_prefix else None
        a = _rms(h, sd[p + "attention_norm.weight"], eps)
        xq = _lin(sd, p + "attention.wq", a, p + "attention.lora_wq").view(bsz, seqlen, heads, head_dim)
        xk = _lin(sd, p + "attention.wk", a, p + "attention.lora_wk").view(bsz, seqlen, heads, head_dim)
        xv = _lin(sd, p + "attention.wv", a, p + "attention.lora_wv").view(bsz, seqlen, heads, head_dim)
        xq, xk = _rotary(xq, freqs), _rotary(xk, freqs)
        q, k, v = xq.transpose(1, 2), xk.transpose(1, 2), xv.transpose(1, 2)
        scores = F.softmax((q @ k.transpose(2, 3) / math.sqrt(head_dim) + mask).float(), dim=-1).type_as(q)
        out = scores @ v
        if adapter is not None:  # one adapter token: the softmax over it is 1, the gate scales its value
            adapter_v = F.linear(adapter, sd[p + "attention.wv.weight"]).view(bsz, 1, heads, head_dim).transpose(1, 2)
            out = out + sd[p + "attention.gate"].tanh() * adapter_v
        out = out.transpose(1, 2).reshape(bsz, seqlen, dim)
        h = h + _lin(sd, p + "attention.wo", out, p + "attention.lora_wo")
        f = _rms(h, sd[p + "ffn_norm.weight"], eps)
        gate = F.silu(_lin(sd, p + "feed_forward.w1", f, p + "feed_forward.lora_w1"))
        h = h + _lin(sd, p + "feed_forward.w2", gate * _lin(sd, p + "feed_forward.w3", f, p + "feed_forward.lora_w3"),
                     p + "feed_forward.lora_w2")
    h = _rms(h, sd["llama.norm.weight"], eps)
    return F.linear(h, sd["llama.output.weight"]).float()
