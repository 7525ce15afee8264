#!/usr/bin/env bash
# Two nodes embed twice as fast (issue 10): the vector backfill of `papers
# serve`, split into batches each node claims in the store.
#
#   scripts/bench-embed-nodes.sh [CORPUS] [N] [THREADS]
#
# Imports the first N papers (default 2000) of CORPUS (default
# ../shared/data/benchmark/papers_unified.jsonl.gz) into a throwaway
# PostgreSQL 15 cluster (scripts/pg-cluster.sh), then times the backfill
# from the nodes' start until every paper has its vector:
#   1. one node, THREADS embedding threads (PAPERS_EMBED_THREADS, default 1);
#   2. two nodes at once, THREADS each, on a fresh copy of the database;
#   3. one node with twice THREADS (the same cores as the two nodes).
# Each node has its own data directory. A node stands for a machine of
# THREADS cores: on a 2-core box, THREADS=1 gives each node a core of its
# own. Checks that every paper got one vector and that the nodes' own
# counts add up to N (no paper embedded twice). Needs the model
# (PAPERS_MODEL_DIR, default ~/.cache/daily-papers/all-MiniLM-L6-v2, from
# scripts/fetch-model.sh) and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${1:-../shared/data/benchmark/papers_unified.jsonl.gz}"
N="${2:-2000}"
THREADS="${3:-1}"
MODEL="${PAPERS_MODEL_DIR:-$HOME/.cache/daily-papers/all-MiniLM-L6-v2}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/papers"
WORK="$(mktemp -d /tmp/papers-bench-embed.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  scripts/pg-cluster.sh stop "$WORK/pg" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
[ -s "$MODEL/config.json" ] || { echo "no model in $MODEL: run scripts/fetch-model.sh $MODEL" >&2; exit 1; }
export PAPERS_FETCH_MODEL=off PAPERS_MODEL_DIR="$MODEL" PAPERS_RATE_LIMITS=off
cargo build --release --bin papers >/dev/null 2>&1 || cargo build --release --bin papers

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
admin=$(scripts/pg-cluster.sh start "$WORK/pg" | tail -1)
base="${admin%/*}"
psql_on() { psql "$1" -qAt -v ON_ERROR_STOP=1 -c "$2"; }
psql_on "$admin" "CREATE DATABASE seed"
{ zcat -f "$CORPUS" || true; } | head -n "$N" > "$WORK/papers.jsonl"
PAPERS_DATABASE_URL="$base/seed" "$BIN" --quiet --data-dir "$WORK/seed" \
  ingest papers-jsonl "$WORK/papers.jsonl" --embed-max 0 2>"$WORK/ingest.log"
n=$(psql_on "$base/seed" "SELECT COUNT(*) FROM papers")
echo "papers: $n (the first $N lines of $CORPUS)"

# Starts a node on database $1 with $2 threads, named $3; logs to $WORK/$3.log.
node() {
  PAPERS_DATABASE_URL="$base/$1" PAPERS_EMBED_THREADS="$2" "$BIN" --data-dir "$WORK/$3" \
    --log "warn,papers_app=info" serve --bind "127.0.0.1:0" >"$WORK/$3.log" 2>&1 &
  PIDS+=($!)
}
# Times nodes named $3.. on a fresh copy $1 of the seed with $2 threads each.
run() {
  local db=$1 threads=$2 start end done_ secs
  shift 2
  psql_on "$admin" "CREATE DATABASE $db TEMPLATE seed"
  PIDS=()
  start=$(date +%s.%N)
  for name in "$@"; do node "$db" "$threads" "$name"; done
  while :; do
    done_=$(psql_on "$base/$db" "SELECT COUNT(*) FROM paper_vectors")
    [ "$done_" -ge "$n" ] && break
    for p in "${PIDS[@]}"; do
      kill -0 "$p" 2>/dev/null || { echo "a node stopped:" >&2; cat "$WORK"/*.log >&2; exit 1; }
    done
    sleep 0.5
  done
  end=$(date +%s.%N)
  sleep 1 # the nodes log their counts after their last batch
  for p in "${PIDS[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
  secs=$(awk "BEGIN {printf \"%.1f\", $end - $start}")
  RATE=$(awk "BEGIN {printf \"%.1f\", $n / ($end - $start)}")
  local counts total=0 c
  counts=""
  for name in "$@"; do
    c=$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/$name.log" | grep -o 'embedded=[0-9]*' | cut -d= -f2 | awk '{s += $1} END {print s + 0}')
    counts="$counts $name=${c:-0}"
    total=$((total + ${c:-0}))
  done
  [ "$total" = "$n" ] || { echo "the nodes embedded $total papers for $n:$counts" >&2; exit 1; }
  distinct=$(psql_on "$base/$db" "SELECT COUNT(DISTINCT paper_id) FROM paper_vectors")
  [ "$distinct" = "$n" ] || { echo "$distinct papers with vectors, not $n" >&2; exit 1; }
  echo "$# node(s), $threads thread(s) each: $n papers in $secs s = $RATE papers/s (embedded:$counts)"
}
run one "$THREADS" a
ONE=$RATE
run two "$THREADS" b c
TWO=$RATE
run wide "$((2 * THREADS))" d
WIDE=$RATE
echo "two nodes / one node: $(awk "BEGIN {printf \"%.2f\", $TWO / $ONE}")x; two nodes / one node with their threads together: $(awk "BEGIN {printf \"%.2f\", $TWO / $WIDE}")x"
