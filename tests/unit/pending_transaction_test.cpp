// PendingTransaction: the per-transaction record of row hashes, with the
// subtransaction ids PostgreSQL hands out (top level 1, then 2, 3, ...,
// monotonically increasing, a child always ending before its parent).
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "core/pending_transaction.hpp"
#include "independent_sha256.hpp"

namespace pgledger::core {
namespace {

using test::filled_digest;

constexpr std::uint32_t kTopLevel = 1;
constexpr std::uint64_t kAccounts = 100;
constexpr std::uint64_t kPayments = 200;

// A table's relation id, as its oid would be.
std::uint32_t relation_of(std::uint64_t table_id) {
    return static_cast<std::uint32_t>(16384 + table_id);
}

// Inserts one row, as a plain INSERT does.
std::uint32_t insert(PendingTransaction& transaction, std::uint64_t table_id, std::uint32_t subtransaction) {
    const std::uint32_t seq = transaction.next_seq();
    transaction.add_row(table_id, relation_of(table_id), seq, filled_digest(static_cast<std::uint8_t>(seq)),
                        subtransaction, RowState::stored);
    return seq;
}

// Starts a speculative insertion (INSERT ... ON CONFLICT DO NOTHING), not
// yet confirmed.
std::uint32_t insert_speculatively(PendingTransaction& transaction, std::uint64_t table_id,
                                   std::uint32_t subtransaction) {
    const std::uint32_t seq = transaction.next_seq();
    transaction.add_row(table_id, relation_of(table_id), seq, filled_digest(static_cast<std::uint8_t>(seq)),
                        subtransaction, RowState::speculative);
    return seq;
}

const PendingTableRows* table_rows(const PendingTransaction& transaction, std::uint64_t table_id) {
    for (const auto& table : transaction.tables()) {
        if (table.table_id == table_id) {
            return &table;
        }
    }
    return nullptr;
}

// The seqs that would be sealed for table_id.
std::vector<std::uint32_t> sealed_seqs(const PendingTransaction& transaction, std::uint64_t table_id) {
    std::vector<std::uint32_t> seqs;
    if (const auto* table = table_rows(transaction, table_id)) {
        for (const auto& row : PendingTransaction::stored_rows(*table)) {
            EXPECT_EQ(row.hash, filled_digest(static_cast<std::uint8_t>(row.seq)));
            seqs.push_back(row.seq);
        }
    }
    return seqs;
}

using Seqs = std::vector<std::uint32_t>;

TEST(PendingTransaction, StartsInactiveAndClearResetsEverything) {
    PendingTransaction transaction;
    EXPECT_FALSE(transaction.active());
    transaction.start(77);
    EXPECT_TRUE(transaction.active());
    EXPECT_EQ(transaction.txn_id(), 77u);
    insert(transaction, kAccounts, kTopLevel);
    insert(transaction, kAccounts, kTopLevel);
    transaction.clear();
    EXPECT_FALSE(transaction.active());
    EXPECT_TRUE(transaction.tables().empty());
    EXPECT_EQ(transaction.next_seq(), 1u) << "row numbers restart with each transaction";
}

TEST(PendingTransaction, NothingOfAClearedTransactionReachesTheNext) {
    // clear() keeps one table's emptied storage for the next transaction:
    // rows, their subtransactions and flags, and contracts must not survive.
    PendingTransaction transaction;
    transaction.start(1);
    insert(transaction, kAccounts, kTopLevel);
    insert(transaction, kAccounts, kTopLevel + 1);
    transaction.note_contract(kAccounts, 9, kTopLevel);
    transaction.clear();
    transaction.start(2);
    insert(transaction, kPayments, kTopLevel);
    transaction.note_contract(kPayments, 4, kTopLevel + 1);
    transaction.abort_subtransaction(kTopLevel + 1);
    EXPECT_TRUE(table_rows(transaction, kPayments)->contract_ids.empty())
        << "a note's tag is its own, not one left from the last transaction";
    ASSERT_EQ(transaction.tables().size(), 1u);
    const PendingTableRows& payments = transaction.tables().front();
    EXPECT_EQ(payments.table_id, kPayments);
    EXPECT_EQ(sealed_seqs(transaction, kPayments), (Seqs{1}));
    EXPECT_EQ(payments.subtransactions, (std::vector<std::uint32_t>{kTopLevel}));
    EXPECT_EQ(payments.stored, (std::vector<bool>{true}));
    EXPECT_TRUE(payments.contract_ids.empty());
}

TEST(PendingTransaction, NumbersRowsAcrossTablesAndGroupsThemPerTable) {
    PendingTransaction transaction;
    transaction.start(1);
    insert(transaction, kAccounts, kTopLevel);
    insert(transaction, kPayments, kTopLevel);
    insert(transaction, kAccounts, kTopLevel);
    insert(transaction, kPayments, kTopLevel);
    ASSERT_EQ(transaction.tables().size(), 2u);
    EXPECT_EQ(sealed_seqs(transaction, kAccounts), (Seqs{1, 3}));
    EXPECT_EQ(sealed_seqs(transaction, kPayments), (Seqs{2, 4}));
    // Commit reads each table's columns through its relation.
    EXPECT_EQ(table_rows(transaction, kAccounts)->relation_id, relation_of(kAccounts));
    EXPECT_EQ(table_rows(transaction, kPayments)->relation_id, relation_of(kPayments));
}

TEST(PendingTransaction, SpeculativeRowsNeverConfirmedAreNotSealed) {
    // INSERT ... ON CONFLICT DO NOTHING: the speculative insertion of row 2
    // met a conflict and was taken back.
    PendingTransaction transaction;
    transaction.start(1);
    insert(transaction, kAccounts, kTopLevel);
    insert_speculatively(transaction, kAccounts, kTopLevel);
    const std::uint32_t confirmed = insert_speculatively(transaction, kAccounts, kTopLevel);
    EXPECT_TRUE(transaction.confirm_stored(kAccounts, confirmed));
    EXPECT_EQ(sealed_seqs(transaction, kAccounts), (Seqs{1, 3}));
}

TEST(PendingTransaction, ConfirmStoredRejectsUnknownRows) {
    PendingTransaction transaction;
    transaction.start(1);
    const std::uint32_t seq = insert(transaction, kAccounts, kTopLevel);
    EXPECT_FALSE(transaction.confirm_stored(kPayments, seq)) << "wrong table";
    EXPECT_FALSE(transaction.confirm_stored(kAccounts, seq + 1)) << "seq beyond the last row";
    EXPECT_FALSE(transaction.confirm_stored(kAccounts, 0)) << "seq before the first row";
}

TEST(PendingTransaction, ConfirmsRowsOfAMultiRowStatementOutOfOrder) {
    PendingTransaction transaction;
    transaction.start(1);
    Seqs seqs;
    for (int i = 0; i < 4; ++i) {
        seqs.push_back(insert_speculatively(transaction, kAccounts, kTopLevel));
    }
    EXPECT_TRUE(transaction.confirm_stored(kAccounts, seqs[3]));
    EXPECT_TRUE(transaction.confirm_stored(kAccounts, seqs[1]));
    EXPECT_EQ(sealed_seqs(transaction, kAccounts), (Seqs{seqs[1], seqs[3]}));
}

TEST(PendingTransaction, RefusesARowNumberedBeforeTheLastOfItsTable) {
    // Captures do not nest (capture_row refuses it), so a row numbered
    // before one already added means the bookkeeping broke: refused, not
    // filed out of order.
    PendingTransaction transaction;
    transaction.start(1);
    const std::uint32_t outer = transaction.next_seq();
    insert(transaction, kAccounts, kTopLevel);
    EXPECT_THROW(
        transaction.add_row(kAccounts, relation_of(kAccounts), outer,
                            filled_digest(static_cast<std::uint8_t>(outer)), kTopLevel, RowState::stored),
        std::logic_error);
    EXPECT_EQ(sealed_seqs(transaction, kAccounts), (Seqs{outer + 1}));
}

TEST(PendingTransaction, RollbackToSavepointDropsItsRowsInEveryTable) {
    // BEGIN; INSERT a; SAVEPOINT s (2); INSERT b, c; ROLLBACK TO s; INSERT d (3); COMMIT
    PendingTransaction transaction;
    transaction.start(1);
    insert(transaction, kAccounts, kTopLevel);
    insert(transaction, kAccounts, 2);
    insert(transaction, kPayments, 2);
    transaction.abort_subtransaction(2);
    const std::uint32_t after = insert(transaction, kPayments, 3);
    transaction.commit_subtransaction(3, kTopLevel);
    EXPECT_EQ(sealed_seqs(transaction, kAccounts), (Seqs{1}));
    EXPECT_EQ(sealed_seqs(transaction, kPayments), (Seqs{after}));
    EXPECT_EQ(after, 4u) << "aborted rows do not give their numbers back";
}

TEST(PendingTransaction, ReleasedChildIsDroppedWhenItsParentAborts) {
    // SAVEPOINT outer (2); INSERT; SAVEPOINT inner (3); INSERT; RELEASE inner;
    // ROLLBACK TO outer.
    PendingTransaction transaction;
    transaction.start(1);
    insert(transaction, kAccounts, kTopLevel);
    insert(transaction, kAccounts, 2);
    insert(transaction, kPayments, 3);
    transaction.commit_subtransaction(3, 2);
    transaction.abort_subtransaction(2);
    EXPECT_EQ(sealed_seqs(transaction, kAccounts), (Seqs{1}));
    EXPECT_EQ(sealed_seqs(transaction, kPayments), Seqs{});
}

TEST(PendingTransaction, AbortedChildLeavesItsParentsRows) {
    // SAVEPOINT outer (2); INSERT; SAVEPOINT inner (3); INSERT; ROLLBACK TO inner;
    // INSERT (4, the re-opened inner); RELEASE inner; RELEASE outer.
    PendingTransaction transaction;
    transaction.start(1);
    insert(transaction, kAccounts, kTopLevel);
    insert(transaction, kAccounts, 2);
    insert(transaction, kAccounts, 3);
    transaction.abort_subtransaction(3);
    insert(transaction, kAccounts, 4);
    transaction.commit_subtransaction(4, 2);
    transaction.commit_subtransaction(2, kTopLevel);
    EXPECT_EQ(sealed_seqs(transaction, kAccounts), (Seqs{1, 2, 4}));
}

TEST(PendingTransaction, AbortOfALaterSiblingKeepsAnEarlierReleasedSibling) {
    // SAVEPOINT a (2); INSERT; RELEASE a; SAVEPOINT b (3); INSERT; ROLLBACK TO b.
    PendingTransaction transaction;
    transaction.start(1);
    insert(transaction, kAccounts, 2);
    transaction.commit_subtransaction(2, kTopLevel);
    insert(transaction, kPayments, 3);
    transaction.abort_subtransaction(3);
    EXPECT_EQ(sealed_seqs(transaction, kAccounts), (Seqs{1}));
    EXPECT_EQ(sealed_seqs(transaction, kPayments), Seqs{});
}

TEST(PendingTransaction, ThreeLevelsCommittedThenMiddleAborted) {
    // s1 (2) { s2 (3) { s3 (4) { row } release } row; release } ; s4 (5) { row } rollback
    PendingTransaction transaction;
    transaction.start(1);
    insert(transaction, kAccounts, 4);
    transaction.commit_subtransaction(4, 3);
    insert(transaction, kAccounts, 3);
    transaction.commit_subtransaction(3, 2);
    transaction.commit_subtransaction(2, kTopLevel);
    insert(transaction, kAccounts, 5);
    transaction.abort_subtransaction(5);
    EXPECT_EQ(sealed_seqs(transaction, kAccounts), (Seqs{1, 2}));
    // Everything now belongs to the top level: a later abort of a fresh
    // subtransaction cannot take them.
    transaction.abort_subtransaction(6);
    EXPECT_EQ(sealed_seqs(transaction, kAccounts), (Seqs{1, 2}));
}

TEST(PendingTransaction, AbortKeepsStoredFlagsWithTheirRows) {
    PendingTransaction transaction;
    transaction.start(1);
    insert(transaction, kAccounts, kTopLevel);  // 1 stored
    const std::uint32_t unconfirmed =
        insert_speculatively(transaction, kAccounts, kTopLevel);  // 2 not (yet) confirmed
    insert(transaction, kAccounts, 2);                            // 3 stored, aborted below
    insert_speculatively(transaction, kAccounts, 2);              // 4 speculative, aborted below
    transaction.abort_subtransaction(2);
    insert(transaction, kAccounts, kTopLevel);  // 5 stored
    EXPECT_EQ(sealed_seqs(transaction, kAccounts), (Seqs{1, 5}));
    ASSERT_EQ(table_rows(transaction, kAccounts)->rows.size(), 3u);
    EXPECT_TRUE(transaction.confirm_stored(kAccounts, unconfirmed));
    EXPECT_EQ(sealed_seqs(transaction, kAccounts), (Seqs{1, 2, 5}));
    EXPECT_FALSE(transaction.confirm_stored(kAccounts, 3)) << "an aborted row cannot be confirmed";
}

TEST(PendingTransaction, NotesEachContractOncePerTable) {
    PendingTransaction transaction;
    transaction.start(1);
    insert(transaction, kAccounts, kTopLevel);
    transaction.note_contract(kAccounts, 5, kTopLevel);
    transaction.note_contract(kAccounts, 5, kTopLevel);
    transaction.note_contract(kAccounts, 3, kTopLevel);
    transaction.note_contract(kPayments, 5, kTopLevel);  // a table without rows yet
    ASSERT_NE(table_rows(transaction, kAccounts), nullptr);
    EXPECT_EQ(table_rows(transaction, kAccounts)->contract_ids, (std::vector<std::uint64_t>{5, 3}));
    ASSERT_NE(table_rows(transaction, kPayments), nullptr);
    EXPECT_EQ(table_rows(transaction, kPayments)->contract_ids, (std::vector<std::uint64_t>{5}));
    EXPECT_EQ(sealed_seqs(transaction, kPayments), Seqs{});
    transaction.clear();
    EXPECT_TRUE(transaction.tables().empty());
}

TEST(PendingTransaction, ForgetsTheContractsOfAnAbortedSubtransaction) {
    // Contract 5 checks a row at top level; SAVEPOINT a (2): contracts 5 and 7
    // check rows; SAVEPOINT b (3): contract 8; RELEASE b; ROLLBACK TO a. The
    // rows 7 and 8 checked are gone, so is their note; 5 checked a row that
    // stays.
    PendingTransaction transaction;
    transaction.start(1);
    insert(transaction, kAccounts, kTopLevel);
    transaction.note_contract(kAccounts, 5, kTopLevel);
    insert(transaction, kAccounts, 2);
    transaction.note_contract(kAccounts, 5, 2);
    transaction.note_contract(kAccounts, 7, 2);
    insert(transaction, kAccounts, 3);
    transaction.note_contract(kAccounts, 8, 3);
    transaction.commit_subtransaction(3, 2);
    transaction.abort_subtransaction(2);
    ASSERT_NE(table_rows(transaction, kAccounts), nullptr);
    EXPECT_EQ(table_rows(transaction, kAccounts)->contract_ids, (std::vector<std::uint64_t>{5}));
    // Noted in a subtransaction that is released, 7 stays.
    insert(transaction, kAccounts, 4);
    transaction.note_contract(kAccounts, 7, 4);
    transaction.commit_subtransaction(4, kTopLevel);
    transaction.abort_subtransaction(5);
    EXPECT_EQ(table_rows(transaction, kAccounts)->contract_ids, (std::vector<std::uint64_t>{5, 7}));
}

TEST(PendingTransaction, ForgetsTheContractLocksOfAnAbortedSubtransaction) {
    // Lock 10 at top level; SAVEPOINT a (2): locks 10 again and 20; SAVEPOINT
    // b (3): lock 30; RELEASE b; ROLLBACK TO a. PostgreSQL released 20 and 30
    // with a, and still holds 10 for the top level.
    PendingTransaction transaction;
    transaction.start(1);
    transaction.note_lock(10, kTopLevel);
    transaction.note_lock(10, 2);
    transaction.note_lock(20, 2);
    transaction.note_lock(30, 3);
    transaction.commit_subtransaction(3, 2);
    transaction.abort_subtransaction(2);
    EXPECT_EQ(transaction.locks(), (std::vector<std::uint64_t>{10}));
    // Taken again in a subtransaction that is released, 20 stays held.
    transaction.note_lock(20, 4);
    transaction.commit_subtransaction(4, kTopLevel);
    transaction.abort_subtransaction(5);
    EXPECT_EQ(transaction.locks(), (std::vector<std::uint64_t>{10, 20}));
    transaction.clear();
    EXPECT_TRUE(transaction.locks().empty());
    transaction.start(2);
    transaction.note_lock(40, 2);
    transaction.abort_subtransaction(2);
    EXPECT_TRUE(transaction.locks().empty()) << "nothing of the last transaction's locks survives";
}

TEST(PendingTransaction, RowNumbersStopAtTheIntegerColumnLimit) {
    // ledger_sequence_number is an integer column: 2147483647 rows at most.
    PendingTransaction transaction;
    transaction.start(1);
    std::uint32_t last = 0;
    for (std::uint32_t i = 0; i < 2147483647u; ++i) {
        last = transaction.next_seq();
    }
    EXPECT_EQ(last, 2147483647u);
    EXPECT_THROW(transaction.next_seq(), std::length_error);
    EXPECT_THROW(transaction.next_seq(), std::length_error) << "the limit holds, it does not wrap";
    transaction.clear();
    transaction.start(2);
    EXPECT_EQ(transaction.next_seq(), 1u);
}

}  // namespace
}  // namespace pgledger::core
