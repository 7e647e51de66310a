-- multisig: every accepted and every refused path, self-checking.
\set ON_ERROR_STOP 1

-- Assertions: contracts/test_helpers.sql, loaded by run_tests.sh.

-- Parties: five approvers, a proposer who is not an approver, an outsider.
CREATE ROLE multisig_alice;
CREATE ROLE multisig_bob;
CREATE ROLE multisig_carol;
CREATE ROLE multisig_dave;
CREATE ROLE multisig_erin;
CREATE ROLE multisig_frank;
CREATE ROLE multisig_mallory;
GRANT INSERT, SELECT ON proposals, approvals, executions TO multisig_alice, multisig_bob, multisig_carol,
    multisig_dave, multisig_erin, multisig_frank, multisig_mallory;
GRANT SELECT ON proposal_status TO multisig_alice, multisig_bob, multisig_carol, multisig_dave, multisig_erin,
    multisig_frank, multisig_mallory;

------------------------------------------------------------------------------------------------
-- proposals
------------------------------------------------------------------------------------------------
SET ROLE multisig_frank;
-- accepted: PAY1 needs 3 of 5
INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('PAY1', 'pay 1000 EUR to ACME',
    '{multisig_alice,multisig_bob,multisig_carol,multisig_dave,multisig_erin}', 3);
-- refused: actor is not the acting role
SELECT pg_temp.expect_refusal($$INSERT INTO proposals (proposal_id, action, approvers, threshold, actor) VALUES ('PX', 'pay', '{multisig_alice}', 1, 'multisig_alice')$$,
    'LG101', 'the actor must be the acting role multisig_frank, not multisig_alice');
-- refused: blank id, blank action
SELECT pg_temp.expect_refusal($$INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('', 'pay', '{multisig_alice}', 1)$$,
    'LG101', 'the proposal id and its action must not be blank');
SELECT pg_temp.expect_refusal($$INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('PX', ' ', '{multisig_alice}', 1)$$,
    'LG101', 'the proposal id and its action must not be blank');
-- refused: an id already used, also twice in one statement (nothing of it is kept)
SELECT pg_temp.expect_refusal($$INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('PAY1', 'pay', '{multisig_alice}', 1)$$,
    'LG101', 'proposal PAY1 already exists');
SELECT pg_temp.expect_refusal($$INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('PX', 'pay', '{multisig_alice}', 1), ('PX', 'pay', '{multisig_bob}', 1)$$,
    'LG101', 'proposal PX already exists');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM proposals WHERE proposal_id = 'PX'), 'the refused statement left no PX');
-- refused: no approver, a NULL approver, an approver named twice
SELECT pg_temp.expect_refusal($$INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('PX', 'pay', '{}', 1)$$,
    'LG101', 'a proposal must name at least one approver');
SELECT pg_temp.expect_refusal($$INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('PX', 'pay', ARRAY['multisig_alice', NULL]::name[], 1)$$,
    'LG101', 'an approver must not be NULL');
SELECT pg_temp.expect_refusal($$INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('PX', 'pay', '{multisig_alice,multisig_bob,multisig_alice}', 2)$$,
    'LG101', 'each approver may be named only once');
-- refused: threshold 0, threshold above the number of approvers
SELECT pg_temp.expect_refusal($$INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('PX', 'pay', '{multisig_alice,multisig_bob}', 0)$$,
    'LG101', 'the threshold must be between 1 and the 2 named approvers, not 0');
SELECT pg_temp.expect_refusal($$INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('PX', 'pay', '{multisig_alice,multisig_bob,multisig_carol,multisig_dave,multisig_erin}', 6)$$,
    'LG101', 'the threshold must be between 1 and the 5 named approvers, not 6');
RESET ROLE;

------------------------------------------------------------------------------------------------
-- approvals
------------------------------------------------------------------------------------------------
-- accepted: alice and bob approve PAY1 (2 of 3)
SET ROLE multisig_alice;
INSERT INTO approvals (proposal_id) VALUES ('PAY1');
-- refused: approving twice; approving in another's name; an unknown proposal
SELECT pg_temp.expect_refusal($$INSERT INTO approvals (proposal_id) VALUES ('PAY1')$$,
    'LG101', 'multisig_alice has already approved proposal PAY1');
SELECT pg_temp.expect_refusal($$INSERT INTO approvals (proposal_id, actor) VALUES ('PAY1', 'multisig_carol')$$,
    'LG101', 'the actor must be the acting role multisig_alice, not multisig_carol');
SELECT pg_temp.expect_refusal($$INSERT INTO approvals (proposal_id) VALUES ('NOPE')$$,
    'LG101', 'proposal NOPE does not exist');
SET ROLE multisig_bob;
INSERT INTO approvals (proposal_id) VALUES ('PAY1');
-- refused: two approvals by one approver in one statement
SET ROLE multisig_carol;
SELECT pg_temp.expect_refusal($$INSERT INTO approvals (proposal_id) VALUES ('PAY1'), ('PAY1')$$,
    'LG101', 'multisig_carol has already approved proposal PAY1');
-- refused: the proposer and an outsider are not approvers
SET ROLE multisig_frank;
SELECT pg_temp.expect_refusal($$INSERT INTO approvals (proposal_id) VALUES ('PAY1')$$,
    'LG101', 'multisig_frank is not an approver of proposal PAY1');
SET ROLE multisig_mallory;
SELECT pg_temp.expect_refusal($$INSERT INTO approvals (proposal_id) VALUES ('PAY1')$$,
    'LG101', 'multisig_mallory is not an approver of proposal PAY1');
RESET ROLE;
SELECT pg_temp.expect((SELECT approvals FROM proposal_status WHERE proposal_id = 'PAY1') = 2, 'PAY1 has 2 approvals');

------------------------------------------------------------------------------------------------
-- executions
------------------------------------------------------------------------------------------------
-- refused at the row: an outsider, in another's name, an unknown proposal
SET ROLE multisig_mallory;
SELECT pg_temp.expect_refusal($$INSERT INTO executions (proposal_id) VALUES ('PAY1')$$,
    'LG101', 'only the proposer or a named approver may execute proposal PAY1, not multisig_mallory');
SET ROLE multisig_frank;
SELECT pg_temp.expect_refusal($$INSERT INTO executions (proposal_id, actor) VALUES ('PAY1', 'multisig_alice')$$,
    'LG101', 'the actor must be the acting role multisig_frank, not multisig_alice');
SELECT pg_temp.expect_refusal($$INSERT INTO executions (proposal_id) VALUES ('NOPE')$$,
    'LG101', 'proposal NOPE does not exist');
RESET ROLE;

-- refused at commit: the proposer executes PAY1 with 2 of the 3 approvals
\set LAST_ERROR_SQLSTATE 00000
\set LAST_ERROR_MESSAGE ''
\set ON_ERROR_STOP 0
SET ROLE multisig_frank;
INSERT INTO executions (proposal_id) VALUES ('PAY1');
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102',
    'contract "multisig" version 1 refused the transaction: proposal PAY1 has 2 of the 3 approvals it needs to execute');
RESET ROLE;
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM executions), 'the refused execution was not stored');

-- refused: an execution whose transaction also tries an approval by an outsider: the approval is refused
-- at its row, which aborts the whole transaction, the execution with it.
\set LAST_ERROR_SQLSTATE 00000
\set LAST_ERROR_MESSAGE ''
\set ON_ERROR_STOP 0
BEGIN;
SET LOCAL ROLE multisig_frank;
INSERT INTO executions (proposal_id) VALUES ('PAY1');
SET LOCAL ROLE multisig_mallory;
INSERT INTO approvals (proposal_id) VALUES ('PAY1');
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG101',
    'multisig_mallory is not an approver of proposal PAY1');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM executions), 'the aborted transaction left no execution');

-- accepted: carol executes first and approves afterwards, in one transaction: 3 of 3 at commit
BEGIN;
SET LOCAL ROLE multisig_carol;
INSERT INTO executions (proposal_id) VALUES ('PAY1');
INSERT INTO approvals (proposal_id) VALUES ('PAY1');
COMMIT;
SELECT pg_temp.expect((SELECT approvals = 3 AND executed FROM proposal_status WHERE proposal_id = 'PAY1'),
    'PAY1 executed with 3 approvals');

-- refused: executing PAY1 again (by the proposer, by an approver), approving it after its execution
SET ROLE multisig_frank;
SELECT pg_temp.expect_refusal($$INSERT INTO executions (proposal_id) VALUES ('PAY1')$$,
    'LG101', 'proposal PAY1 has already been executed');
SET ROLE multisig_dave;
SELECT pg_temp.expect_refusal($$INSERT INTO executions (proposal_id) VALUES ('PAY1')$$,
    'LG101', 'proposal PAY1 has already been executed');
SELECT pg_temp.expect_refusal($$INSERT INTO approvals (proposal_id) VALUES ('PAY1')$$,
    'LG101', 'proposal PAY1 has already been executed');
RESET ROLE;

-- accepted: proposal, approvals by two approvers and execution, all in one transaction (2 of 3)
BEGIN;
SET LOCAL ROLE multisig_alice;
INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('PAY2', 'pay 50 EUR to Bob''s Bikes',
    '{multisig_alice,multisig_bob,multisig_carol}', 2);
INSERT INTO approvals (proposal_id) VALUES ('PAY2');
SET LOCAL ROLE multisig_bob;
INSERT INTO approvals (proposal_id) VALUES ('PAY2');
INSERT INTO executions (proposal_id) VALUES ('PAY2');
COMMIT;
-- refused: dave is named on PAY1 but not on PAY2
SET ROLE multisig_dave;
SELECT pg_temp.expect_refusal($$INSERT INTO approvals (proposal_id) VALUES ('PAY2')$$,
    'LG101', 'multisig_dave is not an approver of proposal PAY2');
RESET ROLE;

-- refused at commit: proposal, one approval and execution in one transaction (1 of 2): nothing stays
\set LAST_ERROR_SQLSTATE 00000
\set LAST_ERROR_MESSAGE ''
\set ON_ERROR_STOP 0
BEGIN;
SET LOCAL ROLE multisig_alice;
INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('PAY3', 'pay 9999 EUR to Mallory',
    '{multisig_alice,multisig_bob,multisig_carol}', 2);
INSERT INTO approvals (proposal_id) VALUES ('PAY3');
INSERT INTO executions (proposal_id) VALUES ('PAY3');
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102',
    'proposal PAY3 has 1 of the 2 approvals it needs to execute');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM proposals WHERE proposal_id = 'PAY3')
                  AND NOT EXISTS (SELECT 1 FROM approvals WHERE proposal_id = 'PAY3')
                  AND NOT EXISTS (SELECT 1 FROM executions WHERE proposal_id = 'PAY3'),
    'the refused transaction left nothing of PAY3');

-- refused at commit: two executions in one transaction, one of them short of approvals (PAY4 1 of 1 is
-- approved, PAY5 2 of 2 has one): the whole transaction is refused, PAY4's execution too
SET ROLE multisig_erin;
INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES
    ('PAY4', 'pay 10 EUR to the canteen', '{multisig_erin}', 1),
    ('PAY5', 'pay 20 EUR to the canteen', '{multisig_erin,multisig_dave}', 2);
INSERT INTO approvals (proposal_id) VALUES ('PAY4'), ('PAY5');
RESET ROLE;
\set LAST_ERROR_SQLSTATE 00000
\set LAST_ERROR_MESSAGE ''
\set ON_ERROR_STOP 0
BEGIN;
SET LOCAL ROLE multisig_erin;
INSERT INTO executions (proposal_id) VALUES ('PAY4'), ('PAY5');
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102',
    'proposal PAY5 has 1 of the 2 approvals it needs to execute');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM executions WHERE proposal_id IN ('PAY4', 'PAY5')),
    'the refused transaction executed neither PAY4 nor PAY5');
-- refused: the same proposal executed twice in one statement (nothing of it is kept)
SET ROLE multisig_erin;
SELECT pg_temp.expect_refusal($$INSERT INTO executions (proposal_id) VALUES ('PAY4'), ('PAY4')$$,
    'LG101', 'proposal PAY4 has already been executed');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM executions WHERE proposal_id = 'PAY4'), 'the refused statement left no PAY4 execution');
-- accepted: 1 of 1 alone; then PAY5 once dave approves
INSERT INTO executions (proposal_id) VALUES ('PAY4');
SET ROLE multisig_dave;
INSERT INTO approvals (proposal_id) VALUES ('PAY5');
INSERT INTO executions (proposal_id) VALUES ('PAY5');
-- accepted: the proposer, who is not an approver, executes once the threshold is met (1 of 2)
SET ROLE multisig_frank;
INSERT INTO proposals (proposal_id, action, approvers, threshold) VALUES ('PAY6', 'pay 5 EUR to the coffee fund',
    '{multisig_alice,multisig_bob}', 1);
SET ROLE multisig_alice;
INSERT INTO approvals (proposal_id) VALUES ('PAY6');
SET ROLE multisig_frank;
INSERT INTO executions (proposal_id) VALUES ('PAY6');
RESET ROLE;

------------------------------------------------------------------------------------------------
-- final state; sealed, verified, every entry checked by the contract
------------------------------------------------------------------------------------------------
SELECT pg_temp.expect(
    (SELECT array_agg(format('%s:%s/%s:%s', proposal_id, approvals, threshold, executed) ORDER BY proposal_id)
       FROM proposal_status)
    = ARRAY['PAY1:3/3:t', 'PAY2:2/2:t', 'PAY4:1/1:t', 'PAY5:2/2:t', 'PAY6:1/1:t'],
    'PAY1, PAY2, PAY4, PAY5, PAY6 executed with their thresholds met');
SELECT pg_temp.expect((SELECT count(*) FROM executions) = 5 AND (SELECT count(*) FROM approvals) = 9,
    '5 executions, 9 approvals');

SELECT ledger.seal();
SELECT pg_temp.expect((SELECT bool_and(ok) FROM ledger.verify()), 'ledger.verify() is ok');
SELECT pg_temp.expect((SELECT count(*) FROM ledger.transactions WHERE block_height IS NULL) = 0, 'everything sealed');
SELECT pg_temp.expect(
    (SELECT bool_and((SELECT contract_id FROM ledger.contracts WHERE contract_name = 'multisig' AND version = 1)
                     = ANY (t.contract_ids))
       FROM ledger.transactions t JOIN ledger.tables lt USING (table_id)
      WHERE lt.relation::text IN ('proposals', 'approvals', 'executions'))
    AND (SELECT count(*) FROM ledger.transactions) = 16,
    'every accepted transaction on the contract''s tables records multisig version 1');
\echo 'PASS multisig'
