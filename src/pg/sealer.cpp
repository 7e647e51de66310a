#include "pg/sealer.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "port.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

#include "core/canonical.hpp"
#include "core/merkle.hpp"
#include "pg/cpp_boundary.hpp"
#include "pg/datum_conversion.hpp"
#include "pg/recorded_contracts.hpp"
#include "pg/spi_values.hpp"
#include "pg/transaction_log.hpp"

namespace pgledger::pg {
namespace {

constexpr int kBlockFormatVersion = 1;

void lock_chain() {
    spi_run("LOCK TABLE ledger.blocks IN EXCLUSIVE MODE", SPI_OK_UTILITY);
}

ArrayType* contract_ids_in_force(const RecordedContracts& recorded) {
    Datum* ids = static_cast<Datum*>(palloc(sizeof(Datum) * (recorded.count + 1)));
    int count = 0;
    for (int i = 0; i < recorded.count; ++i) {
        if (recorded.items[i].in_force) {
            ids[count++] = Int64GetDatum(recorded.items[i].id);
        }
    }
    return construct_array(ids, count, INT8OID, 8, true, TYPALIGN_DOUBLE);
}

void insert_block(const core::BlockHeader& header, TimestampTz sealed_at, ArrayType* contract_ids) {
    const core::Digest hash = call_cpp([&] { return core::block_hash(header); });
    Oid types[10] = {INT8OID,        BYTEAOID, BYTEAOID, INT8OID, INT8OID,
                     TIMESTAMPTZOID, BYTEAOID, BYTEAOID, INT2OID, INT8ARRAYOID};
    Datum values[10] = {Int64GetDatum(static_cast<int64>(header.height)),
                        PointerGetDatum(digest_to_bytea(header.previous_hash)),
                        PointerGetDatum(digest_to_bytea(header.merkle_root)),
                        Int64GetDatum(static_cast<int64>(header.entry_count)),
                        Int64GetDatum(static_cast<int64>(header.row_count)),
                        TimestampTzGetDatum(sealed_at),
                        PointerGetDatum(digest_to_bytea(header.contracts_hash)),
                        PointerGetDatum(digest_to_bytea(hash)),
                        Int16GetDatum(kBlockFormatVersion),
                        PointerGetDatum(contract_ids)};
    const int result = SPI_execute_with_args(
        "INSERT INTO ledger.blocks (height, previous_hash, merkle_root, entry_count, row_count, sealed_at, "
        "contracts_hash, block_hash, format_version, contract_ids) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "$9, "
        "$10)",
        10, types, values, nullptr, false, 0);
    if (result != SPI_OK_INSERT) {
        elog(ERROR, "pgledger could not insert block: %s", SPI_result_code_string(result));
    }
}

// Timestamps are sealed at microsecond precision, as timestamptz stores them.
TimestampTz seal_time() {
    return GetCurrentTimestamp();
}

bool genesis_created_since_snapshot() {
    SPIPlanPtr plan = SPI_prepare("SELECT 1 FROM ledger.blocks LIMIT 1", 0, nullptr);
    if (plan == nullptr) {
        elog(ERROR, "pgledger could not read the chain: %s", SPI_result_code_string(SPI_result));
    }
    const int result =
        SPI_execute_snapshot(plan, nullptr, nullptr, GetLatestSnapshot(), InvalidSnapshot, true, false, 1);
    if (result != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read the chain: %s", SPI_result_code_string(result));
    }
    SPI_freeplan(plan);
    return SPI_processed > 0;
}

}  // namespace

void refuse_snapshot_older_than_genesis() {
    if (IsolationUsesXactSnapshot() && genesis_created_since_snapshot()) {
        ereport(ERROR,
                (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                 errmsg("could not serialize access due to a concurrent creation of the ledger's genesis "
                        "block"),
                 errhint("Retry the transaction.")));
    }
}

void ensure_genesis() {
    // Only an empty chain gets a genesis: a chain whose genesis was deleted
    // must stay broken for verification to report. Blocks are never
    // removed, so a chain seen non-empty stays so, and the chain is locked
    // only to create the genesis: signing and conversion, which call this,
    // must not hold the lock that sealing waits for until they commit.
    spi_run("SELECT 1 FROM ledger.blocks LIMIT 1", SPI_OK_SELECT);
    if (SPI_processed > 0) {
        return;
    }
    lock_chain();
    spi_run("SELECT 1 FROM ledger.blocks LIMIT 1", SPI_OK_SELECT);
    if (SPI_processed > 0) {
        return;
    }
    // A second genesis would collide with one this snapshot cannot see.
    refuse_snapshot_older_than_genesis();
    // Entries sealed in blocks that are gone mean the chain is missing (or
    // still being restored), not that the ledger is new.
    spi_run("SELECT count(*) FROM ledger.transactions WHERE block_height IS NOT NULL", SPI_OK_SELECT);
    const int64 orphans = spi_int64(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, 0);
    if (orphans > 0) {
        ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                        errmsg("ledger.blocks is empty, yet %lld transaction entries are sealed in blocks",
                               static_cast<long long>(orphans)),
                        errhint("Restore ledger.blocks from the backup the entries came from; "
                                "SELECT * FROM ledger.verify() shows what is missing.")));
    }
    core::BlockHeader genesis;
    // A random merkle root makes every ledger's genesis, and so its chain,
    // unique: a digest of one ledger can never match another.
    if (!pg_strong_random(genesis.merkle_root.data(), genesis.merkle_root.size())) {
        ereport(ERROR,
                (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate a random genesis nonce")));
    }
    // Contracts are attached to ledger tables, so none exists before genesis.
    genesis.contracts_hash = call_cpp([] { return core::contracts_hash({}); });
    const TimestampTz now = seal_time();
    genesis.sealed_at_unix_us = unix_microseconds(now);
    insert_block(genesis, now, construct_empty_array(INT8OID));
}

int64 seal_pending(int max_entries, uint64* sealed_entries) {
    *sealed_entries = 0;
    // Nothing pending, nothing to do: in particular no genesis for a
    // database whose ledger is about to be restored into it.
    spi_run("SELECT 1 FROM ledger.transactions WHERE block_height IS NULL LIMIT 1", SPI_OK_SELECT);
    if (SPI_processed == 0) {
        return -1;
    }
    lock_chain();
    ensure_genesis();
    spi_run("SELECT height, block_hash FROM ledger.blocks ORDER BY height DESC LIMIT 1", SPI_OK_SELECT);
    const int64 previous_height = spi_int64(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, 0);
    core::BlockHeader header;
    if (!spi_digest(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, header.previous_hash)) {
        ereport(ERROR,
                (errcode(ERRCODE_DATA_CORRUPTED),
                 errmsg("block %lld has a malformed hash; the chain cannot grow", (long long)previous_height),
                 errhint("Run SELECT * FROM ledger.verify() to see what was altered.")));
    }
    header.height = static_cast<std::uint64_t>(previous_height) + 1;

    Oid limit_type[1] = {INT4OID};
    Datum limit_value[1] = {Int32GetDatum(max_entries)};
    int result = SPI_execute_with_args(
        "SELECT transaction_id, table_id, row_count, rows_root, column_count, columns_hash, committed_by, "
        "contract_ids FROM "
        "ledger.transactions "
        "WHERE block_height IS NULL AND row_count IS NOT NULL AND rows_root IS NOT NULL AND column_count IS "
        "NOT "
        "NULL AND columns_hash IS NOT NULL AND committed_by IS NOT NULL "
        "ORDER BY transaction_id, table_id LIMIT $1",
        1, limit_type, limit_value, nullptr, false, 0);
    if (result != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read pending transactions: %s", SPI_result_code_string(result));
    }
    const uint64 count = SPI_processed;
    if (count == 0) {
        return -1;
    }
    *sealed_entries = count;
    SPITupleTable* pending = SPI_tuptable;
    const RecordedContracts recorded = load_recorded_contracts(false);
    Datum* txn_ids = static_cast<Datum*>(palloc(sizeof(Datum) * count));
    Datum* table_ids = static_cast<Datum*>(palloc(sizeof(Datum) * count));
    auto* entry_hashes = static_cast<core::Digest*>(palloc(sizeof(core::Digest) * count));
    for (uint64 i = 0; i < count; ++i) {
        HeapTuple tuple = pending->vals[i];
        // The query selected only entries whose fields are all present.
        txn_ids[i] = Int64GetDatum(spi_int64(tuple, pending->tupdesc, 1, 0));
        table_ids[i] = Int64GetDatum(spi_int64(tuple, pending->tupdesc, 2, 0));
        const int32 row_count = spi_int32(tuple, pending->tupdesc, 3, 0);
        core::Digest rows_root{};
        core::Digest columns_hash{};
        if (!spi_digest(tuple, pending->tupdesc, 4, rows_root) ||
            !spi_digest(tuple, pending->tupdesc, 6, columns_hash)) {
            ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                            errmsg("transaction %lld has a malformed rows root or columns hash",
                                   (long long)DatumGetInt64(txn_ids[i]))));
        }
        const int32 column_count = spi_int32(tuple, pending->tupdesc, 5, 0);
        const char* committed_by = utf8_text(spi_text(tuple, pending->tupdesc, 7, ""));
        int contract_count = 0;
        const int64* contract_ids = spi_ids(tuple, pending->tupdesc, 8, &contract_count);
        entry_hashes[i] = call_cpp([&] {
            core::EntryFields entry;
            entry.txn_id = static_cast<std::uint64_t>(DatumGetInt64(txn_ids[i]));
            entry.table_id = static_cast<std::uint64_t>(DatumGetInt64(table_ids[i]));
            entry.row_count = static_cast<std::uint32_t>(row_count);
            entry.rows_root = rows_root;
            entry.column_count = static_cast<std::uint32_t>(column_count);
            entry.columns_hash = columns_hash;
            entry.committed_by = committed_by;
            (void)append_versions(recorded, contract_ids, contract_count, entry.contracts);
            return core::entry_hash(entry);
        });
        header.row_count += static_cast<std::uint64_t>(row_count);
    }
    header.entry_count = count;
    header.merkle_root = call_cpp(
        [&] { return core::merkle_root(std::vector<core::Digest>(entry_hashes, entry_hashes + count)); });
    header.contracts_hash = call_cpp([&] { return core::contracts_hash(versions_in_force(recorded)); });
    const TimestampTz now = seal_time();
    header.sealed_at_unix_us = unix_microseconds(now);
    insert_block(header, now, contract_ids_in_force(recorded));

    Oid update_types[3] = {INT8OID, INT8ARRAYOID, INT8ARRAYOID};
    Datum update_values[3] = {
        Int64GetDatum(static_cast<int64>(header.height)),
        PointerGetDatum(construct_array(txn_ids, static_cast<int>(count), INT8OID, 8, true, TYPALIGN_DOUBLE)),
        PointerGetDatum(
            construct_array(table_ids, static_cast<int>(count), INT8OID, 8, true, TYPALIGN_DOUBLE))};
    begin_internal_write();
    result = SPI_execute_with_args(
        "UPDATE ledger.transactions t SET block_height = $1 FROM unnest($2, $3) AS s(transaction_id, "
        "table_id) "
        "WHERE t.block_height IS NULL AND t.transaction_id = s.transaction_id AND t.table_id = s.table_id",
        3, update_types, update_values, nullptr, false, 0);
    end_internal_write();
    if (result != SPI_OK_UPDATE || SPI_processed != count) {
        elog(ERROR, "pgledger sealed %llu entries into block %llu but marked %llu", (unsigned long long)count,
             (unsigned long long)header.height, (unsigned long long)SPI_processed);
    }
    return static_cast<int64>(header.height);
}

}  // namespace pgledger::pg

extern "C" {
PG_FUNCTION_INFO_V1(pgledger_seal);
}

// pgledger_seal seals everything pending now, without waiting for the worker.
extern "C" Datum pgledger_seal(PG_FUNCTION_ARGS) {
    if (IsolationUsesXactSnapshot()) {
        // Its snapshot predates the lock on the chain: it could miss a block
        // the sealer added meanwhile and try to seal that height again.
        ereport(ERROR, (errcode(ERRCODE_INVALID_TRANSACTION_STATE),
                        errmsg("ledger.seal() cannot run in a REPEATABLE READ or SERIALIZABLE transaction"),
                        errhint("Call it in a READ COMMITTED transaction, or on its own.")));
    }
    SPI_connect();
    int64 newest = -1;
    for (;;) {
        uint64 sealed_entries = 0;
        const int64 height = pgledger::pg::seal_pending(10000, &sealed_entries);
        if (height < 0) {
            break;
        }
        newest = height;
    }
    SPI_finish();
    if (newest < 0) {
        PG_RETURN_NULL();
    }
    PG_RETURN_INT64(newest);
}
