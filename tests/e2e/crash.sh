#!/usr/bin/env bash
# Crash the server under concurrent writers, twice: an immediate shutdown (no checkpoint,
# WAL replay on start) and a backend killed with SIGKILL (the postmaster resets every
# process). Afterwards the background sealer alone must seal everything, and every insert
# a client saw commit must be in the table exactly once, with a position, sealed once.
TEST_NAME=crash
source "$(dirname "$0")/common.bash"

WRITERS=4
start_cluster
cluster_psql > /dev/null <<'SQL'
CREATE EXTENSION pgledger;
CREATE TABLE c (id bigint PRIMARY KEY, writer int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
SELECT ledger.create_ledger_table('public.c');
SQL

work="$CLUSTER_DIR/crash"
mkdir -p "$work"
stop_flag="$work/stop"
for w in $(seq 1 "$WRITERS"); do : > "$work/acked.$w"; done

# A writer inserts ids w*10^6 + 1, 2, ..., one per transaction, and appends an id to its
# acked file only after psql reported the commit. A failed insert (server down, connection
# killed) moves on to the next id: it may or may not have committed, so it is not acked and
# never retried (a retry of a committed id would only fail on the primary key).
writer() {
    local w=$1 n=0 id
    # Stop also if the work directory is gone (the test exited and removed the cluster).
    while [ -d "$work" ] && [ ! -e "$stop_flag" ]; do
        n=$((n + 1))
        id=$((w * 1000000 + n))
        if timeout 10 psql -X -q -v ON_ERROR_STOP=1 -h "$CLUSTER_DIR" -p "$CLUSTER_PORT" -U postgres -d ledgertest \
            -c "INSERT INTO c (id, writer) VALUES ($id, $w)" > /dev/null 2>&1; then
            echo "$id" >> "$work/acked.$w"
        else
            sleep 0.05 # the server is down or restarting: do not spin
        fi
    done
}

acked_total() {
    cat "$work"/acked.[0-9]* | wc -l
}

# Wait (bounded) until the writers have acked at least N more inserts, i.e. they are running.
wait_for_progress() {
    local more=$1 start deadline
    start=$(acked_total)
    deadline=$((SECONDS + 20))
    while [ "$(acked_total)" -lt $((start + more)) ]; do
        [ "$SECONDS" -lt "$deadline" ] || fail "writers acked only $(($(acked_total) - start)) of $more inserts in 20s"
        sleep 0.1
    done
}

pids=()
stop_writers() {
    touch "$stop_flag" 2> /dev/null || true
    # Each writer finishes its current psql (at most 10 s, by timeout) and stops.
    [ "${#pids[@]}" = 0 ] || wait "${pids[@]}" || true
    pids=()
}
# However the test ends, stop the writers before the cluster goes.
trap 'stop_writers; cluster_remove; rm -f "$E2E_ERR"' EXIT
for w in $(seq 1 "$WRITERS"); do
    writer "$w" &
    pids+=("$!")
done

# Round 1: immediate shutdown mid-run, then start again (crash recovery).
wait_for_progress 30
acked_before=$(acked_total)
cluster_stop immediate
sleep 0.5 # the writers fail for a while
restart_cluster
wait_for_progress 30
echo "  [$SECONDS s] round 1: $acked_before inserts acked before the immediate shutdown, $(acked_total) by now"

# Round 2: SIGKILL one writer's backend (every other client backend of ledgertest is a writer).
# Writer backends live only as long as one INSERT, so retry (bounded) until a kill lands on a
# live backend, as the server log confirms.
killed=""
for _ in $(seq 1 50); do
    pid=$(sql "SELECT pid FROM pg_stat_activity
                WHERE datname = 'ledgertest' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
                LIMIT 1" 2> /dev/null || true)
    if [ -n "$pid" ] && kill -9 "$pid" 2> /dev/null; then
        for _ in $(seq 1 10); do
            if grep -q "server process (PID $pid) was terminated by signal 9" "$CLUSTER_DIR/server.log"; then
                killed=$pid
                break 2
            fi
            sleep 0.1
        done
    fi
    sleep 0.05
done
[ -n "$killed" ] || fail "could not SIGKILL a writer backend in 50 tries"
# The postmaster reinitializes after the kill; wait until it serves again.
wait_for "SELECT 1" 1 30
wait_for_progress 30
grep -q "all server processes terminated; reinitializing" "$CLUSTER_DIR/server.log" ||
    fail "the postmaster did not reinitialize after backend $killed was killed"
stop_writers
echo "  [$SECONDS s] round 2: killed backend $killed; $(acked_total) inserts acked in all"

# Only the background sealer may seal now: no ledger.seal() here.
wait_for "SELECT count(*) FROM ledger.transactions WHERE block_height IS NULL" 0 30
echo "  [$SECONDS s] all sealed"

cat "$work"/acked.[0-9]* > "$work/acked.all"
[ "$(sort "$work/acked.all" | uniq -d | wc -l)" = 0 ] || fail "a writer acked an id twice (test bug)"
# Sequential scans only, so that the heap, not the primary key index, answers.
result=$(cluster_psql -At -F ' ' <<SQL
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SET enable_indexonlyscan = off;
CREATE TEMP TABLE acked (id bigint);
\copy acked FROM '$work/acked.all'
SELECT
    (SELECT count(*) FROM acked),
    (SELECT count(*) FROM c),
    (SELECT count(*) FROM acked a WHERE (SELECT count(*) FROM c WHERE c.id = a.id) <> 1),
    (SELECT count(*) - count(DISTINCT id) FROM c),
    (SELECT count(*) FROM c WHERE ledger_transaction_id IS NULL OR ledger_sequence_number IS NULL),
    (SELECT count(*) FROM (SELECT 1 FROM c GROUP BY ledger_transaction_id, ledger_sequence_number HAVING count(*) > 1) s),
    (SELECT count(*) FROM c WHERE NOT EXISTS (SELECT 1 FROM ledger.transactions x
        WHERE x.transaction_id = c.ledger_transaction_id AND x.row_count >= c.ledger_sequence_number)),
    (SELECT count(*) FROM ledger.transactions x
      WHERE x.row_count <> (SELECT count(*) FROM c WHERE c.ledger_transaction_id = x.transaction_id)),
    (SELECT count(*) FROM ledger.transactions x
      WHERE x.block_height IS NULL OR NOT EXISTS (SELECT 1 FROM ledger.blocks b WHERE b.height = x.block_height)),
    (SELECT count(*) FROM ledger.blocks b WHERE b.height > 0 AND
        (SELECT (count(*), coalesce(sum(x.row_count), 0))::text FROM ledger.transactions x WHERE x.block_height = b.height)
        IS DISTINCT FROM (b.entry_count, b.row_count)::text),
    (SELECT count(*) FROM (SELECT transaction_id FROM ledger.transactions GROUP BY 1 HAVING count(*) > 1) s);
SQL
) || fail "the consistency query failed"
read -r n_acked n_rows acked_not_once dup_ids no_position dup_positions no_entry entry_mismatch \
    unsealed block_mismatch dup_entries <<< "$result"
echo "  [$SECONDS s] $n_acked acked, $n_rows rows in the table"
[ "$n_acked" -ge 90 ] || fail "only $n_acked inserts were acked: the writers did not really run"
[ "$acked_not_once" = 0 ] || fail "$acked_not_once acked ids are not in the table exactly once"
[ "$dup_ids" = 0 ] || fail "$dup_ids duplicate ids in the table"
[ "$n_rows" -ge "$n_acked" ] || fail "fewer rows ($n_rows) than acked inserts ($n_acked)"
[ "$no_position" = 0 ] || fail "$no_position rows have no ledger position"
[ "$dup_positions" = 0 ] || fail "$dup_positions ledger positions are used by more than one row"
[ "$no_entry" = 0 ] || fail "$no_entry rows are not covered by their transaction's ledger entry"
[ "$entry_mismatch" = 0 ] || fail "$entry_mismatch ledger entries record a row count their rows do not match"
[ "$unsealed" = 0 ] || fail "$unsealed ledger entries are not sealed in an existing block"
[ "$block_mismatch" = 0 ] || fail "$block_mismatch blocks' entry/row counts do not match the entries sealed in them"
[ "$dup_entries" = 0 ] || fail "$dup_entries transactions have more than one ledger entry for the one table"
assert_verify_ok

pass
