// Each contract version lives in a schema of its own; once recorded in
// ledger.contracts, its functions may not change.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace pgledger::pg {

const char* contract_schema_name(const char* contract_name, int version);

// is_recorded_contract_schema: the schema of an installed contract version.
// Installation records the schema only once its functions are final, so
// the guard needs no exception for the installer.
bool is_recorded_contract_schema(Oid schema);

// contract_definitions_sql is an SQL expression for the functions of the
// contract schema named by schema_expression, as PostgreSQL stores them.
// Installation records this text and verification compares it.
const char* contract_definitions_sql(const char* schema_expression);

// Function definitions print type names qualified or not depending on the
// search path, so they are always read under pin_internal_settings().

}  // namespace pgledger::pg
