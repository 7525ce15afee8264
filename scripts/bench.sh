#!/usr/bin/env bash
# Benchmarks for the daily feed (issue: store, ingest, pages, API).
#
#   scripts/bench.sh [CORPUS] [HF_ARCHIVE]
#
# CORPUS defaults to ../shared/data/benchmark/papers_unified.jsonl.gz and
# HF_ARCHIVE to ../shared/data/hf_daily_papers/hf_daily_papers_raw_per_day.tar.gz.
# Needs `wrk` (Debian: apt-get install wrk). Prints one line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${1:-../shared/data/benchmark/papers_unified.jsonl.gz}"
ARCHIVE="${2:-../shared/data/hf_daily_papers/hf_daily_papers_raw_per_day.tar.gz}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/papers"
WORK="$(mktemp -d /tmp/papers-bench.XXXXXX)"
trap 'kill "${SERVER:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --bin papers >/dev/null 2>&1 || cargo build --release --bin papers

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"

# 1. The whole Hugging Face archive: exact counts.
"$BIN" --quiet --data-dir "$WORK/hf" ingest hf-daily "$ARCHIVE" 2>"$WORK/hf.log" || { cat "$WORK/hf.log"; exit 1; }
hf_stats=$("$BIN" --data-dir "$WORK/hf" stats --json)
echo "hf archive: $hf_stats (0 rejected, exit code 0)"
case "$hf_stats" in
  *'"papers":9877,"listing_days":580,"listings":9881'*) echo "hf archive: OK, exactly 9877 unique papers on 580 listing days" ;;
  *) echo "hf archive: WRONG COUNTS" >&2; exit 1 ;;
esac

# 2. Import speed, full durability (WAL, synchronous=FULL, one transaction per batch).
start=$(date +%s.%N)
"$BIN" --quiet --data-dir "$WORK/big" ingest papers-jsonl "$CORPUS" 2>"$WORK/big.log"
end=$(date +%s.%N)
n=$("$BIN" --data-dir "$WORK/big" stats --json | sed 's/.*"papers":\([0-9]*\).*/\1/')
echo "import: $n papers in $(awk "BEGIN {printf \"%.1f\", $end - $start}") s = $(awk "BEGIN {printf \"%.0f\", $n / ($end - $start)}") papers/s"
# A rerun (idempotent: nothing changes).
start=$(date +%s.%N)
"$BIN" --quiet --data-dir "$WORK/big" ingest papers-jsonl "$CORPUS" 2>/dev/null
end=$(date +%s.%N)
echo "re-import (no changes): $(awk "BEGIN {printf \"%.1f\", $end - $start}") s; counts $("$BIN" --data-dir "$WORK/big" stats --json)"
# Day listings to serve: add the HF archive to the big store.
"$BIN" --quiet --data-dir "$WORK/big" ingest hf-daily "$ARCHIVE" 2>/dev/null || true

serve() { # $1 = cache ttl ms
  PAPERS_CACHE_TTL_MS="$1" "$BIN" --quiet --data-dir "$WORK/big" serve --bind 127.0.0.1:18765 --log warn &
  SERVER=$!
  for _ in $(seq 100); do curl -fs http://127.0.0.1:18765/healthz >/dev/null && break; sleep 0.1; done
}
load() { # $1 = label, $2 = path
  local out
  out=$(wrk -t2 -c16 -d10s --latency "http://127.0.0.1:18765$2")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  echo "$1: $rps req/s, p50 $p50, p99 $p99 (wrk -t2 -c16 -d10s $2)"
}

# 3. Day page and API, with the default 2 s page cache, then with no cache.
serve 2000
load "day page (cache 2 s)" /papers/date/2026-08-21
load "api day (cache 2 s)" "/api/daily_papers?date=2026-08-21"
echo "server RSS after load: $(awk '/VmHWM/ {printf "%.0f MB peak", $2/1024}' /proc/$SERVER/status), $(awk '/VmRSS/ {printf "%.0f MB now", $2/1024}' /proc/$SERVER/status)"
kill $SERVER; wait $SERVER 2>/dev/null || true
serve 0
load "day page (no cache)" /papers/date/2026-08-21
load "api day (no cache)" "/api/daily_papers?date=2026-08-21"
load "paper page (no cache)" /papers/2608.19880
echo "server RSS after load: $(awk '/VmHWM/ {printf "%.0f MB peak", $2/1024}' /proc/$SERVER/status), $(awk '/VmRSS/ {printf "%.0f MB now", $2/1024}' /proc/$SERVER/status)"
