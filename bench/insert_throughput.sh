#!/usr/bin/env bash
# insert_throughput.sh: INSERT throughput of a ledger table against the same
# table without the ledger, measured with pgbench in one throwaway cluster.
#
# Three workloads, 4 clients each (pgbench -n -c 4 -j 2 -T $BENCH_SECONDS):
#   single: one single-row INSERT per transaction (an OLTP payment write);
#   batch:  one 100-row INSERT ... SELECT generate_series per transaction,
#           where the server spends least outside storing rows, so the
#           ledger's share is largest;
#   values: one INSERT ... VALUES of 100 rows per transaction, sent as
#           text, so that the server parses and plans it every time;
#   prepared: the same statement prepared once per connection
#           (pgbench -M prepared), as a driver's batch insert runs.
# Tables (same columns, same primary key):
#   plain:    CREATE TABLE plain (id bigserial primary key, account text,
#             amount numeric, note text, created timestamptz default now())
#   ledgered: the same, then SELECT ledger.create_ledger_table('public.ledgered')
# Each workload runs ROUNDS rounds; in each round plain and ledgered run back
# to back, in alternating order (plain first in odd rounds, ledgered first in
# even ones), so that slow drift (table growth, other load on a shared
# machine) hits both sides. Reported: every run's tps, the median tps of each
# side and the ratio median(ledgered) / median(plain). Not a test: no
# threshold.
#
# Also reported: the server's CPU time per transaction (all PostgreSQL
# processes: backends, sealer, checkpointer, autovacuum; measured from /proc
# around each run, including the final ledger.seal()), and its ratio
# plain/ledger. On a machine shared with other work, tps swings with the CPU
# left free while CPU per transaction barely moves, so the CPU ratio is the
# steadier estimate of what a CPU-bound server would see.
#
# Also reported, per transaction: the WAL the run wrote and the bytes its
# side's tables and indexes grew by (the ledger's entries and blocks counted
# on the ledger side; dead row versions count until vacuum reclaims them,
# as on a production server). Bytes do not depend on what else the machine
# does: they show how much more the ledger side writes, logs and flushes.
#
# The background sealer runs during the ledger runs, as in production, at the
# production default interval (ledger.block_interval = 1s, overriding the
# 200ms of the test harness). Before every run a CHECKPOINT starts it with no
# dirty buffers, and after a ledgered run ledger.seal() drains what the sealer
# has not sealed yet, so neither side pays for the other's background work.
# All other settings are PostgreSQL's defaults (fsync on), printed below.
#
# Usage: bench/insert_throughput.sh
#   BENCH_SECONDS=60 bench/insert_throughput.sh   longer runs (default 8 s per run;
#                                                 40 runs, about 6.5 minutes in all)
#   ROUNDS=9 bench/insert_throughput.sh           more rounds (default 5)
#   WORKLOADS="batch prepared" bench/insert_throughput.sh   only these workloads
#                                                 (default: all four)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=../tests/lib/cluster.sh
source "$REPO_DIR/tests/lib/cluster.sh"

BENCH_SECONDS=${BENCH_SECONDS:-8}
ROUNDS=${ROUNDS:-5}
check_count BENCH_SECONDS "$BENCH_SECONDS" 1 3600
check_count ROUNDS "$ROUNDS" 1 20
CLIENTS=4
THREADS=2
BATCH_ROWS=100
# prepared runs the values script under pgbench -M prepared (see pgbench_run).
WORKLOADS=${WORKLOADS:-"single batch values prepared"}
for workload in $WORKLOADS; do
    case $workload in
        single | batch | values | prepared) ;;
        *) echo "WORKLOADS: unknown workload '$workload' (single, batch, values, prepared)" >&2; exit 2 ;;
    esac
done

echo "== insert_throughput: ledger table vs plain table, pgbench =="
print_machine
bench_start_cluster "ledger.block_interval = '1s'"
echo "command:     $0 (BENCH_SECONDS=$BENCH_SECONDS ROUNDS=$ROUNDS WORKLOADS=\"$WORKLOADS\")"
echo "settings:    $(print_settings shared_buffers fsync synchronous_commit wal_level max_wal_size \
    checkpoint_timeout autovacuum ledger.block_interval ledger.max_block_entries)"
echo "connection:  unix socket in $CLUSTER_DIR (local only; the server listens on 127.0.0.1 only)"
echo

create_insert_tables
WORK_DIR="$CLUSTER_DIR/bench"
mkdir -p "$WORK_DIR"
write_insert_workloads "$WORK_DIR" "$BATCH_ROWS"
echo "-- workload scripts (shown for plain; ledgered differs only in the table name)"
for workload in single batch values; do  # prepared runs the values script
    echo "[$workload]"
    if [ "$workload" = values ]; then
        # Its variables and rows differ only in their number: the first two and the last show them all.
        awk -v n="$BATCH_ROWS" '{ line = "    " $0 }
            NR <= 2 || NR == n + 1 || (NR > n + 1 && NR <= n + 3) || NR == 2 * n + 1 { print line; next }
            NR == 3 || NR == n + 4 { print "    ..." }' "$WORK_DIR/$workload-plain.sql"
    else
        sed 's/^/    /' "$WORK_DIR/$workload-plain.sql"
    fi
done
echo

# The sealer worker connects only once the database exists: the postmaster
# restarts it every 5 s until then. Wait for it, so that every ledger run
# has it running, as in production.
for _ in $(seq 1 60); do
    [ "$(cluster_psql -Atc "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pgledger sealer'
        AND datname = current_database()")" = 0 ] || break
    sleep 0.5
done
echo "sealer:      $(cluster_psql -Atc "SELECT coalesce(max('running, pid ' || pid), 'NOT RUNNING') FROM pg_stat_activity
    WHERE backend_type = 'pgledger sealer' AND datname = current_database()")"
echo

# pgbench_run SECONDS WORKLOAD TABLE: the measured command (shown once below).
# The prepared workload runs the values script under the extended protocol.
pgbench_run() {
    local script=$2 protocol=simple
    if [ "$2" = prepared ]; then script=values protocol=prepared; fi
    pgbench -n -c "$CLIENTS" -j "$THREADS" -T "$1" -M "$protocol" -f "$WORK_DIR/$script-$3.sql" \
        -h "$CLUSTER_DIR" -p "$CLUSTER_PORT" -U postgres "$CLUSTER_DB"
}

# stored_bytes TABLE: the bytes on disk of what one side writes: the table
# and its index, and for the ledger side the ledger's entries and blocks too.
stored_bytes() {
    local relations="'public.$1'"
    if [ "$1" = ledgered ]; then relations="$relations, 'ledger.transactions', 'ledger.blocks'"; fi
    cluster_psql -Atc "SELECT sum(pg_total_relation_size(r::regclass)) FROM unnest(ARRAY[$relations]) AS r"
}

# run_pgbench WORKLOAD TABLE ROUND: one timed run, recorded in results.txt as
# "WORKLOAD TABLE ROUND TPS TRANSACTIONS SERVER_CPU_SECONDS WAL_BYTES STORED_BYTES".
# WAL and stored bytes count what the run wrote, the final seal included.
# Unlike time, they do not depend on what else the machine does: they show
# how much more the ledger side writes, and so has to hash, log and flush.
run_pgbench() {
    local workload=$1 table=$2 round=$3 tps latency load cpu_before cpu transactions blocks_before blocks
    local wal_before wal stored_before stored
    cluster_psql -c CHECKPOINT
    blocks_before=$(cluster_psql -Atc 'SELECT count(*) FROM ledger.blocks')
    stored_before=$(stored_bytes "$table")
    wal_before=$(cluster_psql -Atc 'SELECT pg_current_wal_insert_lsn()')
    load=$(cut -d' ' -f1 /proc/loadavg)
    cpu_before=$(server_cpu_seconds)
    pgbench_run "$BENCH_SECONDS" "$workload" "$table" > "$WORK_DIR/out.txt" 2>&1 ||
        { cat "$WORK_DIR/out.txt" >&2; return 1; }
    tps=$(awk '/^tps = / { print $3 }' "$WORK_DIR/out.txt")
    latency=$(awk '/^latency average = / { print $4 }' "$WORK_DIR/out.txt")
    transactions=$(awk '/^number of transactions actually processed: / { print $6 }' "$WORK_DIR/out.txt")
    blocks=$(($(cluster_psql -Atc 'SELECT count(*) FROM ledger.blocks') - blocks_before))
    if [ "$table" = ledgered ]; then
        cluster_psql -Atc 'SELECT ledger.seal()' > /dev/null
    fi
    wal=$(cluster_psql -Atc "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$wal_before')")
    stored=$(($(stored_bytes "$table") - stored_before))
    sleep 0.5  # let the backends of the run exit, so their CPU time is counted
    cpu=$(awk -v a="$cpu_before" -v b="$(server_cpu_seconds)" 'BEGIN { print b - a }')
    awk -v r="$round" -v w="$workload" -v t="$table" -v tps="$tps" -v lat="$latency" -v n="$transactions" \
        -v cpu="$cpu" -v load="$load" -v wal="$wal" -v stored="$stored" -v blocks="$blocks" \
        'BEGIN { printf "  round %d  %-8s %-8s tps %7.1f  latency %6s ms  CPU %6.1f us/txn  WAL %6.0f B/txn  stored %6.0f B/txn  blocks %2d  (load before: %s)\n",
                 r, w, t, tps, lat, 1e6 * cpu / n, wal / n, stored / n, blocks, load }'
    echo "$workload $table $round $tps $transactions $cpu $wal $stored" >> "$WORK_DIR/results.txt"
}

echo "-- runs: pgbench -n -c $CLIENTS -j $THREADS -T $BENCH_SECONDS -M <simple, or prepared for prepared> -f <workload>-<table>.sql -h $CLUSTER_DIR -p $CLUSTER_PORT -U postgres $CLUSTER_DB"
: > "$WORK_DIR/results.txt"
for workload in $WORKLOADS; do
    # A short unrecorded warm-up of each side: caches, first extents, plans.
    for table in plain ledgered; do
        pgbench_run 2 "$workload" "$table" > /dev/null 2>&1
    done
    cluster_psql -Atc 'SELECT ledger.seal()' > /dev/null
    for round in $(seq 1 "$ROUNDS"); do
        if [ $((round % 2)) = 1 ]; then order="plain ledgered"; else order="ledgered plain"; fi
        for table in $order; do
            run_pgbench "$workload" "$table" "$round"
        done
    done
done
echo

median_tps() {  # median_tps WORKLOAD TABLE
    awk -v w="$1" -v t="$2" '$1 == w && $2 == t { print $4 }' "$WORK_DIR/results.txt" | median
}
median_cpu_per_txn() {  # median_cpu_per_txn WORKLOAD TABLE: server CPU microseconds per transaction
    awk -v w="$1" -v t="$2" '$1 == w && $2 == t { print 1e6 * $6 / $5 }' "$WORK_DIR/results.txt" | median
}
median_bytes_per_txn() {  # median_bytes_per_txn WORKLOAD TABLE FIELD: WAL (7) or stored (8) bytes per transaction
    awk -v w="$1" -v t="$2" -v f="$3" '$1 == w && $2 == t { print $f / $5 }' "$WORK_DIR/results.txt" | median
}
echo "-- results: medians over $ROUNDS rounds of ${BENCH_SECONDS}s, $CLIENTS clients"
echo "   tps ratio = ledger tps / plain tps; CPU ratio = plain server CPU per transaction / ledger's"
echo "   (the CPU ratio is the tps ratio a CPU-bound server would see, whatever else runs on the machine)"
printf '%-18s %10s %10s %9s %12s %12s %9s %13s\n' "workload" "plain tps" "ledger tps" "tps ratio" \
    "plain us/txn" "ledger us/tx" "CPU ratio" "ledger rows/s"
for workload in $WORKLOADS; do
    case $workload in
        single) rows=1 label="single-row INSERT" ;;
        batch) rows=$BATCH_ROWS label="$BATCH_ROWS-row INSERT" ;;
        values) rows=$BATCH_ROWS label="$BATCH_ROWS-row VALUES" ;;
        prepared) rows=$BATCH_ROWS label="$BATCH_ROWS-row prepared" ;;
    esac
    awk -v l="$label" -v p="$(median_tps "$workload" plain)" -v q="$(median_tps "$workload" ledgered)" -v r="$rows" \
        -v pc="$(median_cpu_per_txn "$workload" plain)" -v qc="$(median_cpu_per_txn "$workload" ledgered)" \
        'BEGIN { printf "%-18s %10.1f %10.1f %9.3f %12.1f %12.1f %9.3f %13.0f\n", l, p, q, q / p, pc, qc, pc / qc, q * r }'
done
echo
echo "   what each transaction wrote (medians): WAL, and bytes stored in the tables and indexes (the ledger's"
echo "   entries and blocks counted on the ledger side); ratios are ledger / plain"
printf '%-18s %12s %12s %9s %13s %13s %9s\n' "workload" "plain WAL B" "ledger WAL B" "WAL ratio" \
    "plain stored" "ledger stored" "ratio"
for workload in $WORKLOADS; do
    awk -v l="$workload" -v pw="$(median_bytes_per_txn "$workload" plain 7)" \
        -v lw="$(median_bytes_per_txn "$workload" ledgered 7)" -v ps="$(median_bytes_per_txn "$workload" plain 8)" \
        -v ls="$(median_bytes_per_txn "$workload" ledgered 8)" \
        'BEGIN { printf "%-18s %12.0f %12.0f %9.3f %13.0f %13.0f %9.3f\n", l, pw, lw, lw / pw, ps, ls, ls / ps }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# Not part of the measurement: the ledger must hold and verify everything the
# runs inserted, or the ledger numbers above would mean nothing.
echo "-- ledger check: ledger.verify('public.ledgered') after the runs"
cluster_psql -Atc "SELECT format('    %s rows in ledgered; %s: rows_checked=%s ok=%s %s', (SELECT count(*) FROM ledgered),
    coalesce(table_name::text, 'chain'), rows_checked, ok, coalesce(problem, '')) FROM ledger.verify('public.ledgered')"
