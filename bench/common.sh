# shellcheck shell=bash
# Shared helpers of the pgledger benchmarks; sourced, not run.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

# print_machine: what the numbers were measured on, and against which build:
# the extension under test is whichever pgledger.so is installed, which may
# differ from the checked-out sources, so both are identified.
print_machine() {
    local so
    so="$(pg_config --pkglibdir)/pgledger.so"
    echo "date:        $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine:     $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')," \
        "$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
    echo "load:        $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min load average before the run;" \
        "other work on the machine skews absolute numbers more than ratios)"
    echo "PostgreSQL:  $(pg_config --version)"
    if [ -e "$so" ]; then
        echo "extension:   $so, md5 $(md5sum "$so" | cut -c1-12), installed $(date -u -r "$so" '+%Y-%m-%d %H:%M:%S UTC')"
    fi
    if git -C "$REPO_DIR" rev-parse --git-dir > /dev/null 2>&1; then
        local dirty=""
        [ -z "$(git -C "$REPO_DIR" status --porcelain -- src sql 2>/dev/null)" ] || dirty=" (src/ or sql/ has uncommitted changes)"
        echo "sources:     $(git -C "$REPO_DIR" log -1 --format='%h %s' | cut -c1-72)$dirty"
    fi
}

# bench_start_cluster [conf lines...]: cluster_start (tests/lib/cluster.sh),
# retried: another session on the machine may take the port cluster_start
# picked between its check and the server's bind.
bench_start_cluster() {
    local attempt log
    log=$(mktemp /tmp/pgledger-bench-start.XXXXXX)
    for attempt in 1 2 3 4 5; do
        if cluster_start "$@" 2> "$log"; then
            rm -f "$log"
            # Replaces cluster_start's EXIT trap: the same clean-up, but
            # when the benchmark fails the server log is shown first (the
            # cluster, and with it the log, is deleted on exit).
            trap bench_exit EXIT
            return 0
        fi
        cluster_remove
        sleep $((attempt + RANDOM % 3))
    done
    cat "$log" >&2
    rm -f "$log"
    return 1
}

bench_exit() {
    local status=$?
    if [ "$status" != 0 ] && [ -n "${CLUSTER_DIR:-}" ] && [ -f "$CLUSTER_DIR/server.log" ]; then
        echo "-- benchmark failed (exit status $status); last lines of the server log:" >&2
        tail -n 40 "$CLUSTER_DIR/server.log" >&2
    fi
    cluster_remove
}

# print_settings NAME...: the server's value of each setting, one line.
print_settings() {
    local names
    names=$(printf "'%s'," "$@")
    cluster_psql -Atc "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
        FROM pg_settings WHERE name IN (${names%,})"
}

# median: the median of the numbers on standard input, one per line.
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# check_count NAME VALUE MIN MAX: VALUE must be an integer in MIN..MAX, so a
# typo cannot make a benchmark run for days.
check_count() {
    if ! [[ "$2" =~ ^[0-9]+$ ]] || [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
        echo "$1 must be an integer in $3..$4 (got '$2')" >&2
        exit 2
    fi
}

# server_cpu_seconds: CPU time (user + system) used so far by the cluster's
# server processes: the postmaster, its live children (backends, sealer,
# checkpointer, WAL writer, ...) and its exited children (cutime/cstime).
# Differences over a run give the server's CPU cost of the work done in it,
# which, unlike tps, does not depend on how much CPU other load left free.
server_cpu_seconds() {
    local postmaster child
    postmaster=$(head -1 "$CLUSTER_DIR/data/postmaster.pid")
    {
        # Children first: one that exits after being read is counted twice
        # (its time moves into the postmaster's cutime), never lost.
        for child in $(pgrep -P "$postmaster" || true); do
            cat "/proc/$child/stat" 2> /dev/null || true
        done | awk '{ print $14 + $15 }'
        awk '{ print $14 + $15 + $16 + $17 }' "/proc/$postmaster/stat"
    } | awk -v hz="$(getconf CLK_TCK)" '{ ticks += $1 } END { printf "%.2f\n", ticks / hz }'
}

# create_insert_tables: the two tables the insert benchmarks compare, with the
# same columns and primary key; "ledgered" is then made a ledger table.
create_insert_tables() {
    cluster_psql <<'SQL' > /dev/null
CREATE EXTENSION pgledger;
CREATE TABLE plain (id bigserial PRIMARY KEY, account text, amount numeric, note text,
                    created timestamptz DEFAULT now());
CREATE TABLE ledgered (id bigserial PRIMARY KEY, account text, amount numeric, note text,
                       created timestamptz DEFAULT now());
SELECT ledger.create_ledger_table('public.ledgered');
SQL
}

# write_insert_workloads DIR BATCH_ROWS: the pgbench scripts of the insert
# benchmarks, DIR/<workload>-<table>.sql for workloads single (one single-row
# INSERT), batch (one BATCH_ROWS-row INSERT ... SELECT) and values (one
# INSERT ... VALUES of BATCH_ROWS rows, as an application sends a multi-row
# insert) and tables plain and ledgered, identical but for the table's name.
write_insert_workloads() {
    local dir=$1 batch_rows=$2 workload table
    cat > "$dir/single.sql.in" <<'SQL'
\set aid random(1, 100000)
\set cents random(1, 10000000)
INSERT INTO @TABLE@ (account, amount, note)
VALUES ('acct-' || :aid, :cents / 100.0, 'payment ' || :cents || ' for invoice ' || :aid);
SQL
    cat > "$dir/batch.sql.in" <<SQL
\\set base random(1, 100000000)
INSERT INTO @TABLE@ (account, amount, note)
SELECT 'acct-' || ((:base + g) % 100000), ((:base + g) % 10000000) / 100.0,
       'payment ' || (:base + g) || ' for invoice ' || g
FROM generate_series(1, $batch_rows) AS g;
SQL
    # Two parameters a row, so that pgbench can also run it prepared (at most 255).
    {
        for ((row = 1; row <= batch_rows; row++)); do
            echo "\\set v$row random(1, 10000000)"
        done
        echo 'INSERT INTO @TABLE@ (account, amount, note) VALUES'
        for ((row = 1; row <= batch_rows; row++)); do
            printf "('acct-%d', :v%d / 100.0, 'payment ' || :v%d || ' for invoice %d')%s\n" \
                "$row" "$row" "$row" "$row" "$([ "$row" = "$batch_rows" ] && echo ';' || echo ',')"
        done
    } > "$dir/values.sql.in"
    for workload in single batch values; do
        for table in plain ledgered; do
            sed "s/@TABLE@/$table/" "$dir/$workload.sql.in" > "$dir/$workload-$table.sql"
        done
    done
}
