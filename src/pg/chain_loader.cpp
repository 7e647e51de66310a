#include "pg/chain_loader.hpp"

extern "C" {
#include "postgres.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
}

#include <type_traits>

#include "pg/cpp_boundary.hpp"
#include "pg/datum_conversion.hpp"
#include "pg/recorded_contracts.hpp"
#include "pg/spi_values.hpp"

namespace pgledger::pg {

void load_chain(core::Chain& chain, const RecordedContracts* contracts) {
    const int result = SPI_execute(
        "SELECT height, previous_hash, merkle_root, entry_count, row_count, sealed_at, contracts_hash, "
        "block_hash, contract_ids "
        "FROM ledger.blocks ORDER BY height",
        true, 0);
    if (result != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger.blocks: %s", SPI_result_code_string(result));
    }
    for (uint64 i = 0; i < SPI_processed; ++i) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        TupleDesc descriptor = SPI_tuptable->tupdesc;
        const int64 height = spi_int64(tuple, descriptor, 1, -1);
        if (height < 0) {
            continue;  // not a position in the chain; the gap it leaves is reported
        }
        // Read into plain values first: a malformed column raises an error,
        // which must not skip the destructor of a block under construction.
        static_assert(std::is_trivially_destructible_v<core::BlockHeader>);
        core::BlockHeader header;
        core::Digest stored_hash{};
        header.height = static_cast<std::uint64_t>(height);
        (void)spi_digest(tuple, descriptor, 2, header.previous_hash);
        (void)spi_digest(tuple, descriptor, 3, header.merkle_root);
        header.entry_count = static_cast<std::uint64_t>(spi_int64(tuple, descriptor, 4, 0));
        header.row_count = static_cast<std::uint64_t>(spi_int64(tuple, descriptor, 5, 0));
        header.sealed_at_unix_us = unix_microseconds(spi_int64(tuple, descriptor, 6, 0));
        (void)spi_digest(tuple, descriptor, 7, header.contracts_hash);
        (void)spi_digest(tuple, descriptor, 8, stored_hash);
        int contract_count = 0;
        const int64* contract_ids =
            contracts != nullptr ? spi_ids(tuple, descriptor, 9, &contract_count) : nullptr;
        call_cpp([&] {
            core::StoredBlock& stored = chain[header.height] = core::StoredBlock{};
            stored.header = header;
            stored.stored_hash = stored_hash;
            if (contracts != nullptr) {
                stored.contracts_loaded = true;
                stored.unknown_contracts =
                    append_versions(*contracts, contract_ids, contract_count, stored.contracts_in_force);
            }
        });
    }
}

}  // namespace pgledger::pg
