#include "core/verifier.hpp"

#include <algorithm>
#include <set>

#include "core/merkle.hpp"

namespace pgledger::core {

Verifier::Verifier(std::vector<std::uint64_t> in_scope_tables, VerifyExtent extent)
    : in_scope_tables_(std::move(in_scope_tables)), extent_(extent) {
    for (auto table_id : in_scope_tables_) {
        summaries_[table_id];
    }
}

bool Verifier::in_scope(std::uint64_t table_id) const {
    return std::find(in_scope_tables_.begin(), in_scope_tables_.end(), table_id) != in_scope_tables_.end();
}

bool Verifier::rows_checked(std::uint64_t table_id) const {
    return in_scope(table_id) && std::find(unreadable_tables_.begin(), unreadable_tables_.end(), table_id) ==
                                     unreadable_tables_.end();
}

void Verifier::add_block(const StoredBlock& block) {
    blocks_[block.header.height] = block;
}

void Verifier::add_entry(StoredEntry entry) {
    const auto key = std::make_pair(entry.fields.txn_id, entry.fields.table_id);
    EntryState state;
    state.seen.assign(entry.rows.size(), false);
    state.stored = std::move(entry);
    entry_index_[key] = entries_.size();
    entries_.push_back(std::move(state));
}

std::string Verifier::block_text(const EntryState& entry) const {
    if (!entry.stored.block_height) {
        return "in a transaction not yet sealed";
    }
    return "in block " + std::to_string(*entry.stored.block_height);
}

void Verifier::report_row(std::uint64_t table_id, const std::string& text) {
    problems_.push_back(Problem{table_id, text});
}

void Verifier::add_row(std::uint64_t table_id, std::optional<std::uint64_t> txn_id,
                       std::optional<std::uint32_t> seq, const Digest& recomputed_hash,
                       RowLocation location) {
    summaries_[table_id].rows_checked++;
    if (!txn_id || !seq) {
        report_row(table_id,
                   "row " + location.text() +
                       " has no ledger position: it was added behind the ledger's triggers and no block "
                       "seals it");
        return;
    }
    // Named only when there is a problem: verification visits every row.
    const auto row_name = [&] {
        return "row " + location.text() + " (transaction " + std::to_string(*txn_id) + ", row " +
               std::to_string(*seq) + ")";
    };
    const auto found = entry_index_.find(std::make_pair(*txn_id, table_id));
    if (found == entry_index_.end()) {
        report_row(table_id, row_name() + " belongs to a transaction that the ledger has no record of");
        return;
    }
    EntryState& entry = entries_[found->second];
    const auto& sealed = entry.stored.rows;
    const auto position =
        std::lower_bound(sealed.begin(), sealed.end(), *seq,
                         [](const IndexedRow& row, std::uint32_t s) { return row.seq < s; });
    if (position == sealed.end() || position->seq != *seq) {
        entry.has_problem = true;
        report_row(table_id, row_name() + " " + block_text(entry) +
                                 " was not part of its transaction when it committed: it was added later");
        return;
    }
    const std::size_t index = static_cast<std::size_t>(position - sealed.begin());
    if (entry.seen[index]) {
        entry.has_problem = true;
        report_row(table_id, row_name() + " " + block_text(entry) + " appears more than once");
        return;
    }
    if (entry.recomputed.empty()) {
        entry.recomputed.resize(sealed.size());
    }
    entry.seen[index] = true;
    entry.recomputed[index] = recomputed_hash;
    if (hash_prefix_of(recomputed_hash) != position->hash_prefix) {
        entry.has_problem = true;
        report_row(table_id, row_name() + " " + block_text(entry) +
                                 " was changed: its values no longer hash to the sealed row hash");
    }
    // A transaction's rows mostly lie together in the table: once all are
    // seen, their hashes fold into the root, so verification holds a hash
    // only for the rows of entries it is part way through.
    if (++entry.seen_count == sealed.size()) {
        entry.root_of_all_rows = wide_merkle_root(entry.recomputed);
        std::vector<Digest>().swap(entry.recomputed);
    }
}

Digest Verifier::check_columns(EntryState& entry) {
    const EntryFields& fields = entry.stored.fields;
    const auto declared = declared_columns_.find(fields.table_id);
    if (declared == declared_columns_.end()) {
        return fields.columns_hash;
    }
    const bool prefix_exists = fields.column_count <= declared->second.size();
    const Digest now = prefix_exists ? columns_hash(declared->second, fields.column_count) : Digest{};
    if (!prefix_exists || now != fields.columns_hash) {
        entry.has_problem = true;
        ChangedColumns& group = changed_columns_[{fields.table_id, fields.column_count}];
        if (group.transactions++ == 0) {
            group.first = "transaction " + std::to_string(fields.txn_id) +
                          (entry.stored.block_height ? " " + block_text(entry) : ", not yet sealed");
        }
    }
    return prefix_exists ? now : fields.columns_hash;
}

void Verifier::report_changed_columns() {
    for (const auto& [key, group] : changed_columns_) {
        const auto& [table_id, count] = key;
        const auto& declared = declared_columns_[table_id];
        std::string now;
        for (std::size_t i = 0; i < declared.size() && i < count; ++i) {
            now += (i == 0 ? "" : ", ") + declared[i].name + " " + type_text(declared[i].type);
        }
        const std::string shape =
            count > declared.size()
                ? "its first " + std::to_string(count) + " columns, but the table now has only " +
                      std::to_string(declared.size()) + " (" + now + ")"
                : "its first " + std::to_string(count) + " columns with other names or types than the " +
                      "catalog now declares (" + now + ")";
        problems_.push_back(Problem{
            table_id, std::to_string(group.transactions) + " transaction" +
                          (group.transactions == 1 ? "" : "s") + " (the first: " + group.first +
                          ") recorded " + shape +
                          ": the table's columns or the ledger's record of them were changed behind the "
                          "ledger, and sealed values may now be read as other types"});
    }
}

Verifier::EntryDigests Verifier::entry_digests_for_block(EntryState& entry) {
    const auto& stored = entry.stored;
    const std::uint64_t table_id = stored.fields.table_id;
    const auto entry_name = [&] {
        return "transaction " + std::to_string(stored.fields.txn_id) + " " + block_text(entry);
    };

    if (!rows_checked(table_id)) {
        // Another table's entry enters the block root as recorded; that
        // table's own verification checks its rows and its record.
        const Digest recorded = entry_hash(stored.fields);
        return EntryDigests{recorded, recorded};
    }
    if (!stored.row_index_well_formed || stored.rows.size() != stored.fields.row_count) {
        entry.has_problem = true;
        problems_.push_back(
            Problem{table_id, "the ledger's record of " + entry_name() +
                                  " was altered: its row index does not match its row count"});
    }
    std::size_t present_count = stored.rows.size();
    Digest present_root{};
    if (entry.root_of_all_rows) {
        present_root = *entry.root_of_all_rows;
    } else {
        std::vector<Digest> present;
        present.reserve(entry.seen_count);
        for (std::size_t i = 0; i < stored.rows.size(); ++i) {
            if (entry.seen[i]) {
                present.push_back(entry.recomputed[i]);
            } else {
                entry.has_problem = true;
                report_row(table_id, "row " + std::to_string(stored.rows[i].seq) + " of " + entry_name() +
                                         " is missing: it was deleted");
            }
        }
        present_count = present.size();
        present_root = wide_merkle_root(present);
    }
    // Every row present and matching its short hash: then the full hashes
    // must give the sealed root. If they do not, the record was altered, or
    // a row was changed so that its hash keeps the recorded prefix.
    if (!entry.has_problem && present_root != stored.fields.rows_root) {
        entry.has_problem = true;
        problems_.push_back(Problem{table_id, "the ledger's record of " + entry_name() +
                                                  " was altered: its rows no longer hash to its rows root"});
    }
    EntryFields as_rows_say = stored.fields;
    as_rows_say.row_count = static_cast<std::uint32_t>(present_count);
    as_rows_say.rows_root = present_root;
    as_rows_say.columns_hash = check_columns(entry);
    return EntryDigests{entry_hash(stored.fields), entry_hash(as_rows_say)};
}

void Verifier::check_entries_and_blocks() {
    std::vector<std::size_t> order(entries_.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
        const auto& x = entries_[a].stored.fields;
        const auto& y = entries_[b].stored.fields;
        return std::tie(x.txn_id, x.table_id) < std::tie(y.txn_id, y.table_id);
    });

    // A block's merkle root is checked over its entries as recorded, and
    // again over its entries as their rows say they are: an entry whose
    // rows or record were altered is reported on its own, and must not
    // also make its block look altered, nor hide another entry's alteration.
    struct BlockContents {
        std::vector<Digest> recorded;
        std::vector<Digest> as_rows_say;
        std::uint64_t row_count = 0;
    };
    std::map<std::uint64_t, BlockContents> contents;
    std::map<std::uint64_t, std::set<std::uint64_t>> blocks_per_table;
    for (std::size_t index : order) {
        EntryState& entry = entries_[index];
        const EntryDigests digests = entry_digests_for_block(entry);
        const auto table_id = entry.stored.fields.table_id;
        if (!entry.stored.block_height) {
            continue;
        }
        const std::uint64_t height = *entry.stored.block_height;
        if (blocks_.count(height) == 0) {
            problems_.push_back(Problem{
                table_id, "transaction " + std::to_string(entry.stored.fields.txn_id) +
                              " is recorded in block " + std::to_string(height) + ", which does not exist"});
            continue;
        }
        auto& block = contents[height];
        block.recorded.push_back(digests.recorded);
        block.as_rows_say.push_back(digests.as_rows_say);
        block.row_count += entry.stored.fields.row_count;
        blocks_per_table[table_id].insert(height);
    }
    for (const auto& [table_id, heights] : blocks_per_table) {
        if (in_scope(table_id)) {
            summaries_[table_id].blocks_checked = heights.size();
        }
    }
    for (const auto& [height, block] : blocks_) {
        const BlockContents& sealed = contents[height];
        const std::string name = "block " + std::to_string(height);
        if (sealed.recorded.size() != block.header.entry_count ||
            sealed.row_count != block.header.row_count) {
            problems_.push_back(Problem{
                std::nullopt, name + " seals " + std::to_string(block.header.entry_count) + " entries of " +
                                  std::to_string(block.header.row_count) + " rows, but the ledger records " +
                                  std::to_string(sealed.recorded.size()) + " entries of " +
                                  std::to_string(sealed.row_count) + " rows for it"});
        } else if (height > 0 && merkle_root(sealed.recorded) != block.header.merkle_root &&
                   merkle_root(sealed.as_rows_say) != block.header.merkle_root) {
            // Genesis seals no entries: its merkle root is the ledger's random nonce.
            problems_.push_back(Problem{
                std::nullopt, name + " was altered: its transactions no longer hash to its merkle root"});
        }
    }
}

void Verifier::finish() {
    for (auto& text : chain_problems(blocks_)) {
        problems_.push_back(Problem{std::nullopt, std::move(text)});
    }
    if (blocks_.empty() && !entries_.empty()) {
        problems_.push_back(Problem{std::nullopt, "the chain has no blocks, yet transactions are recorded"});
    }
    check_entries_and_blocks();
    report_changed_columns();
    report_unregistered_tables();
}

void Verifier::report_unregistered_tables() {
    if (extent_ != VerifyExtent::every_registered_table) {
        return;
    }
    struct Unregistered {
        std::uint64_t transactions = 0;
        std::uint64_t first_txn_id = 0;
    };
    std::map<std::uint64_t, Unregistered> unregistered;
    for (const auto& entry : entries_) {
        const auto& fields = entry.stored.fields;
        if (in_scope(fields.table_id)) {
            continue;
        }
        Unregistered& table = unregistered[fields.table_id];
        if (table.transactions == 0 || fields.txn_id < table.first_txn_id) {
            table.first_txn_id = fields.txn_id;
        }
        table.transactions++;
    }
    for (const auto& [table_id, table] : unregistered) {
        problems_.push_back(Problem{
            std::nullopt, "ledger table id " + std::to_string(table_id) + " has " +
                              std::to_string(table.transactions) + " recorded transactions (the first is " +
                              std::to_string(table.first_txn_id) +
                              ") but ledger.tables does not register it: its registration was deleted "
                              "behind the ledger, and its rows cannot be verified"});
    }
}

std::uint64_t Verifier::held_row_hashes() const {
    std::uint64_t held = 0;
    for (const auto& entry : entries_) {
        held += entry.recomputed.size();
    }
    return held;
}

TableSummary Verifier::summary(std::uint64_t table_id) const {
    const auto found = summaries_.find(table_id);
    return found == summaries_.end() ? TableSummary{} : found->second;
}

}  // namespace pgledger::core
