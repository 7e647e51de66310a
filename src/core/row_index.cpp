#include "core/row_index.hpp"

#include <algorithm>

#include "core/canonical.hpp"
#include "core/merkle.hpp"

namespace pgledger::core {
namespace {

std::uint32_t read_u32(const std::uint8_t* bytes) {
    return static_cast<std::uint32_t>(bytes[0]) << 24 | static_cast<std::uint32_t>(bytes[1]) << 16 |
           static_cast<std::uint32_t>(bytes[2]) << 8 | static_cast<std::uint32_t>(bytes[3]);
}

}  // namespace

RowHashPrefix hash_prefix_of(const Digest& hash) {
    RowHashPrefix prefix;
    std::copy(hash.begin(), hash.begin() + kRowHashPrefixSize, prefix.begin());
    return prefix;
}

Digest rows_root(const std::vector<SealedRowHash>& rows) {
    std::vector<Digest> leaves;
    leaves.reserve(rows.size());
    for (const auto& row : rows) {
        leaves.push_back(row.hash);
    }
    return wide_merkle_root(leaves);
}

std::vector<std::uint8_t> encode_row_index(const std::vector<SealedRowHash>& rows) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;
    for (const auto& row : rows) {
        if (!runs.empty() && runs.back().first + runs.back().second == row.seq) {
            ++runs.back().second;
        } else {
            runs.emplace_back(row.seq, 1);
        }
    }
    std::vector<std::uint8_t> out;
    out.reserve(4 + runs.size() * 8 + rows.size() * kRowHashPrefixSize);
    append_u32(out, static_cast<std::uint32_t>(runs.size()));
    for (const auto& [first, length] : runs) {
        append_u32(out, first);
        append_u32(out, length);
    }
    for (const auto& row : rows) {
        out.insert(out.end(), row.hash.begin(), row.hash.begin() + kRowHashPrefixSize);
    }
    return out;
}

bool decode_row_index(const std::uint8_t* bytes, std::size_t size, std::vector<IndexedRow>& out) {
    out.clear();
    if (size < 4) {
        return false;
    }
    const std::uint64_t run_count = read_u32(bytes);
    if (run_count > (size - 4) / 8) {
        return false;
    }
    const std::uint8_t* prefixes = bytes + 4 + run_count * 8;
    const std::size_t prefix_bytes = size - 4 - run_count * 8;
    if (prefix_bytes % kRowHashPrefixSize != 0) {
        return false;
    }
    const std::size_t row_count = prefix_bytes / kRowHashPrefixSize;
    out.reserve(row_count);
    std::uint64_t next_allowed = 1;  // row numbers start at 1
    for (std::uint64_t run = 0; run < run_count; ++run) {
        const std::uint64_t first = read_u32(bytes + 4 + run * 8);
        const std::uint64_t length = read_u32(bytes + 8 + run * 8);
        // A run touching the previous one would have been encoded as one.
        if (length == 0 || first < next_allowed || first + length - 1 > UINT32_MAX ||
            out.size() + length > row_count) {
            return false;
        }
        for (std::uint64_t seq = first; seq < first + length; ++seq) {
            IndexedRow row{static_cast<std::uint32_t>(seq), {}};
            std::copy(prefixes + out.size() * kRowHashPrefixSize,
                      prefixes + (out.size() + 1) * kRowHashPrefixSize, row.hash_prefix.begin());
            out.push_back(row);
        }
        next_allowed = first + length + 1;
    }
    return out.size() == row_count;
}

}  // namespace pgledger::core
