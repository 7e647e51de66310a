#!/bin/sh
# Generates keys, self-signed certificates and config files for an n-node
# cluster on loopback. Usage: gen_cluster.sh N DIR [BASE_PORT]
# Node i listens for peers on BASE_PORT+i, clients on BASE_PORT+100+i and
# metrics on BASE_PORT+200+i. Each node has one Ed25519 key: it signs the
# node's votes and its TLS handshakes; its certificate is pinned by every peer.
set -eu
count="$1"
dir="$2"
base="${3:-17000}"
mkdir -p "$dir"
i=0
while [ "$i" -lt "$count" ]; do
    mkdir -p "$dir/node$i"
    openssl genpkey -algorithm ed25519 -out "$dir/node$i/key.pem" 2>/dev/null
    openssl req -x509 -new -key "$dir/node$i/key.pem" -out "$dir/node$i/cert.pem" -days 3650 \
        -subj "/O=pgledger/CN=pgledger-node-$i" 2>/dev/null
    chmod 600 "$dir/node$i/key.pem"
    i=$((i + 1))
done
consensus=bft
[ "$count" -eq 1 ] && consensus=solo
i=0
while [ "$i" -lt "$count" ]; do
    config="$dir/node$i/config.toml"
    cat >"$config" <<TOML
[node]
id = $i
consensus = "$consensus"
data_dir = "data"
private_key = "key.pem"
certificate = "cert.pem"
client_port = $((base + 100 + i))
metrics_port = $((base + 200 + i))
log_level = "info"

[batch]
requests_max = 2000
bytes_max = 524288
timeout_ms = 2

[timeouts]
heartbeat_interval_ms = 100
heartbeat_timeout_ms = 1000
request_timeout_ms = 2000
view_change_timeout_ms = 1000
TOML
    j=0
    while [ "$j" -lt "$count" ]; do
        cat >>"$config" <<TOML

[[peers]]
id = $j
host = "127.0.0.1"
port = $((base + j))
certificate = "../node$j/cert.pem"
TOML
        j=$((j + 1))
    done
    i=$((i + 1))
done
echo "generated $count nodes in $dir"
