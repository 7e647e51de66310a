-- provenance: the life of vehicle parts, from their manufacturer to the vehicles
-- they are fitted in, their maintenance and their recall. Every table is an
-- append-only ledger of events; every row records the role that acted.
CREATE EXTENSION IF NOT EXISTS pgledger;

-- The registrar (members of this role) authorises garages and registers vehicles.
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'provenance_registrar') THEN
        CREATE ROLE provenance_registrar NOLOGIN;
    END IF;
END $$;

-- A garage is authorised while its 'authorised' events outnumber its 'revoked' ones
-- (the contract makes them alternate, starting with 'authorised').
CREATE TABLE garages (
    garage name NOT NULL,
    status text NOT NULL CHECK (status IN ('authorised', 'revoked')),
    actor name NOT NULL DEFAULT current_user,
    recorded_at timestamptz NOT NULL DEFAULT ledger.now()
);

-- A part, registered by its manufacturer (the acting role) with its batch and production date.
CREATE TABLE parts (
    part_id text PRIMARY KEY,
    manufacturer name NOT NULL DEFAULT current_user,
    batch text NOT NULL,
    produced_on date NOT NULL,
    description text,
    recorded_at timestamptz NOT NULL DEFAULT ledger.now()
);

CREATE TABLE vehicles (
    vin text PRIMARY KEY,
    make text,
    model text,
    actor name NOT NULL DEFAULT current_user,
    recorded_at timestamptz NOT NULL DEFAULT ledger.now()
);

-- A part fitted in ('installed') or taken out of ('removed') a vehicle by a garage.
CREATE TABLE installations (
    part_id text NOT NULL,
    vin text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('installed', 'removed')),
    actor name NOT NULL DEFAULT current_user,
    recorded_at timestamptz NOT NULL DEFAULT ledger.now()
);

-- Work done by a garage on a part installed in a vehicle.
CREATE TABLE maintenance (
    part_id text NOT NULL,
    vin text NOT NULL,
    work text NOT NULL,
    actor name NOT NULL DEFAULT current_user,
    recorded_at timestamptz NOT NULL DEFAULT ledger.now()
);

-- The recall of a batch by its manufacturer (the acting role): the batch is (actor, batch).
CREATE TABLE recalls (
    batch text NOT NULL,
    reason text NOT NULL,
    actor name NOT NULL DEFAULT current_user,
    recorded_at timestamptz NOT NULL DEFAULT ledger.now()
);

SELECT ledger.create_ledger_table('public.garages');
SELECT ledger.create_ledger_table('public.parts');
SELECT ledger.create_ledger_table('public.vehicles');
SELECT ledger.create_ledger_table('public.installations');
SELECT ledger.create_ledger_table('public.maintenance');
SELECT ledger.create_ledger_table('public.recalls');

-- Query 1: the complete history of a part, one row per event in ledger order
-- (SELECT * FROM part_history WHERE part_id = '...' ORDER BY ledger_transaction_id, ledger_sequence_number).
-- A recall appears in the history of every part of the recalled batch.
CREATE VIEW part_history AS
    SELECT p.part_id, 'registered'::text AS event, NULL::text AS vin, p.manufacturer AS actor,
           format('batch %s, produced on %s%s', p.batch, p.produced_on,
                  coalesce(': ' || p.description, '')) AS detail,
           p.recorded_at, p.ledger_transaction_id, p.ledger_sequence_number
      FROM parts p
    UNION ALL
    SELECT i.part_id, i.kind, i.vin, i.actor, NULL, i.recorded_at, i.ledger_transaction_id, i.ledger_sequence_number
      FROM installations i
    UNION ALL
    SELECT m.part_id, 'maintained', m.vin, m.actor, m.work, m.recorded_at, m.ledger_transaction_id,
           m.ledger_sequence_number
      FROM maintenance m
    UNION ALL
    SELECT p.part_id, 'recalled', NULL, r.actor, format('batch %s recalled: %s', r.batch, r.reason), r.recorded_at,
           r.ledger_transaction_id, r.ledger_sequence_number
      FROM recalls r JOIN parts p ON p.manufacturer = r.actor AND p.batch = r.batch;

-- Query 2: every vehicle affected by a batch recall: each vehicle that has had a part of a
-- recalled batch fitted, with the part, and whether it is still fitted (still_installed: the
-- part's installations in that vehicle outnumber its removals from it).
CREATE VIEW recall_affected_vehicles AS
    SELECT r.actor AS manufacturer, r.batch, i.vin, i.part_id,
           count(*) FILTER (WHERE i.kind = 'installed') > count(*) FILTER (WHERE i.kind = 'removed')
               AS still_installed
      FROM recalls r
      JOIN parts p ON p.manufacturer = r.actor AND p.batch = r.batch
      JOIN installations i ON i.part_id = p.part_id
     GROUP BY r.actor, r.batch, i.vin, i.part_id;
