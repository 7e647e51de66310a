#!/usr/bin/env bash
# Row-level privacy, tested as each participant's own login role: a participant reads only the
# rows it is a party to, through every path (SELECT, views, functions, a leaky predicate,
# COPY TO, cursors, EXPLAIN, the statistics views, the ledger's own functions); a private
# column is committed to with a salted hash that a party can reveal and anyone can check;
# an auditor verifies every row it cannot read and learns nothing but where history broke;
# and an erased private value leaves a ledger that still verifies and says so.
TEST_NAME=privacy
source "$(dirname "$0")/common.bash"

command -v openssl > /dev/null && command -v xxd > /dev/null || fail "this test needs openssl and xxd"

start_cluster
KEYS=$(mktemp -d /tmp/pgledger-e2e-keys.XXXXXX)
trap 'cluster_remove; rm -f "$E2E_ERR"; rm -rf "$KEYS"' EXIT

# as ROLE QUERY: one query in a session logged in as ROLE (not SET ROLE from a superuser).
as() {
    local role=$1
    shift
    cluster_psql -U "$role" -At -c "$@"
}

# as_fails ROLE SQLSTATE QUERY: the query, run as ROLE, fails with exactly that SQLSTATE.
# The error text is left in $ERROR_TEXT.
as_fails() {
    local role=$1 expected=$2 query=$3 state
    if cluster_psql -U "$role" -At -c '\set VERBOSITY verbose' -c "$query" > /dev/null 2> "$KEYS/err"; then
        fail "as $role, [$query] succeeded; expected SQLSTATE $expected"
    fi
    state=$(sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\): .*$/\1/p' "$KEYS/err" | head -1)
    ERROR_TEXT=$(cat "$KEYS/err")
    [ "$state" = "$expected" ] || fail "as $role, [$query] failed with [$state], expected $expected: $ERROR_TEXT"
}

register() {
    local name=$1 role=$2 pub digest sig
    openssl genpkey -algorithm ed25519 -out "$KEYS/$name.pem" 2> /dev/null || fail "openssl genpkey failed"
    pub=$(openssl pkey -in "$KEYS/$name.pem" -pubout -outform DER | tail -c 32 | xxd -p -c 64)
    digest=$(sql "SELECT encode(ledger.key_digest('$name', 1, '\\x$pub'), 'hex')")
    echo -n "$digest" | xxd -r -p > "$KEYS/digest.bin"
    sig=$(openssl pkeyutl -sign -rawin -inkey "$KEYS/$name.pem" -in "$KEYS/digest.bin" | xxd -p -c 128)
    sql "SELECT ledger.create_participant('$name', '$role', '\\x$pub', '\\x$sig')" > /dev/null ||
        fail "could not register participant $name"
}

cluster_psql > /dev/null <<'SQL'
CREATE EXTENSION pgledger;
CREATE ROLE acme_app LOGIN;
CREATE ROLE globex_app LOGIN;
CREATE ROLE initech_app LOGIN;
CREATE ROLE outsider LOGIN;
CREATE ROLE auditor LOGIN IN ROLE ledger_auditor;
CREATE SCHEMA apps;
GRANT USAGE, CREATE ON SCHEMA apps TO acme_app, globex_app, initech_app, outsider;
CREATE TABLE apps.trade (id int, buyer text, seller text, amount numeric, memo text);
SELECT ledger.create_ledger_table('apps.trade');
SELECT ledger.declare_private('apps.trade', 'amount');
SELECT ledger.restrict_visibility('apps.trade', ARRAY['buyer', 'seller']);
GRANT SELECT, INSERT ON apps.trade TO acme_app, globex_app, initech_app, outsider;
SQL
register acme acme_app
register globex globex_app
register initech initech_app

# Every participant inserts its own trade; two amounts are equal on purpose.
as acme_app "INSERT INTO apps.trade VALUES (1, 'acme', 'globex', 1500, 'steel')" > /dev/null
as globex_app "INSERT INTO apps.trade VALUES (2, 'globex', 'initech', 777, 'copper')" > /dev/null
as initech_app "INSERT INTO apps.trade VALUES (3, 'initech', 'acme', 1500, 'tin')" > /dev/null
sql "SELECT ledger.seal()" > /dev/null

# --- SELECT, views, functions, a leaky predicate --------------------------------------------
[ "$(as acme_app "SELECT string_agg(id::text, ',' ORDER BY id) FROM apps.trade")" = "1,3" ] ||
    fail "acme does not see exactly its trades 1 and 3"
[ "$(as globex_app "SELECT string_agg(id::text, ',' ORDER BY id) FROM apps.trade")" = "1,2" ] ||
    fail "globex does not see exactly its trades 1 and 2"
[ "$(as initech_app "SELECT string_agg(id::text, ',' ORDER BY id) FROM apps.trade")" = "2,3" ] ||
    fail "initech does not see exactly its trades 2 and 3"
[ "$(as outsider "SELECT count(*) FROM apps.trade")" = 0 ] || fail "a role that is no participant sees trades"
[ "$(sql "SELECT count(*) FROM apps.trade")" = 3 ] || fail "the table's owner does not see all three trades"
[ "$(as acme_app "SELECT ledger.current_participants()")" = "{acme}" ] || fail "acme_app does not act for acme"
# A rule may grant more: an ordinary permissive policy, ORed with the parties' one.
sql "CREATE ROLE regulator LOGIN; GRANT USAGE ON SCHEMA apps TO regulator; GRANT SELECT ON apps.trade TO regulator;
     CREATE POLICY large_trades ON apps.trade FOR SELECT TO regulator USING (amount >= 1000)" > /dev/null
[ "$(as regulator "SELECT string_agg(id::text, ',' ORDER BY id) FROM apps.trade")" = "1,3" ] ||
    fail "the regulator's rule does not grant exactly the large trades 1 and 3"

as acme_app "CREATE VIEW apps.acme_view AS SELECT * FROM apps.trade" > /dev/null
[ "$(as acme_app "SELECT string_agg(id::text, ',' ORDER BY id) FROM apps.acme_view")" = "1,3" ] ||
    fail "a participant's own view shows other parties' trades"
sql "CREATE VIEW apps.shared_view WITH (security_invoker = true) AS SELECT id, memo FROM apps.trade;
     GRANT SELECT ON apps.shared_view TO globex_app" > /dev/null
[ "$(as globex_app "SELECT string_agg(id::text, ',' ORDER BY id) FROM apps.shared_view")" = "1,2" ] ||
    fail "a security_invoker view shared by the owner shows globex trades it is no party to"
as acme_app "CREATE FUNCTION apps.total() RETURNS numeric LANGUAGE sql AS 'SELECT sum(amount) FROM apps.trade'" > /dev/null
[ "$(as acme_app "SELECT apps.total()")" = 3000 ] || fail "a participant's function sums trades it is no party to"
# A predicate that talks: it may only ever be shown values of visible rows.
as acme_app "CREATE FUNCTION apps.tell(numeric, text) RETURNS boolean LANGUAGE plpgsql COST 0.0001 AS
             \$\$BEGIN RAISE NOTICE 'saw % %', \$1, \$2; RETURN true; END\$\$" > /dev/null
told=$(cluster_psql -U acme_app -At -c "SELECT count(*) FROM apps.trade WHERE apps.tell(amount, memo)" 2>&1)
grep -q "saw 777 copper" <<< "$told" && fail "a leaky predicate saw globex/initech's trade 2: $told"
[ "$(grep -c 'saw ' <<< "$told")" = 2 ] || fail "the leaky predicate should see exactly acme's two rows: $told"

# --- COPY TO, cursors, EXPLAIN, statistics ---------------------------------------------------
[ "$(cluster_psql -U acme_app -At -c "COPY apps.trade (id) TO STDOUT" | sort | paste -sd,)" = "1,3" ] ||
    fail "COPY TO shows acme trades it is no party to"
[ "$(cluster_psql -U acme_app -At -c "COPY (SELECT id FROM apps.trade) TO STDOUT" | sort | paste -sd,)" = "1,3" ] ||
    fail "COPY (query) TO shows acme trades it is no party to"
fetched=$(cluster_psql -U acme_app -At <<'SQL'
BEGIN;
DECLARE c SCROLL CURSOR FOR SELECT id FROM apps.trade;
FETCH ALL FROM c;
FETCH ABSOLUTE 3 FROM c;
COMMIT;
SQL
)
[ "$(paste -sd, <<< "$fetched")" = "1,3" ] || fail "a cursor fetched trades acme is no party to: $fetched"
as_fails acme_app LG204 "EXPLAIN SELECT * FROM apps.trade WHERE amount > 1000"
as_fails acme_app LG204 "EXPLAIN (ANALYZE) SELECT * FROM apps.trade WHERE amount > 1000"
as_fails acme_app LG204 "EXPLAIN ANALYZE SELECT * FROM apps.acme_view"
sql "EXPLAIN ANALYZE SELECT * FROM apps.trade" > /dev/null || fail "the owner, who sees every row, cannot EXPLAIN"
sql "ANALYZE apps.trade" > /dev/null
[ "$(sql "SELECT count(*) > 0 FROM pg_stats WHERE tablename = 'trade'")" = t ] || fail "ANALYZE gathered no statistics"
[ "$(as acme_app "SELECT count(*) FROM pg_stats WHERE tablename = 'trade'")" = 0 ] ||
    fail "pg_stats shows acme the value statistics of every trade"

# --- the ledger's own tables and functions ---------------------------------------------------
# Every ledger function a participant may call either concerns only its own transaction, is
# pure, reads the public registry or catalogs, or checks ownership or visibility itself (each
# is exercised below or in signatures.sh); everything else is the owner's and auditors'.
[ "$(as acme_app "SELECT string_agg(p.proname, ',' ORDER BY p.proname) FROM pg_proc p
                  WHERE p.pronamespace = 'ledger'::regnamespace AND has_function_privilege(p.oid, 'EXECUTE')")" = \
  "_identity_ready,_ledger_schema_ready,commitment,current_participants,current_transaction_id,declare_private,ed25519_verify,erase_private,key_digest,now,participants,require_signers_for_session,restrict_visibility,reveal,sign_transaction,signed_by,transaction_digest" ] ||
    fail "a participant may call other ledger functions than the reviewed ones"
[ "$(as acme_app "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_class c
                  WHERE c.relnamespace = 'ledger'::regnamespace AND has_table_privilege(c.oid, 'SELECT')")" = \
  "blocks,contracts,private_columns,tables" ] || fail "a participant may read other ledger tables than the reviewed ones"
as_fails acme_app 42501 "SELECT ledger.restrict_visibility('apps.trade', ARRAY['buyer'])"
as_fails acme_app 42501 "SELECT ledger.declare_private('apps.trade', 'memo')"
as_fails acme_app 42501 "SELECT row_index FROM ledger.transactions"
as_fails acme_app 42501 "SELECT salt FROM ledger.private_salts"
as_fails acme_app 42501 "SELECT * FROM ledger.verify()"
as_fails acme_app 42501 "SELECT * FROM ledger.verify_signatures()"
as_fails acme_app 42501 "SELECT ledger.erase_private('apps.trade', 1, 1, 'amount', 'not mine to erase')"
# Revealing a trade acme is no party to fails exactly as a trade that does not exist.
as_fails acme_app P0002 "SELECT ledger.reveal('apps.trade', (SELECT min(ledger_transaction_id) FROM apps.trade) + 1, 1, 'amount')"
hidden_error=$ERROR_TEXT
as_fails acme_app P0002 "SELECT ledger.reveal('apps.trade', 999, 1, 'amount')"
[ "$(sed 's/transaction [0-9]*/transaction N/' <<< "$hidden_error")" = "$(sed 's/transaction [0-9]*/transaction N/' <<< "$ERROR_TEXT")" ] ||
    fail "revealing a hidden row errs differently from revealing a missing one: [$hidden_error] vs [$ERROR_TEXT]"
grep -q 777 <<< "$hidden_error" && fail "the reveal error shows the hidden amount: $hidden_error"

# --- salted commitments ----------------------------------------------------------------------
position=$(as acme_app "SELECT ledger_transaction_id || ',' || ledger_sequence_number FROM apps.trade WHERE id = 1")
revealed=$(as acme_app "SELECT ledger.reveal('apps.trade', ${position%,*}, ${position#*,}, 'amount')")
[ "$(sed 's/.*"value": "\([^"]*\)".*/\1/' <<< "$revealed")" = 1500 ] ||
    fail "reveal did not show trade 1's amount: $revealed"
salt=$(sed 's/.*"salt": "\\\\x\([0-9a-f]*\)".*/\1/' <<< "$revealed")
commitment=$(sed 's/.*"commitment": "\\\\x\([0-9a-f]*\)".*/\1/' <<< "$revealed")
[ ${#salt} = 64 ] && [ ${#commitment} = 64 ] || fail "reveal gave no 32-byte salt and commitment: $revealed"
# Anyone (here the outsider) can check a revealed value, and no other value passes.
[ "$(as outsider "SELECT ledger.commitment(1500::numeric, '\\x$salt') = '\\x$commitment'")" = t ] ||
    fail "the revealed value and salt do not match the commitment"
[ "$(as outsider "SELECT ledger.commitment(1501::numeric, '\\x$salt') = '\\x$commitment'")" = f ] ||
    fail "a different amount matches the commitment"
[ "$(as outsider "SELECT ledger.commitment(1500::numeric, '\\x$(openssl rand -hex 32)') = '\\x$commitment'")" = f ] ||
    fail "another salt matches the commitment"
# Equal amounts get different commitments: the hashes do not even tell that they are equal.
[ "$(sql "SELECT count(DISTINCT commitment) FROM ledger.private_salts")" = 3 ] ||
    fail "the three amounts (two of them equal) do not have three different commitments"

# --- the auditor ------------------------------------------------------------------------------
as_fails auditor 42501 "SELECT * FROM apps.trade"
audit=$(as auditor "SELECT coalesce(table_name::text, 'chain') || '|' || rows_checked || '|' || ok FROM ledger.verify() ORDER BY 1")
grep -qx "apps.trade|3|true" <<< "$audit" || fail "the auditor did not verify all three trades: $audit"
[ "$(as auditor "SELECT count(*) FROM ledger.verify_signatures() WHERE ok")" = 3 ] ||
    fail "the auditor could not check the three key registrations"

# Triggers are off only while the superuser edits, as the tamper tests do.
tamper() {
    behind_hooks <<< "ALTER TABLE apps.trade DISABLE TRIGGER ALL; $1; ALTER TABLE apps.trade ENABLE ALWAYS TRIGGER zz_pgledger_guard;"
}
tamper "UPDATE apps.trade SET amount = 778 WHERE id = 2"
audit=$(as auditor "SELECT table_name || '|' || problem FROM ledger.verify() WHERE NOT ok")
[[ $audit == "apps.trade|"*row* ]] || fail "the auditor's verify() does not name the altered row: $audit"
grep -qE '777|778|copper|globex|initech' <<< "$audit" && fail "the auditor's verify() output shows row contents: $audit"
tamper "UPDATE apps.trade SET amount = 777 WHERE id = 2"
[ -z "$(as auditor "SELECT problem FROM ledger.verify() WHERE NOT ok")" ] || fail "undoing the change did not verify again"

# --- erasure (crypto-shredding) --------------------------------------------------------------
as_fails acme_app 42501 "SELECT ledger.erase_private('apps.trade', ${position%,*}, ${position#*,}, 'amount', 'request')"
sql "SELECT ledger.erase_private('apps.trade', ${position%,*}, ${position#*,}, 'amount', 'erasure request 17')" > /dev/null ||
    fail "the owner could not erase trade 1's amount"
[ "$(as globex_app "SELECT coalesce(amount::text, 'NULL') FROM apps.trade WHERE id = 1")" = NULL ] ||
    fail "the erased amount is still readable"
[ "$(sql "SELECT count(*) FROM ledger.private_salts WHERE salt IS NULL")" = 1 ] || fail "the salt was not destroyed"
as_fails acme_app 55000 "SELECT ledger.reveal('apps.trade', ${position%,*}, ${position#*,}, 'amount')"
sql "SELECT ledger.seal()" > /dev/null
audit=$(as auditor "SELECT ok || '|' || coalesce(problem, '') FROM ledger.verify() WHERE table_name::text = 'apps.trade' ORDER BY problem NULLS FIRST")
[ "$audit" = "true|
true|row (transaction ${position%,*}, sequence ${position#*,}): the private value of column \"amount\" was erased; its commitment still verifies" ] ||
    fail "verify() does not report trade 1 as erased (and nothing else): $audit"
[ "$(sql "SELECT count(*) FROM ledger_privacy.erasures WHERE reason = 'erasure request 17'")" = 1 ] ||
    fail "the erasure is not recorded in the ledger"
as_fails postgres LG001 "UPDATE apps.trade SET amount = NULL WHERE id = 3"

# pg_dump / pg_restore keeps participants, signatures' tables, policies, salts and erasures.
dump="$KEYS/ledger.dump"
pg_dump -Fc -h "$CLUSTER_DIR" -p "$CLUSTER_PORT" -U postgres -f "$dump" "$CLUSTER_DB" || fail "pg_dump failed"
cluster_psql -d postgres -qc "CREATE DATABASE ledgerrestore" > /dev/null
pg_restore --exit-on-error -h "$CLUSTER_DIR" -p "$CLUSTER_PORT" -U postgres -d ledgerrestore "$dump" \
    > "$KEYS/restore.log" 2>&1 || fail "pg_restore failed: $(cat "$KEYS/restore.log")"
restored() { cluster_psql -d ledgerrestore -U "$1" -At -c "$2"; }
[ "$(restored postgres "SELECT string_agg(coalesce(problem, 'ok'), ';' ORDER BY problem NULLS FIRST) FROM ledger.verify() WHERE table_name::text = 'apps.trade'")" = \
  "ok;row (transaction ${position%,*}, sequence ${position#*,}): the private value of column \"amount\" was erased; its commitment still verifies" ] ||
    fail "the restored ledger does not verify with its erasure"
[ -z "$(restored postgres "SELECT problem FROM ledger.verify() WHERE NOT ok")" ] || fail "the restored ledger has problems"
[ "$(restored postgres "SELECT count(*) FILTER (WHERE ok) || '/' || count(*) FROM ledger.verify_signatures()")" = 3/3 ] ||
    fail "the restored participants' key events do not verify"
[ "$(restored globex_app "SELECT string_agg(id::text, ',' ORDER BY id) FROM apps.trade")" = "1,2" ] ||
    fail "visibility is not restored"
position3=$(sql "SELECT ledger_transaction_id || ',' || ledger_sequence_number FROM apps.trade WHERE id = 3")
[ "$(restored acme_app "SELECT ledger.reveal('apps.trade', ${position3%,*}, ${position3#*,}, 'amount')->>'commitment_matches'")" = true ] ||
    fail "a private value cannot be revealed in the restored database"

# A salt destroyed behind the ledger, with the value, is tampering, not an erasure.
tamper "UPDATE ledger.private_salts SET salt = NULL, erased_at = now()
         WHERE (transaction_id, sequence_number) =
               (SELECT ledger_transaction_id, ledger_sequence_number FROM apps.trade WHERE id = 3);
        UPDATE apps.trade SET amount = NULL WHERE id = 3"
audit=$(as auditor "SELECT problem FROM ledger.verify() WHERE NOT ok")
[[ $audit == *"without a recorded erasure"* ]] || fail "an unrecorded erasure is not reported as tampering: $audit"

pass
