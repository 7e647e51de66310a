#!/usr/bin/env bash
# sha256_speed.sh: builds bench/sha256_speed.cpp against the extension's pure
# C++ core (src/core) and runs it twice: once as OpenSSL configures itself,
# once with the CPU's SHA extensions (SHA-NI) masked off through
# OPENSSL_ia32cap. Prints each run and the speed-up ratio normal/masked per
# case (medians of alternating rounds). No PostgreSQL involved; no pass/fail threshold.
#
# Usage: bench/sha256_speed.sh
#   SHA_BENCH_SECONDS=2 bench/sha256_speed.sh    longer repetitions (default 0.5 s;
#                                                 each case runs 3 repetitions + warm-up)
#   ROUNDS=5 bench/sha256_speed.sh               more alternating normal/masked rounds (default 3)
#   CXX=clang++ bench/sha256_speed.sh            another compiler
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
CXX=${CXX:-g++}
export SHA_BENCH_SECONDS=${SHA_BENCH_SECONDS:-0.5}

# OPENSSL_ia32cap="<word0>:<extended>": "~" clears the given bits. The
# extended word is CPUID leaf 7's EBX, whose bit 29 is SHA; OpenSSL's x86-64
# SHA-256 then falls back to its AVX2/AVX/SSSE3 code.
SHA_NI_MASK=":~0x20000000"

# The binary lives in a temporary directory: the source tree stays clean.
BUILD_DIR=$(mktemp -d /tmp/pgledger-sha256-bench.XXXXXX)
trap 'rm -rf "$BUILD_DIR"' EXIT

echo "== sha256_speed: pgledger row hashing (src/core) =="
print_machine
if grep -qw sha_ni /proc/cpuinfo; then HAS_SHA_NI=yes; else HAS_SHA_NI=no; fi
echo "sha_ni:      $HAS_SHA_NI (from /proc/cpuinfo flags)"
echo "note:        no PostgreSQL involved: this compiles src/core as it is checked out, not the installed .so"
echo "compiler:    $($CXX --version | head -1)"
# Only the two core files the benchmark calls: digest.cpp (Sha256) and canonical.cpp (RowHasher).
BUILD_CMD=("$CXX" -std=c++17 -O2 -I"$REPO_DIR/src" "$BENCH_DIR/sha256_speed.cpp" "$REPO_DIR/src/core/digest.cpp" "$REPO_DIR/src/core/canonical.cpp"
    -lcrypto -o "$BUILD_DIR/sha256_speed")
echo "build:       ${BUILD_CMD[*]}"
"${BUILD_CMD[@]}"
echo

# The machine may be shared (other builds, tests): normal and masked runs
# alternate, ROUNDS of each, and the median rate of each case is compared,
# so a burst of outside load hits both sides rather than one.
ROUNDS=${ROUNDS:-3}
check_count ROUNDS "$ROUNDS" 1 20
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
    echo "-- round $round/$ROUNDS, normal: env -u OPENSSL_ia32cap $BUILD_DIR/sha256_speed"
    env -u OPENSSL_ia32cap "$BUILD_DIR/sha256_speed" | tee "$BUILD_DIR/normal.$round.txt"
    echo "-- round $round/$ROUNDS, masked: OPENSSL_ia32cap=\"$SHA_NI_MASK\" $BUILD_DIR/sha256_speed"
    OPENSSL_ia32cap="$SHA_NI_MASK" "$BUILD_DIR/sha256_speed" | tee "$BUILD_DIR/masked.$round.txt"
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# median_table FILES...: per case (in the order printed), the median over
# the files of the rate, printed as "<case>\t<bytes/op>\t<rate>".
# Result rows: "<case>  <bytes/op>  <rate>  <unit>  <MB/s>".
median_table() {
    awk '/ (ops|rows)\/s / {
            name = $0; sub(/ +[0-9]+ +[0-9]+ +(ops|rows)\/s +[0-9.]+ *$/, "", name);
            if (!(name in count)) order[++cases] = name;
            rate[name, ++count[name]] = $(NF - 2); bytes[name] = $(NF - 3);
        }
        END {
            for (c = 1; c <= cases; c++) {
                name = order[c]; n = count[name];
                for (i = 1; i <= n; i++) v[i] = rate[name, i];
                for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t; }
                printf "%s\t%d\t%.0f\n", name, bytes[name], v[int((n + 1) / 2)];
            }
        }' "$@"
}
median_table "$BUILD_DIR"/normal.*.txt > "$BUILD_DIR/normal.median"
median_table "$BUILD_DIR"/masked.*.txt > "$BUILD_DIR/masked.median"

echo "-- medians over $ROUNDS rounds; speed-up from the CPU's SHA extensions = normal rate / masked rate"
printf '%-54s %8s %12s %12s %12s %8s\n' "case" "bytes/op" "normal op/s" "normal MB/s" "masked MB/s" "ratio"
paste "$BUILD_DIR/normal.median" "$BUILD_DIR/masked.median" |
    awk -F'\t' '{ printf "%-54s %8d %12.0f %12.1f %12.1f %7.2fx\n", $1, $2, $3, $2 * $3 / 1e6, $5 * $6 / 1e6, $3 / $6 }' |
    tee "$BUILD_DIR/ratios.txt"
echo

# The mask must have taken effect: OpenSSL reads OPENSSL_ia32cap once at
# start-up, and a CPU without SHA-NI (or a wrong mask) would show no change.
raw_ratio=$(awk '/^Sha256 update\+finish, 16 KiB/ { sub(/x$/, "", $NF); print $NF }' "$BUILD_DIR/ratios.txt")
if [ "$HAS_SHA_NI" = yes ]; then
    if awk -v r="$raw_ratio" 'BEGIN { exit !(r > 1.2) }'; then
        echo "check: the masked run is slower (${raw_ratio}x on 16 KiB buffers): the mask disabled SHA-NI."
    else
        echo "check: WARNING: the CPU has sha_ni but masking it changed 16 KiB throughput only ${raw_ratio}x;"
        echo "       OpenSSL may not be using SHA-NI here, or the mask did not apply."
    fi
else
    echo "check: this CPU has no sha_ni; both runs use the same code, a ratio near 1.0 is expected."
fi
