#!/usr/bin/env bash
# Benchmarks for mail and feeds:
#  1. build and send a daily digest to 10,000 confirmed subscribers through SMTP
#     (aiosmtpd sink on loopback) — goal ≤ 60 s;
#  2. a day view's Atom feed under load (wrk) — goal ≥ 3,000 req/s.
#
#   scripts/bench-mail.sh [SUBSCRIBERS]
# Needs wrk and sqlite3 (Debian) and Python 3 (the sink is installed in .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/papers"
WORK="$(mktemp -d /tmp/papers-bench-mail.XXXXXX)"
VENV="${PAPERS_TEST_VENV:-.venv}"
trap 'kill ${SINK:-} ${SERVER:-} 2>/dev/null || true; rm -rf "$WORK"' EXIT
command -v wrk >/dev/null && command -v sqlite3 >/dev/null || { echo "needs wrk and sqlite3" >&2; exit 1; }
cargo build --release --bin papers >/dev/null 2>&1 || cargo build --release --bin papers

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
"$BIN" --quiet --data-dir "$WORK/d" ingest hf-daily tests/data/hf_daily >/dev/null 2>&1
sqlite3 "$WORK/d/papers.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO subscriptions (email, cadence, dedup_key, status, manage_token, created_at, confirmed_at)
SELECT 'reader' || i || '@example.org', 'daily', 'reader' || i || '@example.org|daily||', 'active',
       lower(hex(randomblob(32))), '2026-08-20T00:00:00.000Z', '2026-08-20T00:00:00.000Z' FROM n;
SQL

PORT=$((20000 + RANDOM % 20000))
scripts/smtp-sink.sh "$VENV" "$PORT" "$WORK/maildir" >/dev/null 2>&1 &
SINK=$!
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done

for conc in 32; do
  start=$(date +%s.%N)
  PAPERS_SMTP_URL="smtp://127.0.0.1:$PORT?pool=$conc" "$BIN" --quiet --data-dir "$WORK/d" \
    digest send --period daily --date 2026-08-21 --concurrency "$conc" >"$WORK/report.json"
  end=$(date +%s.%N)
  got=$(ls "$WORK/maildir/new" | wc -l)
  echo "digest: $(cat "$WORK/report.json"); $got mails at the sink; $(awk "BEGIN {printf \"%.1f\", $end - $start}") s for $N subscribers, concurrency $conc ($(awk "BEGIN {printf \"%.0f\", $got / ($end - $start)}") mails/s)"
done
start=$(date +%s.%N)
PAPERS_SMTP_URL="smtp://127.0.0.1:$PORT" "$BIN" --quiet --data-dir "$WORK/d" digest send --period daily --date 2026-08-21 >/dev/null
end=$(date +%s.%N)
echo "digest rerun (nothing due): $(awk "BEGIN {printf \"%.2f\", $end - $start}") s"

SP=$((20000 + RANDOM % 20000))
"$BIN" --quiet --data-dir "$WORK/d" serve --bind "127.0.0.1:$SP" --log warn &
SERVER=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$SP/healthz" >/dev/null && break; sleep 0.1; done
for path in /papers/date/2026-08-21/feed.atom /papers/date/2026-08-21/feed.rss; do
  out=$(wrk -t2 -c16 -d10s --latency "http://127.0.0.1:$SP$path")
  echo "feed $path: $(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s, p50 $(echo "$out" | awk '$1=="50%" {print $2}'), p99 $(echo "$out" | awk '$1=="99%" {print $2}') (wrk -t2 -c16 -d10s)"
done
