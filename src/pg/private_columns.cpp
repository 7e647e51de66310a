// The SQL interface of private columns: declaring a column private,
// revealing a value with its salt to a role that may read it, and checking a
// revealed value against its commitment.

extern "C" {
#include "postgres.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
}

#include <cstring>

#include "core/digest.hpp"
#include "pg/catalog.hpp"
#include "pg/datum_conversion.hpp"
#include "pg/errors.hpp"
#include "pg/private_values.hpp"
#include "pg/row_codec.hpp"
#include "pg/spi_values.hpp"

namespace pgledger::pg {
namespace {

std::uint64_t ledger_table_or_error(Oid relid) {
    std::uint64_t table_id = 0;
    Relation relation =
        open_ledger_table(relid, AccessShareLock, &table_id, "ledger.create_ledger_table() makes one.");
    table_close(relation, NoLock);
    return table_id;
}

Form_pg_attribute user_column(Relation relation, const char* column_name) {
    const TupleDesc descriptor = RelationGetDescr(relation);
    for (int i = 0; i < descriptor->natts; ++i) {
        const Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
        if (!attribute->attisdropped && std::strcmp(NameStr(attribute->attname), column_name) == 0) {
            return attribute;
        }
    }
    ereport(ERROR,
            (errcode(ERRCODE_UNDEFINED_COLUMN),
             errmsg("column \"%s\" of \"%s\" does not exist", column_name, RelationGetRelationName(relation)),
             errhint("Name a column of the ledger table.")));
    pg_unreachable();
}

core::Digest salt_argument(bytea* salt) {
    core::Digest out{};
    if (VARSIZE_ANY_EXHDR(salt) != out.size()) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("a salt must be 32 bytes, not %d", static_cast<int>(VARSIZE_ANY_EXHDR(salt))),
                        errhint("Pass the salt that ledger.reveal() returned.")));
    }
    std::memcpy(out.data(), VARDATA_ANY(salt), out.size());
    return out;
}

}  // namespace
}  // namespace pgledger::pg

using namespace pgledger;
using namespace pgledger::pg;

extern "C" {
PG_FUNCTION_INFO_V1(pgledger_declare_private);
PG_FUNCTION_INFO_V1(pgledger_commitment);
PG_FUNCTION_INFO_V1(pgledger_reveal);
}

extern "C" Datum pgledger_declare_private(PG_FUNCTION_ARGS) {
    const Oid relid = PG_GETARG_OID(0);
    const char* column_name = NameStr(*PG_GETARG_NAME(1));
    // Blocks inserts until this transaction ends, so that no row is hashed
    // with the column in the clear once the declaration commits.
    std::uint64_t table_id = 0;
    Relation relation =
        open_ledger_table(relid, ShareLock, &table_id, "ledger.create_ledger_table() makes one.");
    if (!pg_class_ownercheck(relid, GetUserId())) {
        aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, RelationGetRelationName(relation));
    }
    Form_pg_attribute attribute = user_column(relation, column_name);
    if (std::strcmp(column_name, kTxnColumn) == 0 || std::strcmp(column_name, kSeqColumn) == 0 ||
        attribute->attgenerated != '\0') {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("column \"%s\" cannot be private", column_name),
                        errdetail("Ledger position columns and generated columns are not hashed as values."),
                        errhint("Declare a column that holds the application's data private.")));
    }
    table_close(relation, NoLock);
    SPI_connect();
    Oid types[2] = {INT8OID, NAMEOID};
    Datum values[2] = {Int64GetDatum(static_cast<int64>(table_id)), PG_GETARG_DATUM(1)};
    if (SPI_execute_with_args("SELECT 1 FROM ledger.transactions WHERE table_id = $1 LIMIT 1", 1, types,
                              values, nullptr, false, 1) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger.transactions");
    }
    const bool has_rows = SPI_processed > 0;
    if (has_rows) {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("ledger table \"%s\" already holds rows", get_rel_name(relid)),
                        errdetail("Rows already sealed committed to the column's values in the clear."),
                        errhint("Declare private columns right after ledger.create_ledger_table(), before "
                                "the first insert.")));
    }
    if (SPI_execute_with_args("SELECT 1 FROM ledger.private_columns WHERE table_id = $1 AND column_name = $2",
                              2, types, values, nullptr, false, 1) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger.private_columns");
    }
    if (SPI_processed > 0) {
        ereport(ERROR,
                (errcode(ERRCODE_DUPLICATE_OBJECT), errmsg("column \"%s\" is already private", column_name),
                 errhint("See ledger.private_columns.")));
    }
    const Oid columns_table = ledger_relation("private_columns");
    const SavedUser caller = become_owner_of(columns_table);
    const int inserted =
        SPI_execute_with_args("INSERT INTO ledger.private_columns (table_id, column_name) VALUES ($1, $2)", 2,
                              types, values, nullptr, false, 0);
    restore_user(caller);
    if (inserted != SPI_OK_INSERT) {
        elog(ERROR, "pgledger could not record the private column");
    }
    SPI_finish();
    // Every session's cached row codec must learn of it.
    CacheInvalidateRelcacheByRelid(relid);
    PG_RETURN_VOID();
}

// pgledger_commitment lets anyone check a revealed value: it computes the
// commitment the ledger holds for that value and salt.
extern "C" Datum pgledger_commitment(PG_FUNCTION_ARGS) {
    const Oid type = get_fn_expr_argtype(fcinfo->flinfo, 0);
    if (!OidIsValid(type)) {
        ereport(ERROR,
                (errcode(ERRCODE_INDETERMINATE_DATATYPE), errmsg("the value's type cannot be determined"),
                 errhint("Cast the value to the column's type, e.g. '1500'::numeric.")));
    }
    const core::Digest salt = salt_argument(PG_GETARG_BYTEA_PP(1));
    PG_RETURN_BYTEA_P(digest_to_bytea(value_commitment_of(type, PG_GETARG_DATUM(0), salt)));
}

// pgledger_reveal shows one private value with its salt and commitment. The
// value is read with the caller's own privileges and row-level security, so
// only a role that may read the row learns its salt.
extern "C" Datum pgledger_reveal(PG_FUNCTION_ARGS) {
    const Oid relid = PG_GETARG_OID(0);
    const int64 transaction_id = PG_GETARG_INT64(1);
    const int32 sequence_number = PG_GETARG_INT32(2);
    const char* column_name = NameStr(*PG_GETARG_NAME(3));
    const std::uint64_t table_id = ledger_table_or_error(relid);
    require_private_column(table_id, relid, column_name,
                           "Only values of columns declared with ledger.declare_private() have salts.");
    const char* qualified_name =
        quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));

    SPI_connect();
    Oid types[4] = {INT8OID, INT4OID, INT8OID, NAMEOID};
    Datum values[4] = {Int64GetDatum(transaction_id), Int32GetDatum(sequence_number),
                       Int64GetDatum(static_cast<int64>(table_id)), PG_GETARG_DATUM(3)};
    if (SPI_execute_with_args(
            psprintf("SELECT %s, %s::text, pg_typeof(%s)::text FROM %s WHERE %s = $1 AND %s = $2",
                     quote_identifier(column_name), quote_identifier(column_name),
                     quote_identifier(column_name), qualified_name, kTxnColumn, kSeqColumn),
            2, types, values, nullptr, true, 2) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read the row");
    }
    // The same error whether the row is missing or hidden: which rows exist
    // is itself what row-level security hides.
    if (SPI_processed != 1) {
        ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND),
                        errmsg("no row of \"%s\" at transaction %lld, sequence %d is visible to you",
                               get_rel_name(relid), static_cast<long long>(transaction_id), sequence_number),
                        errhint("Only a role that may read a row can have its private values revealed.")));
    }
    bool value_is_null = false;
    const Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &value_is_null);
    const Oid value_type = SPI_gettypeid(SPI_tuptable->tupdesc, 1);
    const char* value_text = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
    const char* type_name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);

    const SavedUser caller = become_owner_of(ledger_relation("private_salts"));
    const int read = SPI_execute_with_args(
        "SELECT salt, commitment, erased_at FROM ledger.private_salts WHERE transaction_id = $1 AND "
        "sequence_number = $2 AND table_id = $3 AND column_name = $4",
        4, types, values, nullptr, true, 1);
    restore_user(caller);
    if (read != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger.private_salts");
    }
    core::Digest salt{};
    core::Digest commitment{};
    const bool found = SPI_processed == 1;
    const bool has_salt = found && spi_digest(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, salt);
    const bool has_commitment =
        found && spi_digest(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, commitment);
    if (value_is_null || !has_salt) {
        const bool erased = found && !has_salt && has_commitment;
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg(erased ? "the value of column \"%s\" in that row was erased"
                                      : "the row has no private value in column \"%s\" to reveal",
                               column_name),
                        errhint(erased ? "An erased value and its salt are gone; only the commitment remains."
                                       : "A NULL private value has no salt and no commitment.")));
    }
    const core::Digest recomputed = value_commitment_of(value_type, value, salt);
    Datum result_values[7] = {CStringGetTextDatum(column_name),
                              CStringGetTextDatum(type_name),
                              CStringGetTextDatum(value_text),
                              PointerGetDatum(digest_to_bytea(salt)),
                              PointerGetDatum(digest_to_bytea(commitment)),
                              BoolGetDatum(recomputed == commitment),
                              Int64GetDatum(transaction_id)};
    Oid result_types[7] = {TEXTOID, TEXTOID, TEXTOID, BYTEAOID, BYTEAOID, BOOLOID, INT8OID};
    if (SPI_execute_with_args(
            "SELECT jsonb_build_object('column', $1, 'type', $2, 'value', $3, 'salt', $4, 'commitment', $5, "
            "'commitment_matches', $6, 'transaction_id', $7)",
            7, result_types, result_values, nullptr, true, 1) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not build the revealed value");
    }
    bool result_is_null = false;
    const Datum result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &result_is_null);
    const Datum copied = SPI_datumTransfer(result, false, -1);
    SPI_finish();
    PG_RETURN_DATUM(copied);
}
