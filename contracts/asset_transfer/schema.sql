-- asset_transfer: an asset registry, transfers of assets from seller to buyer at a price, and payments from
-- buyer to seller. Append-only events; every row records its acting party.
CREATE EXTENSION IF NOT EXISTS pgledger;

-- The registration: the acting role registers an asset in its own name.
CREATE TABLE registrations (
    asset_id text NOT NULL,
    owner name NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

-- The transfer: the seller (the acting role, the asset's current owner) passes the asset to the buyer at a price.
CREATE TABLE transfers (
    asset_id text NOT NULL,
    seller name NOT NULL,
    buyer name NOT NULL,
    price numeric NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

-- The payment: the payer (the acting role, the buyer) pays the payee (the seller) for an asset.
CREATE TABLE payments (
    asset_id text NOT NULL,
    payer name NOT NULL,
    payee name NOT NULL,
    amount numeric NOT NULL,
    actor name NOT NULL DEFAULT current_user
);

CREATE INDEX ON registrations (asset_id);
CREATE INDEX ON transfers (asset_id);
CREATE INDEX ON payments (asset_id);

SELECT ledger.create_ledger_table('public.registrations');
SELECT ledger.create_ledger_table('public.transfers');
SELECT ledger.create_ledger_table('public.payments');

-- The checks find this transaction's rows by ledger_transaction_id (added by create_ledger_table).
CREATE INDEX ON registrations (ledger_transaction_id);
CREATE INDEX ON transfers (ledger_transaction_id);
CREATE INDEX ON payments (ledger_transaction_id);
