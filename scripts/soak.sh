#!/usr/bin/env bash
# A day of mixed load, compressed: `scripts/soak.sh [MINUTES]` builds the
# release binary and runs scripts/soak.py against it on loopback (reads of
# every page kind, searches, feeds and API calls; sign-ups, votes, comments
# and subscriptions; a SIGTERM restart half-way). Exits non-zero when a 5xx
# was served or an acknowledged write is missing after the restart.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES="${1:-10}"
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --release -p papers-cli
python3 scripts/soak.py --bin "$TARGET/release/papers" --minutes "$MINUTES" "${@:2}"
