# Throwaway PostgreSQL clusters for pgledger's tests, benchmarks and demo.
# Source this file, then:
#   cluster_start [postgresql.conf lines...]   initdb + start; sets CLUSTER_DIR, CLUSTER_PORT
#   cluster_psql [psql args...]                psql on database $CLUSTER_DB (default ledgertest)
#   cluster_stop [fast|immediate]              stop the server
#   cluster_start_again [postgresql.conf lines...]   start the stopped cluster (extra lines appended)
#   cluster_remove                             stop and delete everything (also run on EXIT)
# PostgreSQL refuses to run as root, so as root the server runs as user postgres.

PG_BIN=${PG_BIN:-$(pg_config --bindir)}
CLUSTER_DB=${CLUSTER_DB:-ledgertest}

as_server_user() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# free_port starts at a random port of the range, so that clusters started
# at the same time by parallel test runs rarely pick the same one.
free_port() {
    local port offset
    offset=$((RANDOM % 1000))
    for port in $(seq $((55000 + offset)) $((56000 + offset))); do
        if ! (echo > /dev/tcp/127.0.0.1/"$port") 2>/dev/null && [ ! -e "/tmp/.s.PGSQL.$port" ]; then
            echo "$port"
            return 0
        fi
    done
    echo "no free port in 55000-57000" >&2
    return 1
}

cluster_start() {
    CLUSTER_DIR=$(mktemp -d /tmp/pgledger-cluster.XXXXXX)
    chmod 755 "$CLUSTER_DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$CLUSTER_DIR"
    CLUSTER_PORT=$(free_port) || return 1
    as_server_user "$PG_BIN/initdb" -D "$CLUSTER_DIR/data" -A trust -U postgres --no-sync > "$CLUSTER_DIR/initdb.log" 2>&1 ||
        { cat "$CLUSTER_DIR/initdb.log" >&2; return 1; }
    {
        echo "port = $CLUSTER_PORT"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$CLUSTER_DIR'"
        echo "shared_preload_libraries = 'pgledger'"
        echo "ledger.databases = 'ledgertest,ledgerrestore'"
        echo "ledger.block_interval = '200ms'"
        echo "logging_collector = off"
        for line in "$@"; do echo "$line"; done
    } >> "$CLUSTER_DIR/data/postgresql.conf"
    trap cluster_remove EXIT
    cluster_start_again || return 1
    cluster_psql -d postgres -qc "CREATE DATABASE $CLUSTER_DB" > /dev/null
}

cluster_start_again() {
    local line attempt
    for line in "$@"; do echo "$line" | as_server_user tee -a "$CLUSTER_DIR/data/postgresql.conf" > /dev/null; done
    for attempt in 1 2 3; do
        as_server_user "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w -t 60 start &> /dev/null &&
            return 0
        # The port can be taken between free_port and the server's bind: the range overlaps the
        # kernel's ports for outgoing connections. Move to another one (the last setting wins).
        tail -5 "$CLUSTER_DIR/server.log" | grep -q 'Address already in use' || break
        CLUSTER_PORT=$(free_port) || break
        echo "port = $CLUSTER_PORT" | as_server_user tee -a "$CLUSTER_DIR/data/postgresql.conf" > /dev/null
    done
    tail -30 "$CLUSTER_DIR/server.log" >&2
    return 1
}

cluster_psql() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$CLUSTER_DIR" -p "$CLUSTER_PORT" -U postgres -d "$CLUSTER_DB" "$@"
}

cluster_stop() {
    as_server_user "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -m "${1:-fast}" -w -t 60 stop > /dev/null
}

cluster_remove() {
    if [ -n "${CLUSTER_DIR:-}" ] && [ -d "$CLUSTER_DIR" ]; then
        as_server_user "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -m immediate stop > /dev/null 2>&1 || true
        rm -rf "$CLUSTER_DIR"
    fi
}

# cluster_wait_sealed waits, at most $1 seconds (default 30), until the
# background sealer has sealed every committed transaction.
cluster_wait_sealed() {
    local deadline=$((SECONDS + ${1:-30}))
    while [ "$(cluster_psql -At -c "SELECT count(*) FROM ledger.transactions WHERE block_height IS NULL")" != 0 ]; do
        if [ $SECONDS -ge $deadline ]; then
            echo "the sealer did not seal within ${1:-30} s" >&2
            return 1
        fi
        sleep 0.1
    done
}
