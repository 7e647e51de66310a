SELECT ledger.install_contract('escrow', $source$

CREATE FUNCTION check_deposit(d public.deposits) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF d.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, d.actor);
    END IF;
    IF btrim(d.escrow_id) = '' THEN
        RETURN 'the escrow id must not be blank';
    END IF;
    IF EXISTS (SELECT 1 FROM public.deposits WHERE escrow_id = d.escrow_id) THEN
        RETURN format('escrow %s already exists', d.escrow_id);
    END IF;
    IF d.amount <= 0 THEN
        RETURN format('the deposit must be positive, not %s', d.amount);
    END IF;
    IF d.seller = d.actor OR d.arbitrator = d.actor OR d.seller = d.arbitrator THEN
        RETURN 'the buyer, the seller and the arbitrator must be three different roles';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION check_confirmation(c public.delivery_confirmations) RETURNS text LANGUAGE plpgsql AS $$
DECLARE buyer name;
BEGIN
    IF c.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, c.actor);
    END IF;
    SELECT actor INTO buyer FROM public.deposits WHERE escrow_id = c.escrow_id;
    IF NOT FOUND THEN
        RETURN format('escrow %s does not exist', c.escrow_id);
    END IF;
    IF c.actor IS DISTINCT FROM buyer THEN
        RETURN format('only the buyer %s may confirm delivery for escrow %s, not %s', buyer, c.escrow_id, c.actor);
    END IF;
    IF EXISTS (SELECT 1 FROM public.delivery_confirmations WHERE escrow_id = c.escrow_id) THEN
        RETURN format('delivery for escrow %s has already been confirmed', c.escrow_id);
    END IF;
    IF EXISTS (SELECT 1 FROM public.arbitration_decisions WHERE escrow_id = c.escrow_id) THEN
        RETURN format('escrow %s has already been decided by its arbitrator', c.escrow_id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION check_decision(a public.arbitration_decisions) RETURNS text LANGUAGE plpgsql AS $$
DECLARE named name;
BEGIN
    IF a.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, a.actor);
    END IF;
    SELECT arbitrator INTO named FROM public.deposits WHERE escrow_id = a.escrow_id;
    IF NOT FOUND THEN
        RETURN format('escrow %s does not exist', a.escrow_id);
    END IF;
    IF a.actor IS DISTINCT FROM named THEN
        RETURN format('only the arbitrator %s may decide escrow %s, not %s', named, a.escrow_id, a.actor);
    END IF;
    IF a.decision IS NULL OR a.decision NOT IN ('release', 'refund') THEN
        RETURN format('the decision must be release or refund, not %s', a.decision);
    END IF;
    IF EXISTS (SELECT 1 FROM public.arbitration_decisions WHERE escrow_id = a.escrow_id) THEN
        RETURN format('escrow %s has already been decided by its arbitrator', a.escrow_id);
    END IF;
    IF EXISTS (SELECT 1 FROM public.delivery_confirmations WHERE escrow_id = a.escrow_id) THEN
        RETURN format('delivery for escrow %s has already been confirmed', a.escrow_id);
    END IF;
    RETURN NULL;
END $$;

-- Who may settle, to whom, how much, and only once. Whether it is authorised is checked at commit.
CREATE FUNCTION check_settlement(s public.settlements) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d public.deposits; payee name;
BEGIN
    IF s.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, s.actor);
    END IF;
    SELECT * INTO d FROM public.deposits WHERE escrow_id = s.escrow_id;
    IF NOT FOUND THEN
        RETURN format('escrow %s does not exist', s.escrow_id);
    END IF;
    IF s.kind IS NULL OR s.kind NOT IN ('release', 'refund') THEN
        RETURN format('a settlement is a release or a refund, not %s', s.kind);
    END IF;
    IF s.kind = 'release' AND s.actor IS DISTINCT FROM d.actor AND s.actor IS DISTINCT FROM d.arbitrator THEN
        RETURN format('only the buyer %s or the arbitrator %s may release escrow %s, not %s',
                      d.actor, d.arbitrator, s.escrow_id, s.actor);
    END IF;
    IF s.kind = 'refund' AND s.actor IS DISTINCT FROM d.arbitrator THEN
        RETURN format('only the arbitrator %s may refund escrow %s, not %s', d.arbitrator, s.escrow_id, s.actor);
    END IF;
    payee := CASE s.kind WHEN 'release' THEN d.seller ELSE d.actor END;
    IF s.recipient IS DISTINCT FROM payee THEN
        RETURN format('a %s of escrow %s goes to %s, not %s', s.kind, s.escrow_id, payee, s.recipient);
    END IF;
    IF s.amount IS DISTINCT FROM d.amount THEN
        RETURN format('a settlement of escrow %s moves the whole deposit %s, not %s', s.escrow_id, d.amount, s.amount);
    END IF;
    IF EXISTS (SELECT 1 FROM public.settlements WHERE escrow_id = s.escrow_id) THEN
        RETURN format('escrow %s has already been settled', s.escrow_id);
    END IF;
    RETURN NULL;
END $$;

-- At commit: every settlement of this transaction is authorised (confirmations and decisions of this
-- transaction count), and no escrow has more than one settlement or settles more than its deposit.
CREATE FUNCTION check_authorised() RETURNS text LANGUAGE plpgsql AS $$
DECLARE s public.settlements; d public.deposits; n integer; total numeric;
BEGIN
    FOR s IN SELECT * FROM public.settlements
              WHERE ledger_transaction_id = ledger.current_transaction_id() ORDER BY escrow_id LOOP
        SELECT * INTO d FROM public.deposits WHERE escrow_id = s.escrow_id;
        SELECT count(*), sum(amount) INTO n, total FROM public.settlements WHERE escrow_id = s.escrow_id;
        IF n > 1 OR total > d.amount THEN
            RETURN format('escrow %s would be settled %s times for %s of its %s', s.escrow_id, n, total, d.amount);
        END IF;
        IF s.kind = 'release' AND NOT (
               EXISTS (SELECT 1 FROM public.delivery_confirmations WHERE escrow_id = s.escrow_id AND actor = d.actor)
            OR EXISTS (SELECT 1 FROM public.arbitration_decisions
                        WHERE escrow_id = s.escrow_id AND actor = d.arbitrator AND decision = 'release')) THEN
            RETURN format('escrow %s may be released only after the buyer confirms delivery or the arbitrator decides release',
                          s.escrow_id);
        END IF;
        IF s.kind = 'refund' AND NOT EXISTS (SELECT 1 FROM public.arbitration_decisions
                        WHERE escrow_id = s.escrow_id AND actor = d.arbitrator AND decision = 'refund') THEN
            RETURN format('escrow %s may be refunded only after the arbitrator decides refund', s.escrow_id);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

$source$, '{"public.deposits": {"row": "check_deposit"},
            "public.delivery_confirmations": {"row": "check_confirmation"},
            "public.arbitration_decisions": {"row": "check_decision"},
            "public.settlements": {"row": "check_settlement", "transaction": "check_authorised"}}');
