#!/usr/bin/env bash
# Runs the pg_regress suite (sql/ against expected/, order in tests/schedule)
# on a temporary instance with pgledger preloaded. PostgreSQL refuses to run
# as root, so as root the suite runs as user postgres in a copy it can write.
# With --accept, the outputs become the new expected files (review the diff!).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
pgxs_dir=$(dirname "$(pg_config --pgxs)")
pg_regress="$pgxs_dir/../test/regress/pg_regress"
work=$(mktemp -d /tmp/pgledger-regress.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$repo/sql" "$repo/expected" "$repo/tests/schedule" "$repo/tests/regress.conf" "$work/"
run=()
if [ "$(id -u)" = 0 ]; then
    chown -R postgres: "$work"
    run=(runuser -u postgres --)
fi
status=0
(cd "$work" && "${run[@]}" "$pg_regress" --bindir="$(pg_config --bindir)" --inputdir=. --outputdir=. \
    --temp-instance=./tmp_check --temp-config=./regress.conf --load-extension=pgledger \
    --schedule=./schedule) || status=$?
if [ "${1:-}" = "--accept" ]; then
    cp "$work"/results/*.out "$repo/expected/"
fi
if [ "$status" != 0 ] && [ -f "$work/regression.diffs" ]; then
    cat "$work/regression.diffs"
fi
exit "$status"
