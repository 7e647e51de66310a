// The row index of a ledger entry: which rows a transaction appended to a
// table, and a short prefix of each row's hash. The entry's rows root (the
// Merkle root of the full row hashes) is what the ledger seals and signs;
// the index only lets verification name the row that changed, at 4 bytes a
// row rather than 32, plus 8 bytes for each run of consecutive row numbers
// (README, "Row index"). Naming a row needs only that an accidental or
// careless change misses its prefix; a change made to keep the prefix is
// still caught, by the rows root.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/pending_transaction.hpp"

namespace pgledger::core {

inline constexpr std::size_t kRowHashPrefixSize = 4;
using RowHashPrefix = std::array<std::uint8_t, kRowHashPrefixSize>;

struct IndexedRow {
    std::uint32_t seq;
    RowHashPrefix hash_prefix;
};

RowHashPrefix hash_prefix_of(const Digest& hash);

// rows_root: the 16-ary Merkle root of the row hashes in ascending row number,
// which the entry records and signatures cover.
Digest rows_root(const std::vector<SealedRowHash>& rows);

// encode_row_index: u32 run count, then per run of consecutive row numbers
// u32 first and u32 length, then the hash prefix of every row, all in
// ascending row number. rows must be in ascending, distinct row numbers.
std::vector<std::uint8_t> encode_row_index(const std::vector<SealedRowHash>& rows);

// decode_row_index parses an encoded index; false unless it is well formed:
// runs non-empty, strictly ascending and not touching, row numbers above 0,
// and exactly one prefix per row.
bool decode_row_index(const std::uint8_t* bytes, std::size_t size, std::vector<IndexedRow>& out);

}  // namespace pgledger::core
