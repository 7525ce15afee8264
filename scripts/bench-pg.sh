#!/usr/bin/env bash
# The store on PostgreSQL against SQLite, in the same run (issue 10).
#
#   scripts/bench-pg.sh [CORPUS] [HF_ARCHIVE]
#
# CORPUS defaults to ../shared/data/benchmark/papers_unified.jsonl.gz and
# HF_ARCHIVE to ../shared/data/hf_daily_papers/hf_daily_papers_raw_per_day.tar.gz.
# Starts a throwaway PostgreSQL 15 cluster on loopback (scripts/pg-cluster.sh),
# then for each backend: imports the HF archive (the counts must be the
# same), imports the corpus (papers/s), and serves (wrk) the day page with
# the 2 s cache and with none, and the API's day and the home page with
# none. Needs `wrk`. Prints one line per figure, and the PostgreSQL/SQLite
# ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${1:-../shared/data/benchmark/papers_unified.jsonl.gz}"
ARCHIVE="${2:-../shared/data/hf_daily_papers/hf_daily_papers_raw_per_day.tar.gz}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/papers"
WORK="$(mktemp -d /tmp/papers-bench-pg.XXXXXX)"
chmod 755 "$WORK"
cleanup() {
  kill "${SERVER:-}" 2>/dev/null || true
  scripts/pg-cluster.sh stop "$WORK/pg" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export PAPERS_FETCH_MODEL=off

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --bin papers >/dev/null 2>&1 || cargo build --release --bin papers

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
admin=$(PG_DURABLE=1 scripts/pg-cluster.sh start "$WORK/pg" | tail -1)
base="${admin%/*}"
psql_admin() { psql "$admin" -qAt -v ON_ERROR_STOP=1 -c "$1"; }
psql_admin "CREATE DATABASE bench_hf" && psql_admin "CREATE DATABASE bench_big"
echo "postgresql: $(psql "$admin" -qAt -c 'SHOW server_version'), default settings (fsync on, synchronous_commit on)"

url() { # $1 = backend, $2 = name
  if [ "$1" = sqlite ]; then echo "sqlite://$WORK/$2-sqlite/papers.db"; else echo "$base/bench_$2"; fi
}
papers() { # $1 = backend, $2 = name, rest = args
  local b=$1 n=$2; shift 2
  PAPERS_DATABASE_URL="$(url "$b" "$n")" "$BIN" --quiet --data-dir "$WORK/$n-$b" "$@"
}
secs() { awk "BEGIN {printf \"%.1f\", $2 - $1}"; }

declare -A RATE STORE_RATE RPS_CACHE RPS_NOCACHE
for b in sqlite postgres; do
  # 1. The whole Hugging Face archive: the same counts on both.
  papers $b hf ingest hf-daily "$ARCHIVE" 2>"$WORK/hf-$b.log" || { cat "$WORK/hf-$b.log"; exit 1; }
  echo "$b: hf archive: $(papers $b hf stats --json)"
  # 2. Import speed.
  start=$(date +%s.%N)
  papers $b big ingest papers-jsonl "$CORPUS" --embed-max 0 2>"$WORK/big-$b.log"
  end=$(date +%s.%N)
  n=$(papers $b big stats --json | sed 's/.*"papers":\([0-9]*\).*/\1/')
  RATE[$b]=$(awk "BEGIN {printf \"%.0f\", $n / ($end - $start)}")
  echo "$b: import: $n papers in $(secs "$start" "$end") s = ${RATE[$b]} papers/s (wall, with the keyword index build)"
  echo "$b: import, the store's part: $(grep -o 'from 1 files in .*records/s' "$WORK/big-$b.log")"
  STORE_RATE[$b]=$(grep -o '[0-9]* records/s' "$WORK/big-$b.log" | head -1 | cut -d' ' -f1)
  start=$(date +%s.%N)
  papers $b big ingest papers-jsonl "$CORPUS" --embed-max 0 2>/dev/null
  end=$(date +%s.%N)
  echo "$b: re-import (no changes): $(secs "$start" "$end") s; $(papers $b big stats --json)"
  papers $b big ingest hf-daily "$ARCHIVE" --embed-max 0 2>/dev/null || true
done
a=$(papers sqlite hf stats --json); c=$(papers postgres hf stats --json)
if [ "$a" = "$c" ]; then echo "hf archive: identical counts on both backends"; else echo "hf archive: COUNTS DIFFER" >&2; exit 1; fi

serve() { # $1 = backend, $2 = cache ttl ms
  PAPERS_DATABASE_URL="$(url "$1" big)" PAPERS_CACHE_TTL_MS="$2" "$BIN" --quiet --data-dir "$WORK/big-$1" serve --bind 127.0.0.1:18766 --log warn &
  SERVER=$!
  for _ in $(seq 600); do curl -fs http://127.0.0.1:18766/readyz >/dev/null && break; sleep 0.1; done
}
load() { # $1 = label, $2 = path; prints the line, sets RPS
  local out p50 p99
  out=$(wrk -t2 -c16 -d10s --latency "http://127.0.0.1:18766$2")
  RPS=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  echo "$1: $RPS req/s, p50 $p50, p99 $p99 (wrk -t2 -c16 -d10s $2)"
}
for b in sqlite postgres; do
  serve $b 2000
  load "$b: day page (cache 2 s)" /papers/date/2026-08-21; RPS_CACHE[$b]=$RPS
  kill $SERVER; wait $SERVER 2>/dev/null || true
  serve $b 0
  load "$b: day page (no cache)" /papers/date/2026-08-21; RPS_NOCACHE[$b]=$RPS
  load "$b: api day (no cache)" "/api/daily_papers?date=2026-08-21"
  load "$b: home page, the latest day (no cache)" /
  kill $SERVER; wait $SERVER 2>/dev/null || true
done
ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
echo "ratio postgres/sqlite: import $(ratio "${RATE[postgres]}" "${RATE[sqlite]}") (store part $(ratio "${STORE_RATE[postgres]}" "${STORE_RATE[sqlite]}")), day page cached $(ratio "${RPS_CACHE[postgres]}" "${RPS_CACHE[sqlite]}"), day page uncached $(ratio "${RPS_NOCACHE[postgres]}" "${RPS_NOCACHE[sqlite]}")"
