-- escrow: every accepted and every refused path, self-checking.
\set ON_ERROR_STOP 1

-- Assertions: contracts/test_helpers.sql, loaded by run_tests.sh.

-- Parties: a buyer, a seller, an arbitrator, an outsider.
CREATE ROLE escrow_buyer;
CREATE ROLE escrow_seller;
CREATE ROLE escrow_arbitrator;
CREATE ROLE escrow_mallory;
GRANT INSERT, SELECT ON deposits, delivery_confirmations, arbitration_decisions, settlements
    TO escrow_buyer, escrow_seller, escrow_arbitrator, escrow_mallory;

------------------------------------------------------------------------------------------------
-- deposits
------------------------------------------------------------------------------------------------
SET ROLE escrow_buyer;
-- accepted: E1..E6, 100 each (John's car: E1)
INSERT INTO deposits (escrow_id, seller, arbitrator, amount) VALUES
    ('E1', 'escrow_seller', 'escrow_arbitrator', 100),
    ('E2', 'escrow_seller', 'escrow_arbitrator', 100),
    ('E3', 'escrow_seller', 'escrow_arbitrator', 100),
    ('E4', 'escrow_seller', 'escrow_arbitrator', 100),
    ('E5', 'escrow_seller', 'escrow_arbitrator', 100),
    ('E6', 'escrow_seller', 'escrow_arbitrator', 100);
-- refused: actor is not the acting role
SELECT pg_temp.expect_refusal($$INSERT INTO deposits (escrow_id, seller, arbitrator, amount, actor) VALUES ('EX', 'escrow_seller', 'escrow_arbitrator', 1, 'escrow_mallory')$$,
    'LG101', 'the actor must be the acting role escrow_buyer, not escrow_mallory');
-- refused: blank id
SELECT pg_temp.expect_refusal($$INSERT INTO deposits (escrow_id, seller, arbitrator, amount) VALUES (' ', 'escrow_seller', 'escrow_arbitrator', 1)$$,
    'LG101', 'the escrow id must not be blank');
-- refused: an id already used, also twice in one statement
SELECT pg_temp.expect_refusal($$INSERT INTO deposits (escrow_id, seller, arbitrator, amount) VALUES ('E1', 'escrow_seller', 'escrow_arbitrator', 1)$$,
    'LG101', 'escrow E1 already exists');
SELECT pg_temp.expect_refusal($$INSERT INTO deposits (escrow_id, seller, arbitrator, amount) VALUES ('EX', 'escrow_seller', 'escrow_arbitrator', 1), ('EX', 'escrow_seller', 'escrow_arbitrator', 2)$$,
    'LG101', 'escrow EX already exists');
-- refused: zero and negative deposits
SELECT pg_temp.expect_refusal($$INSERT INTO deposits (escrow_id, seller, arbitrator, amount) VALUES ('EX', 'escrow_seller', 'escrow_arbitrator', 0)$$,
    'LG101', 'the deposit must be positive, not 0');
SELECT pg_temp.expect_refusal($$INSERT INTO deposits (escrow_id, seller, arbitrator, amount) VALUES ('EX', 'escrow_seller', 'escrow_arbitrator', -5)$$,
    'LG101', 'the deposit must be positive, not -5');
-- refused: the buyer as seller, the buyer as arbitrator, the seller as arbitrator
SELECT pg_temp.expect_refusal($$INSERT INTO deposits (escrow_id, seller, arbitrator, amount) VALUES ('EX', 'escrow_buyer', 'escrow_arbitrator', 1)$$,
    'LG101', 'the buyer, the seller and the arbitrator must be three different roles');
SELECT pg_temp.expect_refusal($$INSERT INTO deposits (escrow_id, seller, arbitrator, amount) VALUES ('EX', 'escrow_seller', 'escrow_buyer', 1)$$,
    'LG101', 'the buyer, the seller and the arbitrator must be three different roles');
SELECT pg_temp.expect_refusal($$INSERT INTO deposits (escrow_id, seller, arbitrator, amount) VALUES ('EX', 'escrow_seller', 'escrow_seller', 1)$$,
    'LG101', 'the buyer, the seller and the arbitrator must be three different roles');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM deposits WHERE escrow_id = 'EX'), 'no refused deposit was kept');

------------------------------------------------------------------------------------------------
-- delivery confirmations
------------------------------------------------------------------------------------------------
-- refused: actor is not the acting role; unknown escrow; the seller or an outsider confirming
SELECT pg_temp.expect_refusal($$INSERT INTO delivery_confirmations (escrow_id, actor) VALUES ('E1', 'escrow_seller')$$,
    'LG101', 'the actor must be the acting role escrow_buyer, not escrow_seller');
SELECT pg_temp.expect_refusal($$INSERT INTO delivery_confirmations (escrow_id) VALUES ('EX')$$,
    'LG101', 'escrow EX does not exist');
SET ROLE escrow_seller;
SELECT pg_temp.expect_refusal($$INSERT INTO delivery_confirmations (escrow_id) VALUES ('E1')$$,
    'LG101', 'only the buyer escrow_buyer may confirm delivery for escrow E1, not escrow_seller');
SET ROLE escrow_mallory;
SELECT pg_temp.expect_refusal($$INSERT INTO delivery_confirmations (escrow_id) VALUES ('E1')$$,
    'LG101', 'only the buyer escrow_buyer may confirm delivery for escrow E1, not escrow_mallory');
-- accepted: the buyer confirms E1
SET ROLE escrow_buyer;
INSERT INTO delivery_confirmations (escrow_id) VALUES ('E1');
-- refused: confirmed twice, also twice in one statement
SELECT pg_temp.expect_refusal($$INSERT INTO delivery_confirmations (escrow_id) VALUES ('E1')$$,
    'LG101', 'delivery for escrow E1 has already been confirmed');
SELECT pg_temp.expect_refusal($$INSERT INTO delivery_confirmations (escrow_id) VALUES ('E6'), ('E6')$$,
    'LG101', 'delivery for escrow E6 has already been confirmed');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM delivery_confirmations WHERE escrow_id = 'E6'), 'no E6 confirmation kept');

------------------------------------------------------------------------------------------------
-- arbitration decisions
------------------------------------------------------------------------------------------------
SET ROLE escrow_arbitrator;
-- refused: actor is not the acting role; unknown escrow
SELECT pg_temp.expect_refusal($$INSERT INTO arbitration_decisions (escrow_id, decision, actor) VALUES ('E2', 'refund', 'escrow_buyer')$$,
    'LG101', 'the actor must be the acting role escrow_arbitrator, not escrow_buyer');
SELECT pg_temp.expect_refusal($$INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('EX', 'refund')$$,
    'LG101', 'escrow EX does not exist');
-- refused: the buyer, the seller, an outsider deciding
SET ROLE escrow_buyer;
SELECT pg_temp.expect_refusal($$INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('E2', 'refund')$$,
    'LG101', 'only the arbitrator escrow_arbitrator may decide escrow E2, not escrow_buyer');
SET ROLE escrow_seller;
SELECT pg_temp.expect_refusal($$INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('E2', 'release')$$,
    'LG101', 'only the arbitrator escrow_arbitrator may decide escrow E2, not escrow_seller');
SET ROLE escrow_mallory;
SELECT pg_temp.expect_refusal($$INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('E2', 'refund')$$,
    'LG101', 'only the arbitrator escrow_arbitrator may decide escrow E2, not escrow_mallory');
SET ROLE escrow_arbitrator;
-- refused: a decision that is neither release nor refund
SELECT pg_temp.expect_refusal($$INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('E2', 'split')$$,
    'LG101', 'the decision must be release or refund, not split');
-- refused: deciding an escrow whose delivery the buyer confirmed
SELECT pg_temp.expect_refusal($$INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('E1', 'refund')$$,
    'LG101', 'delivery for escrow E1 has already been confirmed');
-- accepted: E2 refund (the car won't start), E3 release
INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('E2', 'refund');
INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('E3', 'release');
-- refused: deciding twice (also reversing), twice in one statement
SELECT pg_temp.expect_refusal($$INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('E2', 'release')$$,
    'LG101', 'escrow E2 has already been decided by its arbitrator');
SELECT pg_temp.expect_refusal($$INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('E6', 'refund'), ('E6', 'release')$$,
    'LG101', 'escrow E6 has already been decided by its arbitrator');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM arbitration_decisions WHERE escrow_id = 'E6'), 'no E6 decision kept');
-- refused: the buyer confirming delivery after the arbitrator decided
SET ROLE escrow_buyer;
SELECT pg_temp.expect_refusal($$INSERT INTO delivery_confirmations (escrow_id) VALUES ('E2')$$,
    'LG101', 'escrow E2 has already been decided by its arbitrator');

------------------------------------------------------------------------------------------------
-- settlements: row checks
------------------------------------------------------------------------------------------------
SET ROLE escrow_buyer;
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount, actor) VALUES ('E1', 'release', 'escrow_seller', 100, 'escrow_arbitrator')$$,
    'LG101', 'the actor must be the acting role escrow_buyer, not escrow_arbitrator');
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('EX', 'release', 'escrow_seller', 100)$$,
    'LG101', 'escrow EX does not exist');
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E1', 'split', 'escrow_seller', 100)$$,
    'LG101', 'a settlement is a release or a refund, not split');
-- refused: the seller releasing to himself, an outsider releasing, the buyer or seller refunding
SET ROLE escrow_seller;
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E1', 'release', 'escrow_seller', 100)$$,
    'LG101', 'only the buyer escrow_buyer or the arbitrator escrow_arbitrator may release escrow E1, not escrow_seller');
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E2', 'refund', 'escrow_buyer', 100)$$,
    'LG101', 'only the arbitrator escrow_arbitrator may refund escrow E2, not escrow_seller');
SET ROLE escrow_mallory;
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E1', 'release', 'escrow_seller', 100)$$,
    'LG101', 'only the buyer escrow_buyer or the arbitrator escrow_arbitrator may release escrow E1, not escrow_mallory');
SET ROLE escrow_buyer;
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E2', 'refund', 'escrow_buyer', 100)$$,
    'LG101', 'only the arbitrator escrow_arbitrator may refund escrow E2, not escrow_buyer');
-- refused: the wrong recipient for a release and for a refund
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E1', 'release', 'escrow_mallory', 100)$$,
    'LG101', 'a release of escrow E1 goes to escrow_seller, not escrow_mallory');
SET ROLE escrow_arbitrator;
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E2', 'refund', 'escrow_arbitrator', 100)$$,
    'LG101', 'a refund of escrow E2 goes to escrow_buyer, not escrow_arbitrator');
-- refused: more than the deposit, less than the deposit
SET ROLE escrow_buyer;
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E1', 'release', 'escrow_seller', 150)$$,
    'LG101', 'a settlement of escrow E1 moves the whole deposit 100, not 150');
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E1', 'release', 'escrow_seller', 40)$$,
    'LG101', 'a settlement of escrow E1 moves the whole deposit 100, not 40');
-- refused: two releases in one statement (nothing kept)
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E1', 'release', 'escrow_seller', 100), ('E1', 'release', 'escrow_seller', 100)$$,
    'LG101', 'escrow E1 has already been settled');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM settlements WHERE escrow_id = 'E1'), 'no E1 settlement kept');

------------------------------------------------------------------------------------------------
-- settlements: accepted, and refused at commit (transaction check)
------------------------------------------------------------------------------------------------
-- accepted: the buyer releases E1 after confirming delivery
INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E1', 'release', 'escrow_seller', 100);
-- accepted: the arbitrator refunds E2 after deciding refund; releases E3 after deciding release
SET ROLE escrow_arbitrator;
INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E2', 'refund', 'escrow_buyer', 100);
INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E3', 'release', 'escrow_seller', 100);
-- accepted: settlement first, decision after, in one transaction (checked at commit): E4 refund
BEGIN;
INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E4', 'refund', 'escrow_buyer', 100);
INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('E4', 'refund');
COMMIT;
-- accepted: the buyer confirms and releases E5 in one transaction
SET ROLE escrow_buyer;
BEGIN;
INSERT INTO delivery_confirmations (escrow_id) VALUES ('E5');
INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E5', 'release', 'escrow_seller', 100);
COMMIT;

-- refused at commit: the buyer releases E6 without confirming delivery
\set ON_ERROR_STOP 0
INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E6', 'release', 'escrow_seller', 100);
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102',
    'escrow E6 may be released only after the buyer confirms delivery or the arbitrator decides release');
-- refused at commit: the arbitrator refunds E6 without deciding
SET ROLE escrow_arbitrator;
\set ON_ERROR_STOP 0
INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E6', 'refund', 'escrow_buyer', 100);
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102',
    'escrow E6 may be refunded only after the arbitrator decides refund');
-- refused at commit: the arbitrator decides release but settles a refund (decision kept out too)
\set ON_ERROR_STOP 0
BEGIN;
INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('E6', 'release');
INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E6', 'refund', 'escrow_buyer', 100);
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102',
    'escrow E6 may be refunded only after the arbitrator decides refund');
-- refused at commit: the arbitrator decides refund but settles a release
\set ON_ERROR_STOP 0
BEGIN;
INSERT INTO arbitration_decisions (escrow_id, decision) VALUES ('E6', 'refund');
INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E6', 'release', 'escrow_seller', 100);
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102',
    'escrow E6 may be released only after the buyer confirms delivery or the arbitrator decides release');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM settlements WHERE escrow_id = 'E6')
                  AND NOT EXISTS (SELECT 1 FROM arbitration_decisions WHERE escrow_id = 'E6'),
    'the refused transactions left nothing of E6');

-- refused: settled at most once: release after release, release after refund, refund after refund,
-- refund after release (by every party that could otherwise settle)
SET ROLE escrow_buyer;
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E1', 'release', 'escrow_seller', 100)$$,
    'LG101', 'escrow E1 has already been settled');
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E2', 'release', 'escrow_seller', 100)$$,
    'LG101', 'escrow E2 has already been settled');
SET ROLE escrow_arbitrator;
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E2', 'refund', 'escrow_buyer', 100)$$,
    'LG101', 'escrow E2 has already been settled');
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E3', 'refund', 'escrow_buyer', 100)$$,
    'LG101', 'escrow E3 has already been settled');
SELECT pg_temp.expect_refusal($$INSERT INTO settlements (escrow_id, kind, recipient, amount) VALUES ('E3', 'release', 'escrow_seller', 100)$$,
    'LG101', 'escrow E3 has already been settled');
RESET ROLE;

------------------------------------------------------------------------------------------------
-- final state; sealed, verified, every entry checked by the contract
------------------------------------------------------------------------------------------------
SELECT pg_temp.expect(
    (SELECT array_agg(format('%s:%s:%s:%s', escrow_id, kind, recipient, amount) ORDER BY escrow_id) FROM settlements)
    = ARRAY['E1:release:escrow_seller:100', 'E2:refund:escrow_buyer:100', 'E3:release:escrow_seller:100',
            'E4:refund:escrow_buyer:100', 'E5:release:escrow_seller:100'],
    'E1, E3, E5 released to the seller, E2, E4 refunded to the buyer, E6 still in escrow');
SELECT pg_temp.expect((SELECT count(*) FROM deposits) = 6 AND (SELECT count(*) FROM delivery_confirmations) = 2
                      AND (SELECT count(*) FROM arbitration_decisions) = 3, '6 deposits, 2 confirmations, 3 decisions');

SELECT ledger.seal();
SELECT pg_temp.expect((SELECT bool_and(ok) FROM ledger.verify()), 'ledger.verify() is ok');
SELECT pg_temp.expect((SELECT count(*) FROM ledger.transactions WHERE block_height IS NULL) = 0, 'everything sealed');
SELECT pg_temp.expect(
    (SELECT bool_and((SELECT contract_id FROM ledger.contracts WHERE contract_name = 'escrow' AND version = 1)
                     = ANY (t.contract_ids))
       FROM ledger.transactions t JOIN ledger.tables lt USING (table_id)
      WHERE lt.relation::text IN ('deposits', 'delivery_confirmations', 'arbitration_decisions', 'settlements'))
    AND (SELECT count(*) FROM ledger.transactions) = 11,
    'every accepted transaction on the contract''s tables records escrow version 1');
\echo 'PASS escrow'
