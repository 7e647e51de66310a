SELECT ledger.install_contract('multisig', $source$

CREATE FUNCTION check_proposal(p public.proposals) RETURNS text LANGUAGE plpgsql AS $$
DECLARE n integer := cardinality(p.approvers);
BEGIN
    IF p.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, p.actor);
    END IF;
    IF btrim(p.proposal_id) = '' OR btrim(p.action) = '' THEN
        RETURN 'the proposal id and its action must not be blank';
    END IF;
    IF EXISTS (SELECT 1 FROM public.proposals WHERE proposal_id = p.proposal_id) THEN
        RETURN format('proposal %s already exists', p.proposal_id);
    END IF;
    IF n = 0 THEN
        RETURN 'a proposal must name at least one approver';
    END IF;
    IF array_position(p.approvers, NULL) IS NOT NULL THEN
        RETURN 'an approver must not be NULL';
    END IF;
    IF (SELECT count(DISTINCT a) FROM unnest(p.approvers) a) <> n THEN
        RETURN 'each approver may be named only once';
    END IF;
    IF p.threshold < 1 OR p.threshold > n THEN
        RETURN format('the threshold must be between 1 and the %s named approvers, not %s', n, p.threshold);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION check_approval(a public.approvals) RETURNS text LANGUAGE plpgsql AS $$
DECLARE named name[];
BEGIN
    IF a.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, a.actor);
    END IF;
    SELECT approvers INTO named FROM public.proposals WHERE proposal_id = a.proposal_id;
    IF NOT FOUND THEN
        RETURN format('proposal %s does not exist', a.proposal_id);
    END IF;
    IF NOT a.actor = ANY (named) THEN
        RETURN format('%s is not an approver of proposal %s', a.actor, a.proposal_id);
    END IF;
    IF EXISTS (SELECT 1 FROM public.approvals WHERE proposal_id = a.proposal_id AND actor = a.actor) THEN
        RETURN format('%s has already approved proposal %s', a.actor, a.proposal_id);
    END IF;
    -- An execution in this same transaction does not close the proposal: its approvals count at commit.
    IF EXISTS (SELECT 1 FROM public.executions WHERE proposal_id = a.proposal_id
                  AND ledger_transaction_id IS DISTINCT FROM a.ledger_transaction_id) THEN
        RETURN format('proposal %s has already been executed', a.proposal_id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION check_execution(e public.executions) RETURNS text LANGUAGE plpgsql AS $$
DECLARE proposer name; named name[];
BEGIN
    IF e.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, e.actor);
    END IF;
    SELECT actor, approvers INTO proposer, named FROM public.proposals WHERE proposal_id = e.proposal_id;
    IF NOT FOUND THEN
        RETURN format('proposal %s does not exist', e.proposal_id);
    END IF;
    IF e.actor IS DISTINCT FROM proposer AND NOT e.actor = ANY (named) THEN
        RETURN format('only the proposer or a named approver may execute proposal %s, not %s', e.proposal_id, e.actor);
    END IF;
    IF EXISTS (SELECT 1 FROM public.executions WHERE proposal_id = e.proposal_id) THEN
        RETURN format('proposal %s has already been executed', e.proposal_id);
    END IF;
    RETURN NULL;
END $$;

-- At commit: every proposal executed in this transaction has at least its threshold of distinct
-- approvals, counting the committed ones and this transaction's own.
CREATE FUNCTION check_threshold() RETURNS text LANGUAGE sql AS $$
    SELECT format('proposal %s has %s of the %s approvals it needs to execute', p.proposal_id,
                  (SELECT count(DISTINCT a.actor) FROM public.approvals a
                    WHERE a.proposal_id = p.proposal_id AND a.actor = ANY (p.approvers)),
                  p.threshold)
      FROM public.proposals p
     WHERE p.proposal_id IN (SELECT e.proposal_id FROM public.executions e
                              WHERE e.ledger_transaction_id = ledger.current_transaction_id())
       AND (SELECT count(DISTINCT a.actor) FROM public.approvals a
                    WHERE a.proposal_id = p.proposal_id AND a.actor = ANY (p.approvers)) < p.threshold
     ORDER BY p.proposal_id
     LIMIT 1 $$;

$source$, '{"public.proposals": {"row": "check_proposal"},
            "public.approvals": {"row": "check_approval"},
            "public.executions": {"row": "check_execution", "transaction": "check_threshold"}}');
