// ledger.create_ledger_table(): turns an ordinary table into a ledger table,
// sealing the rows it already holds as the ledger's first record of it.

extern "C" {
#include "postgres.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/heap.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

#include <algorithm>
#include <cstring>

#include "core/merkle.hpp"
#include "core/pending_transaction.hpp"
#include "core/verifier.hpp"
#include "pg/catalog.hpp"
#include "pg/cpp_boundary.hpp"
#include "pg/spi_values.hpp"
#include "pg/datum_conversion.hpp"
#include "pg/errors.hpp"
#include "pg/row_codec.hpp"
#include "pg/row_scan.hpp"
#include "pg/sealer.hpp"
#include "pg/settings.hpp"
#include "pg/transaction_log.hpp"

namespace pgledger::pg {
namespace {

void check_convertible(Relation relation) {
    const char* name = RelationGetRelationName(relation);
    const Oid relid = RelationGetRelid(relation);
    const char kind = relation->rd_rel->relkind;
    if (kind == RELKIND_PARTITIONED_TABLE) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("partitioned table \"%s\" cannot be a ledger table", name),
                        errhint("Make an ordinary (unpartitioned) table a ledger table.")));
    }
    if (kind != RELKIND_RELATION) {
        ereport(ERROR,
                (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not a table", name),
                 errdetail("Only ordinary tables can become ledger tables, not views, materialized views, "
                           "foreign tables, sequences or indexes."),
                 errhint("Create a table, copy the rows into it, and make that table a ledger table.")));
    }
    if (relation->rd_rel->relpersistence == RELPERSISTENCE_TEMP) {
        ereport(
            ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
             errmsg("temporary table \"%s\" cannot be a ledger table", name),
             errdetail("A temporary table disappears at the end of the session, and its history with it."),
             errhint("Use a permanent table.")));
    }
    if (relation->rd_rel->relpersistence == RELPERSISTENCE_UNLOGGED) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("unlogged table \"%s\" cannot be a ledger table", name),
                        errdetail("A crash empties unlogged tables, which would erase sealed history."),
                        errhint("Run ALTER TABLE %s SET LOGGED first.", quote_identifier(name))));
    }
    if (IsCatalogRelation(relation) || is_internal_relation(relid)) {
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("\"%s\" is a system or ledger table and cannot become a ledger table", name),
                        errhint("Make one of your own tables a ledger table.")));
    }
    if (relation->rd_rel->relispartition || relation->rd_rel->relhassubclass || has_superclass(relid)) {
        ereport(ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("table \"%s\" takes part in inheritance or partitioning", name),
                 errdetail("Statements on a parent table would reach the ledger rows of its children."),
                 errhint("Make a standalone table a ledger table.")));
    }
    if (OidIsValid(relation->rd_rel->reloftype)) {
        ereport(ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("typed table \"%s\" cannot be a ledger table", name),
                 errdetail(
                     "Its columns follow type %s, whose ALTER TYPE ... CASCADE would rename or retype them.",
                     format_type_be(relation->rd_rel->reloftype)),
                 errhint("Detach it from the type first: ALTER TABLE ... NOT OF.")));
    }
    if (is_ledger_table(relid)) {
        ereport(ERROR, (errcode(ERRCODE_DUPLICATE_OBJECT), errmsg("\"%s\" is already a ledger table", name),
                        errhint("See ledger.tables for the ledger tables of this database.")));
    }
    // The ledger access method is heap storage: a table created with it
    // (as a restore does) converts like a heap table.
    if (relation->rd_rel->relam != HEAP_TABLE_AM_OID && relation->rd_rel->relam != ledger_access_method()) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("table \"%s\" does not use the heap access method", name),
                        errhint("Ledger tables must be heap tables.")));
    }
    const TupleDesc descriptor = RelationGetDescr(relation);
    for (int i = 0; i < descriptor->natts; ++i) {
        const Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
        const char* column = NameStr(attribute->attname);
        if (!attribute->attisdropped &&
            (std::strcmp(column, kTxnColumn) == 0 || std::strcmp(column, kSeqColumn) == 0)) {
            ereport(
                ERROR,
                (errcode(ERRCODE_DUPLICATE_COLUMN),
                 errmsg("table \"%s\" already has a column named \"%s\"", name, column),
                 errdetail("pgledger adds columns \"%s\" and \"%s\" to record each row's ledger position.",
                           kTxnColumn, kSeqColumn),
                 errhint("Rename that column before making the table a ledger table.")));
        }
        if (!attribute->attisdropped) {
            refuse_nested_xml(name, column, attribute->atttypid);
        }
    }
}

int64 next_value(const char* sequence) {
    return nextval_internal(ledger_relation(sequence), false);
}

struct ExistingRows {
    core::PendingTableRows* rows;
    uint64 missing_position;
};

void collect_existing_row(void* state, const ScannedRow& row) {
    auto* existing = static_cast<ExistingRows*>(state);
    if (!row.has_position) {
        ++existing->missing_position;
        return;
    }
    call_cpp([&] { existing->rows->rows.push_back(core::SealedRowHash{row.seq, row.hash}); });
}

// seal_existing_rows records the rows the table held before it became a
// ledger table as one transaction, sealed like any other.
void seal_existing_rows(Oid relid, std::uint64_t table_id, const char* qualified_name) {
    spi_run(psprintf("SELECT 1 FROM %s LIMIT 1", qualified_name), SPI_OK_SELECT);
    if (SPI_processed == 0) {
        return;
    }
    const int64 txn_id = next_value("transaction_id_seq");
    // Positions are the ledger's bookkeeping, not a change of the rows: the
    // table's own triggers and rules must neither change this UPDATE nor
    // keep it from rows, as in replica role they do not.
    const int nest_level = NewGUCNestLevel();
    (void)set_config_option("session_replication_role", "replica", PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                            true, 0, false);
    spi_run(
        psprintf("UPDATE %s t SET %s = %lld, %s = n.row_number FROM (SELECT ctid, row_number() OVER () AS "
                 "row_number FROM %s) n WHERE t.ctid = n.ctid",
                 qualified_name, kTxnColumn, static_cast<long long>(txn_id), kSeqColumn, qualified_name),
        SPI_OK_UPDATE);
    AtEOXact_GUC(true, nest_level);
    CommandCounterIncrement();

    Relation relation = table_open(relid, NoLock);
    const RowCodec* codec = build_row_codec(relation, table_id, CurrentMemoryContext);
    auto* rows = owned_by_context<core::PendingTableRows>(CurrentMemoryContext);
    rows->table_id = table_id;
    ExistingRows existing{rows, 0};
    Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
    scan_ledger_rows(relation, codec, nullptr, snapshot, collect_existing_row, &existing);
    UnregisterSnapshot(snapshot);
    table_close(relation, NoLock);
    if (existing.missing_position > 0) {
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                 errmsg("%llu existing rows of %s could not be given a ledger position",
                        static_cast<unsigned long long>(existing.missing_position), qualified_name),
                 errdetail("A trigger or rule enabled ALWAYS on the table kept the ledger's UPDATE of the "
                           "position columns from reaching them."),
                 errhint("Disable it while the table becomes a ledger table, then enable it again.")));
    }

    call_cpp([&] {
        std::sort(rows->rows.begin(), rows->rows.end(),
                  [](const core::SealedRowHash& a, const core::SealedRowHash& b) { return a.seq < b.seq; });
    });
    record_entry(static_cast<std::uint64_t>(txn_id), codec, rows->rows.data(), rows->rows.size(),
                 GetUserNameFromId(GetUserId(), false), nullptr, 0);
}

}  // namespace
}  // namespace pgledger::pg

using namespace pgledger::pg;

extern "C" {
PG_FUNCTION_INFO_V1(pgledger_create_ledger_table);
}

extern "C" Datum pgledger_create_ledger_table(PG_FUNCTION_ARGS) {
    const Oid relid = PG_GETARG_OID(0);
    // No other session may insert, or see the table half converted.
    Relation relation = relation_open(relid, AccessExclusiveLock);
    check_convertible(relation);
    // Its rows would be sealed by no one.
    require_sealed_database();
    const char* qualified_name = quote_qualified_identifier(
        get_namespace_name(RelationGetNamespace(relation)), RelationGetRelationName(relation));
    // Closed but still locked: ALTER TABLE refuses tables that are open.
    relation_close(relation, NoLock);
    SPI_connect();
    ensure_genesis();
    const auto table_id = static_cast<std::uint64_t>(next_value("table_id_seq"));
    // One rewrite, here, moves the table to the ledger access method; no
    // guard trigger exists yet, so the rewritten rows are not captured. The
    // default 0 ("no position yet") reserves the position's bytes in every
    // new tuple, where the access method writes the position in place.
    spi_run(psprintf("ALTER TABLE %s ADD COLUMN %s bigint DEFAULT 0, ADD COLUMN %s integer DEFAULT 0, SET "
                     "ACCESS METHOD %s",
                     qualified_name, kTxnColumn, kSeqColumn, kAccessMethod),
            SPI_OK_UTILITY);
    seal_existing_rows(relid, table_id, qualified_name);
    // The position columns stay nullable: NOT NULL is checked before the
    // access method fills them in. A row stored without a position (NULL or
    // 0) is reported by verification.
    // From here on the access method captures every stored row.
    spi_run(psprintf("CREATE TRIGGER %s BEFORE UPDATE OR DELETE OR TRUNCATE ON %s FOR EACH STATEMENT EXECUTE "
                     "FUNCTION ledger._refuse_change('%llu')",
                     kGuardTrigger, qualified_name, static_cast<unsigned long long>(table_id)),
            SPI_OK_UTILITY);
    // ALWAYS: session_replication_role = replica must not switch it off.
    spi_run(psprintf("ALTER TABLE %s ENABLE ALWAYS TRIGGER %s", qualified_name, kGuardTrigger),
            SPI_OK_UTILITY);
    Oid types[2] = {INT8OID, REGCLASSOID};
    Datum values[2] = {Int64GetDatum(static_cast<int64>(table_id)), ObjectIdGetDatum(relid)};
    if (SPI_execute_with_args("INSERT INTO ledger.tables (table_id, relation) VALUES ($1, $2)", 2, types,
                              values, nullptr, false, 0) != SPI_OK_INSERT) {
        elog(ERROR, "pgledger could not register ledger table \"%s\"", qualified_name);
    }
    SPI_finish();
    PG_RETURN_VOID();
}
