-- provenance: every accepted and every refused path, self-checking.
\set ON_ERROR_STOP 1

-- Assertions: contracts/test_helpers.sql, loaded by run_tests.sh.

-- Parties. The registrar authorises garages and registers vehicles; bosch and valeo make parts;
-- garage_a and garage_b are garages; mallory is never authorised.
CREATE ROLE provenance_dmv;
GRANT provenance_registrar TO provenance_dmv;
CREATE ROLE provenance_bosch;
CREATE ROLE provenance_valeo;
CREATE ROLE provenance_garage_a;
CREATE ROLE provenance_garage_b;
CREATE ROLE provenance_mallory;
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['provenance_dmv', 'provenance_bosch', 'provenance_valeo', 'provenance_garage_a',
                             'provenance_garage_b', 'provenance_mallory'] LOOP
        EXECUTE format('GRANT INSERT, SELECT ON garages, parts, vehicles, installations, maintenance, recalls TO %I', r);
        EXECUTE format('GRANT SELECT ON part_history, recall_affected_vehicles TO %I', r);
    END LOOP;
END $$;

------------------------------------------------------------------------------------------------
-- garages
------------------------------------------------------------------------------------------------
SET ROLE provenance_dmv;
-- accepted: the registrar authorises garage_a and garage_b
INSERT INTO garages (garage, status) VALUES ('provenance_garage_a', 'authorised');
INSERT INTO garages (garage, status) VALUES ('provenance_garage_b', 'authorised');
-- refused: actor column is not the acting role
SELECT pg_temp.expect_refusal($$INSERT INTO garages (garage, status, actor) VALUES ('provenance_mallory', 'authorised', 'provenance_bosch')$$,
    'LG101', 'the actor must be the acting role provenance_dmv, not provenance_bosch');
-- refused: authorising a garage already authorised
SELECT pg_temp.expect_refusal($$INSERT INTO garages (garage, status) VALUES ('provenance_garage_a', 'authorised')$$,
    'LG101', 'garage provenance_garage_a is already authorised');
-- refused: revoking a garage that is not authorised
SELECT pg_temp.expect_refusal($$INSERT INTO garages (garage, status) VALUES ('provenance_mallory', 'revoked')$$,
    'LG101', 'garage provenance_mallory is not authorised, so there is nothing to revoke');
-- refused: backdated event
SELECT pg_temp.expect_refusal($$INSERT INTO garages (garage, status, recorded_at) VALUES ('provenance_mallory', 'authorised', '2000-01-01')$$,
    'LG101', 'recorded_at must be the ledger time');
SET ROLE provenance_garage_a;
-- refused: only the registrar authorises
SELECT pg_temp.expect_refusal($$INSERT INTO garages (garage, status) VALUES ('provenance_mallory', 'authorised')$$,
    'LG101', 'only the registrar (a member of provenance_registrar) may authorise or revoke garages, not provenance_garage_a');
RESET ROLE;

------------------------------------------------------------------------------------------------
-- parts
------------------------------------------------------------------------------------------------
SET ROLE provenance_bosch;
-- accepted: bosch registers parts of batches B1 and B2; produced today is not in the future
INSERT INTO parts (part_id, batch, produced_on, description) VALUES
    ('P1', 'B1', '2026-01-10', 'brake caliper'), ('P2', 'B1', '2026-01-10', 'brake caliper'),
    ('P3', 'B1', '2026-01-11', 'brake caliper');
INSERT INTO parts (part_id, batch, produced_on) VALUES ('P4', 'B1', (ledger.now() AT TIME ZONE 'UTC')::date);
INSERT INTO parts (part_id, batch, produced_on) VALUES ('P5', 'B2', '2026-02-01');
-- refused: a manufacturer registering a part in another's name
SELECT pg_temp.expect_refusal($$INSERT INTO parts (part_id, manufacturer, batch, produced_on) VALUES ('PX', 'provenance_valeo', 'B1', '2026-01-01')$$,
    'LG101', 'the manufacturer must be the acting role provenance_bosch, not provenance_valeo');
-- refused: blank part id, blank batch
SELECT pg_temp.expect_refusal($$INSERT INTO parts (part_id, batch, produced_on) VALUES (' ', 'B1', '2026-01-01')$$,
    'LG101', 'the part id and the batch must not be blank');
SELECT pg_temp.expect_refusal($$INSERT INTO parts (part_id, batch, produced_on) VALUES ('PX', '', '2026-01-01')$$,
    'LG101', 'the part id and the batch must not be blank');
-- refused: produced tomorrow (ledger date)
SELECT pg_temp.expect_refusal($$INSERT INTO parts (part_id, batch, produced_on) VALUES ('PX', 'B1', (ledger.now() AT TIME ZONE 'UTC')::date + 1)$$,
    'LG101', 'is in the future (the ledger date is');
-- refused: a part id registered before, and a duplicate within one statement (nothing of it is kept)
SELECT pg_temp.expect_refusal($$INSERT INTO parts (part_id, batch, produced_on) VALUES ('P1', 'B1', '2026-01-01')$$,
    'LG101', 'part P1 is already registered');
SELECT pg_temp.expect_refusal($$INSERT INTO parts (part_id, batch, produced_on) VALUES ('P6', 'B1', '2026-01-01'), ('P6', 'B1', '2026-01-01')$$,
    'LG101', 'part P6 is already registered');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM parts WHERE part_id = 'P6'), 'the refused statement left no P6');
-- refused: backdated event
SELECT pg_temp.expect_refusal($$INSERT INTO parts (part_id, batch, produced_on, recorded_at) VALUES ('PX', 'B1', '2026-01-01', '2000-01-01')$$,
    'LG101', 'recorded_at must be the ledger time');
SET ROLE provenance_valeo;
-- accepted: valeo's own batch B1 is a different batch from bosch's B1
INSERT INTO parts (part_id, batch, produced_on, description) VALUES ('V1', 'B1', '2025-12-01', 'alternator');
RESET ROLE;

-- refused transaction: a refused row aborts the whole transaction, its earlier rows included
\set LAST_ERROR_SQLSTATE 00000
\set LAST_ERROR_MESSAGE ''
\set ON_ERROR_STOP 0
BEGIN;
SET LOCAL ROLE provenance_bosch;
INSERT INTO parts (part_id, batch, produced_on) VALUES ('P7', 'B1', '2026-01-01');
INSERT INTO parts (part_id, batch, produced_on) VALUES ('P8', 'B1', '2999-01-01');
COMMIT;
\set ON_ERROR_STOP 1
SELECT pg_temp.assert_refused(:'LAST_ERROR_SQLSTATE', :'LAST_ERROR_MESSAGE', 'LG101', 'the production date 2999-01-01 is in the future');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM parts WHERE part_id IN ('P7', 'P8')), 'the aborted transaction left no P7, P8');

------------------------------------------------------------------------------------------------
-- vehicles
------------------------------------------------------------------------------------------------
SET ROLE provenance_dmv;
-- accepted
INSERT INTO vehicles (vin, make, model) VALUES ('VIN1', 'VW', 'Golf'), ('VIN2', 'Renault', 'Clio'), ('VIN3', 'Fiat', '500');
-- refused: actor is not the acting role
SELECT pg_temp.expect_refusal($$INSERT INTO vehicles (vin, actor) VALUES ('VINX', 'provenance_bosch')$$,
    'LG101', 'the actor must be the acting role provenance_dmv, not provenance_bosch');
-- refused: blank VIN, VIN already registered, backdated
SELECT pg_temp.expect_refusal($$INSERT INTO vehicles (vin) VALUES ('')$$, 'LG101', 'the VIN must not be blank');
SELECT pg_temp.expect_refusal($$INSERT INTO vehicles (vin) VALUES ('VIN1')$$, 'LG101', 'vehicle VIN1 is already registered');
SELECT pg_temp.expect_refusal($$INSERT INTO vehicles (vin, recorded_at) VALUES ('VINX', '2000-01-01')$$,
    'LG101', 'recorded_at must be the ledger time');
SET ROLE provenance_garage_a;
-- refused: only the registrar registers vehicles
SELECT pg_temp.expect_refusal($$INSERT INTO vehicles (vin) VALUES ('VINX')$$,
    'LG101', 'only the registrar (a member of provenance_registrar) may register vehicles, not provenance_garage_a');
RESET ROLE;

------------------------------------------------------------------------------------------------
-- installations
------------------------------------------------------------------------------------------------
SET ROLE provenance_garage_a;
-- accepted: installs
INSERT INTO installations (part_id, vin, kind) VALUES ('P1', 'VIN1', 'installed'), ('P2', 'VIN2', 'installed'),
    ('P3', 'VIN1', 'installed'), ('V1', 'VIN3', 'installed');
-- accepted: moving P3 from VIN1 to VIN3 in one transaction (removal, then installation elsewhere)
BEGIN;
INSERT INTO installations (part_id, vin, kind) VALUES ('P3', 'VIN1', 'removed');
INSERT INTO installations (part_id, vin, kind) VALUES ('P3', 'VIN3', 'installed');
COMMIT;
-- refused: actor is not the acting role
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind, actor) VALUES ('P4', 'VIN1', 'installed', 'provenance_garage_b')$$,
    'LG101', 'the actor must be the acting role provenance_garage_a, not provenance_garage_b');
-- refused: unregistered part, unregistered vehicle
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind) VALUES ('NOPART', 'VIN1', 'installed')$$,
    'LG101', 'part NOPART is not registered');
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind) VALUES ('P4', 'NOVIN', 'installed')$$,
    'LG101', 'vehicle NOVIN is not registered');
-- refused: a part installed elsewhere (P1 is in VIN1), in the same vehicle again, or twice in one statement
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind) VALUES ('P1', 'VIN2', 'installed')$$,
    'LG101', 'part P1 is already installed in vehicle VIN1');
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind) VALUES ('P1', 'VIN1', 'installed')$$,
    'LG101', 'part P1 is already installed in vehicle VIN1');
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind) VALUES ('P4', 'VIN1', 'installed'), ('P4', 'VIN2', 'installed')$$,
    'LG101', 'part P4 is already installed in vehicle VIN1');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM installations WHERE part_id = 'P4'), 'the refused statement left no P4 installation');
-- refused: removing a part from a vehicle it is not in (P3 left VIN1; P4 was never installed)
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind) VALUES ('P3', 'VIN1', 'removed')$$,
    'LG101', 'part P3 is not installed in vehicle VIN1');
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind) VALUES ('P4', 'VIN2', 'removed')$$,
    'LG101', 'part P4 is not installed in vehicle VIN2');
-- refused: backdated event
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind, recorded_at) VALUES ('P4', 'VIN1', 'installed', '2000-01-01')$$,
    'LG101', 'recorded_at must be the ledger time');
SET ROLE provenance_mallory;
-- refused: a role that was never authorised as a garage
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind) VALUES ('P4', 'VIN1', 'installed')$$,
    'LG101', 'provenance_mallory is not an authorised garage');
SET ROLE provenance_bosch;
-- refused: the manufacturer is not a garage
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind) VALUES ('P4', 'VIN1', 'installed')$$,
    'LG101', 'provenance_bosch is not an authorised garage');
RESET ROLE;

------------------------------------------------------------------------------------------------
-- maintenance
------------------------------------------------------------------------------------------------
SET ROLE provenance_garage_b;
-- accepted: garage_b, authorised, services P1 in VIN1 (installed by another garage)
INSERT INTO maintenance (part_id, vin, work) VALUES ('P1', 'VIN1', 'pads replaced');
SET ROLE provenance_garage_a;
-- accepted: P3 in its new vehicle
INSERT INTO maintenance (part_id, vin, work) VALUES ('P3', 'VIN3', 'inspected');
-- refused: actor is not the acting role
SELECT pg_temp.expect_refusal($$INSERT INTO maintenance (part_id, vin, work, actor) VALUES ('P1', 'VIN1', 'x', 'provenance_garage_b')$$,
    'LG101', 'the actor must be the acting role provenance_garage_a, not provenance_garage_b');
-- refused: unregistered part, unregistered vehicle
SELECT pg_temp.expect_refusal($$INSERT INTO maintenance (part_id, vin, work) VALUES ('NOPART', 'VIN1', 'x')$$,
    'LG101', 'part NOPART is not registered');
SELECT pg_temp.expect_refusal($$INSERT INTO maintenance (part_id, vin, work) VALUES ('P1', 'NOVIN', 'x')$$,
    'LG101', 'vehicle NOVIN is not registered');
-- refused: a part never installed, a part installed in another vehicle, a part removed from that vehicle
SELECT pg_temp.expect_refusal($$INSERT INTO maintenance (part_id, vin, work) VALUES ('P4', 'VIN1', 'x')$$,
    'LG101', 'part P4 is not installed in vehicle VIN1');
SELECT pg_temp.expect_refusal($$INSERT INTO maintenance (part_id, vin, work) VALUES ('P1', 'VIN2', 'x')$$,
    'LG101', 'part P1 is not installed in vehicle VIN2');
SELECT pg_temp.expect_refusal($$INSERT INTO maintenance (part_id, vin, work) VALUES ('P3', 'VIN1', 'x')$$,
    'LG101', 'part P3 is not installed in vehicle VIN1');
-- refused: no description of the work, backdated
SELECT pg_temp.expect_refusal($$INSERT INTO maintenance (part_id, vin, work) VALUES ('P1', 'VIN1', '  ')$$,
    'LG101', 'the work done must be described');
SELECT pg_temp.expect_refusal($$INSERT INTO maintenance (part_id, vin, work, recorded_at) VALUES ('P1', 'VIN1', 'x', '2000-01-01')$$,
    'LG101', 'recorded_at must be the ledger time');
SET ROLE provenance_mallory;
-- refused: not a garage
SELECT pg_temp.expect_refusal($$INSERT INTO maintenance (part_id, vin, work) VALUES ('P1', 'VIN1', 'x')$$,
    'LG101', 'provenance_mallory is not an authorised garage');
RESET ROLE;

-- accepted: the registrar revokes garage_b; from then on garage_b is refused; re-authorised, accepted again
SET ROLE provenance_dmv;
INSERT INTO garages (garage, status) VALUES ('provenance_garage_b', 'revoked');
SET ROLE provenance_garage_b;
SELECT pg_temp.expect_refusal($$INSERT INTO maintenance (part_id, vin, work) VALUES ('P1', 'VIN1', 'x')$$,
    'LG101', 'provenance_garage_b is not an authorised garage');
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind) VALUES ('P4', 'VIN1', 'installed')$$,
    'LG101', 'provenance_garage_b is not an authorised garage');
SET ROLE provenance_dmv;
SELECT pg_temp.expect_refusal($$INSERT INTO garages (garage, status) VALUES ('provenance_garage_b', 'revoked')$$,
    'LG101', 'garage provenance_garage_b is not authorised, so there is nothing to revoke');
INSERT INTO garages (garage, status) VALUES ('provenance_garage_b', 'authorised');
SET ROLE provenance_garage_b;
INSERT INTO maintenance (part_id, vin, work) VALUES ('P1', 'VIN1', 'fluid flushed');
RESET ROLE;

------------------------------------------------------------------------------------------------
-- recalls
------------------------------------------------------------------------------------------------
SET ROLE provenance_valeo;
-- refused: batch B2 exists only at bosch
SELECT pg_temp.expect_refusal($$INSERT INTO recalls (batch, reason) VALUES ('B2', 'cracks')$$,
    'LG101', 'only the manufacturer of batch B2 (provenance_bosch) may recall it, not provenance_valeo');
SET ROLE provenance_garage_a;
-- refused: a garage is not the manufacturer
SELECT pg_temp.expect_refusal($$INSERT INTO recalls (batch, reason) VALUES ('B1', 'cracks')$$,
    'LG101', 'only the manufacturer of batch B1 (provenance_bosch, provenance_valeo) may recall it, not provenance_garage_a');
SET ROLE provenance_bosch;
-- refused: actor is not the acting role, unknown batch, no reason, backdated
SELECT pg_temp.expect_refusal($$INSERT INTO recalls (batch, reason, actor) VALUES ('B1', 'cracks', 'provenance_valeo')$$,
    'LG101', 'the actor must be the acting role provenance_bosch, not provenance_valeo');
SELECT pg_temp.expect_refusal($$INSERT INTO recalls (batch, reason) VALUES ('B9', 'cracks')$$,
    'LG101', 'no registered part belongs to batch B9');
SELECT pg_temp.expect_refusal($$INSERT INTO recalls (batch, reason) VALUES ('B1', '')$$,
    'LG101', 'a recall must give its reason');
SELECT pg_temp.expect_refusal($$INSERT INTO recalls (batch, reason, recorded_at) VALUES ('B1', 'cracks', '2000-01-01')$$,
    'LG101', 'recorded_at must be the ledger time');
-- accepted: bosch recalls its batch B1
INSERT INTO recalls (batch, reason) VALUES ('B1', 'caliper housing may crack');
-- refused: recalled twice; a new part in the recalled batch
SELECT pg_temp.expect_refusal($$INSERT INTO recalls (batch, reason) VALUES ('B1', 'again')$$,
    'LG101', 'batch B1 of provenance_bosch is already recalled');
SELECT pg_temp.expect_refusal($$INSERT INTO parts (part_id, batch, produced_on) VALUES ('P9', 'B1', '2026-01-01')$$,
    'LG101', 'batch B1 of provenance_bosch is recalled: no new part may join it');
SET ROLE provenance_garage_a;
-- refused: installing a part of a recalled batch
SELECT pg_temp.expect_refusal($$INSERT INTO installations (part_id, vin, kind) VALUES ('P4', 'VIN2', 'installed')$$,
    'LG101', 'part P4 belongs to batch B1 of provenance_bosch, which is recalled');
-- accepted: recalled parts may still be maintained and removed; another batch is unaffected
INSERT INTO maintenance (part_id, vin, work) VALUES ('P2', 'VIN2', 'recall inspection');
INSERT INTO installations (part_id, vin, kind) VALUES ('P2', 'VIN2', 'removed');
INSERT INTO installations (part_id, vin, kind) VALUES ('P5', 'VIN2', 'installed');
RESET ROLE;

------------------------------------------------------------------------------------------------
-- the two queries, read by a party (SELECT granted on the views)
------------------------------------------------------------------------------------------------
SET ROLE provenance_garage_a;
SELECT pg_temp.expect(
    (SELECT array_agg(event || coalesce(':' || vin, '') || ':' || actor ORDER BY ledger_transaction_id, ledger_sequence_number)
       FROM part_history WHERE part_id = 'P3')
    = ARRAY['registered:provenance_bosch', 'installed:VIN1:provenance_garage_a', 'removed:VIN1:provenance_garage_a',
            'installed:VIN3:provenance_garage_a', 'maintained:VIN3:provenance_garage_a', 'recalled:provenance_bosch'],
    'the history of P3: registered, installed in VIN1, removed, installed in VIN3, maintained, recalled');
SELECT pg_temp.expect(
    (SELECT array_agg(event || coalesce(':' || vin, '') || ':' || coalesce(detail, '') ORDER BY ledger_transaction_id, ledger_sequence_number)
       FROM part_history WHERE part_id = 'P1')
    = ARRAY['registered:batch B1, produced on 2026-01-10: brake caliper', 'installed:VIN1:', 'maintained:VIN1:pads replaced',
            'maintained:VIN1:fluid flushed', 'recalled:batch B1 recalled: caliper housing may crack'],
    'the history of P1');
SELECT pg_temp.expect(
    (SELECT array_agg(event ORDER BY ledger_transaction_id, ledger_sequence_number) FROM part_history WHERE part_id = 'V1')
    = ARRAY['registered', 'installed'], 'valeo''s V1 (batch B1 of another manufacturer) is not recalled');
SELECT pg_temp.expect((SELECT count(*) FROM part_history WHERE part_id = 'NOPART') = 0, 'no history for an unknown part');
SELECT pg_temp.expect(
    (SELECT array_agg(format('%s/%s/%s', vin, part_id, still_installed) ORDER BY vin, part_id)
       FROM recall_affected_vehicles WHERE manufacturer = 'provenance_bosch' AND batch = 'B1')
    = ARRAY['VIN1/P1/t', 'VIN1/P3/f', 'VIN2/P2/f', 'VIN3/P3/t'],
    'vehicles affected by the recall of bosch''s B1: VIN1 (P1 still fitted, P3 removed), VIN2 (P2 removed), VIN3 (P3 fitted)');
SELECT pg_temp.expect(
    (SELECT array_agg(DISTINCT vin ORDER BY vin) FROM recall_affected_vehicles
      WHERE manufacturer = 'provenance_bosch' AND batch = 'B1' AND still_installed) = ARRAY['VIN1', 'VIN3'],
    'vehicles still carrying a recalled part: VIN1, VIN3');
SELECT pg_temp.expect(NOT EXISTS (SELECT 1 FROM recall_affected_vehicles WHERE batch = 'B2' OR manufacturer = 'provenance_valeo'),
    'batches not recalled affect no vehicle');
RESET ROLE;

------------------------------------------------------------------------------------------------
-- nothing refused was stored; sealed, verified, every entry checked by the contract
------------------------------------------------------------------------------------------------
SELECT pg_temp.expect((SELECT count(*) FROM garages) = 4, '4 garage events');
SELECT pg_temp.expect((SELECT string_agg(part_id, ',' ORDER BY part_id) FROM parts) = 'P1,P2,P3,P4,P5,V1', 'parts P1-P5, V1');
SELECT pg_temp.expect((SELECT count(*) FROM vehicles) = 3, '3 vehicles');
SELECT pg_temp.expect((SELECT count(*) FROM installations) = 8, '8 installation events');
SELECT pg_temp.expect((SELECT count(*) FROM maintenance) = 4, '4 maintenance events');
SELECT pg_temp.expect((SELECT count(*) FROM recalls) = 1, '1 recall');

SELECT ledger.seal();
SELECT pg_temp.expect((SELECT bool_and(ok) FROM ledger.verify()), 'ledger.verify() is ok');
SELECT pg_temp.expect((SELECT count(*) FROM ledger.transactions WHERE block_height IS NULL) = 0, 'everything sealed');
SELECT pg_temp.expect(
    (SELECT count(*) FROM ledger.transactions t JOIN ledger.tables lt USING (table_id)
      WHERE lt.relation::text IN ('garages', 'parts', 'vehicles', 'installations', 'maintenance', 'recalls')
        AND (SELECT contract_id FROM ledger.contracts WHERE contract_name = 'provenance' AND version = 1) = ANY (t.contract_ids))
    = (SELECT count(*) FROM ledger.transactions t JOIN ledger.tables lt USING (table_id)
        WHERE lt.relation::text IN ('garages', 'parts', 'vehicles', 'installations', 'maintenance', 'recalls'))
    AND (SELECT count(*) FROM ledger.transactions) = 18,
    'every accepted transaction on the contract''s tables records provenance version 1');
\echo 'PASS provenance'
