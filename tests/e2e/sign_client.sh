#!/usr/bin/env bash
# pgledger-sign against a real server: keygen, a registration proof, and `run`, which executes
# a file of statements in one transaction, signs its digest locally and commits. The signature
# must be the one the ledger records and re-verifies; a wrong key must leave nothing behind.
# The binary comes from the CMake build: $PGLEDGER_SIGN, or build/src/client/pgledger-sign.
TEST_NAME=sign_client
source "$(dirname "$0")/common.bash"

sign_tool=${PGLEDGER_SIGN:-$E2E_DIR/../../build/src/client/pgledger-sign}
[ -x "$sign_tool" ] || fail "pgledger-sign not found at $sign_tool; build with CMake or set PGLEDGER_SIGN"

start_cluster
WORK=$(mktemp -d /tmp/pgledger-e2e-sign.XXXXXX)
trap 'cluster_remove; rm -f "$E2E_ERR"; rm -rf "$WORK"' EXIT
conninfo="host=$CLUSTER_DIR port=$CLUSTER_PORT dbname=$CLUSTER_DB user=postgres"

sql "CREATE EXTENSION pgledger; CREATE ROLE acme_app;
     CREATE TABLE orders (id int, item text); SELECT ledger.create_ledger_table('orders')" > /dev/null

pub=$("$sign_tool" keygen --key "$WORK/acme.pem") || fail "keygen failed"
[[ $pub =~ ^[0-9a-f]{64}$ ]] || fail "keygen printed no public key: [$pub]"
[ "$(stat -c %a "$WORK/acme.pem")" = 600 ] || fail "the private key file is not mode 0600"
"$sign_tool" keygen --key "$WORK/other.pem" > /dev/null || fail "second keygen failed"
proof=$("$sign_tool" sign --key "$WORK/acme.pem" "$(sql "SELECT ledger.key_digest('acme', 1, '\\x$pub')")") ||
    fail "signing the registration digest failed"
sql "SELECT ledger.create_participant('acme', 'acme_app', '\\x$pub', '\\x$proof')" > /dev/null ||
    fail "the server refused the proof pgledger-sign made"

cat > "$WORK/order.sql" <<'SQL'
INSERT INTO orders VALUES (1, 'anvil');
INSERT INTO orders VALUES (2, 'rope'), (3, 'dynamite');
SQL
out=$("$sign_tool" run --key "$WORK/acme.pem" --participant acme --dbname "$conninfo" "$WORK/order.sql") ||
    fail "run failed: $out"
digest=$(sed -n 's/^digest //p' <<< "$out")
signature=$(sed -n 's/^signature //p' <<< "$out")
[[ $digest =~ ^[0-9a-f]{64}$ && $signature =~ ^[0-9a-f]{128}$ ]] || fail "run printed no digest and signature: $out"
[ "$(sql "SELECT count(*) FROM orders")" = 3 ] || fail "the signed transaction's rows were not committed"
tx=$(sql "SELECT DISTINCT ledger_transaction_id FROM orders")
[ "$(sql "SELECT encode(signature, 'hex') FROM ledger_identity.transaction_signatures WHERE transaction_id = $tx")" = "$signature" ] ||
    fail "the ledger does not record the signature run printed"
[ "$(sql "SELECT encode(ledger._recorded_transaction_digest($tx, 'acme'), 'hex')")" = "$digest" ] ||
    fail "the digest run signed is not the one the ledger recomputes from its recorded rows"
sql "SELECT ledger.seal()" > /dev/null
[ "$(sql "SELECT string_agg(kind || ':' || ok, ',' ORDER BY kind) FROM ledger.verify_signatures()")" = "key:true,signature:true" ] ||
    fail "verify_signatures() does not accept the registration and the signature"

# Another key than acme's: refused by the server, rolled back, exit status 1.
echo "INSERT INTO orders VALUES (4, 'forged');" > "$WORK/forged.sql"
if "$sign_tool" run --key "$WORK/other.pem" --participant acme --dbname "$conninfo" "$WORK/forged.sql" \
    > "$WORK/out" 2> "$WORK/err"; then
    fail "run with another key than acme's succeeded"
fi
grep -q 'does not verify' "$WORK/err" || fail "run did not report the server's refusal: $(cat "$WORK/err")"
[ "$(sql "SELECT count(*) FROM orders WHERE id = 4")" = 0 ] || fail "the refused transaction's row was committed"

# refuse_unsigned_commit FILE ID WHAT: run executes FILE, which inserts row ID and commits it
# by itself; the commit must be refused for lack of acme's signature, leaving no row ID.
refuse_unsigned_commit() {
    if "$sign_tool" run --key "$WORK/acme.pem" --participant acme --dbname "$conninfo" "$1" \
        > /dev/null 2> "$WORK/err"; then
        fail "run accepted a file that $3"
    fi
    grep -q 'must be signed by participant "acme"' "$WORK/err" ||
        fail "the COMMIT of a file that $3 was not refused for lack of a signature: $(cat "$WORK/err")"
    [ "$(sql "SELECT count(*) FROM orders WHERE id = $2")" = 0 ] ||
        fail "a file that $3 committed an unsigned row"
}

# A file that ends the transaction itself would commit unsigned rows: refused before signing.
echo "INSERT INTO orders VALUES (5, 'sneaky'); COMMIT;" > "$WORK/commits.sql"
refuse_unsigned_commit "$WORK/commits.sql" 5 "commits by itself"

# Nor can the file take the requirement back before committing.
echo "RESET ledger.required_signers; SET ledger.required_signers = ''; INSERT INTO orders VALUES (6, 'reset'); COMMIT;" \
    > "$WORK/resets.sql"
refuse_unsigned_commit "$WORK/resets.sql" 6 "resets the requirement and commits"

pass
