SELECT ledger.install_contract('letter_of_credit', $source$

CREATE FUNCTION check_issue(c public.credits) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF c.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, c.actor);
    END IF;
    IF btrim(c.credit_id) = '' THEN
        RETURN 'the credit id must not be blank';
    END IF;
    IF EXISTS (SELECT 1 FROM public.credits WHERE credit_id = c.credit_id) THEN
        RETURN format('credit %s already exists', c.credit_id);
    END IF;
    IF c.applicant = c.actor OR c.beneficiary = c.actor OR c.applicant = c.beneficiary THEN
        RETURN 'the issuing bank, the applicant and the beneficiary must be three different roles';
    END IF;
    IF c.amount <= 0 THEN
        RETURN format('the amount of a credit must be positive, not %s', c.amount);
    END IF;
    IF c.expires_at <= ledger.now() THEN
        RETURN format('credit %s would expire before it is issued', c.credit_id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION check_presentation(p public.presentations) RETURNS text LANGUAGE plpgsql AS $$
DECLARE c public.credits; presented numeric;
BEGIN
    IF p.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, p.actor);
    END IF;
    IF btrim(p.presentation_id) = '' OR btrim(p.documents) = '' THEN
        RETURN 'the presentation id and its documents must not be blank';
    END IF;
    IF EXISTS (SELECT 1 FROM public.presentations WHERE presentation_id = p.presentation_id) THEN
        RETURN format('presentation %s already exists', p.presentation_id);
    END IF;
    SELECT * INTO c FROM public.credits WHERE credit_id = p.credit_id;
    IF NOT FOUND THEN
        RETURN format('credit %s has not been issued', p.credit_id);
    END IF;
    IF p.actor IS DISTINCT FROM c.beneficiary THEN
        RETURN format('only the beneficiary %s may present under credit %s, not %s', c.beneficiary, p.credit_id, p.actor);
    END IF;
    IF ledger.now() >= c.expires_at THEN
        RETURN format('credit %s expired at %s', p.credit_id, c.expires_at);
    END IF;
    IF p.amount <= 0 THEN
        RETURN format('a presentation must claim a positive amount, not %s', p.amount);
    END IF;
    -- Every presentation not refused counts against the credit.
    SELECT coalesce(sum(x.amount), 0) INTO presented FROM public.presentations x
     WHERE x.credit_id = p.credit_id
       AND NOT EXISTS (SELECT 1 FROM public.examinations e
                        WHERE e.presentation_id = x.presentation_id AND e.decision = 'refuse');
    IF presented + p.amount > c.amount THEN
        RETURN format('credit %s of %s has %s presented; %s more would exceed it', p.credit_id, c.amount, presented, p.amount);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION check_examination(e public.examinations) RETURNS text LANGUAGE plpgsql AS $$
DECLARE bank name;
BEGIN
    IF e.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, e.actor);
    END IF;
    SELECT c.actor INTO bank FROM public.presentations p JOIN public.credits c USING (credit_id)
     WHERE p.presentation_id = e.presentation_id;
    IF NOT FOUND THEN
        RETURN format('presentation %s does not exist', e.presentation_id);
    END IF;
    IF e.actor IS DISTINCT FROM bank THEN
        RETURN format('only the issuing bank %s may examine presentation %s, not %s', bank, e.presentation_id, e.actor);
    END IF;
    IF e.decision IS NULL OR e.decision NOT IN ('accept', 'refuse') THEN
        RETURN format('the decision must be accept or refuse, not %s', e.decision);
    END IF;
    IF EXISTS (SELECT 1 FROM public.examinations WHERE presentation_id = e.presentation_id) THEN
        RETURN format('presentation %s has already been examined', e.presentation_id);
    END IF;
    RETURN NULL;
END $$;

-- Who pays, how much, only once. Whether the presentation was accepted is checked at commit.
CREATE FUNCTION check_payment(y public.payments) RETURNS text LANGUAGE plpgsql AS $$
DECLARE bank name; presented numeric;
BEGIN
    IF y.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, y.actor);
    END IF;
    SELECT c.actor, p.amount INTO bank, presented FROM public.presentations p JOIN public.credits c USING (credit_id)
     WHERE p.presentation_id = y.presentation_id;
    IF NOT FOUND THEN
        RETURN format('presentation %s does not exist', y.presentation_id);
    END IF;
    IF y.actor IS DISTINCT FROM bank THEN
        RETURN format('only the issuing bank %s may pay presentation %s, not %s', bank, y.presentation_id, y.actor);
    END IF;
    IF y.amount IS DISTINCT FROM presented THEN
        RETURN format('presentation %s is paid its presented amount %s, not %s', y.presentation_id, presented, y.amount);
    END IF;
    IF EXISTS (SELECT 1 FROM public.payments WHERE presentation_id = y.presentation_id) THEN
        RETURN format('presentation %s has already been paid', y.presentation_id);
    END IF;
    RETURN NULL;
END $$;

-- At commit: every payment of this transaction pays an accepted presentation (an acceptance in this same
-- transaction counts), and the payments under its credit do not exceed the credit.
CREATE FUNCTION check_paid() RETURNS text LANGUAGE plpgsql AS $$
DECLARE y public.payments; c public.credits; paid numeric;
BEGIN
    FOR y IN SELECT * FROM public.payments
              WHERE ledger_transaction_id = ledger.current_transaction_id() ORDER BY presentation_id LOOP
        IF NOT EXISTS (SELECT 1 FROM public.examinations
                        WHERE presentation_id = y.presentation_id AND decision = 'accept') THEN
            RETURN format('presentation %s has not been accepted by the issuing bank', y.presentation_id);
        END IF;
        SELECT c2.* INTO c FROM public.credits c2 JOIN public.presentations p USING (credit_id)
         WHERE p.presentation_id = y.presentation_id;
        SELECT sum(x.amount) INTO paid FROM public.payments x JOIN public.presentations p USING (presentation_id)
         WHERE p.credit_id = c.credit_id;
        IF paid > c.amount THEN
            RETURN format('credit %s of %s would have paid %s', c.credit_id, c.amount, paid);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

$source$, '{"public.credits": {"row": "check_issue"},
            "public.presentations": {"row": "check_presentation"},
            "public.examinations": {"row": "check_examination"},
            "public.payments": {"row": "check_payment", "transaction": "check_paid"}}');
