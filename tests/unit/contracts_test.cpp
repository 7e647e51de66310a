// Encodings that commit to smart-contract versions: the source hash of one
// contract version, the contracts_hash of a block, and entry hashes of
// transactions that contracts checked.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/canonical.hpp"
#include "independent_sha256.hpp"

namespace pgledger::core {
namespace {

using test::Bytes;
using test::filled_digest;
using test::put_bytes;
using test::put_digest;
using test::put_u32;
using test::reference_sha256;

ContractSource sample_source() {
    ContractSource contract;
    contract.name = "limits";
    contract.version = 2;
    contract.source = "CREATE FUNCTION check_limit() ...";
    contract.checks = "{\"payments\": \"check_limit\"}";
    contract.definitions = "check_limit() as stored";
    return contract;
}

TEST(ContractSourceHash, MatchesHandAssembledEncoding) {
    Bytes expected = {0x04, 0x01};  // contract prefix, version
    put_u32(expected, 6);
    put_bytes(expected, "limits");
    put_u32(expected, 2);  // contract version follows its name
    const ContractSource contract = sample_source();
    for (const std::string* field : {&contract.source, &contract.checks, &contract.definitions}) {
        put_u32(expected, static_cast<std::uint32_t>(field->size()));
        put_bytes(expected, *field);
    }
    EXPECT_EQ(to_hex(contract_source_hash(contract)), to_hex(reference_sha256(expected)));
}

TEST(ContractSourceHash, EveryFieldChangesTheHash) {
    const Digest original = contract_source_hash(sample_source());
    std::vector<ContractSource> variants(5, sample_source());
    variants[0].name = "limit";
    variants[1].version = 3;
    variants[2].source += " ";
    variants[3].checks = "{}";
    variants[4].definitions.clear();
    for (std::size_t i = 0; i < variants.size(); ++i) {
        EXPECT_NE(contract_source_hash(variants[i]), original) << "field " << i;
    }
}

TEST(ContractSourceHash, FieldBoundariesAreUnambiguous) {
    ContractSource a = sample_source(), b = sample_source();
    a.source = "ab";
    a.checks = "c";
    b.source = "a";
    b.checks = "bc";
    EXPECT_NE(contract_source_hash(a), contract_source_hash(b));
}

TEST(ContractsHash, NoContractsIsHashOfEmptyString) {
    EXPECT_EQ(to_hex(contracts_hash({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ContractsHash, MatchesHandAssembledEncoding) {
    const std::vector<ContractVersion> in_force = {{"audit", 1, filled_digest(0xa1)},
                                                   {"limits", 2, filled_digest(0xb2)}};
    Bytes expected;
    put_u32(expected, 5);
    put_bytes(expected, "audit");
    put_u32(expected, 1);
    put_digest(expected, filled_digest(0xa1));
    put_u32(expected, 6);
    put_bytes(expected, "limits");
    put_u32(expected, 2);
    put_digest(expected, filled_digest(0xb2));
    EXPECT_EQ(to_hex(contracts_hash(in_force)), to_hex(reference_sha256(expected)));
}

TEST(ContractsHash, VersionAndSourceHashMatter) {
    const Digest original = contracts_hash({{"limits", 2, filled_digest(1)}});
    EXPECT_NE(contracts_hash({{"limits", 3, filled_digest(1)}}), original);
    EXPECT_NE(contracts_hash({{"limits", 2, filled_digest(2)}}), original);
}

EntryFields sample_entry() {
    EntryFields entry;
    entry.txn_id = 10;
    entry.table_id = 3;
    entry.row_count = 1;
    entry.rows_root = filled_digest(0xab);
    entry.column_count = 2;
    entry.columns_hash = filled_digest(0xc2);
    entry.committed_by = "alice";
    return entry;
}

Bytes entry_bytes_without_contracts() {
    Bytes bytes = {0x02, 0x02, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1};
    put_digest(bytes, filled_digest(0xab));
    put_u32(bytes, 2);
    put_digest(bytes, filled_digest(0xc2));
    put_u32(bytes, 5);
    put_bytes(bytes, "alice");
    return bytes;
}

TEST(EntryHashWithContracts, WithoutContractsKeepsTheOriginalEncoding) {
    EXPECT_EQ(entry_hash(sample_entry()), reference_sha256(entry_bytes_without_contracts()));
}

TEST(EntryHashWithContracts, AppendsCountAndVersions) {
    EntryFields entry = sample_entry();
    entry.contracts = {{"limits", 2, filled_digest(0xb2)}};
    Bytes expected = entry_bytes_without_contracts();
    put_u32(expected, 1);
    put_u32(expected, 6);
    put_bytes(expected, "limits");
    put_u32(expected, 2);
    put_digest(expected, filled_digest(0xb2));
    EXPECT_EQ(to_hex(entry_hash(entry)), to_hex(reference_sha256(expected)));
}

TEST(EntryHashWithContracts, WhichContractsCheckedItMatters) {
    EntryFields one = sample_entry(), other = sample_entry(), both = sample_entry();
    one.contracts = {{"audit", 1, filled_digest(1)}};
    other.contracts = {{"limits", 1, filled_digest(1)}};
    both.contracts = {{"audit", 1, filled_digest(1)}, {"limits", 1, filled_digest(1)}};
    EXPECT_NE(entry_hash(one), entry_hash(other));
    EXPECT_NE(entry_hash(one), entry_hash(both));
    EXPECT_NE(entry_hash(one), entry_hash(sample_entry()));
}

}  // namespace
}  // namespace pgledger::core
