SELECT ledger.install_contract('asset_transfer', $source$

-- The owner of an asset before this transaction: registration counts +1 for the owner, every accepted transfer
-- +1 for its buyer and -1 for its seller. Every accepted transfer was made by the owner of the moment, so exactly
-- one party has a positive balance, whatever the order of the transfers. NULL: the asset is not registered.
CREATE FUNCTION owner_before(asset text) RETURNS name LANGUAGE sql AS $$
    SELECT party FROM (
        SELECT owner AS party, 1 AS d FROM public.registrations
         WHERE asset_id = asset AND ledger_transaction_id IS DISTINCT FROM ledger.current_transaction_id()
        UNION ALL
        SELECT buyer, 1 FROM public.transfers
         WHERE asset_id = asset AND ledger_transaction_id IS DISTINCT FROM ledger.current_transaction_id()
        UNION ALL
        SELECT seller, -1 FROM public.transfers
         WHERE asset_id = asset AND ledger_transaction_id IS DISTINCT FROM ledger.current_transaction_id()
    ) moves GROUP BY party HAVING sum(d) > 0 LIMIT 1
$$;

CREATE FUNCTION check_registration(g public.registrations) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF g.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, g.actor);
    END IF;
    IF g.owner IS DISTINCT FROM g.actor THEN
        RETURN format('%s may only register assets in its own name, not in the name of %s', g.actor, g.owner);
    END IF;
    IF btrim(g.asset_id) = '' THEN
        RETURN 'the asset id must not be blank';
    END IF;
    IF EXISTS (SELECT 1 FROM public.registrations WHERE asset_id = g.asset_id) THEN
        RETURN format('asset %s is already registered', g.asset_id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION check_transfer(t public.transfers) RETURNS text LANGUAGE plpgsql AS $$
DECLARE current_owner name;
BEGIN
    IF t.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, t.actor);
    END IF;
    IF t.seller IS DISTINCT FROM t.actor THEN
        RETURN format('only the seller %s may transfer, not %s', t.seller, t.actor);
    END IF;
    IF t.buyer = t.seller THEN
        RETURN 'the buyer and the seller must be different roles';
    END IF;
    IF t.price <= 0 THEN
        RETURN format('the price must be positive, not %s', t.price);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.registrations WHERE asset_id = t.asset_id) THEN
        RETURN format('asset %s is not registered', t.asset_id);
    END IF;
    IF EXISTS (SELECT 1 FROM public.transfers WHERE asset_id = t.asset_id
                AND ledger_transaction_id = ledger.current_transaction_id()) THEN
        RETURN format('asset %s is already transferred in this transaction', t.asset_id);
    END IF;
    current_owner := owner_before(t.asset_id);
    IF current_owner IS DISTINCT FROM t.seller THEN
        RETURN format('%s does not own asset %s; its owner is %s', t.seller, t.asset_id, current_owner);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION check_payment(p public.payments) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF p.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, p.actor);
    END IF;
    IF p.payer IS DISTINCT FROM p.actor THEN
        RETURN format('only the payer %s may pay, not %s', p.payer, p.actor);
    END IF;
    IF p.payee = p.payer THEN
        RETURN 'the payer and the payee must be different roles';
    END IF;
    IF p.amount <= 0 THEN
        RETURN format('the payment must be positive, not %s', p.amount);
    END IF;
    RETURN NULL;
END $$;

-- At commit, with the contract's lock held: no asset registered twice; every transfer of this transaction by the
-- owner of the moment, at most one per asset, and paid in full by its buyer; every payment for a transfer of this
-- transaction. One function for all three tables: whichever of them the transaction wrote, all rules are checked.
CREATE FUNCTION check_transaction_rules() RETURNS text LANGUAGE plpgsql AS $$
DECLARE t record; p record; n bigint; current_owner name; bad text;
BEGIN
    SELECT g.asset_id INTO bad FROM public.registrations g
     WHERE g.ledger_transaction_id = ledger.current_transaction_id()
       AND (SELECT count(*) FROM public.registrations o WHERE o.asset_id = g.asset_id) > 1
     LIMIT 1;
    IF FOUND THEN
        RETURN format('asset %s is already registered', bad);
    END IF;
    FOR t IN SELECT * FROM public.transfers WHERE ledger_transaction_id = ledger.current_transaction_id()
             ORDER BY ledger_sequence_number LOOP
        SELECT count(*) INTO n FROM public.transfers
         WHERE asset_id = t.asset_id AND ledger_transaction_id = ledger.current_transaction_id();
        IF n > 1 THEN
            RETURN format('asset %s is transferred %s times in one transaction', t.asset_id, n);
        END IF;
        current_owner := owner_before(t.asset_id);
        IF current_owner IS DISTINCT FROM t.seller THEN
            RETURN format('%s does not own asset %s; its owner is %s', t.seller, t.asset_id, current_owner);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM public.payments
                        WHERE ledger_transaction_id = ledger.current_transaction_id()
                          AND asset_id = t.asset_id AND payer = t.buyer AND payee = t.seller
                          AND amount = t.price) THEN
            RETURN format('no payment of %s from %s to %s for asset %s in this transaction',
                          t.price, t.buyer, t.seller, t.asset_id);
        END IF;
    END LOOP;
    FOR p IN SELECT * FROM public.payments WHERE ledger_transaction_id = ledger.current_transaction_id()
             ORDER BY ledger_sequence_number LOOP
        IF NOT EXISTS (SELECT 1 FROM public.transfers
                        WHERE ledger_transaction_id = ledger.current_transaction_id()
                          AND asset_id = p.asset_id AND buyer = p.payer AND seller = p.payee
                          AND price = p.amount) THEN
            RETURN format('the payment of %s from %s to %s for asset %s has no matching transfer in this transaction',
                          p.amount, p.payer, p.payee, p.asset_id);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

$source$,
-- Transactions on the same asset take turns; on different assets they run side by side.
'{"public.registrations": {"row": "check_registration", "transaction": "check_transaction_rules", "lock": "asset_id"},
  "public.transfers": {"row": "check_transfer", "transaction": "check_transaction_rules", "lock": "asset_id"},
  "public.payments": {"row": "check_payment", "transaction": "check_transaction_rules", "lock": "asset_id"}}');
