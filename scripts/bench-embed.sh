#!/usr/bin/env bash
# Embedding throughput on this machine's CPU: candle f32 vs ONNX Runtime int8
# (papers/s at 256 tokens on 2,000 real abstracts, cosine between the two) and
# the query-embedding latency. Fetches the model files first.
#
#   scripts/bench-embed.sh [MODEL_DIR] [extra bench_embed options]
#
# (Options given here come first and win over the defaults below.)
# e.g. scripts/bench-embed.sh "" --threads 2 --batch 16 --onnx-batch 16,32,64
# Reads ../shared/data (the benchmark corpus and queries).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-${PAPERS_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/daily-papers/all-MiniLM-L6-v2}}"
shift || true
bash scripts/fetch-model.sh "$DIR"
THREADS="$(nproc)"
cargo run --release -p papers-search --example bench_embed -- "$@" \
  --model "$DIR" --papers 2000 --threads "$THREADS" --max-tokens 256
