// ledger.verify(): recomputes the ledger from stored values and reports, per
// ledger table, every row, transaction and block that differs from the
// sealed chain. Problems of the chain itself have a NULL table_name.

extern "C" {
#include "postgres.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"
}

#include "core/verifier.hpp"
#include "pg/catalog.hpp"
#include "pg/chain_loader.hpp"
#include "pg/cpp_boundary.hpp"
#include "pg/datum_conversion.hpp"
#include "pg/row_codec.hpp"
#include "pg/erasure.hpp"
#include "pg/private_values.hpp"
#include "pg/row_scan.hpp"
#include "pg/recorded_contracts.hpp"
#include "pg/spi_values.hpp"

namespace pgledger::pg {
namespace {

struct LedgerTable {
    std::uint64_t table_id;
    Oid relid;
};

// load_tables returns the registered ledger tables in scope (all if
// only_relid is invalid), allocated in the current memory context.
LedgerTable* load_tables(Oid only_relid, int* count) {
    if (SPI_execute("SELECT table_id, relation::oid FROM ledger.tables ORDER BY table_id", true, 0) !=
        SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger.tables");
    }
    auto* tables = static_cast<LedgerTable*>(palloc0(sizeof(LedgerTable) * (SPI_processed + 1)));
    *count = 0;
    for (uint64 i = 0; i < SPI_processed; ++i) {
        const auto table_id =
            static_cast<std::uint64_t>(spi_int64(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, 0));
        bool is_null = false;
        const Oid relid =
            DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &is_null));
        if (!OidIsValid(only_relid) || relid == only_relid) {
            tables[(*count)++] = LedgerTable{table_id, relid};
        }
    }
    return tables;
}

void load_entries(core::Verifier* verifier, const RecordedContracts& contracts, ArrayType* scope) {
    // Row indexes are read only for the tables being verified: other tables'
    // entries enter block roots as recorded.
    Oid types[1] = {INT8ARRAYOID};
    Datum values[1] = {PointerGetDatum(scope)};
    spi_scan(
        "pgledger_verify_entries",
        "SELECT transaction_id, table_id, row_count, rows_root, "
        "CASE WHEN table_id = ANY ($1) THEN row_index ELSE '\\x'::bytea END, committed_by, block_height, "
        "contract_ids, column_count, columns_hash FROM ledger.transactions",
        1, types, values, [&](HeapTuple tuple, TupleDesc descriptor) {
            const int64 txn_id = spi_int64(tuple, descriptor, 1, 0);
            const int64 table_id = spi_int64(tuple, descriptor, 2, 0);
            const int32 row_count = spi_int32(tuple, descriptor, 3, -1);
            const int32 column_count = spi_int32(tuple, descriptor, 9, -1);
            core::Digest rows_root{};
            core::Digest columns_hash{};
            const char* index = nullptr;
            std::size_t index_size = 0;
            // A malformed columns hash or count fails the comparison with
            // the declared columns, which names the transaction.
            (void)spi_digest(tuple, descriptor, 10, columns_hash);
            const bool well_formed = spi_digest(tuple, descriptor, 4, rows_root) &&
                                     spi_bytes(tuple, descriptor, 5, &index, &index_size) && row_count >= 0;
            const char* committed_by = utf8_text(spi_text(tuple, descriptor, 6, ""));
            bool unsealed = true;
            const int64 height = DatumGetInt64(SPI_getbinval(tuple, descriptor, 7, &unsealed));
            int contract_count = 0;
            const int64* contract_ids = spi_ids(tuple, descriptor, 8, &contract_count);
            call_cpp([&] {
                core::StoredEntry entry;
                entry.fields.txn_id = static_cast<std::uint64_t>(txn_id);
                entry.fields.table_id = static_cast<std::uint64_t>(table_id);
                entry.fields.row_count = static_cast<std::uint32_t>(row_count);
                entry.fields.rows_root = rows_root;
                entry.fields.column_count = static_cast<std::uint32_t>(column_count);
                entry.fields.columns_hash = columns_hash;
                entry.fields.committed_by = committed_by;
                if (append_versions(contracts, contract_ids, contract_count, entry.fields.contracts) > 0) {
                    verifier->add_table_problem(entry.fields.table_id,
                                                "transaction " + std::to_string(txn_id) +
                                                    " refers to a contract version that is not recorded");
                }
                if (!unsealed && height < 0) {
                    verifier->add_table_problem(
                        entry.fields.table_id,
                        "transaction " + std::to_string(txn_id) + " is recorded in block " +
                            std::to_string(height) +
                            ", a height no block can have: it is left out of "
                            "every block, so the ledger's record was altered behind the ledger");
                } else if (!unsealed) {
                    entry.block_height = static_cast<std::uint64_t>(height);
                }
                entry.row_index_well_formed =
                    well_formed && core::decode_row_index(reinterpret_cast<const std::uint8_t*>(index),
                                                          index_size, entry.rows);
                verifier->add_entry(std::move(entry));
            });
        });
}

// report_contracts names every recorded contract version whose record or
// whose functions changed since it was installed.
void report_contracts(core::Verifier* verifier, const RecordedContracts& contracts) {
    for (int i = 0; i < contracts.count; ++i) {
        const RecordedContract& contract = contracts.items[i];
        if (contract.record_altered) {
            call_cpp([&] {
                verifier->add_chain_problem(
                    "contract \"" + std::string(contract.name) + "\" version " +
                    std::to_string(contract.version) +
                    " was altered in ledger.contracts: its record no longer hashes to its "
                    "recorded hash");
            });
        }
        if (contract.functions_changed) {
            call_cpp([&] {
                verifier->add_chain_problem(
                    "the functions of contract \"" + std::string(contract.name) + "\" version " +
                    std::to_string(contract.version) +
                    " were changed behind the ledger: they differ from the definitions "
                    "recorded when it was installed");
            });
        }
    }
}

struct RowFeed {
    core::Verifier* verifier;
    std::uint64_t table_id;
};

void feed_row(void* state, const ScannedRow& row) {
    const auto* feed = static_cast<RowFeed*>(state);
    const core::RowLocation location{ItemPointerGetBlockNumberNoCheck(&row.tid),
                                     ItemPointerGetOffsetNumberNoCheck(&row.tid)};
    call_cpp([&] {
        feed->verifier->add_row(
            feed->table_id, row.has_position ? std::optional<std::uint64_t>(row.txn_id) : std::nullopt,
            row.has_position ? std::optional<std::uint32_t>(row.seq) : std::nullopt, row.hash, location);
    });
}

void add_problem(core::Verifier* verifier, std::uint64_t table_id, const char* text) {
    call_cpp([&] { verifier->add_table_problem(table_id, text); });
}

void report_unreadable(core::Verifier* verifier, std::uint64_t table_id, const char* text) {
    call_cpp([&] {
        verifier->add_table_problem(table_id, text);
        verifier->skip_rows_of(table_id);
    });
}

void verify_table(core::Verifier* verifier, const LedgerTable& table) {
    Relation relation = try_table_open(table.relid, AccessShareLock);
    if (relation == nullptr) {
        report_unreadable(
            verifier, table.table_id,
            psprintf("ledger table %llu (relation %u) no longer exists: it was dropped behind the ledger",
                     static_cast<unsigned long long>(table.table_id), table.relid));
        return;
    }
    // ledger.tables may have been pointed at a view or another kind of
    // relation, which has no storage to scan.
    if (relation->rd_rel->relkind != RELKIND_RELATION || relation->rd_tableam == nullptr) {
        report_unreadable(
            verifier, table.table_id,
            psprintf("ledger table %llu is registered as \"%s\", which is not a table: ledger.tables was "
                     "altered behind the ledger",
                     static_cast<unsigned long long>(table.table_id), RelationGetRelationName(relation)));
        table_close(relation, AccessShareLock);
        return;
    }
    const std::uint64_t trigger_table_id = ledger_table_id(relation);
    if (trigger_table_id != table.table_id) {
        add_problem(
            verifier, table.table_id,
            trigger_table_id == 0
                ? pstrdup(
                      "the ledger guard trigger is missing: rows inserted now are neither hashed nor sealed")
                : psprintf("the ledger guard trigger was changed to ledger id %llu",
                           static_cast<unsigned long long>(trigger_table_id)));
    }
    if (relation->rd_rel->relam != ledger_access_method()) {
        add_problem(verifier, table.table_id,
                    pstrdup("the table no longer uses the ledger access method: rows inserted now are "
                            "neither hashed nor sealed"));
    }
    const RowCodec* codec = build_row_codec(relation, table.table_id, CurrentMemoryContext);
    call_cpp([&] { verifier->add_declared_columns(table.table_id, declared_columns(codec)); });
    const RecordedSalts* salts = codec->private_count > 0 ? load_recorded_salts(codec) : nullptr;
    RowFeed feed{verifier, table.table_id};
    scan_ledger_rows(relation, codec, salts, GetActiveSnapshot(), feed_row, &feed);
    table_close(relation, AccessShareLock);
}

// Notes of a table: erased private values, reported with ok = true.
struct TableNotes {
    core::Verifier* verifier;
    std::uint64_t table_id;
    List* notes;
};

void note_erasure(void* state, bool recorded, const char* text) {
    auto* table = static_cast<TableNotes*>(state);
    if (recorded) {
        table->notes = lappend(table->notes, const_cast<char*>(text));
    } else {
        add_problem(table->verifier, table->table_id, text);
    }
}

void emit(Tuplestorestate* store, TupleDesc descriptor, Oid relid, const core::TableSummary& summary, bool ok,
          const char* problem) {
    Datum values[5] = {ObjectIdGetDatum(relid), Int64GetDatum(static_cast<int64>(summary.rows_checked)),
                       Int64GetDatum(static_cast<int64>(summary.blocks_checked)), BoolGetDatum(ok),
                       problem != nullptr ? CStringGetTextDatum(problem) : Datum(0)};
    bool nulls[5] = {!OidIsValid(relid), false, false, false, problem == nullptr};
    tuplestore_putvalues(store, descriptor, values, nulls);
}

}  // namespace
}  // namespace pgledger::pg

using namespace pgledger::pg;

extern "C" {
PG_FUNCTION_INFO_V1(pgledger_verify);
}

extern "C" Datum pgledger_verify(PG_FUNCTION_ARGS) {
    const Oid only_relid = PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0);
    InitMaterializedSRF(fcinfo, 0);
    auto* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);

    SPI_connect();
    int table_count = 0;
    LedgerTable* tables = load_tables(only_relid, &table_count);
    if (OidIsValid(only_relid) && table_count == 0) {
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("\"%s\" is not a ledger table", get_rel_name(only_relid)),
                 errhint("ledger.tables lists the ledger tables; ledger.create_ledger_table() makes one.")));
    }
    auto* scope = owned_by_context<std::vector<std::uint64_t>>(CurrentMemoryContext);
    for (int i = 0; i < table_count; ++i) {
        call_cpp([&] { scope->push_back(tables[i].table_id); });
    }
    const auto extent = OidIsValid(only_relid) ? pgledger::core::VerifyExtent::named_tables
                                               : pgledger::core::VerifyExtent::every_registered_table;
    auto* verifier = owned_by_context<pgledger::core::Verifier>(CurrentMemoryContext, *scope, extent);
    const RecordedContracts contracts = load_recorded_contracts(true);
    report_contracts(verifier, contracts);
    auto* chain = owned_by_context<pgledger::core::Chain>(CurrentMemoryContext);
    load_chain(*chain, &contracts);
    call_cpp([&] {
        for (const auto& [height, block] : *chain) {
            verifier->add_block(block);
        }
    });
    Datum* scope_ids = static_cast<Datum*>(palloc(sizeof(Datum) * (table_count + 1)));
    for (int i = 0; i < table_count; ++i) {
        scope_ids[i] = Int64GetDatum(static_cast<int64>(tables[i].table_id));
    }
    load_entries(verifier, contracts,
                 construct_array(scope_ids, table_count, INT8OID, 8, true, TYPALIGN_DOUBLE));
    auto* notes = static_cast<TableNotes*>(palloc0(sizeof(TableNotes) * (table_count + 1)));
    for (int i = 0; i < table_count; ++i) {
        verify_table(verifier, tables[i]);
        notes[i] = TableNotes{verifier, tables[i].table_id, NIL};
        report_erasures(tables[i].table_id, note_erasure, &notes[i]);
    }
    call_cpp([&] { verifier->finish(); });

    const auto& problems = verifier->problems();
    const std::size_t problem_count = problems.size();
    pgledger::core::TableSummary chain_summary{0, verifier->blocks_checked()};
    bool chain_ok = true;
    for (std::size_t i = 0; i < problem_count; ++i) {
        if (!problems[i].table_id) {
            chain_ok = false;
            emit(result->setResult, result->setDesc, InvalidOid, chain_summary, false,
                 problems[i].text.c_str());
        }
    }
    if (chain_ok) {
        emit(result->setResult, result->setDesc, InvalidOid, chain_summary, true, nullptr);
    }
    for (int t = 0; t < table_count; ++t) {
        const pgledger::core::TableSummary summary = verifier->summary(tables[t].table_id);
        bool table_ok = true;
        for (std::size_t i = 0; i < problem_count; ++i) {
            if (problems[i].table_id && *problems[i].table_id == tables[t].table_id) {
                table_ok = false;
                emit(result->setResult, result->setDesc, tables[t].relid, summary, false,
                     problems[i].text.c_str());
            }
        }
        if (table_ok) {
            emit(result->setResult, result->setDesc, tables[t].relid, summary, true, nullptr);
        }
        ListCell* cell = nullptr;
        foreach (cell, notes[t].notes) {
            emit(result->setResult, result->setDesc, tables[t].relid, summary, true,
                 static_cast<const char*>(lfirst(cell)));
        }
    }
    SPI_finish();
    return Datum(0);
}
