#!/usr/bin/env bash
# Hybrid search over HTTP on the whole 104k corpus, and the server's memory
# with every vector loaded.
#
#   scripts/bench-search-http.sh MODEL_DIR [CORPUS] [QUERIES]
#
# With PAPERS_BENCH_DIR=DIR, the data directory DIR is used as it is: one
# where `papers ingest papers-jsonl CORPUS` and `papers embed` ran, so every
# paper has its real MiniLM vector (about 50 minutes of embedding on 2 cores).
# Without it, the corpus is ingested into a temporary directory and a random
# unit vector is stored for every paper under the model's id: latency and
# memory are those of the real index and query embedder, but the semantic
# ranking is meaningless (quality is measured by `papers eval`). Needs wrk.
# Measured twice: with the response cache off (every request searches) and
# on (the server's default; the 300 queries then mostly hit it).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="${1:?usage: $0 MODEL_DIR [CORPUS] [QUERIES]}"
CORPUS="${2:-../shared/data/benchmark/papers_unified.jsonl.gz}"
QUERIES="${3:-../shared/data/queries/bench_queries.txt}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/papers"
WORK="$(mktemp -d /tmp/papers-bench-search.XXXXXX)"
trap 'kill ${SERVER:-} 2>/dev/null || true; rm -rf "$WORK"' EXIT
cargo build --release --bin papers >/dev/null 2>&1 || cargo build --release --bin papers
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); date: $(date -u +%Y-%m-%dT%H:%MZ)"
DATA="${PAPERS_BENCH_DIR:-}"
if [ -z "$DATA" ]; then
  DATA="$WORK/d"
  "$BIN" --quiet --data-dir "$DATA" ingest papers-jsonl "$CORPUS" 2>/dev/null
python3 - "$DATA/papers.db" <<'PY'
import math, random, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute("SELECT id FROM papers")]
random.seed(7)
rows = []
for pid in ids:
    v = [random.random() - 0.5 for _ in range(384)]
    n = math.sqrt(sum(x * x for x in v))
    rows.append((pid, "sentence-transformers/all-MiniLM-L6-v2", 384, struct.pack("<384f", *[x / n for x in v])))
db.executemany("INSERT INTO paper_vectors (paper_id, model_id, dim, vector) VALUES (?, ?, ?, ?)", rows)
db.commit()
print(f"stored {len(rows)} synthetic vectors")
PY
else
  echo "data: $DATA ($(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM paper_vectors").fetchone()[0])' "$DATA/papers.db") stored vectors)"
fi
cat > "$WORK/queries.lua" <<LUA
local qs = {}
for line in io.lines("$QUERIES") do
  if #line > 0 then qs[#qs + 1] = line:gsub("[^%w ]", ""):gsub(" ", "%%20") end
end
local mode = os.getenv("MODE")
local i = 0
request = function()
  i = i % #qs + 1
  return wrk.format("GET", "/api/papers/search?q=" .. qs[i] .. "&mode=" .. mode .. "&limit=10")
end
LUA
# One server per setting: TTL 0 turns the response cache off, so every
# request runs the search; the default (2 s) is how the server runs.
measure() {
  local label="$1" ttl="$2"; shift 2
  PORT=$((20000 + RANDOM % 20000))
  # Rate limits off: one client address asking thousands of times a second
  # is the benchmark, not an abuser (with them on, most answers are 429s).
  PAPERS_RATE_LIMITS=off PAPERS_CACHE_TTL_MS="$ttl" PAPERS_MODEL_DIR="$MODEL" "$BIN" --quiet --data-dir "$DATA" serve --bind "127.0.0.1:$PORT" --log warn &
  SERVER=$!
  for _ in $(seq 600); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  echo "[$label] server RSS after start, with every vector loaded: $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/$SERVER/status)"
  for mode in "$@"; do
    # Warm-up pass: every query's embedding is computed once (then cached).
    MODE=$mode wrk -t1 -c4 -d15s -s "$WORK/queries.lua" "http://127.0.0.1:$PORT" >/dev/null
    out=$(MODE=$mode wrk -t2 -c16 -d20s --latency -s "$WORK/queries.lua" "http://127.0.0.1:$PORT")
    echo "[$label] $mode over HTTP, 16 connections, 300 queries rotating: $(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s, p50 $(echo "$out" | awk '$1=="50%" {print $2}'), p99 $(echo "$out" | awk '$1=="99%" {print $2}'), answers not 2xx: $(echo "$out" | awk '/Non-2xx/ {n=$NF} END {print n+0}')"
  done
  echo "[$label] server RSS peak: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$SERVER/status)"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
}
measure "response cache off" 0 hybrid keyword
measure "response cache on (default 2 s)" 2000 hybrid
