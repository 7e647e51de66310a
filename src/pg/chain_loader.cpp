#include "pg/chain_loader.hpp"

extern "C" {
#include "postgres.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
}

#include "pg/cpp_boundary.hpp"
#include "pg/datum_conversion.hpp"

namespace pgledger::pg {

void load_chain(core::Chain& chain) {
    const int result = SPI_execute(
        "SELECT height, previous_hash, merkle_root, entry_count, row_count, sealed_at, contracts_hash, "
        "block_hash "
        "FROM ledger.blocks ORDER BY height",
        true, 0);
    if (result != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger.blocks: %s", SPI_result_code_string(result));
    }
    for (uint64 i = 0; i < SPI_processed; ++i) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        TupleDesc descriptor = SPI_tuptable->tupdesc;
        bool is_null = false;
        core::StoredBlock block;
        block.header.height =
            static_cast<std::uint64_t>(DatumGetInt64(SPI_getbinval(tuple, descriptor, 1, &is_null)));
        (void)bytea_to_digest(SPI_getbinval(tuple, descriptor, 2, &is_null), block.header.previous_hash);
        (void)bytea_to_digest(SPI_getbinval(tuple, descriptor, 3, &is_null), block.header.merkle_root);
        block.header.entry_count =
            static_cast<std::uint64_t>(DatumGetInt64(SPI_getbinval(tuple, descriptor, 4, &is_null)));
        block.header.row_count =
            static_cast<std::uint64_t>(DatumGetInt64(SPI_getbinval(tuple, descriptor, 5, &is_null)));
        block.header.sealed_at_unix_us =
            unix_microseconds(DatumGetTimestampTz(SPI_getbinval(tuple, descriptor, 6, &is_null)));
        (void)bytea_to_digest(SPI_getbinval(tuple, descriptor, 7, &is_null), block.header.contracts_hash);
        (void)bytea_to_digest(SPI_getbinval(tuple, descriptor, 8, &is_null), block.stored_hash);
        call_cpp([&] { chain[block.header.height] = block; });
    }
}

}  // namespace pgledger::pg
