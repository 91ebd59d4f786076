#!/usr/bin/env bash
# Fuzzes every parser for a bounded time: `scripts/fuzz.sh [SECONDS] [TARGET...]`
# (default 60 s per target, all targets; targets are listed in fuzz/Cargo.toml).
#
# Each target starts from the parser's own fixtures (udfs/fixtures/<format>)
# plus what earlier runs found (fuzz/corpus/<target>, git-ignored). libFuzzer
# stops at the first panic, timeout (-timeout, per input) or allocation over
# -rss_limit_mb, and leaves the input in fuzz/artifacts/<target>/; the script
# then exits non-zero. FUZZ_SANITIZER=address turns on ASan (slower builds).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^twinlake-fuzz$')
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz from crates.io"
    cargo install cargo-fuzz --locked
fi
# cargo fuzz passes nightly-only flags; this machine has one stable toolchain.
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/fuzz/target}"
sanitizer="${FUZZ_SANITIZER:-none}"

failed=()
for target in "${targets[@]}"; do
    corpus="fuzz/corpus/$target"
    mkdir -p "$corpus"
    seeds=()
    for dir in "udfs/fixtures/$target" ; do
        [ -d "$dir" ] && seeds+=("$dir")
    done
    [ "$target" = calendar ] && [ -d udfs/fixtures/ics ] && seeds+=(udfs/fixtures/ics)
    echo "fuzz: $target for ${seconds}s (seeds: ${seeds[*]:-none})"
    log="fuzz/corpus/$target.log"
    status=0
    cargo fuzz run --fuzz-dir fuzz --sanitizer "$sanitizer" --release "$target" \
        "$corpus" "${seeds[@]}" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4194304 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY|panicked|thread '|==[0-9]+== ERROR|artifact_prefix|Test unit written)" "$log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 30 "$log"
        failed+=("$target")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]} (inputs in fuzz/artifacts/)"
    exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each without a finding"
