-- letter_of_credit: every accepted and every refused path, self-checking.
\set ON_ERROR_STOP 1

-- Assertions: contracts/test_helpers.sql, loaded by run_tests.sh.

-- Parties: two banks, an applicant (the buyer), a beneficiary (the seller), an outsider.
CREATE ROLE loc_bank;
CREATE ROLE loc_bank2;
CREATE ROLE loc_applicant;
CREATE ROLE loc_beneficiary;
CREATE ROLE loc_mallory;
GRANT INSERT, SELECT ON credits, presentations, examinations, payments
    TO loc_bank, loc_bank2, loc_applicant, loc_beneficiary, loc_mallory;

------------------------------------------------------------------------------------------------
-- issue
------------------------------------------------------------------------------------------------
SET ROLE loc_bank;
-- accepted: LC1 1000 for a month; LC2 100 expiring in 2 seconds (for the expiry paths)
INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at)
    VALUES ('LC1', 'loc_applicant', 'loc_beneficiary', 1000, now() + interval '30 days');
INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at)
    VALUES ('LC2', 'loc_applicant', 'loc_beneficiary', 100, now() + interval '2 seconds');
-- refused: actor is not the acting role
SELECT pg_temp.expect_refusal($$INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at, actor) VALUES ('LX', 'loc_applicant', 'loc_beneficiary', 10, now() + interval '1 day', 'loc_bank2')$$,
    'LG101', 'the actor must be the acting role loc_bank, not loc_bank2');
-- refused: blank id; an id already used, also twice in one statement
SELECT pg_temp.expect_refusal($$INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at) VALUES ('', 'loc_applicant', 'loc_beneficiary', 10, now() + interval '1 day')$$,
    'LG101', 'the credit id must not be blank');
SELECT pg_temp.expect_refusal($$INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at) VALUES ('LC1', 'loc_applicant', 'loc_beneficiary', 10, now() + interval '1 day')$$,
    'LG101', 'credit LC1 already exists');
SELECT pg_temp.expect_refusal($$INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at) VALUES ('LX', 'loc_applicant', 'loc_beneficiary', 10, now() + interval '1 day'), ('LX', 'loc_applicant', 'loc_beneficiary', 20, now() + interval '1 day')$$,
    'LG101', 'credit LX already exists');
-- refused: the bank as beneficiary, the bank as applicant, the applicant as beneficiary
SELECT pg_temp.expect_refusal($$INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at) VALUES ('LX', 'loc_applicant', 'loc_bank', 10, now() + interval '1 day')$$,
    'LG101', 'the issuing bank, the applicant and the beneficiary must be three different roles');
SELECT pg_temp.expect_refusal($$INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at) VALUES ('LX', 'loc_bank', 'loc_beneficiary', 10, now() + interval '1 day')$$,
    'LG101', 'the issuing bank, the applicant and the beneficiary must be three different roles');
SELECT pg_temp.expect_refusal($$INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at) VALUES ('LX', 'loc_beneficiary', 'loc_beneficiary', 10, now() + interval '1 day')$$,
    'LG101', 'the issuing bank, the applicant and the beneficiary must be three different roles');
-- refused: zero and negative amounts
SELECT pg_temp.expect_refusal($$INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at) VALUES ('LX', 'loc_applicant', 'loc_beneficiary', 0, now() + interval '1 day')$$,
    'LG101', 'the amount of a credit must be positive, not 0');
SELECT pg_temp.expect_refusal($$INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at) VALUES ('LX', 'loc_applicant', 'loc_beneficiary', -1, now() + interval '1 day')$$,
    'LG101', 'the amount of a credit must be positive, not -1');
-- refused: expiring in the past, or at the very ledger time of issue
SELECT pg_temp.expect_refusal($$INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at) VALUES ('LX', 'loc_applicant', 'loc_beneficiary', 10, now() - interval '1 day')$$,
    'LG101', 'credit LX would expire before it is issued');
SELECT pg_temp.expect_refusal($$INSERT INTO credits (credit_id, applicant, beneficiary, amount, expires_at) VALUES ('LX', 'loc_applicant', 'loc_beneficiary', 10, ledger.now())$$,
    'LG101', 'credit LX would expire before it is issued');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM credits WHERE credit_id = 'LX'), 'no refused credit was kept');

------------------------------------------------------------------------------------------------
-- presentations
------------------------------------------------------------------------------------------------
SET ROLE loc_beneficiary;
-- accepted: P4 under LC2 before it expires
INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('P4', 'LC2', 100, 'bill of lading BL-4');
-- refused: actor is not the acting role; blank id; blank documents
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents, actor) VALUES ('PX', 'LC1', 10, 'invoice', 'loc_applicant')$$,
    'LG101', 'the actor must be the acting role loc_beneficiary, not loc_applicant');
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES (' ', 'LC1', 10, 'invoice')$$,
    'LG101', 'the presentation id and its documents must not be blank');
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC1', 10, '')$$,
    'LG101', 'the presentation id and its documents must not be blank');
-- refused: no presentation before issue (an unknown credit)
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC9', 10, 'invoice')$$,
    'LG101', 'credit LC9 has not been issued');
-- refused: the applicant, the bank, an outsider presenting
SET ROLE loc_applicant;
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC1', 10, 'invoice')$$,
    'LG101', 'only the beneficiary loc_beneficiary may present under credit LC1, not loc_applicant');
SET ROLE loc_bank;
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC1', 10, 'invoice')$$,
    'LG101', 'only the beneficiary loc_beneficiary may present under credit LC1, not loc_bank');
SET ROLE loc_mallory;
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC1', 10, 'invoice')$$,
    'LG101', 'only the beneficiary loc_beneficiary may present under credit LC1, not loc_mallory');
SET ROLE loc_beneficiary;
-- refused: zero and negative amounts; more than the credit
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC1', 0, 'invoice')$$,
    'LG101', 'a presentation must claim a positive amount, not 0');
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC1', -3, 'invoice')$$,
    'LG101', 'a presentation must claim a positive amount, not -3');
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC1', 1000.01, 'invoice')$$,
    'LG101', 'credit LC1 of 1000 has 0 presented; 1000.01 more would exceed it');
-- accepted: P1 600, then P2 400 (exactly the credit)
INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('P1', 'LC1', 600, 'invoice INV-1, bill of lading BL-1');
-- refused: an id already used; cumulatively more than the credit, also within one statement
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('P1', 'LC1', 10, 'invoice')$$,
    'LG101', 'presentation P1 already exists');
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC1', 401, 'invoice')$$,
    'LG101', 'credit LC1 of 1000 has 600 presented; 401 more would exceed it');
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC1', 300, 'invoice'), ('PY', 'LC1', 300, 'invoice')$$,
    'LG101', 'credit LC1 of 1000 has 900 presented; 300 more would exceed it');
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC1', 10, 'invoice'), ('PX', 'LC1', 10, 'invoice')$$,
    'LG101', 'presentation PX already exists');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM presentations WHERE presentation_id IN ('PX', 'PY')), 'no refused presentation was kept');
INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('P2', 'LC1', 400, 'invoice INV-2');
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC1', 0.01, 'invoice')$$,
    'LG101', 'credit LC1 of 1000 has 1000 presented; 0.01 more would exceed it');
-- refused: no presentation after expiry
SELECT pg_sleep(2.2);
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC2', 1, 'invoice')$$,
    'LG101', 'credit LC2 expired at');

------------------------------------------------------------------------------------------------
-- examinations
------------------------------------------------------------------------------------------------
SET ROLE loc_bank;
-- refused: actor is not the acting role; no acceptance without presentation
SELECT pg_temp.expect_refusal($$INSERT INTO examinations (presentation_id, decision, actor) VALUES ('P1', 'accept', 'loc_beneficiary')$$,
    'LG101', 'the actor must be the acting role loc_bank, not loc_beneficiary');
SELECT pg_temp.expect_refusal($$INSERT INTO examinations (presentation_id, decision) VALUES ('P9', 'accept')$$,
    'LG101', 'presentation P9 does not exist');
-- refused: the beneficiary, the applicant, another bank examining
SET ROLE loc_beneficiary;
SELECT pg_temp.expect_refusal($$INSERT INTO examinations (presentation_id, decision) VALUES ('P1', 'accept')$$,
    'LG101', 'only the issuing bank loc_bank may examine presentation P1, not loc_beneficiary');
SET ROLE loc_applicant;
SELECT pg_temp.expect_refusal($$INSERT INTO examinations (presentation_id, decision) VALUES ('P1', 'refuse')$$,
    'LG101', 'only the issuing bank loc_bank may examine presentation P1, not loc_applicant');
SET ROLE loc_bank2;
SELECT pg_temp.expect_refusal($$INSERT INTO examinations (presentation_id, decision) VALUES ('P1', 'accept')$$,
    'LG101', 'only the issuing bank loc_bank may examine presentation P1, not loc_bank2');
SET ROLE loc_bank;
-- refused: a decision that is neither accept nor refuse
SELECT pg_temp.expect_refusal($$INSERT INTO examinations (presentation_id, decision) VALUES ('P1', 'maybe')$$,
    'LG101', 'the decision must be accept or refuse, not maybe');
-- accepted: P1 accepted, P2 refused (discrepant documents)
INSERT INTO examinations (presentation_id, decision) VALUES ('P1', 'accept');
INSERT INTO examinations (presentation_id, decision) VALUES ('P2', 'refuse');
-- refused: examined twice (also reversing), twice in one statement
SELECT pg_temp.expect_refusal($$INSERT INTO examinations (presentation_id, decision) VALUES ('P2', 'accept')$$,
    'LG101', 'presentation P2 has already been examined');
SELECT pg_temp.expect_refusal($$INSERT INTO examinations (presentation_id, decision) VALUES ('P4', 'accept'), ('P4', 'accept')$$,
    'LG101', 'presentation P4 has already been examined');
-- accepted: the refused P2 no longer counts against LC1, so P3 400 may be presented
SET ROLE loc_beneficiary;
INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('P3', 'LC1', 400, 'invoice INV-2, corrected');
SELECT pg_temp.expect_refusal($$INSERT INTO presentations (presentation_id, credit_id, amount, documents) VALUES ('PX', 'LC1', 1, 'invoice')$$,
    'LG101', 'credit LC1 of 1000 has 1000 presented; 1 more would exceed it');

------------------------------------------------------------------------------------------------
-- payments: row checks
------------------------------------------------------------------------------------------------
SET ROLE loc_bank;
SELECT pg_temp.expect_refusal($$INSERT INTO payments (presentation_id, amount, actor) VALUES ('P1', 600, 'loc_applicant')$$,
    'LG101', 'the actor must be the acting role loc_bank, not loc_applicant');
SELECT pg_temp.expect_refusal($$INSERT INTO payments (presentation_id, amount) VALUES ('P9', 600)$$,
    'LG101', 'presentation P9 does not exist');
-- refused: the beneficiary paying itself, the applicant, another bank
SET ROLE loc_beneficiary;
SELECT pg_temp.expect_refusal($$INSERT INTO payments (presentation_id, amount) VALUES ('P1', 600)$$,
    'LG101', 'only the issuing bank loc_bank may pay presentation P1, not loc_beneficiary');
SET ROLE loc_applicant;
SELECT pg_temp.expect_refusal($$INSERT INTO payments (presentation_id, amount) VALUES ('P1', 600)$$,
    'LG101', 'only the issuing bank loc_bank may pay presentation P1, not loc_applicant');
SET ROLE loc_bank2;
SELECT pg_temp.expect_refusal($$INSERT INTO payments (presentation_id, amount) VALUES ('P1', 600)$$,
    'LG101', 'only the issuing bank loc_bank may pay presentation P1, not loc_bank2');
SET ROLE loc_bank;
-- refused: more or less than presented
SELECT pg_temp.expect_refusal($$INSERT INTO payments (presentation_id, amount) VALUES ('P1', 601)$$,
    'LG101', 'presentation P1 is paid its presented amount 600, not 601');
SELECT pg_temp.expect_refusal($$INSERT INTO payments (presentation_id, amount) VALUES ('P1', 599)$$,
    'LG101', 'presentation P1 is paid its presented amount 600, not 599');
-- refused: paid twice in one statement (nothing kept)
SELECT pg_temp.expect_refusal($$INSERT INTO payments (presentation_id, amount) VALUES ('P1', 600), ('P1', 600)$$,
    'LG101', 'presentation P1 has already been paid');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM payments), 'no refused payment was kept');

------------------------------------------------------------------------------------------------
-- payments: accepted, and refused at commit (transaction check)
------------------------------------------------------------------------------------------------
-- accepted: P1 paid
INSERT INTO payments (presentation_id, amount) VALUES ('P1', 600);
-- refused: no double payment
SELECT pg_temp.expect_refusal($$INSERT INTO payments (presentation_id, amount) VALUES ('P1', 600)$$,
    'LG101', 'presentation P1 has already been paid');
-- refused at commit: no payment without acceptance (P3 not examined yet, P2 refused)
\set ON_ERROR_STOP 0
INSERT INTO payments (presentation_id, amount) VALUES ('P3', 400);
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102',
    'presentation P3 has not been accepted by the issuing bank');
\set ON_ERROR_STOP 0
INSERT INTO payments (presentation_id, amount) VALUES ('P2', 400);
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102',
    'presentation P2 has not been accepted by the issuing bank');
-- refused at commit: refusing P3 and paying it in one transaction (the refusal is not kept either)
\set ON_ERROR_STOP 0
BEGIN;
INSERT INTO examinations (presentation_id, decision) VALUES ('P3', 'refuse');
INSERT INTO payments (presentation_id, amount) VALUES ('P3', 400);
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG102',
    'presentation P3 has not been accepted by the issuing bank');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM payments WHERE presentation_id IN ('P2', 'P3'))
                  AND NOT EXISTS (SELECT 1 FROM examinations WHERE presentation_id = 'P3'),
    'the refused transactions left nothing of P2 and P3');
-- accepted: payment first, acceptance after, in one transaction (checked at commit): P3
BEGIN;
INSERT INTO payments (presentation_id, amount) VALUES ('P3', 400);
INSERT INTO examinations (presentation_id, decision) VALUES ('P3', 'accept');
COMMIT;
-- accepted: P4, presented in time under LC2, accepted and paid after LC2 expired
INSERT INTO examinations (presentation_id, decision) VALUES ('P4', 'accept');
INSERT INTO payments (presentation_id, amount) VALUES ('P4', 100);
RESET ROLE;

------------------------------------------------------------------------------------------------
-- final state; sealed, verified, every entry checked by the contract
------------------------------------------------------------------------------------------------
SELECT pg_temp.expect(
    (SELECT array_agg(format('%s:%s:%s', p.presentation_id, e.decision, y.amount) ORDER BY p.presentation_id)
       FROM presentations p LEFT JOIN examinations e USING (presentation_id) LEFT JOIN payments y USING (presentation_id))
    = ARRAY['P1:accept:600', 'P2:refuse:', 'P3:accept:400', 'P4:accept:100'],
    'P1, P3, P4 accepted and paid, P2 refused and unpaid');
SELECT pg_temp.expect((SELECT sum(y.amount) FROM payments y JOIN presentations p USING (presentation_id)
                        WHERE p.credit_id = 'LC1') = 1000, 'LC1 paid exactly its 1000');

SELECT ledger.seal();
SELECT pg_temp.expect((SELECT bool_and(ok) FROM ledger.verify()), 'ledger.verify() is ok');
SELECT pg_temp.expect((SELECT count(*) FROM ledger.transactions WHERE block_height IS NULL) = 0, 'everything sealed');
SELECT pg_temp.expect(
    (SELECT bool_and((SELECT contract_id FROM ledger.contracts WHERE contract_name = 'letter_of_credit' AND version = 1)
                     = ANY (t.contract_ids))
       FROM ledger.transactions t JOIN ledger.tables lt USING (table_id)
      WHERE lt.relation::text IN ('credits', 'presentations', 'examinations', 'payments'))
    AND (SELECT count(*) FROM ledger.transactions) = 13,
    'every accepted transaction on the contract''s tables records letter_of_credit version 1');
\echo 'PASS letter_of_credit'
