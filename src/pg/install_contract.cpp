// ledger.install_contract(): installs the next version of a contract. Its
// source runs in a schema of its own (contract_<name>_v<version>); only
// deterministic SQL and PL/pgSQL functions are accepted; the version's hash
// covers its source, its checks and its functions as PostgreSQL stored
// them, and is recorded in ledger.contracts and in every entry it checks.

extern "C" {
#include "postgres.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
}

#include <cctype>
#include <cstring>

#include "core/canonical.hpp"
#include "pg/catalog.hpp"
#include "pg/contract_determinism.hpp"
#include "pg/contract_enforcement.hpp"
#include "pg/contract_schemas.hpp"
#include "pg/internal_settings.hpp"
#include "pg/cpp_boundary.hpp"
#include "pg/datum_conversion.hpp"
#include "pg/spi_values.hpp"
#include "pg/transaction_log.hpp"

namespace pgledger::pg {
namespace {

constexpr std::size_t kMaxContractName = 40;

[[noreturn]] void bad_argument(const char* message, const char* hint) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", message), errhint("%s", hint)));
    pg_unreachable();
}

void check_contract_name(const char* name) {
    const std::size_t length = std::strlen(name);
    bool valid =
        length > 0 && length <= kMaxContractName && std::islower(static_cast<unsigned char>(name[0]));
    for (std::size_t i = 0; valid && i < length; ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        valid = std::islower(c) || std::isdigit(c) || c == '_';
    }
    if (!valid) {
        bad_argument(
            psprintf("invalid contract name \"%s\"", name),
            "A contract name is 1 to 40 lowercase letters, digits and underscores, starting with a letter.");
    }
}

// normalize_checks validates {"table": {"row": fn, "transaction": fn}} and
// returns it as a jsonb array keyed by ledger table id, as recorded.
char* normalize_checks(Jsonb* checks) {
    Oid types[1] = {JSONBOID};
    Datum values[1] = {JsonbPGetDatum(checks)};
    if (!JB_ROOT_IS_OBJECT(checks) || JB_ROOT_COUNT(checks) == 0) {
        bad_argument("contract checks must be a non-empty JSON object",
                     "Write {\"schema.table\": {\"row\": \"function\", \"transaction\": \"function\"}}.");
    }
    // The tables are named as the caller sees them, by a query that names
    // every function and type with its schema; the rest runs with the
    // internal settings, so that no operator the caller's path reaches (an
    // =(oid, regclass) in public, say) runs as the installing role.
    if (SPI_execute_with_args(
            "SELECT e.key, pg_catalog.to_regclass(e.key)::pg_catalog.oid FROM pg_catalog.jsonb_each($1) e", 1,
            types, values, nullptr, false, 0) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read the contract's checks");
    }
    const int key_count = static_cast<int>(SPI_processed);
    Datum* keys = static_cast<Datum*>(palloc(sizeof(Datum) * (key_count + 1)));
    Datum* relations = static_cast<Datum*>(palloc(sizeof(Datum) * (key_count + 1)));
    bool* unresolved = static_cast<bool*>(palloc(sizeof(bool) * (key_count + 1)));
    for (int i = 0; i < key_count; ++i) {
        bool is_null = false;
        keys[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &is_null);
        relations[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &unresolved[i]);
    }
    int dimensions[1] = {key_count};
    int lower_bounds[1] = {1};
    Oid resolved_types[3] = {JSONBOID, TEXTARRAYOID, OIDARRAYOID};
    Datum resolved_values[3] = {
        JsonbPGetDatum(checks),
        PointerGetDatum(construct_array(keys, key_count, TEXTOID, -1, false, TYPALIGN_INT)),
        PointerGetDatum(construct_md_array(relations, unresolved, 1, dimensions, lower_bounds, OIDOID,
                                           sizeof(Oid), true, TYPALIGN_INT))};
    const int nest_level = pin_internal_settings();
    const int result = SPI_execute_with_args(
        "SELECT e.key, r.relid, jsonb_typeof(e.value), "
        "jsonb_typeof(e.value->'row'), e.value->>'row', jsonb_typeof(e.value->'transaction'), "
        "e.value->>'transaction', (SELECT count(*) FROM jsonb_object_keys(CASE jsonb_typeof(e.value) "
        "WHEN 'object' THEN e.value ELSE '{}' END) k WHERE k NOT IN ('row', 'transaction', 'lock')), "
        "t.table_id, jsonb_typeof(e.value->'lock'), e.value->>'lock', "
        "(SELECT count(*) FROM pg_attribute a WHERE a.attrelid = r.relid AND a.attnum > 0 "
        "   AND NOT a.attisdropped AND a.attname = e.value->>'lock') "
        "FROM jsonb_each($1) e JOIN unnest($2, $3) AS r(key, relid) ON r.key = e.key "
        "LEFT JOIN ledger.tables t ON t.relation = r.relid "
        "ORDER BY t.table_id",
        3, resolved_types, resolved_values, nullptr, false, 0);
    unpin_internal_settings(nest_level);
    if (result != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read the contract's checks");
    }
    StringInfoData normalized;
    initStringInfo(&normalized);
    appendStringInfoChar(&normalized, '[');
    for (uint64 i = 0; i < SPI_processed; ++i) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        TupleDesc descriptor = SPI_tuptable->tupdesc;
        const char* table = SPI_getvalue(tuple, descriptor, 1);
        const char* relid = SPI_getvalue(tuple, descriptor, 2);
        const char* shape = SPI_getvalue(tuple, descriptor, 3);
        const char* row_type = SPI_getvalue(tuple, descriptor, 4);
        const char* row_check = SPI_getvalue(tuple, descriptor, 5);
        const char* transaction_type = SPI_getvalue(tuple, descriptor, 6);
        const char* transaction_check = SPI_getvalue(tuple, descriptor, 7);
        const int64 unknown_keys = spi_int64(tuple, descriptor, 8, 0);
        const int64 table_id = spi_int64(tuple, descriptor, 9, 0);
        const char* lock_type = SPI_getvalue(tuple, descriptor, 10);
        const char* lock_column = SPI_getvalue(tuple, descriptor, 11);
        const int64 lock_columns_found = spi_int64(tuple, descriptor, 12, 0);
        if (relid == nullptr) {
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation \"%s\" does not exist", table),
                            errhint("Name each ledger table the contract checks, schema-qualified.")));
        }
        if (table_id == 0) {
            bad_argument(psprintf("\"%s\" is not a ledger table", table),
                         "Make it one with ledger.create_ledger_table() before attaching a contract.");
        }
        // Ordered by table id: two names of one table come one after the other.
        if (i > 0 && spi_int64(SPI_tuptable->vals[i - 1], descriptor, 9, 0) == table_id) {
            bad_argument(psprintf("\"%s\" and \"%s\" name the same table",
                                  SPI_getvalue(SPI_tuptable->vals[i - 1], descriptor, 1), table),
                         "Give each ledger table's checks once.");
        }
        const bool well_typed =
            std::strcmp(shape, "object") == 0 && unknown_keys == 0 &&
            (row_type == nullptr || std::strcmp(row_type, "string") == 0) &&
            (transaction_type == nullptr || std::strcmp(transaction_type, "string") == 0) &&
            (lock_type == nullptr || std::strcmp(lock_type, "string") == 0) &&
            (row_check != nullptr || transaction_check != nullptr);
        if (!well_typed) {
            bad_argument(psprintf("the checks of \"%s\" are malformed", table),
                         "Give an object with \"row\" and/or \"transaction\", each the name of a function, "
                         "and optionally \"lock\", the name of a column.");
        }
        if (lock_column != nullptr && lock_columns_found != 1) {
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                            errmsg("lock column \"%s\" does not exist in \"%s\"", lock_column, table),
                            errhint("Name the column whose value identifies the state a row changes, such as "
                                    "an account or asset id.")));
        }
        appendStringInfo(&normalized, "%s{\"table_id\": %lld, \"row_check\": ", i == 0 ? "" : ", ",
                         static_cast<long long>(table_id));
        if (row_check != nullptr) {
            escape_json(&normalized, row_check);
        } else {
            appendStringInfoString(&normalized, "null");
        }
        appendStringInfoString(&normalized, ", \"transaction_check\": ");
        if (transaction_check != nullptr) {
            escape_json(&normalized, transaction_check);
        } else {
            appendStringInfoString(&normalized, "null");
        }
        appendStringInfoString(&normalized, ", \"lock_column\": ");
        if (lock_column != nullptr) {
            escape_json(&normalized, lock_column);
        } else {
            appendStringInfoString(&normalized, "null");
        }
        appendStringInfoChar(&normalized, '}');
    }
    appendStringInfoChar(&normalized, ']');
    return normalized.data;
}

// The search path of a contract, at installation and whenever its functions
// run: its own schema, with pg_catalog implicitly before it. Not public,
// where whoever may create objects could add a function or an operator that
// matches a check's arguments better than the built-in one, and change what
// the check means without changing anything the ledger records. pg_temp last:
// unnamed, it would be searched first for relations, and a caller's temporary
// table could stand in for one a check reads.
const char* contract_search_path(const char* schema) {
    return psprintf("%s, pg_temp", quote_identifier(schema));
}

// An unqualified name that resolves in the caller's session may not in the
// contract's: the context says why.
void explain_source_search_path(void* search_path) {
    errcontext(
        "running the contract's source with search_path = %s; name objects outside the contract "
        "with their schema",
        static_cast<const char*>(search_path));
}

// run_source executes the contract's SQL with its schema first on the
// search path, so that what it creates lands there.
void run_source(const char* schema, const char* source) {
    const int nest_level = NewGUCNestLevel();
    const char* search_path = contract_search_path(schema);
    (void)set_config_option("search_path", search_path, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                            false);
    ErrorContextCallback context;
    context.callback = explain_source_search_path;
    context.arg = const_cast<char*>(search_path);
    context.previous = error_context_stack;
    error_context_stack = &context;
    const int result = SPI_execute(source, false, 0);
    error_context_stack = context.previous;
    // Whatever the source SET is undone too: it would stay in force for the
    // checks of what it created, for the definitions recorded and for the
    // caller's session.
    AtEOXact_GUC(false, nest_level);
    if (result < 0) {
        elog(ERROR, "pgledger could not run the contract's source: %s", SPI_result_code_string(result));
    }
}

// check_contents accepts only SQL and PL/pgSQL functions in the schema, each
// deterministic, and pins their search path, so callers cannot redirect them,
// and the formats values are parsed and printed by, so that every session
// reaches the same result.
void check_contents(const char* schema) {
    const Oid schema_oid = get_namespace_oid(schema, false);
    Oid types[1] = {OIDOID};
    Datum values[1] = {ObjectIdGetDatum(schema_oid)};
    if (SPI_execute_with_args("SELECT relname FROM pg_class WHERE relnamespace = $1 LIMIT 1", 1, types,
                              values, nullptr, false, 0) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not list the contract's relations");
    }
    if (SPI_processed > 0) {
        bad_argument(psprintf("a contract may only create functions, not \"%s\"",
                              SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)),
                     "Keep a contract's data in ledger tables, so that it is sealed and verified.");
    }
    // A SQL function with a BEGIN ATOMIC body keeps it parsed, not as text.
    if (SPI_execute_with_args(
            "SELECT format('%I(%s)', p.proname, pg_get_function_identity_arguments(p.oid)), "
            "l.lanname, CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_function_sqlbody(p.oid) "
            "ELSE p.prosrc END FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
            "WHERE p.pronamespace = $1 ORDER BY 1",
            1, types, values, nullptr, false, 0) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not list the contract's functions");
    }
    SPITupleTable* functions = SPI_tuptable;
    const uint64 count = SPI_processed;
    if (count == 0) {
        bad_argument("the contract's source created no function",
                     "Create the check functions in the source, without a schema name.");
    }
    for (uint64 i = 0; i < count; ++i) {
        const char* signature = SPI_getvalue(functions->vals[i], functions->tupdesc, 1);
        const char* language = SPI_getvalue(functions->vals[i], functions->tupdesc, 2);
        if (std::strcmp(language, "sql") != 0 && std::strcmp(language, "plpgsql") != 0) {
            ereport(ERROR,
                    (errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
                     errmsg("contract function %s is written in %s", signature, language),
                     errhint("Contracts are written in SQL or PL/pgSQL, so that every node can run them.")));
        }
        check_deterministic(signature, SPI_getvalue(functions->vals[i], functions->tupdesc, 3), schema_oid);
    }
    StringInfoData settings;
    initStringInfo(&settings);
    appendStringInfo(&settings, "SET search_path = %s", contract_search_path(schema));
    const auto append_settings = [&settings](const auto& fixed) {
        for (const FixedSetting& setting : fixed) {
            appendStringInfo(&settings, " SET %s = %s", setting.name, quote_literal_cstr(setting.value));
        }
    };
    append_settings(kContractFormats);
    append_settings(kContractBehaviour);
    for (uint64 i = 0; i < count; ++i) {
        spi_run(psprintf("ALTER FUNCTION %s.%s %s", quote_identifier(schema),
                         SPI_getvalue(functions->vals[i], functions->tupdesc, 1), settings.data),
                SPI_OK_UTILITY);
    }
}

// check_functions makes sure each named check exists with its signature:
// row checks take the table's row and return text, transaction checks take
// nothing and return text (NULL accepts, anything else is the reason).
void check_functions(const char* schema, const char* checks) {
    Oid types[2] = {TEXTOID, JSONBOID};
    Datum values[2] = {CStringGetTextDatum(schema), DirectFunctionCall1(jsonb_in, CStringGetDatum(checks))};
    const int result = SPI_execute_with_args(
        "WITH named AS (SELECT k->>'row_check' AS row_check, k->>'transaction_check' AS transaction_check, "
        "  t.relation, c.reltype FROM jsonb_array_elements($2) k "
        "  JOIN ledger.tables t ON t.table_id = (k->>'table_id')::bigint JOIN pg_class c ON c.oid = "
        "t.relation), "
        "resolved AS (SELECT *, "
        "  CASE WHEN row_check IS NOT NULL THEN to_regprocedure(format('%I.%I(%s)', $1, row_check, "
        "    format_type(reltype, NULL))) END AS row_function, "
        "  CASE WHEN transaction_check IS NOT NULL THEN to_regprocedure(format('%I.%I()', $1, "
        "transaction_check)) "
        "    END AS transaction_function FROM named) "
        "SELECT row_check, transaction_check, relation::text, "
        "  (SELECT prorettype = 'text'::regtype FROM pg_proc WHERE oid = row_function), "
        "  (SELECT prorettype = 'text'::regtype FROM pg_proc WHERE oid = transaction_function) "
        "FROM resolved",
        2, types, values, nullptr, false, 0);
    if (result != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not look up the contract's check functions");
    }
    for (uint64 i = 0; i < SPI_processed; ++i) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        TupleDesc descriptor = SPI_tuptable->tupdesc;
        const char* row_check = SPI_getvalue(tuple, descriptor, 1);
        const char* transaction_check = SPI_getvalue(tuple, descriptor, 2);
        const char* table = SPI_getvalue(tuple, descriptor, 3);
        const char* row_ok = SPI_getvalue(tuple, descriptor, 4);
        const char* transaction_ok = SPI_getvalue(tuple, descriptor, 5);
        if (row_check != nullptr && (row_ok == nullptr || std::strcmp(row_ok, "t") != 0)) {
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                            errmsg("row check %s(%s) returning text is not in the contract's source",
                                   row_check, table),
                            errhint("Define FUNCTION %s(row %s) RETURNS text: NULL accepts the row, a text "
                                    "refuses it with that reason.",
                                    row_check, table)));
        }
        if (transaction_check != nullptr &&
            (transaction_ok == nullptr || std::strcmp(transaction_ok, "t") != 0)) {
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                            errmsg("transaction check %s() returning text is not in the contract's source",
                                   transaction_check),
                            errhint("Define FUNCTION %s() RETURNS text: NULL accepts the transaction, a text "
                                    "refuses it with that reason.",
                                    transaction_check)));
        }
    }
}

}  // namespace
}  // namespace pgledger::pg

using namespace pgledger::pg;

extern "C" {
PG_FUNCTION_INFO_V1(pgledger_install_contract);
}

extern "C" Datum pgledger_install_contract(PG_FUNCTION_ARGS) {
    const char* name = text_to_cstring(PG_GETARG_TEXT_PP(0));
    const char* source = text_to_cstring(PG_GETARG_TEXT_PP(1));
    Jsonb* checks = PG_GETARG_JSONB_P(2);
    check_contract_name(name);

    SPI_connect();
    // One installation at a time; versions are numbered without gaps.
    spi_run("LOCK TABLE ledger.contracts IN SHARE ROW EXCLUSIVE MODE", SPI_OK_UTILITY);
    // The tables in the checks are named as the caller sees them; everything
    // after runs with the internal search path, so that a function placed in
    // a schema the caller searches (public.format(text, name, text), say)
    // cannot stand in for a built-in one and run as the installing role. The
    // source is parsed, and its definitions printed, with fixed formats and
    // behaviour.
    const char* normalized_checks = normalize_checks(checks);
    const int nest_level = pin_contract_settings();
    Oid name_type[1] = {TEXTOID};
    Datum name_value[1] = {CStringGetTextDatum(name)};
    if (SPI_execute_with_args("SELECT coalesce(max(version), 0) + 1, nextval('ledger.contract_id_seq') "
                              "FROM ledger.contracts WHERE contract_name = $1",
                              1, name_type, name_value, nullptr, false, 0) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not number the contract version");
    }
    const int32 version = spi_int32(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, 1);
    const int64 contract_id = spi_int64(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, 0);
    const char* schema = contract_schema_name(name, version);

    spi_run(psprintf("CREATE SCHEMA %s", quote_identifier(schema)), SPI_OK_UTILITY);
    // Checks run as the role that inserts, which must reach the functions.
    spi_run(psprintf("GRANT USAGE ON SCHEMA %s TO PUBLIC", quote_identifier(schema)), SPI_OK_UTILITY);
    run_source(schema, source);
    check_contents(schema);
    check_functions(schema, normalized_checks);

    Oid schema_type[1] = {TEXTOID};
    Datum schema_value[1] = {CStringGetTextDatum(schema)};
    const int read = SPI_execute_with_args(psprintf("SELECT %s", contract_definitions_sql("$1")), 1,
                                           schema_type, schema_value, nullptr, false, 0);
    if (read != SPI_OK_SELECT || SPI_processed != 1) {
        elog(ERROR, "pgledger could not read the contract's definitions");
    }
    const char* definitions = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    // Hashed as jsonb prints it, which is what verification reads back.
    const char* checks_text = DatumGetCString(
        DirectFunctionCall1(jsonb_out, DirectFunctionCall1(jsonb_in, CStringGetDatum(normalized_checks))));
    const char* hashed[4] = {utf8_text(name), utf8_text(source), utf8_text(checks_text),
                             utf8_text(definitions)};
    const pgledger::core::Digest source_hash = call_cpp([&] {
        pgledger::core::ContractSource contract;
        contract.name = hashed[0];
        contract.version = static_cast<std::uint32_t>(version);
        contract.source = hashed[1];
        contract.checks = hashed[2];
        contract.definitions = hashed[3];
        return pgledger::core::contract_source_hash(contract);
    });

    Oid types[8] = {INT8OID, TEXTOID, INT4OID, NAMEOID, TEXTOID, JSONBOID, TEXTOID, BYTEAOID};
    Datum values[8] = {
        Int64GetDatum(contract_id),       CStringGetTextDatum(name),
        Int32GetDatum(version),           CStringGetDatum(schema),
        CStringGetTextDatum(source),      DirectFunctionCall1(jsonb_in, CStringGetDatum(checks_text)),
        CStringGetTextDatum(definitions), PointerGetDatum(digest_to_bytea(source_hash))};
    if (SPI_execute_with_args(
            "INSERT INTO ledger.contracts (contract_id, contract_name, version, schema_name, "
            "source, checks, definitions, source_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            8, types, values, nullptr, false, 0) != SPI_OK_INSERT) {
        elog(ERROR, "pgledger could not record contract \"%s\"", name);
    }
    // Every session rebuilds its list of the contracts attached to a table.
    if (SPI_execute("SELECT relation::oid FROM ledger.tables", true, 0) == SPI_OK_SELECT) {
        for (uint64 i = 0; i < SPI_processed; ++i) {
            bool is_null = false;
            const Oid relid =
                DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &is_null));
            if (!is_null && OidIsValid(relid) && get_rel_name(relid) != nullptr) {
                CacheInvalidateRelcacheByRelid(relid);
            }
        }
    }
    forget_contracts();
    unpin_internal_settings(nest_level);
    SPI_finish();
    PG_RETURN_INT32(version);
}
