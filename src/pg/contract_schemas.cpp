#include "pg/contract_schemas.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
}

#include <cctype>
#include <cstring>

#include "pg/catalog.hpp"
#include "pg/internal_settings.hpp"

namespace pgledger::pg {
namespace {

constexpr const char kPrefix[] = "contract_";

// Shaped like contract_<name>_v<digits>: only those can be recorded.
bool has_contract_schema_shape(const char* name) {
    if (std::strncmp(name, kPrefix, sizeof kPrefix - 1) != 0) {
        return false;
    }
    const char* version = std::strrchr(name, 'v');
    if (version == nullptr || version == name || version[-1] != '_' || version[1] == '\0') {
        return false;
    }
    for (const char* c = version + 1; *c != '\0'; ++c) {
        if (!std::isdigit(static_cast<unsigned char>(*c))) {
            return false;
        }
    }
    return true;
}

}  // namespace

const char* contract_schema_name(const char* contract_name, int version) {
    return psprintf("%s%s_v%d", kPrefix, contract_name, version);
}

bool is_recorded_contract_schema(Oid schema) {
    const char* name = get_namespace_name(schema);
    if (name == nullptr || !has_contract_schema_shape(name) || !OidIsValid(ledger_relation("contracts"))) {
        return false;
    }
    const int nest_level = pin_internal_settings();
    SPI_connect();
    Oid types[1] = {NAMEOID};
    Datum values[1] = {CStringGetDatum(name)};
    const int result = SPI_execute_with_args("SELECT 1 FROM ledger.contracts WHERE schema_name = $1", 1,
                                             types, values, nullptr, true, 1);
    const bool recorded = result == SPI_OK_SELECT && SPI_processed > 0;
    SPI_finish();
    unpin_internal_settings(nest_level);
    return recorded;
}

const char* contract_definitions_sql(const char* schema_expression) {
    return psprintf(
        "(SELECT coalesce(string_agg(pg_get_functiondef(p.oid), E'\\n' ORDER BY p.oid::regprocedure::text "
        "COLLATE \"C\"), "
        "'') "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s)",
        schema_expression);
}

}  // namespace pgledger::pg
