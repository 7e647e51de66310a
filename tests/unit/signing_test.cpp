// The signed messages, rebuilt byte by byte from their documented layout and
// hashed without the code under test.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/merkle.hpp"
#include "core/row_index.hpp"
#include "core/signing.hpp"
#include "independent_sha256.hpp"

namespace pgledger::core {
namespace {

using test::Bytes;
using test::filled_digest;
using test::put_bytes;
using test::put_digest;
using test::put_u32;
using test::put_u64;
using test::reference_sha256;

const LedgerId kLedger = filled_digest(0x1d);
// Multi-byte UTF-8: the length prefix counts bytes, not characters.
const std::string kParticipant = "bank-\xc3\xa9t\xc3\xa9";

// Two tables, ids and row counts wide enough that a narrower encoding would
// lose bits, given in descending order.
std::vector<SignedTable> unsorted_tables() {
    return {
        {0x0000000500000002, 70000, filled_digest(0xb2)},
        {0x0000000100000009, 0x01020304, filled_digest(0xa1)},
    };
}

TEST(TransactionSigningDigest, MatchesTheDocumentedLayout) {
    Bytes message;
    put_bytes(message, "pgledger-transaction-signature-v2");
    message.push_back(0);
    put_digest(message, kLedger);
    put_u64(message, 0x0102030405060708);
    put_u32(message, 10);  // "bank-été" in UTF-8
    put_bytes(message, kParticipant);
    put_u32(message, 2);
    put_u64(message, 0x0000000100000009);
    put_u32(message, 0x01020304);
    put_digest(message, filled_digest(0xa1));
    put_u64(message, 0x0000000500000002);
    put_u32(message, 70000);
    put_digest(message, filled_digest(0xb2));

    EXPECT_EQ(transaction_signing_digest(kLedger, 0x0102030405060708, kParticipant, unsorted_tables()),
              reference_sha256(message));
}

TEST(TransactionSigningDigest, NoTablesStillBindsLedgerTransactionAndParticipant) {
    Bytes message;
    put_bytes(message, "pgledger-transaction-signature-v2");
    message.push_back(0);
    put_digest(message, kLedger);
    put_u64(message, 42);
    put_u32(message, 1);
    put_bytes(message, "p");
    put_u32(message, 0);

    EXPECT_EQ(transaction_signing_digest(kLedger, 42, "p", {}), reference_sha256(message));
}

TEST(TransactionSigningDigest, IndependentOfTheOrderTablesArePassed) {
    std::vector<SignedTable> sorted = unsorted_tables();
    std::swap(sorted[0], sorted[1]);
    ASSERT_LT(sorted[0].table_id, sorted[1].table_id);

    EXPECT_EQ(transaction_signing_digest(kLedger, 7, kParticipant, sorted),
              transaction_signing_digest(kLedger, 7, kParticipant, unsorted_tables()));
}

TEST(TransactionSigningDigest, CoversEveryRowThroughTheRowsRoot) {
    // The rows root is the entry's: the Merkle root of the row hashes, each
    // of which covers the row's position, so changing, dropping or moving a
    // row changes what is signed.
    const std::vector<SealedRowHash> rows = {{1, filled_digest(1)}, {2, filled_digest(2)}};
    std::vector<SealedRowHash> changed = rows;
    changed[1].hash[31] ^= 1;
    const std::vector<SealedRowHash> dropped = {rows[0]};
    EXPECT_EQ(rows_root(rows), wide_merkle_root({filled_digest(1), filled_digest(2)}));
    const auto digest_over = [](const std::vector<SealedRowHash>& table_rows) {
        return transaction_signing_digest(
            kLedger, 7, kParticipant,
            {{9, static_cast<std::uint32_t>(table_rows.size()), rows_root(table_rows)}});
    };
    EXPECT_NE(digest_over(changed), digest_over(rows)) << "row hash";
    EXPECT_NE(digest_over(dropped), digest_over(rows)) << "row dropped";
}

Digest digest_of(const std::vector<SignedTable>& tables) {
    return transaction_signing_digest(kLedger, 7, kParticipant, tables);
}

TEST(TransactionSigningDigest, ChangesWithEveryInput) {
    const Digest original = digest_of(unsorted_tables());

    EXPECT_NE(transaction_signing_digest(filled_digest(0x1e), 7, kParticipant, unsorted_tables()), original)
        << "ledger id";
    EXPECT_NE(transaction_signing_digest(kLedger, 8, kParticipant, unsorted_tables()), original)
        << "transaction id";
    EXPECT_NE(transaction_signing_digest(kLedger, 7, "bank-ete", unsorted_tables()), original)
        << "participant";

    std::vector<SignedTable> tables = unsorted_tables();
    tables[0].rows_root[31] ^= 1;
    EXPECT_NE(digest_of(tables), original) << "rows root";

    tables = unsorted_tables();
    tables[0].row_count += 1;
    EXPECT_NE(digest_of(tables), original) << "row count";

    tables = unsorted_tables();
    tables[1].table_id += 1;
    EXPECT_NE(digest_of(tables), original) << "table id";

    tables = unsorted_tables();
    tables.pop_back();
    EXPECT_NE(digest_of(tables), original) << "table dropped";

    tables = unsorted_tables();
    std::swap(tables[0].rows_root, tables[1].rows_root);
    EXPECT_NE(digest_of(tables), original) << "rows swapped between tables";
}

TEST(KeyEventSigningDigest, MatchesTheDocumentedLayout) {
    Ed25519PublicKey key{};
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<std::uint8_t>(i);
    }
    Bytes message;
    put_bytes(message, "pgledger-participant-key-v1");
    message.push_back(0);
    put_digest(message, kLedger);
    put_u32(message, 10);
    put_bytes(message, kParticipant);
    put_u32(message, 0x00030201);
    message.insert(message.end(), key.begin(), key.end());

    EXPECT_EQ(key_event_digest(kLedger, kParticipant, 0x00030201, key), reference_sha256(message));
}

TEST(KeyEventSigningDigest, ChangesWithEveryInput) {
    const Ed25519PublicKey key = filled_digest(0x55);
    const Digest original = key_event_digest(kLedger, kParticipant, 1, key);

    EXPECT_NE(key_event_digest(filled_digest(0x1e), kParticipant, 1, key), original) << "ledger id";
    EXPECT_NE(key_event_digest(kLedger, "bank-ete", 1, key), original) << "participant";
    EXPECT_NE(key_event_digest(kLedger, kParticipant, 2, key), original) << "key version";
    Ed25519PublicKey other_key = key;
    other_key[0] ^= 0x80;
    EXPECT_NE(key_event_digest(kLedger, kParticipant, 1, other_key), original) << "new key";
}

}  // namespace
}  // namespace pgledger::core
