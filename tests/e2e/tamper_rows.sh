#!/usr/bin/env bash
# Tamper with sealed rows behind pgledger's hooks (server restarted without the library,
# triggers disabled) and check that verify() names the exact row, transaction and block.
# Each case uses its own ledger table, so its problems are asserted exactly and the
# untouched tables must stay clean.
TEST_NAME=tamper_rows
source "$(dirname "$0")/common.bash"

# Only ledger.seal() seals here, so that each batch below is one block: the worker, at the
# harness's 200 ms, could seal a batch first, or half of it.
start_cluster "ledger.block_interval = '1h'"
sealer_connected

# Seven tables, each filled by three transactions of four rows sealed into three different
# blocks; the victims are in the middle transaction, so neither first nor last is special.
cluster_psql > /dev/null <<'SQL'
CREATE EXTENSION pgledger;
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['t_change', 't_delete', 't_forge', 't_unknown', 't_storage'] LOOP
        EXECUTE format('CREATE TABLE %I (id int PRIMARY KEY, name text, amount numeric)', t);
        PERFORM ledger.create_ledger_table(t::regclass);
    END LOOP;
    CREATE TABLE t_retype (id int PRIMARY KEY, name text, amount bigint);
    PERFORM ledger.create_ledger_table('t_retype');
    CREATE DOMAIN amount_d AS bigint;
    CREATE TABLE t_domain (id int PRIMARY KEY, name text, amount amount_d);
    PERFORM ledger.create_ledger_table('t_domain');
END $$;
SQL
for batch in 0 1 2; do
    for t in t_change t_delete t_forge t_unknown t_storage t_retype t_domain; do
        sql "INSERT INTO $t (id, name, amount)
             SELECT g, 'alice-' || lpad(g::text, 4, '0'), g * 1.5 FROM generate_series($batch * 4 + 1, $batch * 4 + 4) g" > /dev/null
    done
    [ -n "$(sql "SELECT ledger.seal()")" ] || fail "seal() sealed nothing"
done
assert_verify_ok

# position TABLE ID -> "transaction row block" of that row, from the ledger's own records.
position() {
    sql "SELECT r.ledger_transaction_id, r.ledger_sequence_number, x.block_height
           FROM $1 r JOIN ledger.transactions x
             ON x.transaction_id = r.ledger_transaction_id AND x.table_id =
                (SELECT table_id FROM ledger.tables WHERE relation = '$1'::regclass)
          WHERE r.id = $2" -F ' '
}
ctid_of() {
    sql "SELECT ctid FROM $1 WHERE id = $2"
}

# (a) change a value of a sealed row
read -r tx seq block <<< "$(position t_change 6)"
[ -n "$block" ] || fail "row 6 of t_change is not sealed"
behind_hooks a <<'SQL'
ALTER TABLE t_change DISABLE TRIGGER ALL;
UPDATE t_change SET amount = 1000000 WHERE id = 6;
SQL
ctid=$(ctid_of t_change 6)
assert_problems t_change \
    "row $ctid (transaction $tx, row $seq) in block $block was changed: its values no longer hash to the sealed row hash"
assert_problems chain # the chain itself is intact
assert_problems t_delete
assert_problems t_forge
assert_problems t_unknown

# (b) delete a sealed row
read -r tx seq block <<< "$(position t_delete 7)"
behind_hooks b <<'SQL'
ALTER TABLE t_delete DISABLE TRIGGER ALL;
DELETE FROM t_delete WHERE id = 7;
SQL
assert_problems t_delete "row $seq of transaction $tx in block $block is missing: it was deleted"
assert_problems t_forge
assert_problems t_unknown

# (c) forge rows into an existing sealed transaction: one past its last row, and one that
# copies the position of a row it really has (a duplicate position).
read -r tx seq block <<< "$(position t_forge 5)"
row_count=$(sql "SELECT row_count FROM ledger.transactions WHERE transaction_id = $tx
                   AND table_id = (SELECT table_id FROM ledger.tables WHERE relation = 't_forge'::regclass)")
[ "$row_count" = 4 ] || fail "expected transaction $tx of t_forge to hold 4 rows, it holds $row_count"
behind_hooks c <<SQL
ALTER TABLE t_forge DISABLE TRIGGER ALL;
INSERT INTO t_forge VALUES (100, 'mallory-0100', 1, $tx, 5);
INSERT INTO t_forge VALUES (101, 'mallory-0101', 1, $tx, 2);
SQL
assert_problems t_forge \
    "row $(ctid_of t_forge 100) (transaction $tx, row 5) in block $block was not part of its transaction when it committed: it was added later" \
    "row $(ctid_of t_forge 101) (transaction $tx, row 2) in block $block appears more than once"
assert_problems t_unknown

# (d) rows with an unknown position and with no position at all (the position columns are
# NOT NULL, so the attacker drops that constraint first).
behind_hooks d <<'SQL'
ALTER TABLE t_unknown DISABLE TRIGGER ALL;
INSERT INTO t_unknown VALUES (200, 'mallory-0200', 1, 999999, 1);
ALTER TABLE t_unknown ALTER ledger_transaction_id DROP NOT NULL, ALTER ledger_sequence_number DROP NOT NULL;
INSERT INTO t_unknown (id, name, amount) VALUES (201, 'mallory-0201', 1);
SQL
assert_problems t_unknown \
    "row $(ctid_of t_unknown 200) (transaction 999999, row 1) belongs to a transaction that the ledger has no record of" \
    "row $(ctid_of t_unknown 201) has no ledger position*"

# All earlier cases are still reported, each still exactly once, and the chain is intact.
[ "$(verify_problems | grep -vc '^chain|')" = 6 ] || fail "expected 6 row problems in all, got: $(verify_problems)"
assert_problems chain
assert_problems t_storage

# (e) the table is moved to plain heap storage for good: the rows inserted from then on,
# through the guarded server, are neither positioned nor hashed, and verify() says why.
behind_hooks e <<'SQL'
UPDATE pg_class SET relam = (SELECT oid FROM pg_am WHERE amname = 'heap') WHERE oid = 't_storage'::regclass;
DELETE FROM tampered_relations WHERE oid = 't_storage'::regclass;
SQL
sql "INSERT INTO t_storage (id, name, amount) VALUES (300, 'unsealed', 1)" > /dev/null
assert_problems t_storage \
    "the table no longer uses the ledger access method: rows inserted now are neither hashed nor sealed" \
    "row $(ctid_of t_storage 300) has no ledger position*"

# (f) a column's type is changed in the catalog: bigint read as money. Both send the same
# eight bytes, so every row still hashes as sealed; the columns its entries recorded differ.
# (g) the same through a domain: the column keeps its declared type, whose base type changes.
# entries_of TABLE -> "count first_transaction its_block" of the table's entries.
entries_of() {
    sql "SELECT count(*), min(transaction_id),
            (SELECT block_height FROM ledger.transactions y WHERE y.table_id = x.table_id ORDER BY transaction_id LIMIT 1)
       FROM ledger.transactions x
      WHERE table_id = (SELECT table_id FROM ledger.tables WHERE relation = '$1'::regclass)
      GROUP BY table_id" -F ' '
}
read -r entries first block <<< "$(entries_of t_retype)"
read -r domain_entries domain_first domain_block <<< "$(entries_of t_domain)"
behind_hooks f <<'SQL'
UPDATE pg_attribute SET atttypid = 'money'::regtype WHERE attrelid = 't_retype'::regclass AND attname = 'amount';
UPDATE pg_type SET typbasetype = 'money'::regtype, typinput = 'cash_in', typoutput = 'cash_out',
       typreceive = 'cash_recv', typsend = 'cash_send' WHERE oid = 'amount_d'::regtype;
SQL
for t in t_retype t_domain; do
    got=$(sql "SELECT amount FROM $t WHERE id = 1")
    [[ $got == \$* ]] || fail "(f) the catalog edit did not retype $t.amount: [$got]"
done
changed="the table's columns or the ledger's record of them were changed behind the ledger, and sealed values may now be read as other types"
assert_problems t_retype \
    "$entries transactions (the first: transaction $first in block $block) recorded its first 5 columns with other names or types than the catalog now declares (id pg_catalog.int4, name pg_catalog.text, amount pg_catalog.money, ledger_transaction_id pg_catalog.int8, ledger_sequence_number pg_catalog.int4): $changed"
assert_problems t_domain \
    "$domain_entries transactions (the first: transaction $domain_first in block $domain_block) recorded its first 5 columns with other names or types than the catalog now declares (id pg_catalog.int4, name pg_catalog.text, amount public.amount_d over pg_catalog.money, ledger_transaction_id pg_catalog.int8, ledger_sequence_number pg_catalog.int4): $changed"
assert_problems chain

pass
