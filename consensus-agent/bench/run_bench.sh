#!/bin/bash
# Benchmark: 4 agents on loopback, 200-byte requests submitted to all four,
# decided requests per second and submission-to-decision latency (p50, p99).
# Usage: run_bench.sh BUILD_DIR [REQUESTS] [WINDOW_PER_AGENT]
set -euo pipefail
build="$1"
requests="${2:-200000}"
window="${3:-1000}"
agent="$build/consensus-agent/pgledger-agent"
client="$build/consensus-agent/pgledger-load-client"
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(mktemp -d /tmp/pgledger-bench.XXXXXX)"
base=$((30000 + ($$ % 400) * 10))
declare -a pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
"$here/../scripts/gen_cluster.sh" 4 "$dir" "$base" >/dev/null
for i in 0 1 2 3; do
    "$agent" --config "$dir/node$i/config.toml" --log-level warn >"$dir/node$i.log" 2>&1 &
    pids[$i]=$!
done
sleep 1
ports="$((base + 100)),$((base + 101)),$((base + 102)),$((base + 103))"
# Warm-up: connections, first blocks.
"$client" --ports "$ports" --requests 5000 --window "$window" --tag warmup-$$ >/dev/null
echo "4 agents, $requests requests of 200 bytes, window $window per agent:"
"$client" --ports "$ports" --requests "$requests" --size 200 --window "$window" --timeout 300 --tag bench-$$
