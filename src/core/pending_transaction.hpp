// The row hashes a transaction has appended so far, per ledger table, kept
// until commit. Rows inserted inside a subtransaction that rolls back are
// dropped with it, and a speculative insertion (INSERT ... ON CONFLICT DO
// NOTHING) is sealed only once confirmed, so the sealed record matches
// exactly the rows that commit.
#pragma once

#include <cstdint>
#include <vector>

#include "core/digest.hpp"

namespace pgledger::core {

// RowState: a row is stored at once, or speculatively: then it counts only
// after confirm_stored (the insertion found no conflict).
enum class RowState : std::uint8_t { stored, speculative };

struct SealedRowHash {
    std::uint32_t seq;
    Digest hash;
};

struct PendingTableRows {
    std::uint64_t table_id;
    std::uint32_t relation_id;                   // the table's oid, to read its columns at commit
    std::vector<SealedRowHash> rows;             // ascending seq
    std::vector<std::uint32_t> subtransactions;  // parallel to rows
    std::vector<bool> stored;                    // parallel to rows: stored, or speculative and confirmed
    std::vector<std::uint64_t> contract_ids;     // contract versions that checked these rows
    std::vector<std::uint32_t> contract_subtransactions;  // parallel to contract_ids
};

class PendingTransaction {
  public:
    bool active() const { return txn_id_ != 0; }
    std::uint64_t txn_id() const { return txn_id_; }
    void start(std::uint64_t txn_id) { txn_id_ = txn_id; }

    // next_seq numbers the rows of the transaction across all its tables.
    std::uint32_t next_seq();
    void add_row(std::uint64_t table_id, std::uint32_t relation_id, std::uint32_t seq, const Digest& hash,
                 std::uint32_t subtransaction, RowState state);
    // note_contract records that a contract version checked the rows of a
    // table. A subtransaction that aborts takes its rows, and so the note, back.
    void note_contract(std::uint64_t table_id, std::uint64_t contract_id, std::uint32_t subtransaction);
    // note_lock records a contract lock the transaction took, so that its
    // commit can be checked against the last one through the same lock. A
    // subtransaction that aborts releases the locks it took, and forgets them.
    void note_lock(std::uint64_t lock_key, std::uint32_t subtransaction);
    const std::vector<std::uint64_t>& locks() const { return locks_; }
    // confirm_stored marks a speculative row as really inserted; false if no
    // such row.
    bool confirm_stored(std::uint64_t table_id, std::uint32_t seq);
    // stored_rows: the rows of a table that were confirmed, ascending seq.
    static std::vector<SealedRowHash> stored_rows(const PendingTableRows& table);

    // Subtransaction ids grow monotonically and a subtransaction ends before
    // its parent, so every row tagged >= id belongs to the ending subtree.
    void commit_subtransaction(std::uint32_t id, std::uint32_t parent_id);
    void abort_subtransaction(std::uint32_t id);

    const std::vector<PendingTableRows>& tables() const { return tables_; }
    void clear();

  private:
    PendingTableRows& table(std::uint64_t table_id);

    std::uint64_t txn_id_ = 0;
    std::uint32_t last_seq_ = 0;
    std::vector<PendingTableRows> tables_;
    // One table's emptied row storage from an earlier transaction, reused by
    // the next one so that a backend's rows are not reallocated from empty in
    // every transaction; see clear().
    PendingTableRows spare_table_;
    bool has_spare_table_ = false;
    std::vector<std::uint64_t> locks_;
    std::vector<std::uint32_t> lock_subtransactions_;
};

}  // namespace pgledger::core
