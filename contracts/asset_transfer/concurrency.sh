#!/usr/bin/env bash
# asset_transfer: truly concurrent sessions race to sell the same asset, at every isolation level.
# In each round, 6 sessions start together (released at once from a barrier); each, in its own transaction,
# pays the asset's current owner the price as a different buyer and has the owner transfer the asset to that
# buyer. Exactly one must commit; the others must be refused (LG101/LG102) or fail to serialize (40001).
# The registry must then show the winner as the one new owner. 3 rounds per level; the winner of a round is
# the seller of the next. Bounded: every psql runs under timeout, with lock and statement timeouts.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PSQL=(timeout 60 psql -X -q -v ON_ERROR_STOP=1)
RACERS=6
ROUNDS=3

"${PSQL[@]}" <<'SQL'
DO $$ BEGIN
    FOR i IN 1..7 LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'asset_transfer_racer' || i) THEN
            EXECUTE format('CREATE ROLE %I', 'asset_transfer_racer' || i);
        END IF;
        EXECUTE format('GRANT INSERT, SELECT ON registrations, transfers, payments TO %I', 'asset_transfer_racer' || i);
    END LOOP;
END $$;
SQL

owner_of() { # the registry's owner of asset $1 (one row expected)
    "${PSQL[@]}" -Atc "SELECT string_agg(party, ',') FROM (SELECT party FROM (
            SELECT owner AS party, 1 AS d FROM registrations WHERE asset_id = '$1'
            UNION ALL SELECT buyer, 1 FROM transfers WHERE asset_id = '$1'
            UNION ALL SELECT seller, -1 FROM transfers WHERE asset_id = '$1') m
        GROUP BY party HAVING sum(d) > 0) o"
}

hold_barrier() { # the conductor: holds the barrier exclusively until its backend is terminated
    psql -X -q -c "SELECT pg_advisory_lock(4343); SELECT pg_sleep(60);" > /dev/null 2>&1 &
    conductor=$!
    for _ in $(seq 1 100); do
        [ "$(psql -X -Atqc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4343 AND granted")" -eq 1 ] && return
        sleep 0.05
    done
    echo "FAIL: the barrier was never taken"; exit 1
}

racer() { # name isolation asset seller buyer price
    local name=$1 level=$2 asset=$3 seller=$4 buyer=$5 price=$6
    cat > "$work/$name.sql" <<SQL
SET lock_timeout = '20s'; SET statement_timeout = '30s';
BEGIN ISOLATION LEVEL $level;
SELECT pg_advisory_xact_lock_shared(4343);
SET LOCAL ROLE $buyer;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('$asset', '$buyer', '$seller', $price);
SET LOCAL ROLE $seller;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('$asset', '$seller', '$buyer', $price);
SELECT pg_sleep(0.2);
COMMIT;
SQL
    ( if "${PSQL[@]}" -f "$work/$name.sql" > "$work/$name.out" 2> "$work/$name.err"; then
          echo ok > "$work/$name.rc"; else echo fail > "$work/$name.rc"; fi ) &
}

for level in "READ COMMITTED" "REPEATABLE READ" "SERIALIZABLE"; do
    tag=$(echo "$level" | tr -d ' ' | tr 'A-Z' 'a-z')
    asset="race_$tag"
    "${PSQL[@]}" -c "SET ROLE asset_transfer_racer1; INSERT INTO registrations (asset_id, owner) VALUES ('$asset', 'asset_transfer_racer1');"
    for round in $(seq 1 "$ROUNDS"); do
        seller=$(owner_of "$asset")
        transfers_before=$("${PSQL[@]}" -Atc "SELECT count(*) FROM transfers WHERE asset_id = '$asset'")
        hold_barrier
        names=()
        for i in $(seq 1 7); do
            buyer=asset_transfer_racer$i
            [ "$buyer" = "$seller" ] && continue
            [ ${#names[@]} -eq "$RACERS" ] && break
            racer "r${round}_${i}_$tag" "$level" "$asset" "$seller" "$buyer" $((100 * round + i))
            names+=("r${round}_${i}_$tag")
        done
        for _ in $(seq 1 200); do
            waiting=$(psql -X -Atqc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4343 AND NOT granted")
            [ "$waiting" -eq "${#names[@]}" ] && break
            sleep 0.05
        done
        [ "$waiting" -eq "${#names[@]}" ] || { echo "FAIL $level round $round: only $waiting racers reached the barrier"; exit 1; }
        psql -X -Atqc "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4343 AND granted AND mode = 'ExclusiveLock'" > /dev/null
        wait "$conductor" 2>/dev/null || true
        wait
        wins=0; winner=; outcomes=
        for n in "${names[@]}"; do
            if [ "$(cat "$work/$n.rc")" = ok ]; then
                wins=$((wins + 1)); winner=$(grep -o "'asset_transfer_racer[0-9]*', [0-9]*);" "$work/$n.sql" | tail -1 | grep -o "asset_transfer_racer[0-9]*")
                outcomes+=" ok"
            elif grep -q 'ERROR:  contract "asset_transfer" version 1 refused' "$work/$n.err"; then
                outcomes+=" $(grep -q 'refused a row' "$work/$n.err" && echo LG101 || echo LG102)"
            elif grep -q 'could not serialize' "$work/$n.err"; then
                outcomes+=" 40001"
            else
                echo "FAIL $level round $round: $n failed for another reason:"; cat "$work/$n.err"; exit 1
            fi
        done
        owner=$(owner_of "$asset")
        transfers_after=$("${PSQL[@]}" -Atc "SELECT count(*) FROM transfers WHERE asset_id = '$asset'")
        if [ "$wins" -ne 1 ] || [ "$owner" != "$winner" ] || [ $((transfers_after - transfers_before)) -ne 1 ]; then
            echo "FAIL $level round $round: $wins committed, owner $owner, winner $winner, $((transfers_after - transfers_before)) new transfers"
            for n in "${names[@]}"; do echo "--- $n: $(cat "$work/$n.rc")"; cat "$work/$n.err"; done
            exit 1
        fi
        echo "ok $level round $round: 1 of ${#names[@]} won; $seller -> $owner; outcomes:$outcomes"
        for n in "${names[@]}"; do
            [ "$(cat "$work/$n.rc")" = ok ] || echo "   $n: $(grep -o 'ERROR: .*' "$work/$n.err" | head -1 | cut -c1-160)"
        done
    done
done

"${PSQL[@]}" <<'SQL'
SELECT ledger.seal();
DO $$ BEGIN
    IF NOT (SELECT bool_and(ok) FROM ledger.verify()) THEN RAISE EXCEPTION 'ledger.verify() failed'; END IF;
    IF EXISTS (SELECT 1 FROM payments p WHERE NOT EXISTS (SELECT 1 FROM transfers t
               WHERE t.ledger_transaction_id = p.ledger_transaction_id AND t.asset_id = p.asset_id)) THEN
        RAISE EXCEPTION 'a payment without its transfer was stored';
    END IF;
END $$;
SQL
echo 'PASS asset_transfer concurrency'
