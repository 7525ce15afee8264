#!/usr/bin/env bash
# Benchmark of the keyword index builds (issue 9: `papers reindex` took 252 s).
#
#   scripts/bench-reindex.sh [CORPUS]
#
# CORPUS defaults to ../shared/data/benchmark/papers_unified.jsonl.gz. Imports it
# into a temporary data directory (no model: keyword index only), then times
#   1. a first build: the index directory removed, `papers reindex --verify`
#      (opening the search service indexes every paper the index lacks);
#   2. a rebuild over that index: `papers reindex`;
#   3. a verify with nothing to repair: `papers reindex --verify`.
# Prints one line per figure, with user and system CPU seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${1:-../shared/data/benchmark/papers_unified.jsonl.gz}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/papers"
WORK="$(mktemp -d /tmp/papers-bench-reindex.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export PAPERS_FETCH_MODEL=off

cargo build --release --bin papers >/dev/null 2>&1 || cargo build --release --bin papers

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"

"$BIN" --quiet --data-dir "$WORK/d" --model-dir "$WORK/no-model" ingest papers-jsonl --embed-max 0 "$CORPUS" 2>"$WORK/import.log" \
  || { cat "$WORK/import.log"; exit 1; }
echo "corpus: $("$BIN" --data-dir "$WORK/d" stats --json)"

timed() { # $1 = label, then the command
  local label="$1"; shift
  /usr/bin/time -f "%e %U %S" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" \
    || { cat "$WORK/err"; exit 1; }
  read -r wall user sys <"$WORK/time"
  echo "$label: ${wall} s wall (user ${user} s, sys ${sys} s); $(tail -1 "$WORK/out")"
}

rm -rf "$WORK/d/index"
timed "first build (papers reindex --verify, no index)" \
  "$BIN" --quiet --data-dir "$WORK/d" --model-dir "$WORK/no-model" reindex --verify
timed "rebuild (papers reindex)" \
  "$BIN" --quiet --data-dir "$WORK/d" --model-dir "$WORK/no-model" reindex
timed "verify, nothing to repair (papers reindex --verify)" \
  "$BIN" --quiet --data-dir "$WORK/d" --model-dir "$WORK/no-model" reindex --verify
