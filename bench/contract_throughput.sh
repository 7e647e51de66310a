#!/usr/bin/env bash
# contract_throughput.sh: INSERT throughput of asset_transfer transactions (a payment from buyer to seller and
# the transfer of an asset from seller to buyer, one transaction each) with the asset_transfer contract installed,
# against the same inserts into the same ledger tables without the contract, measured with pgbench in one
# throwaway cluster. Not a test: no threshold (the target ratio is >= 0.7; this only reports).
#
# Two databases, each with contracts/asset_transfer/schema.sql (the same three ledger tables and indexes);
# with_contract also runs contracts/asset_transfer/install.sql. In each, ASSETS assets are pre-registered to
# the seller role, and every pgbench transaction takes the next one from a (non-ledger) sequence, so that the
# 4 clients transfer distinct assets and never conflict:
#     BEGIN; SELECT nextval(...) AS aid \gset
#     SET LOCAL ROLE buyer;  INSERT INTO payments  (:aid, buyer, seller, 100);
#     SET LOCAL ROLE seller; INSERT INTO transfers (:aid, seller, buyer, 100);
#     COMMIT;
# pgbench -n -c 4 -j 2 -T $BENCH_SECONDS. ROUNDS rounds (default 3); in each round both sides run back to
# back, in alternating order, after a CHECKPOINT. Reported: every run's tps, the median of each side and the
# ratio median(with contract) / median(without). The background sealer runs at ledger.block_interval = 1s.
#
# Usage: bench/contract_throughput.sh
#   BENCH_SECONDS=20 ROUNDS=5 bench/contract_throughput.sh
#   EXTRA_SETTING="synchronous_commit = off" bench/contract_throughput.sh   one more postgresql.conf line (diagnosis)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=../tests/lib/cluster.sh
source "$REPO_DIR/tests/lib/cluster.sh"

BENCH_SECONDS=${BENCH_SECONDS:-5}
ROUNDS=${ROUNDS:-3}
check_count BENCH_SECONDS "$BENCH_SECONDS" 1 3600
check_count ROUNDS "$ROUNDS" 1 20
CLIENTS=4
THREADS=2
ASSETS=${ASSETS:-$((BENCH_SECONDS * ROUNDS * 8000))}
CONTRACT_DIR="$REPO_DIR/contracts/asset_transfer"
SELLER=asset_transfer_bench_seller
BUYER=asset_transfer_bench_buyer

echo "== contract_throughput: asset_transfer contract vs the same inserts without it, pgbench =="
print_machine
echo "note:        this machine has $(nproc) cores; the 4 pgbench clients, 2 pgbench threads, the backends and"
echo "             the sealer share them"
# shellcheck disable=SC2086
bench_start_cluster "ledger.block_interval = '1s'" "ledger.databases = 'ledgertest,with_contract,without_contract'" ${EXTRA_SETTING:+"$EXTRA_SETTING"}
echo "command:     $0 (BENCH_SECONDS=$BENCH_SECONDS ROUNDS=$ROUNDS ASSETS=$ASSETS)"
echo "settings:    $(print_settings shared_buffers fsync synchronous_commit ledger.block_interval)"
echo "workload:    pgbench -n -c $CLIENTS -j $THREADS -T $BENCH_SECONDS; one payment + one transfer per transaction"
echo

cluster_psql -d postgres -q > /dev/null <<SQL
CREATE DATABASE with_contract;
CREATE DATABASE without_contract;
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$SELLER') THEN CREATE ROLE $SELLER; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$BUYER') THEN CREATE ROLE $BUYER; END IF;
END \$\$;
SQL
for db in with_contract without_contract; do
    cluster_psql -d "$db" -f "$CONTRACT_DIR/schema.sql" > /dev/null
    [ "$db" = with_contract ] && cluster_psql -d "$db" -f "$CONTRACT_DIR/install.sql" > /dev/null
    cluster_psql -d "$db" > /dev/null <<SQL
GRANT INSERT, SELECT ON registrations, transfers, payments TO $SELLER, $BUYER;
CREATE SEQUENCE bench_asset;
SET ROLE $SELLER;
-- In transactions of 500: the contract locks each asset a transaction touches.
SELECT format('INSERT INTO registrations (asset_id, owner) SELECT i::text, %L FROM generate_series(%s, %s) i',
              '$SELLER', first, least(first + 499, $ASSETS))
FROM generate_series(1, $ASSETS, 500) AS first \gexec
RESET ROLE;
SELECT ledger.seal();
VACUUM ANALYZE registrations, transfers, payments;
SQL
done
echo "registered:  $ASSETS assets in each database"

script="$CLUSTER_DIR/transfer.sql"
cat > "$script" <<SQL
BEGIN;
SELECT nextval('bench_asset') AS aid \gset
SET LOCAL ROLE $BUYER;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES (:aid::text, '$BUYER', '$SELLER', 100);
SET LOCAL ROLE $SELLER;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES (:aid::text, '$SELLER', '$BUYER', 100);
COMMIT;
SQL

declare -A results=([with_contract]="" [without_contract]="")
run() { # db round
    local db=$1 out tps failed
    cluster_psql -d "$db" -qc "CHECKPOINT" > /dev/null
    out=$(pgbench -n -c $CLIENTS -j $THREADS -T "$BENCH_SECONDS" -f "$script" -h "$CLUSTER_DIR" -p "$CLUSTER_PORT" \
        -U postgres "$db" 2>&1) || { echo "$out" >&2; echo "pgbench failed on $db" >&2; exit 1; }
    tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | head -1)
    failed=$(echo "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
    [ -z "$failed" ] || [ "$failed" = 0 ] || { echo "$out" >&2; echo "$db: $failed failed transactions" >&2; exit 1; }
    cluster_psql -d "$db" -qc "SELECT ledger.seal()" > /dev/null
    results[$db]+=" $tps"
    printf '  round %d  %-17s %10.1f tps  (%s transactions)\n' "$2" "$db" "$tps" \
        "$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')"
}

for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then
        run without_contract "$round"; run with_contract "$round"
    else
        run with_contract "$round"; run without_contract "$round"
    fi
done

# every committed transfer was accepted, paired and recorded; the ledger verifies in both databases
for db in with_contract without_contract; do
    cluster_psql -d "$db" -At > /dev/null <<'SQL'
SELECT ledger.seal();
DO $$ BEGIN
    IF NOT (SELECT bool_and(ok) FROM ledger.verify()) THEN RAISE EXCEPTION 'ledger.verify() failed'; END IF;
    IF (SELECT count(*) FROM transfers) <> (SELECT count(*) FROM payments) THEN RAISE EXCEPTION 'unpaired rows'; END IF;
END $$;
SQL
done

with=$(printf "%s\n" ${results[with_contract]} | median)
without=$(printf "%s\n" ${results[without_contract]} | median)
echo
echo "median tps without the contract: $without"
echo "median tps with asset_transfer:  $with"
echo "ratio with / without:            $(awk -v a="$with" -v b="$without" 'BEGIN { printf "%.3f", a / b }') (target >= 0.7; reported, not enforced)"
echo "ledger.verify(): ok in both databases"
