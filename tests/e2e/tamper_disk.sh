#!/usr/bin/env bash
# Tamper with a sealed row where no hook can see it: in the table's data file, with the
# server stopped. The cluster has no data checksums, so PostgreSQL reads the edited page
# without complaint; only the ledger's row hashes can tell.
TEST_NAME=tamper_disk
source "$(dirname "$0")/common.bash"

start_cluster

# 100 rows with distinctive values 'alice-0001'..'alice-0100' in four transactions, so the
# victim 'alice-0042' sits in the middle of the third one. No index covers the name, so
# the file holds the value exactly once.
cluster_psql > /dev/null <<'SQL'
CREATE EXTENSION pgledger;
CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL);
SELECT ledger.create_ledger_table('public.t');
INSERT INTO t (id, name) SELECT g, 'alice-' || lpad(g::text, 4, '0') FROM generate_series(1, 25) g;
INSERT INTO t (id, name) SELECT g, 'alice-' || lpad(g::text, 4, '0') FROM generate_series(26, 35) g;
INSERT INTO t (id, name) SELECT g, 'alice-' || lpad(g::text, 4, '0') FROM generate_series(36, 60) g;
INSERT INTO t (id, name) SELECT g, 'alice-' || lpad(g::text, 4, '0') FROM generate_series(61, 100) g;
SELECT ledger.seal();
SQL
assert_verify_ok

read -r ctid tx seq block <<< "$(sql "
    SELECT r.ctid, r.ledger_transaction_id, r.ledger_sequence_number, x.block_height
      FROM t r JOIN ledger.transactions x ON x.transaction_id = r.ledger_transaction_id
     WHERE r.name = 'alice-0042'" -F ' ')"
[ -n "$block" ] || fail "the row 'alice-0042' is not sealed"
datafile="$CLUSTER_DIR/data/$(sql "SELECT pg_relation_filepath('t')")"

# A clean shutdown writes every dirty page to the data file, and no WAL is replayed on the
# next start that could overwrite our edit.
cluster_stop
if tampering_skipped; then
    echo "(E2E_SKIP_TAMPER=1: not editing $datafile)"
else
    # Same length, in place: the tuple stays well-formed, only its bytes differ.
    python3 - "$datafile" <<'PY' || fail "could not edit $datafile"
import sys
path = sys.argv[1]
with open(path, "r+b") as f:
    data = f.read()
    if data.count(b"alice-0042") != 1:
        sys.exit("expected 'alice-0042' exactly once in %s, found it %d times" % (path, data.count(b"alice-0042")))
    f.seek(data.index(b"alice-0042"))
    f.write(b"alice-9999")
PY
fi
restart_cluster

# PostgreSQL itself serves the forged value; the ledger must name the row.
[ "$(sql "SELECT name FROM t WHERE ctid = '$ctid'")" = alice-9999 ] || tampering_skipped ||
    fail "the edit of the data file did not take: row $ctid reads $(sql "SELECT name FROM t WHERE ctid = '$ctid'")"
assert_problems t \
    "row $ctid (transaction $tx, row $seq) in block $block was changed: its values no longer hash to the sealed row hash"
assert_problems chain

# A stored value made malformed on disk: the numeric 12345 (varlena header byte 0x0f: 7
# bytes; numeric header 0x8001; base-10000 digits 1 and 2345) is shortened by one byte, so
# its digits no longer come in whole pairs. Verification must refuse to read past it, with
# SQLSTATE XX001, and the server must go on serving.
cluster_psql > /dev/null <<'SQL'
CREATE TABLE amounts (id int PRIMARY KEY, amount numeric);
SELECT ledger.create_ledger_table('public.amounts');
INSERT INTO amounts (id, amount) VALUES (1, 12345);
SELECT ledger.seal();
SQL
[ "$(sql "SELECT bool_and(ok) FROM ledger.verify('amounts')")" = t ] || fail "amounts does not verify before the edit"
datafile="$CLUSTER_DIR/data/$(sql "SELECT pg_relation_filepath('amounts')")"
cluster_stop
if ! tampering_skipped; then
    python3 - "$datafile" <<'PY' || fail "could not edit $datafile"
import sys
stored = bytes([0x0F, 0x01, 0x80, 0x01, 0x00, 0x29, 0x09])
with open(sys.argv[1], "r+b") as f:
    data = f.read()
    if data.count(stored) != 1:
        sys.exit("expected the stored numeric 12345 exactly once, found it %d times" % data.count(stored))
    f.seek(data.index(stored))
    f.write(bytes([0x0D]))
PY
fi
restart_cluster
if ! tampering_skipped; then
    out=$(cluster_psql -At -v VERBOSITY=verbose -c "SELECT * FROM ledger.verify('amounts')" 2>&1) &&
        fail "verify() read the malformed numeric without an error: [$out]"
    grep -q 'ERROR:  XX001: a stored numeric value is malformed (5 bytes)' <<< "$out" ||
        fail "verify() did not fail with XX001 on the malformed numeric: $out"
fi
[ "$(sql "SELECT count(*) FROM t")" = 100 ] || fail "the server does not serve queries after verify() of the malformed numeric"

# Varlena headers made malformed on disk, which PostgreSQL would follow out of the tuple (a
# SELECT of such a row can crash the server): the 1-byte header of a stored text, 0x13 for
# its 8 bytes, becomes 0x01 (an out-of-line pointer with a tag that does not exist) in one
# table and 0xff (127 bytes, past the tuple's end) in another. verify() must refuse each
# row with XX001, naming it, and the server must go on serving.
cluster_psql > /dev/null <<'SQL'
CREATE TABLE notes_tag (id int PRIMARY KEY, note text);
CREATE TABLE notes_length (id int PRIMARY KEY, note text);
SELECT ledger.create_ledger_table('public.notes_tag');
SELECT ledger.create_ledger_table('public.notes_length');
INSERT INTO notes_tag VALUES (1, 'note-tag');
INSERT INTO notes_length VALUES (1, 'note-len');
SELECT ledger.seal();
SQL
tag_file="$CLUSTER_DIR/data/$(sql "SELECT pg_relation_filepath('notes_tag')")"
length_file="$CLUSTER_DIR/data/$(sql "SELECT pg_relation_filepath('notes_length')")"
cluster_stop
if ! tampering_skipped; then
    python3 - "$tag_file" "$length_file" <<'PY' || fail "could not edit the notes tables"
import sys
for path, stored, header in ((sys.argv[1], b"\x13note-tag", 0x01), (sys.argv[2], b"\x13note-len", 0xFF)):
    with open(path, "r+b") as f:
        data = f.read()
        if data.count(stored) != 1:
            sys.exit("expected %r exactly once in %s, found it %d times" % (stored, path, data.count(stored)))
        f.seek(data.index(stored))
        f.write(bytes([header]))
PY
fi
restart_cluster
if ! tampering_skipped; then
    for case in "notes_tag|a value's out-of-line pointer is malformed" \
        "notes_length|a value's length runs past its end"; do
        table=${case%%|*}
        out=$(cluster_psql -At -v VERBOSITY=verbose -c "SELECT * FROM ledger.verify('$table')" 2>&1) &&
            fail "verify() read the malformed row of $table without an error: [$out]"
        grep -qF "ERROR:  XX001: row (0,1) of \"$table\" is malformed on disk: ${case#*|}" <<< "$out" ||
            fail "verify() did not fail with XX001 naming the malformed row of $table: $out"
    done
fi
[ "$(sql "SELECT count(*) FROM t")" = 100 ] || fail "the server does not serve queries after verify() of malformed rows"

pass
