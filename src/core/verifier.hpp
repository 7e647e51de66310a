// Verifier recomputes the ledger from stored values and reports every place
// where history differs from what the hash chain sealed. It trusts no stored
// hash: stored hashes are only ever compared with recomputed ones.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/canonical.hpp"
#include "core/chain.hpp"
#include "core/pending_transaction.hpp"
#include "core/row_index.hpp"

namespace pgledger::core {

struct StoredEntry {
    EntryFields fields;
    std::optional<std::uint64_t> block_height;  // empty while not yet sealed
    std::vector<IndexedRow> rows;               // the row index, ascending seq
    bool row_index_well_formed = true;
};

struct Problem {
    std::optional<std::uint64_t> table_id;  // empty: a problem of the chain itself
    std::string text;
};

// RowLocation is where a row is stored (its ctid), to name it in a problem.
struct RowLocation {
    std::uint32_t page = 0;
    std::uint16_t item = 0;
    std::string text() const { return "(" + std::to_string(page) + "," + std::to_string(item) + ")"; }
};

struct TableSummary {
    std::uint64_t rows_checked = 0;
    std::uint64_t blocks_checked = 0;
};

// What the tables in scope are: every table ledger.tables registers, so that
// an entry of any other table means its registration was deleted; or only the
// tables named.
enum class VerifyExtent { every_registered_table, named_tables };

class Verifier {
  public:
    // in_scope_tables: the tables whose rows are scanned; entries of other
    // tables count towards block roots through their stored rows roots.
    Verifier(std::vector<std::uint64_t> in_scope_tables, VerifyExtent extent);

    void add_block(const StoredBlock& block);
    void add_entry(StoredEntry entry);

    // Rows are fed after all entries. location names the row to a person
    // (its ctid); txn_id and seq are empty when the row carries no position.
    void add_row(std::uint64_t table_id, std::optional<std::uint64_t> txn_id,
                 std::optional<std::uint32_t> seq, const Digest& recomputed_hash, RowLocation location);

    // add_declared_columns gives a table's columns as the catalog declares
    // them now; each of its entries must have recorded a prefix of them.
    void add_declared_columns(std::uint64_t table_id, std::vector<DeclaredColumn> columns) {
        declared_columns_[table_id] = std::move(columns);
    }

    // add_table_problem reports what the caller found about a table itself.
    void add_table_problem(std::uint64_t table_id, std::string text) {
        problems_.push_back(Problem{table_id, std::move(text)});
    }

    void add_chain_problem(std::string text) { problems_.push_back(Problem{std::nullopt, std::move(text)}); }

    // skip_rows_of: the table in scope cannot be read (dropped, or no longer
    // a table); its entries then count towards block roots as recorded, and
    // what the caller reported about it stands for its rows.
    void skip_rows_of(std::uint64_t table_id) { unreadable_tables_.push_back(table_id); }

    void finish();

    const std::vector<Problem>& problems() const { return problems_; }
    // held_row_hashes: how many recomputed row hashes are held now, those of
    // the entries some but not all of whose rows have been seen.
    std::uint64_t held_row_hashes() const;
    TableSummary summary(std::uint64_t table_id) const;
    std::uint64_t blocks_checked() const { return blocks_.size(); }

  private:
    struct EntryState {
        StoredEntry stored;
        std::vector<Digest> recomputed;  // parallel to stored.rows, until all are seen
        std::vector<bool> seen;
        std::size_t seen_count = 0;
        std::optional<Digest> root_of_all_rows;  // once every indexed row was seen
        bool has_problem = false;
    };

    bool in_scope(std::uint64_t table_id) const;
    std::string block_text(const EntryState& entry) const;
    void report_row(std::uint64_t table_id, const std::string& text);
    // An entry's hash as recorded, and with the rows root and count its
    // rows give; the same for an entry whose rows are not checked.
    struct EntryDigests {
        Digest recorded;
        Digest as_rows_say;
    };
    EntryDigests entry_digests_for_block(EntryState& entry);
    // check_columns compares the columns an entry recorded with those the
    // table declares now, and answers the columns hash the latter give.
    Digest check_columns(EntryState& entry);
    void report_changed_columns();
    void check_entries_and_blocks();
    void report_unregistered_tables();

    bool rows_checked(std::uint64_t table_id) const;

    std::vector<std::uint64_t> in_scope_tables_;
    VerifyExtent extent_;
    std::vector<std::uint64_t> unreadable_tables_;
    Chain blocks_;
    std::vector<EntryState> entries_;
    struct EntryKeyHash {
        std::size_t operator()(const std::pair<std::uint64_t, std::uint64_t>& key) const {
            return std::hash<std::uint64_t>()(key.first * 0x9e3779b97f4a7c15ULL ^ key.second);
        }
    };
    std::unordered_map<std::pair<std::uint64_t, std::uint64_t>, std::size_t, EntryKeyHash> entry_index_;
    std::unordered_map<std::uint64_t, TableSummary> summaries_;
    std::unordered_map<std::uint64_t, std::vector<DeclaredColumn>> declared_columns_;
    // Per table and recorded column count: the transactions whose recorded
    // columns differ from the declared ones, reported once per group.
    struct ChangedColumns {
        std::uint64_t transactions = 0;
        std::string first;  // the first such transaction, named with its block
    };
    std::map<std::pair<std::uint64_t, std::uint32_t>, ChangedColumns> changed_columns_;
    std::vector<Problem> problems_;
};

}  // namespace pgledger::core
