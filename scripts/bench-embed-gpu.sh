#!/usr/bin/env bash
# Embedding throughput on a CUDA GPU: candle f32 (papers-search's `cuda`
# feature) over 20,000 real abstracts at 256 tokens, printed as papers/s, then
# the mean and lowest cosine of every 20th vector to candle's on the CPU.
# Needs a CUDA toolkit (nvcc) and an NVIDIA driver; reads ../shared/data.
#
#   scripts/bench-embed-gpu.sh [MODEL_DIR] [extra bench_embed options]
#
# (Options given here come first and win over the defaults below.)
# e.g. scripts/bench-embed-gpu.sh "" --batch 64,256
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-${PAPERS_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/daily-papers/all-MiniLM-L6-v2}}"
shift || true
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
PAPERS_SKIP_ONNX=1 bash scripts/fetch-model.sh "$DIR"
cargo run --release -p papers-search --features cuda --example bench_embed -- "$@" \
  --model "$DIR" --cuda --papers 20000 --step 5 --max-tokens 256 --batch 128 \
  --threads "$(nproc)" --cpu-check-step 20
