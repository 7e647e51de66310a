#include "pg/erasure.hpp"

extern "C" {
#include "access/table.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "utils/datum.h"
#include "utils/snapmgr.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

#include "pg/catalog.hpp"
#include "pg/errors.hpp"
#include "pg/private_values.hpp"
#include "pg/spi_values.hpp"
#include "pg/transaction_log.hpp"

namespace pgledger::pg {
namespace {

Oid permitted_relation = InvalidOid;
Oid running_relation = InvalidOid;
AttrNumber erased_column = InvalidAttrNumber;

const char* changed_column(TupleDesc descriptor, TupleTableSlot* old_row, TupleTableSlot* new_row) {
    slot_getallattrs(old_row);
    slot_getallattrs(new_row);
    for (int i = 0; i < descriptor->natts; ++i) {
        const Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
        if (attribute->attisdropped) {
            continue;
        }
        const bool old_null = old_row->tts_isnull[i];
        const bool new_null = new_row->tts_isnull[i];
        const bool same = i + 1 == erased_column
                              ? new_null
                              : old_null == new_null &&
                                    (old_null || datumIsEqual(old_row->tts_values[i], new_row->tts_values[i],
                                                              attribute->attbyval, attribute->attlen));
        if (!same) {
            return NameStr(attribute->attname);
        }
    }
    return nullptr;
}

}  // namespace

void check_erasure_update(Relation relation, ItemPointer old_tid, TupleTableSlot* new_row) {
    TupleTableSlot* old_row = table_slot_create(relation, nullptr);
    if (!table_tuple_fetch_row_version(relation, old_tid, SnapshotAny, old_row)) {
        elog(ERROR, "pgledger could not read the row whose private value is being erased");
    }
    const char* column = changed_column(RelationGetDescr(relation), old_row, new_row);
    ExecDropSingleTupleTableSlot(old_row);
    if (column != nullptr) {
        ereport(ERROR, (errcode(ERRCODE_LEDGER_APPEND_ONLY),
                        errmsg("erasing a private value of ledger table \"%s\" may change only that value",
                               RelationGetRelationName(relation)),
                        errdetail("Column \"%s\" of the row would change too, by a BEFORE UPDATE trigger or "
                                  "rule on the table.",
                                  column),
                        errhint("Make the table's UPDATE triggers leave rows as they are while "
                                "ledger.erase_private() runs.")));
    }
}

bool take_erasure_permit(Oid relid) {
    if (!OidIsValid(permitted_relation) || permitted_relation != relid) {
        return false;
    }
    permitted_relation = InvalidOid;
    running_relation = relid;
    return true;
}

bool erasure_running(Oid relid) {
    return OidIsValid(running_relation) && running_relation == relid;
}

void report_erasures(std::uint64_t table_id, ErasureReport report, void* state) {
    const Oid log_schema = ledger_schema_oid(kPrivacySchema);
    const bool has_log = OidIsValid(log_schema) && is_ledger_table(get_relname_relid("erasures", log_schema));
    const char* recorded =
        has_log ? "EXISTS (SELECT 1 FROM ledger_privacy.erasures e WHERE e.table_id = s.table_id "
                  "AND e.transaction_id = s.transaction_id AND e.sequence_number = "
                  "s.sequence_number AND e.column_name = s.column_name::text)"
                : "false";
    Oid types[1] = {INT8OID};
    Datum values[1] = {Int64GetDatum(static_cast<int64>(table_id))};
    if (SPI_execute_with_args(psprintf("SELECT s.transaction_id, s.sequence_number, s.column_name::text, %s "
                                       "FROM ledger.private_salts s WHERE s.table_id = $1 AND s.salt IS NULL "
                                       "ORDER BY 1, 2, 3",
                                       recorded),
                              1, types, values, nullptr, true, 0) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger.private_salts");
    }
    SPITupleTable* rows = SPI_tuptable;
    const uint64 count = SPI_processed;
    for (uint64 i = 0; i < count; ++i) {
        const char* transaction_id = SPI_getvalue(rows->vals[i], rows->tupdesc, 1);
        const char* sequence_number = SPI_getvalue(rows->vals[i], rows->tupdesc, 2);
        const char* column = SPI_getvalue(rows->vals[i], rows->tupdesc, 3);
        const char* logged = SPI_getvalue(rows->vals[i], rows->tupdesc, 4);
        const bool in_log = logged != nullptr && logged[0] == 't';
        report(
            state, in_log,
            psprintf(
                in_log ? "row (transaction %s, sequence %s): the private value of column \"%s\" was erased; "
                         "its commitment still verifies"
                       : "row (transaction %s, sequence %s): the salt of column \"%s\" was destroyed "
                         "without a recorded erasure",
                transaction_id, sequence_number, column));
    }
}

}  // namespace pgledger::pg

using namespace pgledger::pg;

extern "C" {
PG_FUNCTION_INFO_V1(pgledger_erase_private);
}

extern "C" Datum pgledger_erase_private(PG_FUNCTION_ARGS) {
    const Oid relid = PG_GETARG_OID(0);
    const int64 transaction_id = PG_GETARG_INT64(1);
    const int32 sequence_number = PG_GETARG_INT32(2);
    const char* column_name = NameStr(*PG_GETARG_NAME(3));
    const char* reason = text_to_cstring(PG_GETARG_TEXT_PP(4));
    std::uint64_t table_id = 0;
    Relation relation = open_ledger_table(relid, RowExclusiveLock, &table_id,
                                          "Only private values of ledger tables are erased this way.");
    if (!pg_class_ownercheck(relid, GetUserId())) {
        aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, RelationGetRelationName(relation));
    }
    const char* qualified_name = quote_qualified_identifier(
        get_namespace_name(RelationGetNamespace(relation)), RelationGetRelationName(relation));
    table_close(relation, NoLock);
    require_private_column(table_id, relid, column_name,
                           "Only values of columns declared with ledger.declare_private() can be erased.");

    SPI_connect();
    Oid types[6] = {INT8OID, INT4OID, INT8OID, NAMEOID, TEXTOID, TEXTOID};
    Datum values[6] = {Int64GetDatum(transaction_id),
                       Int32GetDatum(sequence_number),
                       Int64GetDatum(static_cast<int64>(table_id)),
                       PG_GETARG_DATUM(3),
                       CStringGetTextDatum(reason),
                       CStringGetTextDatum(GetUserNameFromId(GetUserId(), false))};
    SavedUser caller = become_owner_of(ledger_relation("private_salts"));
    const int read = SPI_execute_with_args(
        "SELECT salt IS NOT NULL FROM ledger.private_salts "
        "WHERE transaction_id = $1 AND sequence_number = $2 AND table_id = $3 AND column_name = $4 FOR "
        "UPDATE",
        4, types, values, nullptr, false, 1);
    restore_user(caller);
    if (read != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger.private_salts");
    }
    if (SPI_processed != 1) {
        ereport(ERROR,
                (errcode(ERRCODE_NO_DATA_FOUND),
                 errmsg("\"%s\" has no private value in column \"%s\" at transaction %lld, sequence %d",
                        get_rel_name(relid), column_name, static_cast<long long>(transaction_id),
                        sequence_number),
                 errhint("A NULL private value has nothing to erase.")));
    }
    const char* has_salt = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    if (has_salt == nullptr || has_salt[0] != 't') {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("the value of column \"%s\" in that row is already erased", column_name),
                        errhint("See ledger_privacy.erasures.")));
    }

    // The one UPDATE a ledger table ever sees: exactly this value to NULL.
    permitted_relation = relid;
    erased_column = get_attnum(relid, column_name);
    int updated = 0;
    PG_TRY();
    {
        updated = SPI_execute_with_args(
            psprintf("UPDATE ONLY %s SET %s = NULL WHERE %s = $1 AND %s = $2", qualified_name,
                     quote_identifier(column_name), kTxnColumn, kSeqColumn),
            2, types, values, nullptr, false, 0);
    }
    PG_FINALLY();
    {
        permitted_relation = InvalidOid;
        running_relation = InvalidOid;
        erased_column = InvalidAttrNumber;
    }
    PG_END_TRY();
    if (updated != SPI_OK_UPDATE || SPI_processed != 1) {
        ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND),
                        errmsg("the row of \"%s\" at transaction %lld, sequence %d was not found",
                               get_rel_name(relid), static_cast<long long>(transaction_id), sequence_number),
                        errhint("Run SELECT * FROM ledger.verify() to see whether rows were removed.")));
    }

    caller = become_owner_of(ledger_relation("private_salts"));
    begin_internal_write();
    const int destroyed = SPI_execute_with_args(
        "UPDATE ledger.private_salts SET salt = NULL, erased_at = now() WHERE transaction_id = $1 AND "
        "sequence_number = $2 AND table_id = $3 AND column_name = $4",
        4, types, values, nullptr, false, 0);
    end_internal_write();
    if (destroyed != SPI_OK_UPDATE) {
        elog(ERROR, "pgledger could not destroy the salt");
    }
    spi_run("SELECT ledger._ensure_erasure_log()", SPI_OK_SELECT);
    const int logged = SPI_execute_with_args(
        "INSERT INTO ledger_privacy.erasures "
        "(table_id, transaction_id, sequence_number, column_name, reason, requested_by) "
        "VALUES ($3, $1, $2, $4, $5, $6)",
        6, types, values, nullptr, false, 0);
    restore_user(caller);
    if (logged != SPI_OK_INSERT) {
        elog(ERROR, "pgledger could not record the erasure");
    }
    SPI_finish();
    PG_RETURN_VOID();
}
