-- multisig: an action takes effect only when k of its n named approvers have approved it.
-- Every table is an append-only ledger of events; every row records the role that acted.
CREATE EXTENSION IF NOT EXISTS pgledger;

-- A proposal names its action, its approvers (roles) and how many of them must approve.
CREATE TABLE proposals (
    proposal_id text PRIMARY KEY,
    action text NOT NULL,
    approvers name[] NOT NULL,
    threshold integer NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

-- One approval by one named approver (the acting role).
CREATE TABLE approvals (
    proposal_id text NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

-- The execution of a proposal: accepted once, and only with enough approvals at commit.
CREATE TABLE executions (
    proposal_id text NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

SELECT ledger.create_ledger_table('public.proposals');
SELECT ledger.create_ledger_table('public.approvals');
SELECT ledger.create_ledger_table('public.executions');

-- The state of every proposal: distinct approvals so far, whether it executed.
CREATE VIEW proposal_status AS
    SELECT p.proposal_id, p.action, p.threshold, cardinality(p.approvers) AS approver_count,
           (SELECT count(DISTINCT a.actor) FROM approvals a WHERE a.proposal_id = p.proposal_id) AS approvals,
           EXISTS (SELECT 1 FROM executions e WHERE e.proposal_id = p.proposal_id) AS executed
      FROM proposals p;
