-- letter_of_credit: an issuing bank promises to pay a beneficiary, on behalf of an applicant, against
-- documents presented before expiry. Append-only events; every row records its actor.
CREATE EXTENSION IF NOT EXISTS pgledger;

-- Issue: the issuing bank (the acting role) opens a credit of amount for the applicant, in favour of the beneficiary.
CREATE TABLE credits (
    credit_id text NOT NULL,
    applicant name NOT NULL,
    beneficiary name NOT NULL,
    amount numeric NOT NULL,
    expires_at timestamptz NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

-- Presentation: the beneficiary presents documents claiming amount under a credit.
CREATE TABLE presentations (
    presentation_id text NOT NULL,
    credit_id text NOT NULL,
    amount numeric NOT NULL,
    documents text NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

-- Examination: the issuing bank accepts or refuses a presentation.
CREATE TABLE examinations (
    presentation_id text NOT NULL,
    decision text NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

-- Payment: the issuing bank pays an accepted presentation, once, its presented amount.
CREATE TABLE payments (
    presentation_id text NOT NULL,
    amount numeric NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

SELECT ledger.create_ledger_table('public.credits');
SELECT ledger.create_ledger_table('public.presentations');
SELECT ledger.create_ledger_table('public.examinations');
SELECT ledger.create_ledger_table('public.payments');
