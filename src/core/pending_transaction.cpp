#include "core/pending_transaction.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <type_traits>

namespace pgledger::core {

std::uint32_t PendingTransaction::next_seq() {
    // Row numbers are stored in an integer column.
    if (last_seq_ == static_cast<std::uint32_t>(INT32_MAX)) {
        throw std::length_error("a ledger transaction may append at most 2147483647 rows");
    }
    return ++last_seq_;
}

PendingTableRows& PendingTransaction::table(std::uint64_t table_id) {
    for (auto& table : tables_) {
        if (table.table_id == table_id) {
            return table;
        }
    }
    if (has_spare_table_) {
        tables_.push_back(std::move(spare_table_));
        has_spare_table_ = false;
    } else {
        tables_.emplace_back();
    }
    auto& added = tables_.back();
    added.table_id = table_id;
    added.relation_id = 0;
    return added;
}

void PendingTransaction::add_row(std::uint64_t table_id, std::uint32_t relation_id, std::uint32_t seq,
                                 const Digest& hash, std::uint32_t subtransaction, RowState state) {
    PendingTableRows& target = table(table_id);
    target.relation_id = relation_id;
    // Captures do not nest, so rows arrive in the order they were numbered;
    // the entry's row index and the lookups below rely on it.
    if (!target.rows.empty() && target.rows.back().seq >= seq) {
        throw std::logic_error("a ledger row was added out of its number order");
    }
    // All three grown first, geometrically: a failed allocation must not
    // leave one vector longer than the others.
    const std::size_t needed = target.rows.size() + 1;
    if (target.rows.capacity() < needed || target.subtransactions.capacity() < needed ||
        target.stored.capacity() < needed) {
        const std::size_t capacity = std::max<std::size_t>(64, 2 * target.rows.size());
        target.rows.reserve(capacity);
        target.subtransactions.reserve(capacity);
        target.stored.reserve(capacity);
    }
    target.rows.push_back(SealedRowHash{seq, hash});
    target.subtransactions.push_back(subtransaction);
    target.stored.push_back(state == RowState::stored);
}

void PendingTransaction::note_lock(std::uint64_t lock_key, std::uint32_t subtransaction) {
    if (std::find(locks_.begin(), locks_.end(), lock_key) == locks_.end()) {
        // Both grown first: a failed allocation must not leave one vector
        // longer than the other.
        if (locks_.size() == locks_.capacity() ||
            lock_subtransactions_.size() == lock_subtransactions_.capacity()) {
            const std::size_t capacity = std::max<std::size_t>(8, 2 * locks_.size());
            locks_.reserve(capacity);
            lock_subtransactions_.reserve(capacity);
        }
        locks_.push_back(lock_key);
        lock_subtransactions_.push_back(subtransaction);
    }
}

void PendingTransaction::note_contract(std::uint64_t table_id, std::uint64_t contract_id,
                                       std::uint32_t subtransaction) {
    // A note made earlier is kept with its tag: its subtransaction is this
    // one or encloses it.
    PendingTableRows& target = table(table_id);
    auto& ids = target.contract_ids;
    if (std::find(ids.begin(), ids.end(), contract_id) == ids.end()) {
        target.contract_subtransactions.reserve(ids.size() + 1);
        ids.push_back(contract_id);
        target.contract_subtransactions.push_back(subtransaction);
    }
}

bool PendingTransaction::confirm_stored(std::uint64_t table_id, std::uint32_t seq) {
    for (auto& table : tables_) {
        if (table.table_id != table_id) {
            continue;
        }
        // Rows are confirmed in insertion order, so the newest row is the
        // usual match; searching keeps multi-row statements correct too.
        const auto found =
            std::lower_bound(table.rows.begin(), table.rows.end(), seq,
                             [](const SealedRowHash& row, std::uint32_t s) { return row.seq < s; });
        if (found == table.rows.end() || found->seq != seq) {
            return false;
        }
        table.stored[static_cast<std::size_t>(found - table.rows.begin())] = true;
        return true;
    }
    return false;
}

std::vector<SealedRowHash> PendingTransaction::stored_rows(const PendingTableRows& table) {
    std::vector<SealedRowHash> rows;
    rows.reserve(table.rows.size());
    for (std::size_t i = 0; i < table.rows.size(); ++i) {
        if (table.stored[i]) {
            rows.push_back(table.rows[i]);
        }
    }
    return rows;
}

void PendingTransaction::commit_subtransaction(std::uint32_t id, std::uint32_t parent_id) {
    for (auto& table : tables_) {
        for (auto* tags : {&table.subtransactions, &table.contract_subtransactions}) {
            for (auto& tag : *tags) {
                if (tag >= id) {
                    tag = parent_id;
                }
            }
        }
    }
    for (auto& tag : lock_subtransactions_) {
        if (tag >= id) {
            tag = parent_id;
        }
    }
}

namespace {

// forget_subtree drops the notes tagged with subtransaction id or one it began.
void forget_subtree(std::vector<std::uint64_t>& notes, std::vector<std::uint32_t>& tags, std::uint32_t id) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < notes.size(); ++i) {
        if (tags[i] < id) {
            notes[kept] = notes[i];
            tags[kept] = tags[i];
            ++kept;
        }
    }
    notes.resize(kept);
    tags.resize(kept);
}

}  // namespace

void PendingTransaction::abort_subtransaction(std::uint32_t id) {
    for (auto& table : tables_) {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < table.rows.size(); ++i) {
            if (table.subtransactions[i] < id) {
                table.rows[kept] = table.rows[i];
                table.subtransactions[kept] = table.subtransactions[i];
                table.stored[kept] = table.stored[i];
                ++kept;
            }
        }
        table.rows.resize(kept);
        table.subtransactions.resize(kept);
        table.stored.resize(kept);
        forget_subtree(table.contract_ids, table.contract_subtransactions, id);
    }
    forget_subtree(locks_, lock_subtransactions_, id);
}

void PendingTransaction::clear() {
    txn_id_ = 0;
    last_seq_ = 0;
    // Growing a table's three row vectors from empty cost 40 ns a row in the
    // 100-row insert benchmark. Storage for up to kRecycledRows rows of one
    // table is kept for the next transaction; a bulk load's is released, so
    // an idle backend does not hold it. Transaction callbacks call clear()
    // outside call_cpp, so it must not allocate: it only moves.
    static_assert(std::is_nothrow_move_assignable_v<PendingTableRows>);
    constexpr std::size_t kRecycledRows = 4096;
    for (auto& table : tables_) {
        if (!has_spare_table_ && table.rows.capacity() <= kRecycledRows) {
            table.rows.clear();
            table.subtransactions.clear();
            table.stored.clear();
            table.contract_ids.clear();
            table.contract_subtransactions.clear();
            spare_table_ = std::move(table);
            has_spare_table_ = true;
        }
    }
    tables_.clear();
    locks_.clear();
    lock_subtransactions_.clear();
}

}  // namespace pgledger::core
