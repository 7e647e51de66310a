// The entry's row index, checked against its documented byte layout and
// against every way a stored index can be malformed.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/merkle.hpp"
#include "core/row_index.hpp"
#include "independent_sha256.hpp"

namespace pgledger::core {
namespace {

using test::Bytes;
using test::filled_digest;
using test::put_u32;

std::vector<SealedRowHash> rows_numbered(std::initializer_list<std::uint32_t> seqs) {
    std::vector<SealedRowHash> rows;
    for (const auto seq : seqs) {
        rows.push_back(SealedRowHash{seq, filled_digest(static_cast<std::uint8_t>(seq))});
    }
    return rows;
}

// The documented width, spelled out: the layout test must fail if the code's
// width drifts from the README's.
void put_documented_prefix(Bytes& out, std::uint8_t fill) {
    const Digest hash = filled_digest(fill);
    out.insert(out.end(), hash.begin(), hash.begin() + 4);
}

TEST(RowIndex, MatchesTheDocumentedLayout) {
    // Rows 1-3 and 7: two runs, then the first 4 bytes of each row hash.
    Bytes expected;
    put_u32(expected, 2);
    put_u32(expected, 1);
    put_u32(expected, 3);
    put_u32(expected, 7);
    put_u32(expected, 1);
    for (const std::uint8_t seq : {1, 2, 3, 7}) {
        put_documented_prefix(expected, seq);
    }
    EXPECT_EQ(encode_row_index(rows_numbered({1, 2, 3, 7})), expected);
}

TEST(RowIndex, RoundTrip) {
    const auto rows = rows_numbered({1, 2, 5, 6, 7, 200});
    const auto bytes = encode_row_index(rows);
    std::vector<IndexedRow> decoded;
    ASSERT_TRUE(decode_row_index(bytes.data(), bytes.size(), decoded));
    ASSERT_EQ(decoded.size(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(decoded[i].seq, rows[i].seq);
        EXPECT_EQ(decoded[i].hash_prefix, hash_prefix_of(rows[i].hash));
    }
}

TEST(RowIndex, EmptyIndexHasNoRuns) {
    const auto bytes = encode_row_index({});
    EXPECT_EQ(bytes, (std::vector<std::uint8_t>{0, 0, 0, 0}));
    std::vector<IndexedRow> decoded{{1, {}}};
    ASSERT_TRUE(decode_row_index(bytes.data(), bytes.size(), decoded));
    EXPECT_TRUE(decoded.empty());
}

TEST(RowIndex, RejectsTruncatedAndPaddedIndexes) {
    const auto bytes = encode_row_index(rows_numbered({1, 2, 9}));
    std::vector<IndexedRow> decoded;
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        EXPECT_FALSE(decode_row_index(bytes.data(), size, decoded)) << size << " bytes";
    }
    auto padded = bytes;
    padded.push_back(0);
    EXPECT_FALSE(decode_row_index(padded.data(), padded.size(), decoded));
    padded.insert(padded.end(), kRowHashPrefixSize - 1, 0);
    EXPECT_FALSE(decode_row_index(padded.data(), padded.size(), decoded)) << "one prefix too many";
}

Bytes index_of_runs(std::initializer_list<std::pair<std::uint32_t, std::uint32_t>> runs, std::size_t rows) {
    Bytes bytes;
    put_u32(bytes, static_cast<std::uint32_t>(runs.size()));
    for (const auto& [first, length] : runs) {
        put_u32(bytes, first);
        put_u32(bytes, length);
    }
    bytes.insert(bytes.end(), rows * kRowHashPrefixSize, 0xab);
    return bytes;
}

TEST(RowIndex, RejectsMalformedRuns) {
    std::vector<IndexedRow> decoded;
    const auto rejects = [&](const Bytes& bytes) {
        return !decode_row_index(bytes.data(), bytes.size(), decoded);
    };
    EXPECT_FALSE(rejects(index_of_runs({{1, 2}, {4, 1}}, 3))) << "a well-formed index, for contrast";
    EXPECT_TRUE(rejects(index_of_runs({{0, 1}}, 1))) << "row number 0";
    EXPECT_TRUE(rejects(index_of_runs({{1, 0}}, 0))) << "empty run";
    EXPECT_TRUE(rejects(index_of_runs({{4, 1}, {1, 2}}, 3))) << "descending runs";
    EXPECT_TRUE(rejects(index_of_runs({{1, 2}, {2, 1}}, 3))) << "overlapping runs";
    EXPECT_TRUE(rejects(index_of_runs({{1, 2}, {3, 1}}, 3))) << "touching runs are one run";
    EXPECT_TRUE(rejects(index_of_runs({{0xfffffffe, 3}}, 3))) << "run past the last row number";
    EXPECT_TRUE(rejects(index_of_runs({{1, 0xffffffff}}, 2))) << "run longer than the prefixes";
    EXPECT_TRUE(rejects(index_of_runs({{1, 2}}, 3))) << "more prefixes than rows";
    Bytes huge_count;
    put_u32(huge_count, 0xffffffff);
    EXPECT_TRUE(rejects(huge_count)) << "run count beyond the index";
}

TEST(RowIndex, RowsRootIsTheMerkleRootOfTheRowHashesInOrder) {
    EXPECT_EQ(rows_root(rows_numbered({1, 2, 3})),
              wide_merkle_root({filled_digest(1), filled_digest(2), filled_digest(3)}));
}

}  // namespace
}  // namespace pgledger::core
