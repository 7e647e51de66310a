#!/bin/bash
# Real multi-process test on loopback: n agents order a stream of requests;
# kill -9 a follower, the rest go on; restart it, it catches up while the
# others keep deciding; kill -9 the leader, a view change happens and
# requests keep being decided. Usage: multiprocess_test.sh BUILD_DIR [NODES]
# (NODES = 3f+1, default 4; the follower killed is the last node.)
set -euo pipefail
build="$1"
count="${2:-4}"
last=$((count - 1))
all_nodes=$(seq 0 "$last")
agent="$build/consensus-agent/pgledger-agent"
client="$build/consensus-agent/pgledger-load-client"
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(mktemp -d /tmp/pgledger-mp.XXXXXX)"
base=$((20000 + ($$ % 400) * 10 * 3))
declare -a pids=()

cleanup() {
    for pid in "${pids[@]}"; do
        [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$dir"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    for i in $all_nodes; do
        echo "--- node $i log (tail)"
        tail -n 15 "$dir/node$i.log" || true
    done
    exit 1
}

start() {
    "$agent" --config "$dir/node$1/config.toml" >>"$dir/node$1.log" 2>&1 &
    pids[$1]=$!
    disown "${pids[$1]}"
}

metric() {  # metric NODE NAME
    local port=$((base + 200 + $1))
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
    awk -v name="$2" '$1 ~ "^"name"[{]" {print $2}' <&3
    exec 3<&-
}

client_ports() {  # client_ports NODE...
    local ports=""
    for i in "$@"; do ports="$ports${ports:+,}$((base + 100 + i))"; done
    echo "$ports"
}

submit() {  # submit TAG COUNT NODE...
    local tag="$1" count="$2"
    shift 2
    "$client" --ports "$(client_ports "$@")" --requests "$count" --window 200 --timeout 60 --tag "$tag-$$"
}

wait_for_height() {  # wait_for_height NODE HEIGHT SECONDS
    local deadline=$((SECONDS + $3))
    while [ "$SECONDS" -lt "$deadline" ]; do
        local height
        height="$(metric "$1" pgledger_agent_height || echo 0)"
        [ -n "$height" ] && [ "$height" -ge "$2" ] && return 0
        sleep 0.2
    done
    return 1
}

"$here/../scripts/gen_cluster.sh" "$count" "$dir" "$base" >/dev/null
for i in $all_nodes; do start "$i"; done
sleep 1

echo "== $count agents order a stream of requests"
# shellcheck disable=SC2086
submit steady 3000 $all_nodes || fail "requests not decided with all $count agents up"

echo "== a peer with an unknown certificate is refused"
openssl genpkey -algorithm ed25519 -out "$dir/rogue.key" 2>/dev/null
openssl req -x509 -new -key "$dir/rogue.key" -out "$dir/rogue.pem" -days 1 -subj "/CN=rogue" 2>/dev/null
refused_before="$(metric 0 pgledger_agent_peer_connections_refused_total)"
timeout 10 openssl s_client -connect "127.0.0.1:$base" -cert "$dir/rogue.pem" -key "$dir/rogue.key" \
    -tls1_3 </dev/null >/dev/null 2>&1 || true
sleep 0.5
refused_after="$(metric 0 pgledger_agent_peer_connections_refused_total)"
[ "$refused_after" -gt "$refused_before" ] || fail "a connection with an unknown certificate was not refused"
echo "refused connections: $refused_before -> $refused_after"

others=$(seq 0 $((last - 1)))
echo "== kill -9 follower $last; the others go on"
kill -9 "${pids[$last]}"
pids[$last]=""
# shellcheck disable=SC2086
submit one-down 3000 $others || fail "requests not decided with follower $last down"

echo "== restart $last; it catches up while the others keep deciding"
start "$last"
# shellcheck disable=SC2086
submit during-catch-up 3000 $others &
background=$!
wait "$background" || fail "requests not decided while $last was catching up"
target="$(metric 0 pgledger_agent_height)"
wait_for_height "$last" "$target" 30 || fail "restarted node $last did not catch up to height $target"
echo "node $last caught up to height $(metric "$last" pgledger_agent_height)"

echo "== kill -9 the leader; a view change happens and requests keep being decided"
leader="$(metric 1 pgledger_agent_leader)"
view_before="$(metric 1 pgledger_agent_view)"
kill -9 "${pids[$leader]}"
pids[$leader]=""
survivors=()
for i in $all_nodes; do [ "$i" != "$leader" ] && survivors+=("$i"); done
submit leader-down 3000 "${survivors[@]}" || fail "requests not decided after the leader ($leader) was killed"
for i in "${survivors[@]}"; do
    view="$(metric "$i" pgledger_agent_view)"
    [ "$view" -gt "$view_before" ] || fail "node $i is still in view $view after the leader was killed"
done
echo "survivors moved from view $view_before to view $(metric "${survivors[0]}" pgledger_agent_view)"

echo "== all surviving chains agree"
height="$(metric "${survivors[0]}" pgledger_agent_height)"
for i in "${survivors[@]}"; do
    wait_for_height "$i" "$height" 30 || fail "node $i did not reach height $height"
done
# Block logs differ in which 2f+1 commit signatures each replica kept, so
# compare the hash of the last block header instead.
tip_hash() {
    local port=$((base + 200 + $1))
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
    sed -n 's/^pgledger_agent_tip{.*hash="\([0-9a-f]*\)"} '"$height"'$/\1/p' <&3
    exec 3<&-
}
reference="$(tip_hash "${survivors[0]}")"
[ -n "$reference" ] || fail "no tip hash at height $height"
for i in "${survivors[@]}"; do
    [ "$(tip_hash "$i")" = "$reference" ] || fail "node $i's block at height $height differs"
done
echo "all survivors decided block $reference at height $height"
echo "PASS"
