// Verifier over a synthetic ledger built with the core's own hashing: an
// intact ledger verifies clean, and each kind of tampering is reported as
// exactly the expected problems, naming the row, transaction or block.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/merkle.hpp"
#include "core/verifier.hpp"
#include "independent_sha256.hpp"

namespace pgledger::core {
namespace {

using test::filled_digest;
using Problems = std::vector<std::string>;

constexpr std::uint64_t kTableA = 1;
constexpr std::uint64_t kTableB = 2;

struct LedgerRow {
    std::uint64_t table_id;
    std::optional<std::uint64_t> txn_id;
    std::optional<std::uint32_t> seq;
    RowLocation location;
    Digest hash;
};

struct SyntheticLedger {
    Chain blocks;
    std::vector<StoredEntry> entries;
    std::vector<LedgerRow> rows;
    // Each table's columns as the catalog declares them: entries record
    // them when appended, verification compares with them as they are then.
    std::map<std::uint64_t, std::vector<DeclaredColumn>> declared;
};

Digest row_hash(std::uint64_t table_id, std::uint64_t txn_id, std::uint32_t seq, const std::string& value) {
    RowHasher hasher;
    hasher.begin(table_id, txn_id, seq);
    hasher.add_column(1, "value", ValueKind::text, value.data(), value.size());
    return hasher.finish();
}

// Appends what one transaction wrote to one table: its rows and its entry.
void append(SyntheticLedger& ledger, std::uint64_t txn_id, std::uint64_t table_id,
            std::vector<std::uint32_t> seqs, std::optional<std::uint64_t> block_height) {
    StoredEntry entry;
    entry.fields.txn_id = txn_id;
    entry.fields.table_id = table_id;
    entry.fields.committed_by = "alice";
    const auto& columns = ledger.declared[table_id];
    entry.fields.column_count = static_cast<std::uint32_t>(columns.size());
    entry.fields.columns_hash = columns_hash(columns, columns.size());
    entry.block_height = block_height;
    std::vector<Digest> hashes;
    for (const auto seq : seqs) {
        const std::string value =
            "t" + std::to_string(table_id) + "x" + std::to_string(txn_id) + "r" + std::to_string(seq);
        const Digest hash = row_hash(table_id, txn_id, seq, value);
        const auto in_table = std::count_if(ledger.rows.begin(), ledger.rows.end(),
                                            [&](const LedgerRow& row) { return row.table_id == table_id; });
        ledger.rows.push_back(
            LedgerRow{table_id, txn_id, seq, RowLocation{0, static_cast<std::uint16_t>(in_table + 1)}, hash});
        entry.rows.push_back(IndexedRow{seq, hash_prefix_of(hash)});
        hashes.push_back(hash);
    }
    entry.fields.row_count = static_cast<std::uint32_t>(seqs.size());
    entry.fields.rows_root = wide_merkle_root(hashes);
    ledger.entries.push_back(entry);
}

// Seals block height over the entries recorded for it, ordered by
// (transaction, table) as the sealer orders them.
void seal_block(SyntheticLedger& ledger, std::uint64_t height) {
    std::vector<const StoredEntry*> sealed;
    for (const auto& entry : ledger.entries) {
        if (entry.block_height == height) {
            sealed.push_back(&entry);
        }
    }
    std::sort(sealed.begin(), sealed.end(), [](const StoredEntry* a, const StoredEntry* b) {
        return std::tie(a->fields.txn_id, a->fields.table_id) <
               std::tie(b->fields.txn_id, b->fields.table_id);
    });
    StoredBlock block;
    block.header.height = height;
    block.header.previous_hash = height == 0 ? Digest{} : ledger.blocks.at(height - 1).stored_hash;
    std::vector<Digest> entry_hashes;
    for (const auto* entry : sealed) {
        entry_hashes.push_back(entry_hash(entry->fields));
        block.header.row_count += entry->fields.row_count;
    }
    block.header.entry_count = sealed.size();
    // Genesis seals nothing; its merkle root is the ledger's random nonce.
    block.header.merkle_root = height == 0 ? filled_digest(0x4e) : merkle_root(entry_hashes);
    block.header.sealed_at_unix_us = 1'790'000'000'000'000 + static_cast<std::int64_t>(height) * 200'000;
    block.header.contracts_hash = filled_digest(0xcc);
    block.stored_hash = block_hash(block.header);
    ledger.blocks[height] = block;
}

TypeLevel named(const std::string& schema, const std::string& name) {
    return TypeLevel{TypeLevel::Kind::named, schema, name};
}

// Genesis; block 1: txn 10 (A: 1-3, B: 4-5), txn 11 (A: 1); block 2:
// txn 12 (A: 1-2); txn 13 (A: 1) committed but not yet sealed. Table A
// gained a column between blocks 1 and 2.
SyntheticLedger intact_ledger() {
    SyntheticLedger ledger;
    ledger.declared[kTableA] = {{"id", {named("pg_catalog", "int8")}},
                                {"value", {named("pg_catalog", "text")}}};
    ledger.declared[kTableB] = {{"id", {named("pg_catalog", "int8")}},
                                {"value", {named("pg_catalog", "varchar")}}};
    seal_block(ledger, 0);
    append(ledger, 10, kTableA, {1, 2, 3}, 1);
    append(ledger, 10, kTableB, {4, 5}, 1);
    append(ledger, 11, kTableA, {1}, 1);
    seal_block(ledger, 1);
    ledger.declared[kTableA].push_back(
        {"memo", {TypeLevel{TypeLevel::Kind::array, "", ""}, named("public", "mood")}});
    append(ledger, 12, kTableA, {1, 2}, 2);
    seal_block(ledger, 2);
    append(ledger, 13, kTableA, {1}, std::nullopt);
    return ledger;
}

// Rewrites every block hash and link from height on, consistently.
void reseal_chain_from(SyntheticLedger& ledger, std::uint64_t height) {
    for (auto it = ledger.blocks.find(height); it != ledger.blocks.end(); ++it) {
        if (it->first > 0) {
            it->second.header.previous_hash = ledger.blocks.at(it->first - 1).stored_hash;
        }
        it->second.stored_hash = block_hash(it->second.header);
    }
}

StoredEntry& entry_of(SyntheticLedger& ledger, std::uint64_t txn_id, std::uint64_t table_id) {
    for (auto& entry : ledger.entries) {
        if (entry.fields.txn_id == txn_id && entry.fields.table_id == table_id) {
            return entry;
        }
    }
    throw std::logic_error("no such entry");
}

LedgerRow& row_of(SyntheticLedger& ledger, std::uint64_t txn_id, std::uint64_t table_id, std::uint32_t seq) {
    for (auto& row : ledger.rows) {
        if (row.txn_id == txn_id && row.table_id == table_id && row.seq == seq) {
            return row;
        }
    }
    throw std::logic_error("no such row");
}

std::string describe(const Problem& problem) {
    return (problem.table_id ? "table " + std::to_string(*problem.table_id) : std::string("chain")) + ": " +
           problem.text;
}

// add_blocks_and_entries feeds what ledger.verify() reads before any row.
void add_blocks_and_entries(Verifier& verifier, const SyntheticLedger& ledger) {
    for (const auto& [height, block] : ledger.blocks) {
        verifier.add_block(block);
    }
    for (const auto& entry : ledger.entries) {
        verifier.add_entry(entry);
    }
}

// Runs the verifier the way ledger.verify() feeds it: blocks, entries, then
// the rows of the tables in scope.
Problems verify_with(const SyntheticLedger& ledger, const std::vector<std::uint64_t>& scope,
                     VerifyExtent extent, Verifier* out = nullptr) {
    Verifier local(scope, extent);
    Verifier& verifier = out ? *out : local;
    add_blocks_and_entries(verifier, ledger);
    for (const auto table_id : scope) {
        const auto declared = ledger.declared.find(table_id);
        if (declared != ledger.declared.end()) {
            verifier.add_declared_columns(table_id, declared->second);
        }
    }
    for (const auto& row : ledger.rows) {
        if (std::find(scope.begin(), scope.end(), row.table_id) != scope.end()) {
            verifier.add_row(row.table_id, row.txn_id, row.seq, row.hash, row.location);
        }
    }
    verifier.finish();
    Problems problems;
    for (const auto& problem : verifier.problems()) {
        problems.push_back(describe(problem));
    }
    return problems;
}

// ledger.verify(): every registered table, A and B.
Problems verify(const SyntheticLedger& ledger) {
    return verify_with(ledger, {kTableA, kTableB}, VerifyExtent::every_registered_table);
}

// ledger.verify(table): only the tables named.
Problems verify_tables(const SyntheticLedger& ledger, const std::vector<std::uint64_t>& scope) {
    return verify_with(ledger, scope, VerifyExtent::named_tables);
}

TEST(Verifier, IntactLedgerHasNoProblems) {
    const SyntheticLedger ledger = intact_ledger();
    Verifier verifier({kTableA, kTableB}, VerifyExtent::every_registered_table);
    EXPECT_EQ(verify_with(ledger, {kTableA, kTableB}, VerifyExtent::every_registered_table, &verifier),
              Problems{});
    EXPECT_EQ(verifier.summary(kTableA).rows_checked, 7u);
    EXPECT_EQ(verifier.summary(kTableA).blocks_checked, 2u);
    EXPECT_EQ(verifier.summary(kTableB).rows_checked, 2u);
    EXPECT_EQ(verifier.summary(kTableB).blocks_checked, 1u);
    EXPECT_EQ(verifier.blocks_checked(), 3u);
}

TEST(Verifier, IntactLedgerVerifiesForEachTableAlone) {
    // Entries of tables out of scope still count towards block roots.
    EXPECT_EQ(verify_tables(intact_ledger(), {kTableA}), Problems{});
    EXPECT_EQ(verify_tables(intact_ledger(), {kTableB}), Problems{});
    EXPECT_EQ(verify_tables(intact_ledger(), {}), Problems{});
}

TEST(Verifier, ChangedRow) {
    SyntheticLedger ledger = intact_ledger();
    row_of(ledger, 10, kTableA, 2).hash = row_hash(kTableA, 10, 2, "forged");
    EXPECT_EQ(verify(ledger),
              Problems{"table 1: row (0,2) (transaction 10, row 2) in block 1 was changed: its "
                       "values no longer hash to the sealed row hash"});
}

TEST(Verifier, ChangedRowOfAnUnsealedTransaction) {
    SyntheticLedger ledger = intact_ledger();
    row_of(ledger, 13, kTableA, 1).hash = row_hash(kTableA, 13, 1, "forged");
    const Problems problems = verify(ledger);
    ASSERT_EQ(problems.size(), 1u) << ::testing::PrintToString(problems);
    EXPECT_NE(problems[0].find("row (0,7) (transaction 13, row 1)"), std::string::npos) << problems[0];
    EXPECT_NE(problems[0].find("was changed"), std::string::npos) << problems[0];
}

TEST(Verifier, MissingRow) {
    SyntheticLedger ledger = intact_ledger();
    ledger.rows.erase(ledger.rows.begin() + 1);  // transaction 10, table A, row 2
    EXPECT_EQ(verify(ledger),
              Problems{"table 1: row 2 of transaction 10 in block 1 is missing: it was deleted"});
}

TEST(Verifier, MissingRowOfTheOnlyTableInScope) {
    SyntheticLedger ledger = intact_ledger();
    ledger.rows.erase(ledger.rows.begin() + 3);  // transaction 10, table B, row 4
    EXPECT_EQ(verify_tables(ledger, {kTableB}),
              Problems{"table 2: row 4 of transaction 10 in block 1 is missing: it was deleted"});
    EXPECT_EQ(verify_tables(ledger, {kTableA}), Problems{}) << "table B is not scanned";
}

TEST(Verifier, ExtraRowInASealedTransaction) {
    SyntheticLedger ledger = intact_ledger();
    ledger.rows.push_back(LedgerRow{kTableA, 10, 9, RowLocation{0, 9}, row_hash(kTableA, 10, 9, "smuggled")});
    EXPECT_EQ(verify(ledger),
              Problems{"table 1: row (0,9) (transaction 10, row 9) in block 1 was not part of "
                       "its transaction when it committed: it was added later"});
}

TEST(Verifier, DuplicatedRow) {
    SyntheticLedger ledger = intact_ledger();
    LedgerRow copy = row_of(ledger, 12, kTableA, 2);
    copy.location = RowLocation{0, 9};
    ledger.rows.push_back(copy);
    EXPECT_EQ(verify(ledger),
              Problems{"table 1: row (0,9) (transaction 12, row 2) in block 2 appears more than once"});
}

TEST(Verifier, RowsInAnyOrder) {
    // CLUSTER and VACUUM FULL reorder a table: an entry's rows need not come
    // together, nor in row order.
    SyntheticLedger ledger = intact_ledger();
    std::reverse(ledger.rows.begin(), ledger.rows.end());
    EXPECT_EQ(verify(ledger), Problems{});
    std::swap(ledger.rows.front(), ledger.rows.back());
    EXPECT_EQ(verify(ledger), Problems{});
    row_of(ledger, 10, kTableA, 2).hash[0] ^= 1;
    EXPECT_EQ(verify(ledger),
              Problems{"table 1: row (0,2) (transaction 10, row 2) in block 1 was changed: its "
                       "values no longer hash to the sealed row hash"});
}

TEST(Verifier, HoldsRowHashesOnlyForEntriesPartWayThrough) {
    const SyntheticLedger ledger = intact_ledger();
    Verifier verifier({kTableA, kTableB}, VerifyExtent::every_registered_table);
    add_blocks_and_entries(verifier, ledger);
    const auto feed = [&](std::uint64_t txn_id, std::uint64_t table_id, std::uint32_t seq) {
        for (const auto& row : ledger.rows) {
            if (row.txn_id == txn_id && row.table_id == table_id && row.seq == seq) {
                verifier.add_row(row.table_id, row.txn_id, row.seq, row.hash, row.location);
            }
        }
    };
    EXPECT_EQ(verifier.held_row_hashes(), 0u);
    feed(10, kTableA, 2);
    EXPECT_EQ(verifier.held_row_hashes(), 3u) << "transaction 10 has 3 rows in table A";
    feed(12, kTableA, 1);
    EXPECT_EQ(verifier.held_row_hashes(), 5u);
    feed(10, kTableA, 1);
    feed(10, kTableA, 3);
    EXPECT_EQ(verifier.held_row_hashes(), 2u) << "all of transaction 10's rows in table A were seen";
    feed(11, kTableA, 1);
    EXPECT_EQ(verifier.held_row_hashes(), 2u) << "a one-row entry holds nothing";
    for (const auto& row : ledger.rows) {
        if (!(row.txn_id == 10 && row.table_id == kTableA) && !(row.txn_id == 11) &&
            !(row.txn_id == 12 && row.seq == 1)) {
            verifier.add_row(row.table_id, row.txn_id, row.seq, row.hash, row.location);
        }
    }
    EXPECT_EQ(verifier.held_row_hashes(), 0u);
    verifier.finish();
    EXPECT_TRUE(verifier.problems().empty()) << describe(verifier.problems().front());
}

TEST(Verifier, RowWithoutLedgerPosition) {
    SyntheticLedger ledger = intact_ledger();
    ledger.rows.push_back(
        LedgerRow{kTableA, std::nullopt, std::nullopt, RowLocation{0, 9}, filled_digest(9)});
    EXPECT_EQ(verify(ledger), Problems{"table 1: row (0,9) has no ledger position: it was added behind the "
                                       "ledger's triggers and no block seals it"});
}

TEST(Verifier, RowOfAnUnknownTransaction) {
    SyntheticLedger ledger = intact_ledger();
    ledger.rows.push_back(LedgerRow{kTableA, 999, 1, RowLocation{0, 9}, row_hash(kTableA, 999, 1, "x")});
    EXPECT_EQ(verify(ledger), Problems{"table 1: row (0,9) (transaction 999, row 1) belongs to a transaction "
                                       "that the ledger has no record of"});
}

TEST(Verifier, RowClaimingATransactionOfAnotherTable) {
    SyntheticLedger ledger = intact_ledger();
    ledger.rows.push_back(LedgerRow{kTableB, 11, 1, RowLocation{0, 9}, row_of(ledger, 11, kTableA, 1).hash});
    EXPECT_EQ(verify(ledger), Problems{"table 2: row (0,9) (transaction 11, row 1) belongs to a transaction "
                                       "that the ledger has no record of"});
}

TEST(Verifier, AlteredEntryRowsRoot) {
    SyntheticLedger ledger = intact_ledger();
    entry_of(ledger, 11, kTableA).fields.rows_root[0] ^= 1;
    EXPECT_EQ(verify(ledger),
              Problems{"table 1: the ledger's record of transaction 11 in block 1 was altered: "
                       "its rows no longer hash to its rows root"});
}

TEST(Verifier, AlteredEntryRowsRootOfATableOutOfScope) {
    // Verifying table A reads table B's entries only as recorded: the
    // altered record no longer hashes into its block, which is named.
    SyntheticLedger ledger = intact_ledger();
    entry_of(ledger, 10, kTableB).fields.rows_root[5] ^= 1;
    EXPECT_EQ(verify_tables(ledger, {kTableA}),
              Problems{"chain: block 1 was altered: its transactions no longer hash to its merkle root"});
    EXPECT_EQ(verify_tables(ledger, {kTableB}),
              Problems{"table 2: the ledger's record of transaction 10 in block 1 was altered: its rows no "
                       "longer hash to its rows root"});
}

TEST(Verifier, AlteredRowIndex) {
    // The recorded short hash is rewritten to match a changed row: the rows
    // root still commits to the original.
    SyntheticLedger ledger = intact_ledger();
    const Digest forged = row_hash(kTableA, 12, 1, "forged");
    row_of(ledger, 12, kTableA, 1).hash = forged;
    entry_of(ledger, 12, kTableA).rows[0].hash_prefix = hash_prefix_of(forged);
    EXPECT_EQ(verify(ledger),
              Problems{"table 1: the ledger's record of transaction 12 in block 2 was altered: "
                       "its rows no longer hash to its rows root"});
}

TEST(Verifier, ChangedRowKeepingItsShortHash) {
    // A row changed so that its hash keeps the recorded 4-byte prefix (a
    // 2^32 search, minutes on one core) is still caught, by the rows root.
    SyntheticLedger ledger = intact_ledger();
    Digest colliding = row_of(ledger, 12, kTableA, 2).hash;
    colliding[31] ^= 1;
    row_of(ledger, 12, kTableA, 2).hash = colliding;
    EXPECT_EQ(verify(ledger),
              Problems{"table 1: the ledger's record of transaction 12 in block 2 was altered: "
                       "its rows no longer hash to its rows root"});
}

TEST(Verifier, MalformedRowIndex) {
    SyntheticLedger ledger = intact_ledger();
    entry_of(ledger, 12, kTableA).row_index_well_formed = false;
    EXPECT_EQ(verify(ledger),
              Problems{"table 1: the ledger's record of transaction 12 in block 2 was altered: "
                       "its row index does not match its row count"});
}

TEST(Verifier, AlteredEntryRowCount) {
    SyntheticLedger ledger = intact_ledger();
    entry_of(ledger, 12, kTableA).fields.row_count = 1;
    const Problems problems = verify(ledger);
    EXPECT_NE(
        std::find(problems.begin(), problems.end(),
                  "table 1: the ledger's record of transaction 12 in block 2 was altered: its row index "
                  "does not match its row count"),
        problems.end())
        << ::testing::PrintToString(problems);
}

TEST(Verifier, MissingEntry) {
    SyntheticLedger ledger = intact_ledger();
    ledger.entries.erase(ledger.entries.begin() + 2);  // transaction 11, table A
    EXPECT_EQ(
        verify(ledger),
        (Problems{"table 1: row (0,4) (transaction 11, row 1) belongs to a transaction that the ledger "
                  "has no record of",
                  "chain: block 1 seals 3 entries of 6 rows, but the ledger records 2 entries of 5 rows "
                  "for it"}));
}

TEST(Verifier, AlteredBlockMerkleRootWithStoredHashLeftAsIs) {
    SyntheticLedger ledger = intact_ledger();
    ledger.blocks[2].header.merkle_root[0] ^= 1;
    EXPECT_EQ(verify(ledger),
              (Problems{"chain: block 2 was altered: its header no longer hashes to its stored block hash",
                        "chain: block 2 was altered: its transactions no longer hash to its merkle root"}));
}

TEST(Verifier, AlteredBlockMerkleRootWithConsistentlyRewrittenChain) {
    SyntheticLedger ledger = intact_ledger();
    ledger.blocks[1].header.merkle_root[0] ^= 1;
    reseal_chain_from(ledger, 1);
    EXPECT_EQ(verify(ledger),
              Problems{"chain: block 1 was altered: its transactions no longer hash to its merkle root"});
}

TEST(Verifier, AlteredBlockHeaderField) {
    SyntheticLedger ledger = intact_ledger();
    ledger.blocks[2].header.sealed_at_unix_us += 1;
    EXPECT_EQ(verify(ledger),
              Problems{"chain: block 2 was altered: its header no longer hashes to its stored block hash"});
}

TEST(Verifier, AlteredBlockHeaderFieldInTheMiddle) {
    SyntheticLedger ledger = intact_ledger();
    ledger.blocks[1].header.contracts_hash[3] ^= 1;
    EXPECT_EQ(
        verify(ledger),
        (Problems{"chain: block 1 was altered: its header no longer hashes to its stored block hash",
                  "chain: block 2 does not link to block 1: its previous hash differs from that block's "
                  "recomputed hash"}));
}

TEST(Verifier, AlteredBlockRowCountRehashed) {
    SyntheticLedger ledger = intact_ledger();
    ledger.blocks[2].header.row_count = 3;
    reseal_chain_from(ledger, 2);
    EXPECT_EQ(verify(ledger), Problems{"chain: block 2 seals 1 entries of 3 rows, but the ledger records 1 "
                                       "entries of 2 rows for it"});
}

TEST(Verifier, MissingBlock) {
    SyntheticLedger ledger = intact_ledger();
    ledger.blocks.erase(1);
    EXPECT_EQ(verify(ledger),
              (Problems{"chain: block 1 is missing",
                        "table 1: transaction 10 is recorded in block 1, which does not exist",
                        "table 2: transaction 10 is recorded in block 1, which does not exist",
                        "table 1: transaction 11 is recorded in block 1, which does not exist"}));
}

TEST(Verifier, MissingLastBlock) {
    SyntheticLedger ledger = intact_ledger();
    ledger.blocks.erase(2);
    EXPECT_EQ(verify(ledger),
              Problems{"table 1: transaction 12 is recorded in block 2, which does not exist"});
}

TEST(Verifier, BrokenLink) {
    SyntheticLedger ledger = intact_ledger();
    ledger.blocks[2].header.previous_hash = filled_digest(0x77);
    reseal_chain_from(ledger, 2);
    // reseal_chain_from relinks; break the link again after rehashing.
    ledger.blocks[2].header.previous_hash = filled_digest(0x77);
    ledger.blocks[2].stored_hash = block_hash(ledger.blocks[2].header);
    EXPECT_EQ(verify(ledger),
              Problems{"chain: block 2 does not link to block 1: its previous hash differs from "
                       "that block's recomputed hash"});
}

TEST(Verifier, MissingGenesis) {
    SyntheticLedger ledger = intact_ledger();
    ledger.blocks.erase(0);
    EXPECT_EQ(verify(ledger), Problems{"chain: block 0 is missing"});
}

TEST(Verifier, NoBlocksAtAll) {
    SyntheticLedger ledger = intact_ledger();
    ledger.blocks.clear();
    EXPECT_EQ(verify(ledger),
              (Problems{"chain: the chain has no blocks, yet transactions are recorded",
                        "table 1: transaction 10 is recorded in block 1, which does not exist",
                        "table 2: transaction 10 is recorded in block 1, which does not exist",
                        "table 1: transaction 11 is recorded in block 1, which does not exist",
                        "table 1: transaction 12 is recorded in block 2, which does not exist"}));
}

TEST(Verifier, ForgedEntryFiledUnderTheGenesisBlock) {
    // An attacker with write access inserts rows behind the triggers and a
    // matching ledger.transactions entry whose block_height is 0. Genesis
    // seals no entries (entry_count 0), so this must be reported.
    SyntheticLedger ledger = intact_ledger();
    append(ledger, 500, kTableA, {1}, 0);
    const Problems problems = verify(ledger);
    EXPECT_FALSE(problems.empty()) << "an entry recorded in the genesis block went unnoticed";
    EXPECT_TRUE(std::any_of(problems.begin(), problems.end(), [](const std::string& p) {
        return p.find("block 0") != std::string::npos;
    })) << ::testing::PrintToString(problems);
}

TEST(Verifier, EntriesOfATableWhoseRegistrationWasDeleted) {
    // Deleting a table's row from ledger.tables must not take its rows out
    // of verification unnoticed: its entries are still in the blocks.
    const SyntheticLedger ledger = intact_ledger();
    EXPECT_EQ(verify_with(ledger, {kTableA}, VerifyExtent::every_registered_table),
              Problems{"chain: ledger table id 2 has 1 recorded transactions (the first is 10) but "
                       "ledger.tables does not register it: its registration was deleted behind the ledger, "
                       "and its rows cannot be verified"});
    EXPECT_EQ(verify_tables(ledger, {kTableA}), Problems{}) << "verifying one table names only that table";
}

TEST(Verifier, AlteredEntryInABlockThatAlsoLostARow) {
    // A problem with one entry's rows must not hide the alteration of
    // another entry sealed in the same block.
    SyntheticLedger ledger = intact_ledger();
    ledger.rows.erase(std::find_if(ledger.rows.begin(), ledger.rows.end(), [](const LedgerRow& row) {
        return row.txn_id == 10u && row.table_id == kTableA && row.seq == 2u;
    }));
    entry_of(ledger, 11, kTableA).fields.committed_by = "mallory";
    EXPECT_EQ(verify(ledger),
              (Problems{"table 1: row 2 of transaction 10 in block 1 is missing: it was deleted",
                        "chain: block 1 was altered: its transactions no longer hash to its merkle root"}));
}

TEST(Verifier, TableThatCannotBeReadIsNotReportedRowByRow) {
    // ledger.verify() found table B dropped, or registered as a view: that
    // one problem stands for its rows, which are not reported missing.
    const SyntheticLedger ledger = intact_ledger();
    Verifier verifier({kTableA, kTableB}, VerifyExtent::every_registered_table);
    add_blocks_and_entries(verifier, ledger);
    for (const auto& row : ledger.rows) {
        if (row.table_id == kTableA) {
            verifier.add_row(row.table_id, row.txn_id, row.seq, row.hash, row.location);
        }
    }
    verifier.add_table_problem(kTableB, "ledger table 2 no longer exists");
    verifier.skip_rows_of(kTableB);
    verifier.finish();
    Problems problems;
    for (const auto& problem : verifier.problems()) {
        problems.push_back(describe(problem));
    }
    EXPECT_EQ(problems, Problems{"table 2: ledger table 2 no longer exists"});
}

TEST(Verifier, ColumnTypeChangedInTheCatalog) {
    // A superuser's catalog edit of a column's type (bigint to money) keeps
    // every stored byte and so every row hash: only the recorded columns
    // can tell. Each group of entries recording the same columns is named
    // once, and the blocks, which sealed the recorded columns, are not.
    SyntheticLedger ledger = intact_ledger();
    ledger.declared[kTableA][0].type[0].name = "money";
    EXPECT_EQ(
        verify(ledger),
        (Problems{
            "table 1: 2 transactions (the first: transaction 10 in block 1) recorded its first 2 "
            "columns with other names or types than the catalog now declares (id "
            "pg_catalog.money, value pg_catalog.text): the table's columns or the ledger's record "
            "of them were changed behind the ledger, and sealed values may now be read as other "
            "types",
            "table 1: 2 transactions (the first: transaction 12 in block 2) recorded its first 3 "
            "columns with other names or types than the catalog now declares (id "
            "pg_catalog.money, value pg_catalog.text, memo array of public.mood): the table's columns or "
            "the ledger's record of them were changed behind the ledger, and sealed values may "
            "now be read as other types"}));
    EXPECT_EQ(verify_tables(ledger, {kTableB}), Problems{}) << "table A is not checked";
}

TEST(Verifier, TypeOfALaterColumnChangedConcernsOnlyLaterTransactions) {
    SyntheticLedger ledger = intact_ledger();
    ledger.declared[kTableA][2].type[1].schema = "other";
    const Problems problems = verify(ledger);
    ASSERT_EQ(problems.size(), 1u) << ::testing::PrintToString(problems);
    EXPECT_NE(problems[0].find("2 transactions (the first: transaction 12 in block 2) recorded its first 3"),
              std::string::npos)
        << problems[0];
    EXPECT_NE(problems[0].find("memo array of other.mood"), std::string::npos) << problems[0];
}

TEST(Verifier, RecordedColumnCountAltered) {
    SyntheticLedger ledger = intact_ledger();
    entry_of(ledger, 13, kTableA).fields.column_count = 5;
    EXPECT_EQ(
        verify(ledger),
        Problems{
            "table 1: 1 transaction (the first: transaction 13, not yet sealed) "
            "recorded its first 5 columns, but the table now has only 3 (id pg_catalog.int8, value "
            "pg_catalog.text, memo array of public.mood): the table's columns or the ledger's record of them "
            "were changed behind the ledger, and sealed values may now be read as other types"});
}

}  // namespace
}  // namespace pgledger::core
