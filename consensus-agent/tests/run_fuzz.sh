#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a
# few seconds. Usage: run_fuzz.sh [seconds per target, default 10]
set -eu
seconds="${1:-10}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# Inside build/, which git ignores.
build="${PGLEDGER_FUZZ_BUILD:-$repo/build/fuzz-clang}"

CXX=clang++ cmake -S "$repo" -B "$build" -DPGLEDGER_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target fuzz_requests fuzz_votes fuzz_view_change fuzz_sync fuzz_durable_state

for target in fuzz_requests fuzz_votes fuzz_view_change fuzz_sync fuzz_durable_state; do
    corpus="$build/corpus/$target"
    mkdir -p "$corpus"
    echo "== $target for ${seconds}s"
    # -malloc_limit_mb and -rss_limit_mb bound memory: a decoder that
    # allocates from an attacker-chosen length trips them. ASan's quarantine
    # of freed memory (256 MB by default) is kept to 64 MB, or it alone
    # carries a long run past the RSS limit with no input at fault.
    log="$build/$target.log"
    if ! ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=64" \
        "$build/consensus-agent/$target" -max_total_time="$seconds" -rss_limit_mb=512 -malloc_limit_mb=64 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/$target-" "$corpus" >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "FAILED: $target (crash input saved under $build/$target-*)"
        exit 1
    fi
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$log"
done
echo "all fuzz targets ran without a crash"
