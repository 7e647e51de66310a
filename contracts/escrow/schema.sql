-- escrow: a buyer deposits funds for a seller, naming an arbitrator. Append-only events; every row records its actor.
CREATE EXTENSION IF NOT EXISTS pgledger;

-- The deposit opens the escrow: the buyer (the acting role) puts amount in escrow for seller.
CREATE TABLE deposits (
    escrow_id text NOT NULL,
    seller name NOT NULL,
    arbitrator name NOT NULL,
    amount numeric NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

-- The buyer confirms delivery.
CREATE TABLE delivery_confirmations (
    escrow_id text NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

-- The named arbitrator decides: 'release' (to the seller) or 'refund' (to the buyer).
CREATE TABLE arbitration_decisions (
    escrow_id text NOT NULL,
    decision text NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

-- The settlement moves the whole deposit: 'release' to the seller or 'refund' to the buyer. At most once.
CREATE TABLE settlements (
    escrow_id text NOT NULL,
    kind text NOT NULL,
    recipient name NOT NULL,
    amount numeric NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

SELECT ledger.create_ledger_table('public.deposits');
SELECT ledger.create_ledger_table('public.delivery_confirmations');
SELECT ledger.create_ledger_table('public.arbitration_decisions');
SELECT ledger.create_ledger_table('public.settlements');
