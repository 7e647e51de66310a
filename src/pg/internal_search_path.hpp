// The search path of the ledger's own SQL. Run with the caller's path, a
// query that runs as the ledger's owner could pick up a function or
// operator from a schema the caller controls, in place of the built-in one
// it means; and wherever pg_temp is not named, PostgreSQL searches it first
// for relations, so a temporary view could stand in for a catalog.
#pragma once

namespace pgledger::pg {

// pin_internal_search_path sets search_path to pg_catalog, pg_temp until
// unpin_internal_search_path (an error unpins by ending the transaction).
int pin_internal_search_path();
void unpin_internal_search_path(int nest_level);

}  // namespace pgledger::pg
