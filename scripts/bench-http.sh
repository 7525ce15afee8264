#!/usr/bin/env bash
# Bytes on the wire and throughput of the day page, the day's API answer, a
# day feed and the stylesheet, by Accept-Encoding, with the response cache on
# (the default 2 s) and off.
#
#   scripts/bench-http.sh [BIN]
#
# BIN defaults to the release `papers` (built first). To compare two builds,
# run the script once per binary; PAPERS_BENCH_DATA=DIR keeps the loaded
# store between runs (the first run fills it: the 104k corpus and the HF
# archive, as scripts/bench.sh). DURATION (default 10s) is each wrk run's.
# Needs wrk and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="${1:-}"
if [ -z "$BIN" ]; then
  cargo build --release --bin papers >/dev/null 2>&1 || cargo build --release --bin papers
  BIN="$TARGET/release/papers"
fi
CORPUS="../shared/data/benchmark/papers_unified.jsonl.gz"
ARCHIVE="../shared/data/hf_daily_papers/hf_daily_papers_raw_per_day.tar.gz"
DURATION="${DURATION:-10s}"
DATA="${PAPERS_BENCH_DATA:-}"
WORK="$(mktemp -d /tmp/papers-bench-http.XXXXXX)"
trap 'kill ${SERVER:-} 2>/dev/null || true; rm -rf "$WORK"' EXIT
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
[ -n "$DATA" ] || DATA="$WORK/data"
if [ ! -e "$DATA/papers.db" ]; then
  "$BIN" --quiet --data-dir "$DATA" ingest papers-jsonl "$CORPUS" 2>/dev/null
  "$BIN" --quiet --data-dir "$DATA" ingest hf-daily "$ARCHIVE" 2>/dev/null || true
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); binary: $BIN; wrk -t2 -c16 -d$DURATION"

PORT=$((20000 + RANDOM % 20000))
URL="http://127.0.0.1:$PORT"
serve() { # $1 = cache ttl ms
  PAPERS_RATE_LIMITS=off PAPERS_CACHE_TTL_MS="$1" "$BIN" --quiet --data-dir "$DATA" serve --bind "127.0.0.1:$PORT" --log warn &
  SERVER=$!
  for _ in $(seq 600); do curl -fs "$URL/healthz" >/dev/null && return; sleep 0.2; done
  echo "the server did not come up" >&2; exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }

# Bytes of the body as sent (curl does not decode without --compressed).
bytes() { # $1 = path, $2 = Accept-Encoding ("" for none)
  local h=()
  [ -n "$2" ] && h=(-H "Accept-Encoding: $2")
  curl -s -o /dev/null -w '%{size_download} (%{http_code}, %header{content-encoding})' "${h[@]}" "$URL$1"
}
load() { # $1 = label, $2 = path, then extra headers
  local label="$1" path="$2" out h=()
  shift 2
  for x in "$@"; do h+=(-H "$x"); done
  out=$(wrk -t2 -c16 -d"$DURATION" --latency "${h[@]}" "$URL$path")
  echo "$label: $(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s, $(echo "$out" | awk '/Transfer\/sec/ {print $2}')/s on the wire, p50 $(echo "$out" | awk '$1=="50%" {print $2}'), p99 $(echo "$out" | awk '$1=="99%" {print $2}')"
}

DAY=/papers/date/2026-08-21
API="/api/daily_papers?date=2026-08-21"
serve 2000
for path in "$DAY" "$API" "$DAY/feed.atom" "$DAY/feed.json" /static/style.css; do
  echo "bytes $path: identity $(bytes "$path" ""), gzip $(bytes "$path" gzip), br $(bytes "$path" br)"
done
etag=$(curl -s -D - -o /dev/null -H 'Accept-Encoding: br' "$URL$API" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
echo "api revalidation: ETag ${etag:-none}, If-None-Match answered $(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: br' -H "If-None-Match: ${etag:-\"x\"}" "$URL$API")"
BROWSER="Accept-Encoding: gzip, deflate, br"
load "day page, cache on, identity" "$DAY"
load "day page, cache on, br" "$DAY" "$BROWSER"
load "api day, cache on, identity" "$API"
load "api day, cache on, br" "$API" "$BROWSER"
load "api day, cache on, gzip" "$API" "Accept-Encoding: gzip"
load "day feed.atom, cache on, identity" "$DAY/feed.atom"
load "day feed.atom, cache on, br" "$DAY/feed.atom" "$BROWSER"
[ -n "$etag" ] && load "api day, cache on, If-None-Match (304)" "$API" "$BROWSER" "If-None-Match: $etag"
stop
serve 0
load "day page, cache off, identity" "$DAY"
load "day page, cache off, br" "$DAY" "$BROWSER"
load "api day, cache off, identity" "$API"
load "api day, cache off, br" "$API" "$BROWSER"
stop
