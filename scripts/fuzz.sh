#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for SECONDS each (default 600), one after
# the other, and prints a summary line per target.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). The toolchain is stable, so
# libFuzzer's nightly flags are unlocked with RUSTC_BOOTSTRAP=1. Environment:
#   FUZZ_TARGET_DIR  build directory (default /var/tmp/daily-papers-fuzz-target,
#                    kept apart from the workspace's target dir)
#   FUZZ_SANITIZER   address | none (default none: our crates forbid unsafe
#                    code, and without ASan a run does about twice the execs)
#   FUZZ_JOBS        parallel libFuzzer workers per target (default 1)
# Seeds are read from fuzz/corpus/<target>/ (kept in git, never written);
# what a run learns goes to fuzz/work/<target>/, crashes to
# fuzz/artifacts/<target>/ (both ignored). A crash stops that target, is
# reported, and makes the script exit non-zero after the others have run;
# turn each into a regression test in the crate's tests.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
export RUSTC_BOOTSTRAP=1
target_dir="${FUZZ_TARGET_DIR:-/var/tmp/daily-papers-fuzz-target}"
sanitizer="${FUZZ_SANITIZER:-none}"
jobs="${FUZZ_JOBS:-1}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
    exit 2
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

build=(--sanitizer "$sanitizer" --target-dir "$target_dir")
if [ "$#" -gt 0 ]; then
    # Only the targets asked for (each links its own binary).
    for t in "${targets[@]}"; do
        cargo fuzz build "${build[@]}" "$t"
    done
else
    cargo fuzz build "${build[@]}"
fi

failed=()
summary=()
mkdir -p fuzz/work
for t in "${targets[@]}"; do
    mkdir -p "fuzz/work/$t" "fuzz/artifacts/$t"
    log="fuzz/work/$t.log"
    echo "== $t: ${seconds}s" >&2
    if cargo fuzz run "${build[@]}" "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -jobs="$jobs" -workers="$jobs" \
        -print_final_stats=1 >"$log" 2>&1; then
        status=ok
    else
        status=CRASH
        failed+=("$t")
    fi
    # With -jobs>1 libFuzzer writes fuzz-N.log files in the current directory.
    [ "$jobs" -gt 1 ] && cat fuzz-*.log >>"$log" 2>/dev/null && rm -f fuzz-*.log
    runs=$(awk '/stat::number_of_executed_units:/ {n += $2} END {print n + 0}' "$log")
    rate=$(awk '/stat::average_exec_per_sec:/ {n += $2} END {print n + 0}' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
    line="$t: $status, ${runs} execs, ${rate} exec/s, cov ${cov}, corpus $(find "fuzz/work/$t" -type f | wc -l) units"
    summary+=("$line")
    echo "$line" >&2
    if [ "$status" = CRASH ]; then
        grep -E 'panicked at|^thread|SUMMARY|Test unit written' "$log" | head -5 >&2 || true
    fi
done

echo
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "crashes in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
