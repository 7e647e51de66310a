#!/usr/bin/env bash
# escrow: truly concurrent sessions race to settle the same escrow, at every isolation level.
# Race 1: the arbitrator (decision refund + refund) against the buyer (confirmation + release).
# Race 2: five releases of one confirmed escrow at once (three by the buyer, two by the arbitrator).
# Exactly one settlement must commit; the losers must be refused (LG101/LG102) or fail to serialize (40001).
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PSQL=(timeout 60 psql -X -q -v ON_ERROR_STOP=1)

# One racer: waits at a barrier (a shared advisory lock the conductor holds), then runs its transaction.
racer() { # name isolation role sql...
    local name=$1 level=$2 role=$3; shift 3
    {
        echo "SET lock_timeout = '20s'; SET statement_timeout = '30s';"
        echo "BEGIN ISOLATION LEVEL $level;"
        echo "SELECT pg_advisory_xact_lock_shared(4242);"
        echo "SET LOCAL ROLE $role;"
        printf '%s\n' "$@"
        echo "SELECT pg_sleep(0.2);"
        echo "COMMIT;"
    } > "$work/$name.sql"
    ( if "${PSQL[@]}" -f "$work/$name.sql" > "$work/$name.out" 2> "$work/$name.err"; then
          echo ok > "$work/$name.rc"; else echo fail > "$work/$name.rc"; fi ) &
}

race() { # label escrow racers...: the conductor releases the barrier once every racer waits on it
    local label=$1 escrow=$2; shift 2
    local names=("$@")
    # every racer blocks on the barrier: count the waiters, then release
    for _ in $(seq 1 200); do
        waiting=$(psql -X -Atqc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted")
        [ "$waiting" -eq "${#names[@]}" ] && break
        sleep 0.05
    done
    [ "$waiting" -eq "${#names[@]}" ] || { echo "FAIL $label: only $waiting racers reached the barrier"; exit 1; }
    # release the barrier: end the conductor's session (its backend holds the lock, not its client)
    psql -X -Atqc "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND granted AND mode = 'ExclusiveLock'" > /dev/null
    wait "$conductor" 2>/dev/null || true
    wait
    local wins=0
    for n in "${names[@]}"; do
        if [ "$(cat "$work/$n.rc")" = ok ]; then
            wins=$((wins + 1))
        elif ! grep -q 'refused the transaction\|could not serialize\|already been settled\|already been confirmed\|already been decided' "$work/$n.err"; then
            echo "FAIL $label: $n failed for another reason:"; cat "$work/$n.err"; exit 1
        fi
    done
    local rows
    rows=$(psql -X -Atqc "SELECT count(*) FROM settlements WHERE escrow_id = '$escrow'")
    if [ "$wins" -ne 1 ] || [ "$rows" -ne 1 ]; then
        echo "FAIL $label: $wins transactions committed, $rows settlements of $escrow"
        for n in "${names[@]}"; do echo "--- $n: $(cat "$work/$n.rc")"; cat "$work/$n.err"; done
        exit 1
    fi
    echo "ok $label: 1 of ${#names[@]} won"
    for n in "${names[@]}"; do
        echo "   $n: $(cat "$work/$n.rc") $(grep -o 'ERROR: .*' "$work/$n.err" | head -1 | cut -c1-150)"
        # a loser that failed to serialize retries, as a client would: the contract must refuse the retry
        if grep -q 'could not serialize' "$work/$n.err"; then
            if "${PSQL[@]}" -f "$work/$n.sql" > /dev/null 2> "$work/$n.retry"; then
                echo "FAIL $label: the retry of $n committed"; exit 1
            fi
            grep -q 'contract "escrow" version 1 refused' "$work/$n.retry" || {
                echo "FAIL $label: the retry of $n failed for another reason:"; cat "$work/$n.retry"; exit 1; }
            echo "     retried: $(grep -o 'ERROR: .*' "$work/$n.retry" | head -1 | cut -c1-150)"
        fi
    done
    rows=$(psql -X -Atqc "SELECT count(*) FROM settlements WHERE escrow_id = '$escrow'")
    [ "$rows" -eq 1 ] || { echo "FAIL $label: $rows settlements of $escrow after the retries"; exit 1; }
}

hold_barrier() { # the conductor: holds the barrier exclusively until killed
    psql -X -q -c "SELECT pg_advisory_lock(4242); SELECT pg_sleep(60);" > /dev/null 2>&1 &
    conductor=$!
    for _ in $(seq 1 100); do
        [ "$(psql -X -Atqc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND granted")" -eq 1 ] && return
        sleep 0.05
    done
    echo "FAIL: the barrier was never taken"; exit 1
}

for level in "READ COMMITTED" "REPEATABLE READ" "SERIALIZABLE"; do
    tag=$(echo "$level" | tr -d ' ' | tr 'A-Z' 'a-z')
    psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET ROLE escrow_buyer;
INSERT INTO deposits (escrow_id, seller, arbitrator, amount) VALUES
    ('R1_$tag', 'escrow_seller', 'escrow_arbitrator', 250), ('R2_$tag', 'escrow_seller', 'escrow_arbitrator', 75);
INSERT INTO delivery_confirmations (escrow_id) VALUES ('R2_$tag');
SQL

    # Race 1: a refund against a release of R1.
    hold_barrier
    racer "refund_$tag" "$level" escrow_arbitrator \
        "INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('R1_$tag', 'refund');" \
        "INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('R1_$tag', 'refund', 'escrow_buyer', 250);"
    racer "release_$tag" "$level" escrow_buyer \
        "INSERT INTO delivery_confirmations (escrow_id) VALUES ('R1_$tag');" \
        "INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('R1_$tag', 'release', 'escrow_seller', 250);"
    race "$level refund vs release" "R1_$tag" "refund_$tag" "release_$tag"

    # Race 2: five releases of R2 at once.
    hold_barrier
    names=()
    for i in 1 2 3 4 5; do
        role=escrow_buyer; [ "$i" -gt 3 ] && role=escrow_arbitrator
        racer "r2_${i}_$tag" "$level" "$role" \
            "INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('R2_$tag', 'release', 'escrow_seller', 75);"
        names+=("r2_${i}_$tag")
    done
    race "$level five releases" "R2_$tag" "${names[@]}"
done

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SELECT ledger.seal();
DO $$ BEGIN
    IF NOT (SELECT bool_and(ok) FROM ledger.verify()) THEN RAISE EXCEPTION 'ledger.verify() failed'; END IF;
    IF EXISTS (SELECT escrow_id FROM settlements GROUP BY escrow_id HAVING count(*) > 1) THEN
        RAISE EXCEPTION 'an escrow was settled twice';
    END IF;
    IF EXISTS (SELECT 1 FROM settlements s JOIN deposits d USING (escrow_id) WHERE s.amount > d.amount) THEN
        RAISE EXCEPTION 'a settlement exceeds its deposit';
    END IF;
END $$;
SQL
echo 'PASS escrow concurrency'
