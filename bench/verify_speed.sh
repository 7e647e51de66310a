#!/usr/bin/env bash
# verify_speed.sh: how long ledger.verify() takes on a 1,000,000-row ledger
# table, against the naive baseline of hashing every row's text form:
#   verify:  SELECT * FROM ledger.verify('public.t')
#   naive:   SELECT count(sha256(t::text::bytea)) FROM t
# Both read the whole table and hash every row once; verify also recomputes
# the canonical encoding, the transaction entries' Merkle roots and the block
# chain, and compares every hash with the sealed one. Same table, same run:
# both are warmed once, then run alternately ROUNDS times; the median times
# and the ratio naive/verify are printed (>= 1 means verify is no slower).
# Not a test: no threshold.
#
# Also reported: the peak private memory of the backend running verify, and
# of the one running the naive query on one backend. verify keeps each
# entry's row index to the end, and the hashes it recomputes for a
# transaction's rows until it has seen all of them: its memory grows with the
# rows checked.
#
# With default settings the naive query may run as a parallel scan (on a
# machine with more than one CPU) while verify is one backend; a second naive
# line with max_parallel_workers_per_gather = 0 shows the one-backend cost.
#
# Usage: bench/verify_speed.sh
#   ROWS=5000000 bench/verify_speed.sh    another table size (default 1000000)
#   ROUNDS=5 bench/verify_speed.sh        more timed runs of each (default 3)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=../tests/lib/cluster.sh
source "$REPO_DIR/tests/lib/cluster.sh"

ROWS=${ROWS:-1000000}
ROUNDS=${ROUNDS:-3}
BATCH=1000
check_count ROWS "$ROWS" "$BATCH" 50000000
check_count ROUNDS "$ROUNDS" 1 20

echo "== verify_speed: ledger.verify() vs hashing every row's text =="
print_machine
# Default settings (shared_buffers 128MB: the ~190 MB table does not fit, so
# both queries read part of it through the OS page cache), printed below.
# shellcheck disable=SC2119  # no extra settings
bench_start_cluster
echo "command:     $0 (ROWS=$ROWS ROUNDS=$ROUNDS)"
echo "settings:    $(print_settings shared_buffers fsync work_mem max_parallel_workers_per_gather jit \
    ledger.block_interval)"
echo

cluster_psql <<'SQL' > /dev/null
CREATE EXTENSION pgledger;
CREATE TABLE t (
    id bigserial PRIMARY KEY,
    account text NOT NULL,
    amount numeric(14, 2) NOT NULL,
    currency char(3) NOT NULL,
    counterparty text,
    booked_on date NOT NULL,
    created timestamptz NOT NULL DEFAULT now(),
    reference uuid NOT NULL,
    note text,
    metadata jsonb
);
SELECT ledger.create_ledger_table('public.t');
SQL
echo "table:       $(cluster_psql -Atc "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
    FROM pg_attribute WHERE attrelid = 'public.t'::regclass AND attnum > 0 AND NOT attisdropped")"

# $ROWS rows, $BATCH per INSERT, each INSERT its own transaction (psql
# autocommit), as an application appending in batches would; then sealed.
echo "loading:     $ROWS rows in $((ROWS / BATCH)) transactions of $BATCH rows, then ledger.seal()"
load_start=$(date +%s.%N)
for ((first = 1; first <= ROWS; first += BATCH)); do
    last=$((first + BATCH - 1))
    [ "$last" -le "$ROWS" ] || last=$ROWS
    cat <<SQL
INSERT INTO t (account, amount, currency, counterparty, booked_on, reference, note, metadata)
SELECT 'acct-' || lpad((g % 50000)::text, 6, '0'),
       ((g::bigint * 7919) % 10000000) / 100.0,
       (ARRAY['EUR', 'USD', 'GBP'])[1 + g % 3],
       CASE WHEN g % 10 <> 0 THEN 'Counterparty ' || (g % 997) || ' Ltd' END,
       date '2026-01-01' + (g % 330),
       md5(g::text)::uuid,
       'payment ' || g || ' for invoice ' || (g / 3),
       CASE WHEN g % 4 = 0 THEN jsonb_build_object('batch', g / 1000, 'channel', 'sepa', 'tags', jsonb_build_array('monthly')) END
FROM generate_series($first, $last) AS g;
SQL
done | cluster_psql
cluster_psql -Atc 'SELECT ledger.seal()' > /dev/null
load_end=$(date +%s.%N)
# Hint bits and the visibility map set now, not by whichever query runs first.
cluster_psql -c 'VACUUM (ANALYZE) t' -c CHECKPOINT
echo "loaded:      $(cluster_psql -Atc "SELECT count(*) || ' rows, ' || pg_size_pretty(pg_table_size('t')) || ' table, '
    || (SELECT count(*) FROM ledger.blocks) || ' blocks, ' || (SELECT count(*) FROM ledger.transactions) || ' entries'
    FROM t") in $(awk -v a="$load_start" -v b="$load_end" 'BEGIN { printf "%.1f", b - a }') s"
echo

VERIFY_SQL="SELECT * FROM ledger.verify('public.t')"
NAIVE_SQL="SELECT count(sha256(t::text::bytea)) FROM t"
NAIVE_SERIAL_SETTING="SET max_parallel_workers_per_gather = 0"

# time_query SETUP SQL: prints the query's elapsed milliseconds, measured by
# psql's \timing in one session (connection set-up excluded).
time_query() {
    local setup=$1 sql=$2
    cluster_psql -o /dev/null <<SQL | awk '/^Time: / { print $2 }'
$setup;
\\timing on
$sql;
SQL
}

# peak_private_kb SETUP SQL: runs the query in one session and prints the
# backend's peak private memory in kB: its peak resident set (VmHWM) less the
# file and shared pages (the shared buffers the scan touched) still mapped
# when the query has ended, which only grow while it runs.
peak_private_kb() {
    local setup=$1 sql=$2
    cluster_psql -At <<SQL
$setup \g /dev/null
SELECT pg_backend_pid() AS pid \gset
$sql \g /dev/null
\setenv BACKEND_PID :pid
\! awk '/^(VmHWM|RssFile|RssShmem):/ { kb[\$1] = \$2 } END { print kb["VmHWM:"] - kb["RssFile:"] - kb["RssShmem:"] }' /proc/\$BACKEND_PID/status
SQL
}

echo "-- verify result (must be ok for the timing to mean anything)"
cluster_psql -c "$VERIFY_SQL"
echo "-- naive plan with default settings"
cluster_psql -Atc "EXPLAIN (COSTS OFF) $NAIVE_SQL" | sed 's/^/    /'

# Warm-up: one untimed run of each, so that both find the table equally cached.
time_query "SELECT 1" "$VERIFY_SQL" > /dev/null
time_query "SELECT 1" "$NAIVE_SQL" > /dev/null
time_query "$NAIVE_SERIAL_SETTING" "$NAIVE_SQL" > /dev/null

echo "-- timed runs (ms), alternating"
: > "$CLUSTER_DIR/times.txt"
for round in $(seq 1 "$ROUNDS"); do
    v=$(time_query "SELECT 1" "$VERIFY_SQL")
    n=$(time_query "SELECT 1" "$NAIVE_SQL")
    s=$(time_query "$NAIVE_SERIAL_SETTING" "$NAIVE_SQL")
    printf '  round %d  verify %10.1f   naive %10.1f   naive serial %10.1f\n' "$round" "$v" "$n" "$s"
    printf 'verify %s\nnaive %s\nserial %s\n' "$v" "$n" "$s" >> "$CLUSTER_DIR/times.txt"
done
echo

median_ms() {  # median_ms KIND
    awk -v k="$1" '$1 == k { print $2 }' "$CLUSTER_DIR/times.txt" | median
}
verify_kb=$(peak_private_kb "SELECT 1" "$VERIFY_SQL")
serial_kb=$(peak_private_kb "$NAIVE_SERIAL_SETTING" "$NAIVE_SQL")
verify_ms=$(median_ms verify)
naive_ms=$(median_ms naive)
serial_ms=$(median_ms serial)
echo "-- results: median of $ROUNDS runs, $ROWS rows"
printf '%-62s %10s %12s %10s\n' "query" "ms" "rows/s" "naive/this"
awk -v ms="$verify_ms" -v n="$naive_ms" -v r="$ROWS" -v q="$VERIFY_SQL" \
    'BEGIN { printf "%-62s %10.1f %12.0f %10.3f\n", q, ms, r / (ms / 1000), n / ms }'
awk -v ms="$naive_ms" -v r="$ROWS" -v q="$NAIVE_SQL" \
    'BEGIN { printf "%-62s %10.1f %12.0f %10s\n", q, ms, r / (ms / 1000), "(baseline)" }'
awk -v ms="$serial_ms" -v n="$naive_ms" -v r="$ROWS" -v q="  same, max_parallel_workers_per_gather = 0" \
    'BEGIN { printf "%-62s %10.1f %12.0f %10s\n", q, ms, r / (ms / 1000), "" }'
echo
awk -v v="$verify_ms" -v n="$naive_ms" -v s="$serial_ms" 'BEGIN {
    printf "ratio naive/verify = %.3f (default settings; >= 1 means verify is no slower)\n", n / v;
    printf "ratio naive-serial/verify = %.3f (both one backend)\n", s / v }'
awk -v v="$verify_kb" -v s="$serial_kb" -v r="$ROWS" 'BEGIN {
    printf "peak private memory of the backend: verify %.1f MB (%.0f bytes a row), naive on one backend %.1f MB\n",
        v / 1024, v * 1024 / r, s / 1024 }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
