#!/usr/bin/env bash
# insert_wal.sh: WAL written per transaction into a ledger table against the
# same table without the ledger, for the two workloads of insert_throughput.sh
# (one single-row INSERT; one 100-row INSERT ... SELECT). WAL volume is the
# ledger's I/O cost: the per-row ledger position, the commit-time entry with
# its row hashes, and the sealer's update of that entry.
#
# For each workload and table: CHECKPOINT, then TRANSACTIONS transactions from
# one pgbench client while the sealer runs at the production default interval
# (1s), then ledger.seal() for what it has not sealed yet, with
# pg_current_wal_lsn() read before and after. Prints bytes per transaction
# and the ratio ledger / plain. Full-page images after the checkpoint are
# counted on both sides alike. Not a test: no threshold.
#
# Usage: bench/insert_wal.sh
#   TRANSACTIONS=5000 bench/insert_wal.sh   more transactions (default 1000)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=../tests/lib/cluster.sh
source "$REPO_DIR/tests/lib/cluster.sh"

TRANSACTIONS=${TRANSACTIONS:-1000}
check_count TRANSACTIONS "$TRANSACTIONS" 10 1000000

echo "== insert_wal: WAL bytes per transaction, ledger table vs plain table =="
print_machine
bench_start_cluster "ledger.block_interval = '1s'" > /dev/null
echo

create_insert_tables
WORK_DIR="$CLUSTER_DIR/bench"
mkdir -p "$WORK_DIR"
write_insert_workloads "$WORK_DIR" 100

# wal_per_transaction WORKLOAD TABLE: bytes of WAL per transaction.
wal_per_transaction() {
    local before after
    cluster_psql -Atc "CHECKPOINT" > /dev/null
    before=$(cluster_psql -Atc "SELECT pg_current_wal_lsn()")
    pgbench -n -c 1 -t "$TRANSACTIONS" -f "$WORK_DIR/$1-$2.sql" \
        -h "$CLUSTER_DIR" -p "$CLUSTER_PORT" -U postgres "$CLUSTER_DB" > "$WORK_DIR/out.txt" 2>&1 ||
        { cat "$WORK_DIR/out.txt" >&2; return 1; }
    [ "$2" = plain ] || cluster_psql -Atc "SELECT ledger.seal()" > /dev/null
    after=$(cluster_psql -Atc "SELECT pg_current_wal_lsn()")
    cluster_psql -Atc "SELECT round(pg_wal_lsn_diff('$after', '$before') / $TRANSACTIONS)"
}

echo "-- runs: pgbench -n -c 1 -t $TRANSACTIONS -f <workload>-<table>.sql, CHECKPOINT before, ledger.seal() after"
printf '%-20s %14s %14s %10s\n' workload "plain B/txn" "ledger B/txn" ratio
for workload in single batch; do
    plain=$(wal_per_transaction "$workload" plain)
    ledger=$(wal_per_transaction "$workload" ledgered)
    label="single-row INSERT"
    [ "$workload" = batch ] && label="100-row INSERT"
    printf '%-20s %14s %14s %10s\n' "$label" "$plain" "$ledger" "$(awk -v l="$ledger" -v p="$plain" 'BEGIN { printf "%.2f", l / p }')"
done
