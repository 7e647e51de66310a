-- asset_transfer: every accepted and every refused path, self-checking.
\set ON_ERROR_STOP 1

-- Assertions: contracts/test_helpers.sql, loaded by run_tests.sh.

-- Parties: John (the seller), Anthony (the buyer), a third party, an outsider.
CREATE ROLE asset_transfer_john;
CREATE ROLE asset_transfer_anthony;
CREATE ROLE asset_transfer_carol;
CREATE ROLE asset_transfer_mallory;
GRANT INSERT, SELECT ON registrations, transfers, payments
    TO asset_transfer_john, asset_transfer_anthony, asset_transfer_carol, asset_transfer_mallory;
-- the benchmark and the concurrency test use these too (roles are cluster-wide)
GRANT SELECT, INSERT ON registrations, transfers, payments TO PUBLIC;

------------------------------------------------------------------------------------------------
-- registrations
------------------------------------------------------------------------------------------------
SET ROLE asset_transfer_john;
-- accepted: John registers his car and a boat in his own name
INSERT INTO registrations (asset_id, owner) VALUES ('car', 'asset_transfer_john'), ('boat', 'asset_transfer_john');
INSERT INTO registrations (asset_id, owner) VALUES ('bike', 'asset_transfer_john');
SELECT pg_temp.expect((SELECT count(*) FROM registrations WHERE owner = 'asset_transfer_john') = 3, 'three registrations');
-- refused: registering in someone else's name
SELECT pg_temp.expect_refusal($$INSERT INTO registrations (asset_id, owner) VALUES ('house', 'asset_transfer_anthony')$$,
    'LG101', 'may only register assets in its own name');
-- refused: a forged actor
SELECT pg_temp.expect_refusal($$INSERT INTO registrations (asset_id, owner, actor) VALUES ('house', 'asset_transfer_anthony', 'asset_transfer_anthony')$$,
    'LG101', 'the actor must be the acting role');
-- refused: a blank asset id
SELECT pg_temp.expect_refusal($$INSERT INTO registrations (asset_id, owner) VALUES ('  ', 'asset_transfer_john')$$,
    'LG101', 'must not be blank');
-- refused: an asset registered twice (by its owner, by someone else, twice in one transaction)
SELECT pg_temp.expect_refusal($$INSERT INTO registrations (asset_id, owner) VALUES ('car', 'asset_transfer_john')$$,
    'LG101', 'asset car is already registered');
RESET ROLE;
SET ROLE asset_transfer_mallory;
SELECT pg_temp.expect_refusal($$INSERT INTO registrations (asset_id, owner) VALUES ('car', 'asset_transfer_mallory')$$,
    'LG101', 'asset car is already registered');
SELECT pg_temp.expect_refusal($$INSERT INTO registrations (asset_id, owner) VALUES ('dup', 'asset_transfer_mallory'), ('dup', 'asset_transfer_mallory')$$,
    'LG101', 'asset dup is already registered');  -- the row check sees the sibling row of the same statement
RESET ROLE;
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM registrations WHERE asset_id IN ('house', 'dup', '  ')), 'no refused registration stored');

------------------------------------------------------------------------------------------------
-- accepted: Anthony pays John 1000, and the car passes from John to Anthony (payment first)
------------------------------------------------------------------------------------------------
BEGIN;
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('car', 'asset_transfer_anthony', 'asset_transfer_john', 1000);
SET LOCAL ROLE asset_transfer_john;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('car', 'asset_transfer_john', 'asset_transfer_anthony', 1000);
COMMIT;
-- accepted: transfer first, then payment; Anthony resells the car to Carol
BEGIN;
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('car', 'asset_transfer_anthony', 'asset_transfer_carol', 1200);
SET LOCAL ROLE asset_transfer_carol;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('car', 'asset_transfer_carol', 'asset_transfer_anthony', 1200);
COMMIT;
-- accepted: two assets in one transaction (boat and bike, John to Anthony)
BEGIN;
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES
    ('boat', 'asset_transfer_anthony', 'asset_transfer_john', 500), ('bike', 'asset_transfer_anthony', 'asset_transfer_john', 50);
SET LOCAL ROLE asset_transfer_john;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES
    ('boat', 'asset_transfer_john', 'asset_transfer_anthony', 500), ('bike', 'asset_transfer_john', 'asset_transfer_anthony', 50);
COMMIT;
-- accepted: the bike goes back to John (an owner may own an asset again)
BEGIN;
SET LOCAL ROLE asset_transfer_john;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('bike', 'asset_transfer_john', 'asset_transfer_anthony', 40);
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('bike', 'asset_transfer_anthony', 'asset_transfer_john', 40);
COMMIT;
SELECT pg_temp.expect((SELECT count(*) FROM transfers) = 5 AND (SELECT count(*) FROM payments) = 5, '5 transfers and 5 payments');

------------------------------------------------------------------------------------------------
-- refused by the transfer's row check (LG101)
------------------------------------------------------------------------------------------------
SET ROLE asset_transfer_john;
-- John no longer owns the car (Carol does)
SELECT pg_temp.expect_refusal($$INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('car', 'asset_transfer_john', 'asset_transfer_mallory', 10)$$,
    'LG101', 'asset_transfer_john does not own asset car; its owner is asset_transfer_carol');
-- the seller must be the acting party
SELECT pg_temp.expect_refusal($$INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('car', 'asset_transfer_carol', 'asset_transfer_john', 10)$$,
    'LG101', 'only the seller asset_transfer_carol may transfer, not asset_transfer_john');
SELECT pg_temp.expect_refusal($$INSERT INTO transfers (asset_id, seller, buyer, price, actor) VALUES ('car', 'asset_transfer_carol', 'asset_transfer_john', 10, 'asset_transfer_carol')$$,
    'LG101', 'the actor must be the acting role');
-- to oneself, non-positive price, unregistered asset
SELECT pg_temp.expect_refusal($$INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('bike', 'asset_transfer_john', 'asset_transfer_john', 10)$$,
    'LG101', 'must be different roles');
SELECT pg_temp.expect_refusal($$INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('bike', 'asset_transfer_john', 'asset_transfer_anthony', 0)$$,
    'LG101', 'the price must be positive');
SELECT pg_temp.expect_refusal($$INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('plane', 'asset_transfer_john', 'asset_transfer_anthony', 10)$$,
    'LG101', 'asset plane is not registered');
RESET ROLE;

------------------------------------------------------------------------------------------------
-- refused by the payment's row check (LG101)
------------------------------------------------------------------------------------------------
SET ROLE asset_transfer_anthony;
SELECT pg_temp.expect_refusal($$INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('bike', 'asset_transfer_mallory', 'asset_transfer_john', 10)$$,
    'LG101', 'only the payer asset_transfer_mallory may pay, not asset_transfer_anthony');
SELECT pg_temp.expect_refusal($$INSERT INTO payments (asset_id, payer, payee, amount, actor) VALUES ('bike', 'asset_transfer_anthony', 'asset_transfer_john', 10, 'asset_transfer_john')$$,
    'LG101', 'the actor must be the acting role');
SELECT pg_temp.expect_refusal($$INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('bike', 'asset_transfer_anthony', 'asset_transfer_anthony', 10)$$,
    'LG101', 'must be different roles');
SELECT pg_temp.expect_refusal($$INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('bike', 'asset_transfer_anthony', 'asset_transfer_john', -5)$$,
    'LG101', 'the payment must be positive');
RESET ROLE;

------------------------------------------------------------------------------------------------
-- refused by the transaction check at COMMIT (LG102); none of their rows are stored
------------------------------------------------------------------------------------------------
SET ROLE asset_transfer_john;
INSERT INTO registrations (asset_id, owner) VALUES ('watch', 'asset_transfer_john');
RESET ROLE;
\set ON_ERROR_STOP 0
\set LAST_ERROR_SQLSTATE none
\set LAST_ERROR_MESSAGE none
-- a transfer without any payment
BEGIN;
SET LOCAL ROLE asset_transfer_john;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('watch', 'asset_transfer_john', 'asset_transfer_anthony', 300);
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102', 'no payment of 300 from asset_transfer_anthony to asset_transfer_john for asset watch');
\set ON_ERROR_STOP 0
\set LAST_ERROR_SQLSTATE none
\set LAST_ERROR_MESSAGE none
-- a payment short of the price (the short payment also has no matching transfer)
BEGIN;
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('watch', 'asset_transfer_anthony', 'asset_transfer_john', 299);
SET LOCAL ROLE asset_transfer_john;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('watch', 'asset_transfer_john', 'asset_transfer_anthony', 300);
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102', 'no payment of 300');
\set ON_ERROR_STOP 0
\set LAST_ERROR_SQLSTATE none
\set LAST_ERROR_MESSAGE none
-- a payment from someone other than the buyer
BEGIN;
SET LOCAL ROLE asset_transfer_mallory;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('watch', 'asset_transfer_mallory', 'asset_transfer_john', 300);
SET LOCAL ROLE asset_transfer_john;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('watch', 'asset_transfer_john', 'asset_transfer_anthony', 300);
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102', 'no payment of 300');
\set ON_ERROR_STOP 0
\set LAST_ERROR_SQLSTATE none
\set LAST_ERROR_MESSAGE none
-- a payment to someone other than the seller
BEGIN;
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('watch', 'asset_transfer_anthony', 'asset_transfer_mallory', 300);
SET LOCAL ROLE asset_transfer_john;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('watch', 'asset_transfer_john', 'asset_transfer_anthony', 300);
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102', 'no payment of 300');
\set ON_ERROR_STOP 0
\set LAST_ERROR_SQLSTATE none
\set LAST_ERROR_MESSAGE none
-- a payment for another asset
BEGIN;
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('boat', 'asset_transfer_anthony', 'asset_transfer_john', 300);
SET LOCAL ROLE asset_transfer_john;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('watch', 'asset_transfer_john', 'asset_transfer_anthony', 300);
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102', 'no payment of 300');
\set ON_ERROR_STOP 0
\set LAST_ERROR_SQLSTATE none
\set LAST_ERROR_MESSAGE none
-- a payment without a transfer
BEGIN;
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('watch', 'asset_transfer_anthony', 'asset_transfer_john', 300);
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102', 'has no matching transfer in this transaction');
\set ON_ERROR_STOP 0
\set LAST_ERROR_SQLSTATE none
\set LAST_ERROR_MESSAGE none
-- a full transfer with an extra payment (overpaid: the second payment has no transfer)
BEGIN;
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('watch', 'asset_transfer_anthony', 'asset_transfer_john', 300),
    ('watch', 'asset_transfer_anthony', 'asset_transfer_john', 1);
SET LOCAL ROLE asset_transfer_john;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('watch', 'asset_transfer_john', 'asset_transfer_anthony', 300);
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102', 'the payment of 1 from asset_transfer_anthony');
\set ON_ERROR_STOP 0
\set LAST_ERROR_SQLSTATE none
\set LAST_ERROR_MESSAGE none
-- one asset transferred twice in one transaction, in one statement (the row check sees the earlier sibling row)
BEGIN;
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('watch', 'asset_transfer_anthony', 'asset_transfer_john', 300);
SET LOCAL ROLE asset_transfer_john;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('watch', 'asset_transfer_john', 'asset_transfer_anthony', 300),
    ('watch', 'asset_transfer_john', 'asset_transfer_carol', 300);
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG101', 'asset watch is already transferred in this transaction');
-- one asset transferred twice in one transaction, in two statements: the row check refuses the second
BEGIN;
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('watch', 'asset_transfer_anthony', 'asset_transfer_john', 300);
SET LOCAL ROLE asset_transfer_john;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('watch', 'asset_transfer_john', 'asset_transfer_anthony', 300);
SELECT pg_temp.expect_refusal($$INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('watch', 'asset_transfer_john', 'asset_transfer_carol', 300)$$,
    'LG101', 'asset watch is already transferred in this transaction');
ROLLBACK;
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM transfers WHERE asset_id = 'watch')
                  AND NOT EXISTS (SELECT 1 FROM payments WHERE asset_id = 'watch'), 'no refused watch row stored');

\set ON_ERROR_STOP 0
\set LAST_ERROR_SQLSTATE none
\set LAST_ERROR_MESSAGE none
-- an overpayment with the payment written after the transfer (the transfer's table is written first)
BEGIN;
SET LOCAL ROLE asset_transfer_john;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('watch', 'asset_transfer_john', 'asset_transfer_anthony', 300);
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('watch', 'asset_transfer_anthony', 'asset_transfer_john', 300),
    ('watch', 'asset_transfer_anthony', 'asset_transfer_john', 1);
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102', 'the payment of 1 from asset_transfer_anthony');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM transfers WHERE asset_id = 'watch')
                  AND NOT EXISTS (SELECT 1 FROM payments WHERE asset_id = 'watch'), 'no refused watch row stored');

-- finally accepted: the watch, paid in full
BEGIN;
SET LOCAL ROLE asset_transfer_anthony;
INSERT INTO payments (asset_id, payer, payee, amount) VALUES ('watch', 'asset_transfer_anthony', 'asset_transfer_john', 300);
SET LOCAL ROLE asset_transfer_john;
INSERT INTO transfers (asset_id, seller, buyer, price) VALUES ('watch', 'asset_transfer_john', 'asset_transfer_anthony', 300);
COMMIT;

-- the registry: owners now
CREATE FUNCTION pg_temp.owner(a text) RETURNS name LANGUAGE sql AS $$
    SELECT party FROM (SELECT owner AS party, 1 AS d FROM registrations WHERE asset_id = a
                       UNION ALL SELECT buyer, 1 FROM transfers WHERE asset_id = a
                       UNION ALL SELECT seller, -1 FROM transfers WHERE asset_id = a) m
    GROUP BY party HAVING sum(d) > 0 $$;
SELECT pg_temp.expect(pg_temp.owner('car') = 'asset_transfer_carol', 'Carol owns the car');
SELECT pg_temp.expect(pg_temp.owner('boat') = 'asset_transfer_anthony', 'Anthony owns the boat');
SELECT pg_temp.expect(pg_temp.owner('bike') = 'asset_transfer_john', 'John owns the bike again');
SELECT pg_temp.expect(pg_temp.owner('watch') = 'asset_transfer_anthony', 'Anthony owns the watch');
SELECT pg_temp.expect((SELECT count(*) FROM transfers) = 6 AND (SELECT count(*) FROM payments) = 6, '6 transfers and 6 payments');

------------------------------------------------------------------------------------------------
-- the ledger
------------------------------------------------------------------------------------------------
SELECT ledger.seal();
SELECT pg_temp.expect((SELECT bool_and(ok) FROM ledger.verify()), 'ledger.verify() passes');
SELECT pg_temp.expect(NOT EXISTS (
    SELECT 1 FROM (SELECT DISTINCT ledger_transaction_id FROM transfers
                   UNION SELECT DISTINCT ledger_transaction_id FROM payments
                   UNION SELECT DISTINCT ledger_transaction_id FROM registrations) x
     JOIN ledger.transactions lt ON lt.transaction_id = x.ledger_transaction_id
     WHERE NOT (SELECT contract_id FROM ledger.contracts WHERE contract_name = 'asset_transfer' AND version = 1)
               = ANY (lt.contract_ids)), 'every accepted transaction records asset_transfer version 1');
SELECT pg_temp.expect((SELECT count(*) FROM ledger.transactions lt
                        WHERE (SELECT contract_id FROM ledger.contracts WHERE contract_name = 'asset_transfer') = ANY (lt.contract_ids)) >= 11,
                      'the accepted transactions are recorded');
\echo 'PASS asset_transfer'
