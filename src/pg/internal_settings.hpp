// The settings the ledger's own SQL runs under. Run with the caller's
// search path, a query that runs as the ledger's owner could pick up a
// function or operator from a schema the caller controls, in place of the
// built-in one it means; and wherever pg_temp is not named, PostgreSQL
// searches it first for relations, so a temporary view could stand in for a
// catalog. Text the ledger hashes, such as a contract's function definitions,
// must not depend on how the caller likes identifiers quoted.
#pragma once

namespace pgledger::pg {

// pin_internal_settings sets search_path to pg_catalog, pg_temp and
// quote_all_identifiers to off until unpin_internal_settings (an error
// unpins by ending the transaction).
int pin_internal_settings();
// pin_definition_settings also fixes what PostgreSQL prints constants by
// (dates, time zone, intervals, floats, bytea): a BEGIN ATOMIC body's
// constants are part of the function definitions a contract version records
// at installation and verification compares. It parses the contract's source
// too, so that a constant such as '2026-02-01 00:00' means one instant
// whoever installs it. Unpinned by unpin_internal_settings.
int pin_definition_settings();
void unpin_internal_settings(int nest_level);

}  // namespace pgledger::pg
