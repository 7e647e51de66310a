// The canonical encodings of rows, transaction entries and block headers,
// checked against byte strings assembled by hand from the specification.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <stdexcept>
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
using test::put_u64;
using test::reference_sha256;

struct Column {
    std::uint32_t ordinal;
    std::string name;
    ValueKind kind;
    std::string value;
};

struct Row {
    std::uint64_t table_id = 7;
    std::uint64_t txn_id = 1234;
    std::uint32_t seq = 3;
    std::vector<std::optional<Column>> columns;  // nullopt: a NULL column
};

// Hashes a row the way the extension does: NULL columns are not added.
Digest hash_row(const Row& row) {
    RowHasher hasher;
    hasher.begin(row.table_id, row.txn_id, row.seq);
    for (const auto& column : row.columns) {
        if (column) {
            hasher.add_column(column->ordinal, column->name, column->kind, column->value.data(),
                              column->value.size());
        }
    }
    return hasher.finish();
}

Row sample_row() {
    Row row;
    row.columns = {
        Column{1, "id", ValueKind::binary, std::string("\x00\x00\x00\x05", 4)},
        std::nullopt,
        Column{3, "name", ValueKind::text, "ab"},
        Column{4, "tags", ValueKind::rendered, "{x}"},
    };
    return row;
}

TEST(RowHasher, MatchesHandAssembledEncoding) {
    RowHasher hasher;
    hasher.begin(0x0102030405060708ULL, 42, 7);
    const std::uint8_t id[] = {0x00, 0x00, 0x00, 0x05};
    hasher.add_column(1, "id", ValueKind::binary, id, sizeof id);
    // Column 2 is NULL: not added. The ledger columns have ordinals too but
    // are never encoded, hence the gap before 5.
    hasher.add_column(3, "name", ValueKind::text, "ab", 2);
    hasher.add_column(5, "tags", ValueKind::rendered, "{x}", 3);

    const Bytes expected = {
        0x00, 0x02,                                      // row prefix, row encoding version
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // table_id
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  // txn_id 42
        0x00, 0x00, 0x00, 0x07,                          // seq 7
        0x00, 0x01,                                      // ordinal 1
        0x02, 'i',  'd',                                 // name
        'b',                                             // kind
        0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05,  // value
        0x00, 0x03,                                      // ordinal 3
        0x04, 'n',  'a',  'm',  'e',                     // name
        't',                                             // kind
        0x00, 0x00, 0x00, 0x02, 'a',  'b',               // value
        0x00, 0x05,                                      // ordinal 5
        0x04, 't',  'a',  'g',  's',                     // name
        'o',                                             // kind
        0x00, 0x00, 0x00, 0x03, '{',  'x',  '}',         // value
    };
    EXPECT_EQ(to_hex(hasher.finish()), to_hex(reference_sha256(expected)));
}

TEST(RowHasher, RowWithoutColumnsIsTheHeaderAlone) {
    RowHasher hasher;
    hasher.begin(1, 2, 3);
    const Bytes expected = {0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3};
    EXPECT_EQ(hasher.finish(), reference_sha256(expected));
}

TEST(RowHasher, EmptyValueAndUtf8NameAreLengthPrefixed) {
    RowHasher hasher;
    hasher.begin(1, 2, 3);
    const std::string name = "prix \xc3\xbcnit";  // "prix ünit" in UTF-8: 10 bytes
    hasher.add_column(9, name, ValueKind::text, "", 0);
    Bytes expected = {0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3};
    expected.insert(expected.end(), {0x00, 0x09, 10});  // u16 ordinal 9, u8 name length 10
    put_bytes(expected, name);
    expected.push_back('t');
    put_u32(expected, 0);
    EXPECT_EQ(hasher.finish(), reference_sha256(expected));
}

TEST(RowHasher, BeginStartsAFreshRowEvenAfterAnUnfinishedOne) {
    RowHasher hasher;
    hasher.begin(9, 9, 9);
    hasher.add_column(1, "abandoned", ValueKind::text, "x", 1);
    const Row row = sample_row();
    hasher.begin(row.table_id, row.txn_id, row.seq);
    for (const auto& column : row.columns) {
        if (column) {
            hasher.add_column(column->ordinal, column->name, column->kind, column->value.data(),
                              column->value.size());
        }
    }
    EXPECT_EQ(hasher.finish(), hash_row(row));
}

TEST(RowHasher, TrailingNullColumnsLeaveTheHashUnchanged) {
    // A nullable column added later is NULL in every older row; those rows
    // must keep their sealed hashes.
    Row row = sample_row();
    const Digest before = hash_row(row);
    row.columns.push_back(std::nullopt);
    row.columns.push_back(std::nullopt);
    EXPECT_EQ(hash_row(row), before);
}

TEST(RowHasher, NullDiffersFromEmptyValue) {
    Row with_null = sample_row();
    Row with_empty = sample_row();
    with_empty.columns[1] = Column{2, "memo", ValueKind::text, ""};
    EXPECT_NE(hash_row(with_null), hash_row(with_empty));
}

TEST(RowHasher, EverySingleFieldChangesTheHash) {
    const Digest original = hash_row(sample_row());
    std::vector<std::pair<std::string, Row>> variants;
    auto variant = [&](const std::string& what) -> Row& {
        variants.emplace_back(what, sample_row());
        return variants.back().second;
    };
    variant("table_id").table_id = 8;
    variant("txn_id").txn_id = 1235;
    variant("seq").seq = 4;
    variant("ordinal").columns[2]->ordinal = 2;
    variant("name").columns[2]->name = "nam3";
    variant("name case").columns[2]->name = "Name";
    variant("kind text->rendered").columns[2]->kind = ValueKind::rendered;
    variant("kind binary->text").columns[0]->kind = ValueKind::text;
    variant("value").columns[2]->value = "ac";
    variant("value length").columns[2]->value = "ab ";
    variant("binary value").columns[0]->value = std::string("\x00\x00\x00\x06", 4);
    variant("column dropped to NULL").columns[3] = std::nullopt;
    variant("NULL column given a value").columns[1] = Column{2, "memo", ValueKind::text, "m"};
    for (const auto& [what, row] : variants) {
        EXPECT_NE(hash_row(row), original) << "changing the " << what << " left the hash unchanged";
    }
}

TEST(RowHasher, LengthPrefixesSeparateAdjacentValues) {
    Row ab_c, a_bc;
    ab_c.columns = {Column{1, "x", ValueKind::text, "ab"}, Column{2, "y", ValueKind::text, "c"}};
    a_bc.columns = {Column{1, "x", ValueKind::text, "a"}, Column{2, "y", ValueKind::text, "bc"}};
    EXPECT_NE(hash_row(ab_c), hash_row(a_bc));
}

TEST(RowHasher, LengthPrefixesSeparateNameFromValue) {
    Row name_ab, name_a;
    name_ab.columns = {Column{1, "ab", ValueKind::text, "c"}};
    name_a.columns = {Column{1, "a", ValueKind::text, "bc"}};
    EXPECT_NE(hash_row(name_ab), hash_row(name_a));
}

TEST(RowHasher, RefusesWhatItsFramingCannotHold) {
    RowHasher hasher;
    hasher.begin(1, 2, 3);
    EXPECT_NO_THROW(hasher.add_column(65535, std::string(255, 'n'), ValueKind::text, "v", 1));
    EXPECT_THROW(hasher.add_column(65536, "n", ValueKind::text, "v", 1), std::length_error);
    EXPECT_THROW(hasher.add_column(1, std::string(256, 'n'), ValueKind::text, "v", 1), std::length_error);
}

TEST(RowHasher, ValueCannotImitateAFollowingColumn) {
    // One column whose value spells out the encoding of a second column
    // must not collide with the two-column row.
    Row two_columns, one_column;
    two_columns.columns = {Column{1, "a", ValueKind::text, "x"}, Column{2, "b", ValueKind::text, "y"}};
    Bytes forged;
    forged.push_back('x');
    forged.insert(forged.end(), {0x00, 0x02, 0x01});  // u16 ordinal 2, u8 name length 1
    forged.push_back('b');
    forged.push_back('t');
    put_u32(forged, 1);
    forged.push_back('y');
    one_column.columns = {Column{1, "a", ValueKind::text, std::string(forged.begin(), forged.end())}};
    EXPECT_NE(hash_row(two_columns), hash_row(one_column));
}

TEST(ValueCommitment, MatchesHandAssembledEncoding) {
    const Digest salt = filled_digest(0x5a);
    Bytes bytes = {0x05, 0x01};
    put_digest(bytes, salt);
    bytes.push_back('b');
    put_u32(bytes, 2);
    put_bytes(bytes, std::string("\x05\xdc", 2));
    EXPECT_EQ(value_commitment(salt, ValueKind::binary, "\x05\xdc", 2), reference_sha256(bytes));
}

TEST(ValueCommitment, SaltKindAndValueEachChangeIt) {
    const Digest salt = filled_digest(0x5a);
    const Digest base = value_commitment(salt, ValueKind::binary, "1500", 4);
    EXPECT_NE(value_commitment(filled_digest(0x5b), ValueKind::binary, "1500", 4), base);
    EXPECT_NE(value_commitment(salt, ValueKind::text, "1500", 4), base);
    EXPECT_NE(value_commitment(salt, ValueKind::binary, "1501", 4), base);
    EXPECT_NE(value_commitment(salt, ValueKind::binary, "150", 3), base);
}

// A private column enters the row hash as its commitment, with kind 'c': the
// row hash never depends on the value except through the salted commitment.
TEST(ValueCommitment, EntersTheRowHashInPlaceOfTheValue) {
    const Digest commitment = value_commitment(filled_digest(1), ValueKind::binary, "1500", 4);
    RowHasher hasher;
    hasher.begin(7, 1234, 3);
    hasher.add_column(2, "amount", ValueKind::commitment, commitment.data(), commitment.size());
    Bytes bytes = {0x00, 0x02};
    put_u64(bytes, 7);
    put_u64(bytes, 1234);
    put_u32(bytes, 3);
    bytes.insert(bytes.end(), {0x00, 0x02, 0x06});  // u16 ordinal 2, u8 name length 6
    put_bytes(bytes, "amount");
    bytes.push_back('c');
    put_u32(bytes, 32);
    put_digest(bytes, commitment);
    EXPECT_EQ(hasher.finish(), reference_sha256(bytes));
}

TEST(EntryHash, MatchesHandAssembledEncoding) {
    EntryFields entry;
    entry.txn_id = 0x1122334455667788ULL;
    entry.table_id = 3;
    entry.row_count = 2;
    entry.rows_root = filled_digest(0xab);
    entry.column_count = 4;
    entry.columns_hash = filled_digest(0xcd);
    entry.committed_by = "alice";

    Bytes expected = {
        0x02, 0x02,                                      // entry prefix, version
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,  // txn_id
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,  // table_id
        0x00, 0x00, 0x00, 0x02,                          // row_count
    };
    put_digest(expected, filled_digest(0xab));
    put_u32(expected, 4);
    put_digest(expected, filled_digest(0xcd));
    const Bytes committed_by = {0x00, 0x00, 0x00, 0x05, 'a', 'l', 'i', 'c', 'e'};
    expected.insert(expected.end(), committed_by.begin(), committed_by.end());
    EXPECT_EQ(to_hex(entry_hash(entry)), to_hex(reference_sha256(expected)));
}

TEST(EntryHash, EveryFieldChangesTheHash) {
    EntryFields base;
    base.txn_id = 10;
    base.table_id = 1;
    base.row_count = 3;
    base.rows_root = filled_digest(1);
    base.committed_by = "bob";
    const Digest original = entry_hash(base);
    EntryFields changed = base;
    changed.txn_id = 11;
    EXPECT_NE(entry_hash(changed), original);
    changed = base;
    changed.table_id = 2;
    EXPECT_NE(entry_hash(changed), original);
    changed = base;
    changed.row_count = 4;
    EXPECT_NE(entry_hash(changed), original);
    changed = base;
    changed.rows_root[31] ^= 1;
    EXPECT_NE(entry_hash(changed), original);
    changed = base;
    changed.column_count = 5;
    EXPECT_NE(entry_hash(changed), original);
    changed = base;
    changed.columns_hash[0] ^= 1;
    EXPECT_NE(entry_hash(changed), original);
    changed = base;
    changed.committed_by = "bob ";
    EXPECT_NE(entry_hash(changed), original);
}

using Kind = TypeLevel::Kind;

// A bigint column and an array of an enum.
std::vector<DeclaredColumn> sample_columns() {
    return {{"id", {{Kind::named, "pg_catalog", "int8"}}},
            {"moods", {{Kind::array, "", ""}, {Kind::named, "public", "mood"}}}};
}

TEST(ColumnsHash, MatchesHandAssembledEncoding) {
    Bytes expected = {0x07, 0x01};  // columns prefix, version
    put_u32(expected, 2);
    const auto put_text = [&expected](const char* text) {
        put_u32(expected, static_cast<std::uint32_t>(std::strlen(text)));
        put_bytes(expected, text);
    };
    put_text("id");
    put_u32(expected, 1);  // one level
    expected.push_back('t');
    put_text("pg_catalog");
    put_text("int8");
    put_text("moods");
    put_u32(expected, 2);
    expected.push_back('a');  // an array level has no name
    put_text("");
    put_text("");
    expected.push_back('t');
    put_text("public");
    put_text("mood");
    EXPECT_EQ(to_hex(columns_hash(sample_columns(), 2)), to_hex(reference_sha256(expected)));
}

TEST(ColumnsHash, BindsEveryNameAndTypeOfThePrefix) {
    const Digest original = columns_hash(sample_columns(), 2);
    auto changed = sample_columns();
    changed[0].type[0].name = "money";  // the same eight bytes read as another type
    EXPECT_NE(columns_hash(changed, 2), original);
    changed = sample_columns();
    changed[1].type[1].schema = "other";
    EXPECT_NE(columns_hash(changed, 2), original);
    changed = sample_columns();
    changed[0].name = "ID";
    EXPECT_NE(columns_hash(changed, 2), original);
    changed = sample_columns();
    changed[1].type.erase(changed[1].type.begin());  // mood, no longer an array of it
    EXPECT_NE(columns_hash(changed, 2), original);
    // The length prefixes keep a name from shifting into its type.
    changed = sample_columns();
    changed[0] = {"idp", {{Kind::named, "g_catalog", "int8"}}};
    EXPECT_NE(columns_hash(changed, 2), original);
}

TEST(ColumnsHash, BindsTheBaseTypeOfADomain) {
    const std::vector<DeclaredColumn> over_bigint = {
        {"amount", {{Kind::domain, "public", "amount"}, {Kind::named, "pg_catalog", "int8"}}}};
    auto over_money = over_bigint;
    over_money[0].type[1].name = "money";
    EXPECT_NE(columns_hash(over_money, 1), columns_hash(over_bigint, 1));
    auto named = over_bigint;
    named[0].type[0].kind = Kind::named;
    EXPECT_NE(columns_hash(named, 1), columns_hash(over_bigint, 1));
    EXPECT_EQ(type_text(over_bigint[0].type), "public.amount over pg_catalog.int8");
    EXPECT_EQ(type_text(sample_columns()[1].type), "array of public.mood");
}

TEST(ColumnsHash, CoversOnlyThePrefixAColumnLaterAddedLeavesAlone) {
    auto added = sample_columns();
    added.push_back({"memo", {{Kind::named, "pg_catalog", "text"}}});
    EXPECT_EQ(columns_hash(added, 2), columns_hash(sample_columns(), 2));
    EXPECT_NE(columns_hash(added, 3), columns_hash(added, 2));
    EXPECT_THROW(columns_hash(sample_columns(), 3), std::out_of_range);
}

TEST(EntryHash, UsesADifferentDomainThanRowsAndNodes) {
    // An entry must never hash like a Merkle node (0x01) or a row (0x00).
    EntryFields entry;
    Bytes as_node = {0x01, 0x02};
    put_u64(as_node, 0);
    put_u64(as_node, 0);
    put_u32(as_node, 0);
    put_digest(as_node, Digest{});
    put_u32(as_node, 0);
    put_digest(as_node, Digest{});
    put_u32(as_node, 0);
    EXPECT_NE(entry_hash(entry), reference_sha256(as_node));
}

BlockHeader sample_header() {
    BlockHeader header;
    header.height = 5;
    header.previous_hash = filled_digest(0x11);
    header.merkle_root = filled_digest(0x22);
    header.entry_count = 2;
    header.row_count = 9;
    header.sealed_at_unix_us = 1'790'000'000'000'000;
    header.contracts_hash = filled_digest(0x33);
    return header;
}

TEST(BlockHash, MatchesHandAssembledEncoding) {
    Bytes expected = {
        0x03, 0x01,                                      // block prefix, version
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  // height
    };
    put_digest(expected, filled_digest(0x11));
    put_digest(expected, filled_digest(0x22));
    const Bytes counts_and_time = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  // entry_count
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,  // row_count
        0x00, 0x06, 0x5b, 0xfe, 0xda, 0x25, 0xe0, 0x00,  // 1790000000000000 us
    };
    expected.insert(expected.end(), counts_and_time.begin(), counts_and_time.end());
    put_digest(expected, filled_digest(0x33));
    EXPECT_EQ(to_hex(block_hash(sample_header())), to_hex(reference_sha256(expected)));
}

TEST(BlockHash, NegativeSealedAtIsTwosComplement) {
    // Timestamps before 1970 are legal timestamptz values.
    BlockHeader header{};
    header.sealed_at_unix_us = -1;
    Bytes expected = {0x03, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
    put_digest(expected, Digest{});
    put_digest(expected, Digest{});
    put_u64(expected, 0);
    put_u64(expected, 0);
    const Bytes minus_one = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    expected.insert(expected.end(), minus_one.begin(), minus_one.end());
    put_digest(expected, Digest{});
    EXPECT_EQ(block_hash(header), reference_sha256(expected));
}

TEST(BlockHash, EveryFieldChangesTheHash) {
    const Digest original = block_hash(sample_header());
    std::vector<BlockHeader> variants(7, sample_header());
    variants[0].height = 6;
    variants[1].previous_hash[0] ^= 1;
    variants[2].merkle_root[31] ^= 1;
    variants[3].entry_count = 3;
    variants[4].row_count = 10;
    variants[5].sealed_at_unix_us += 1;
    variants[6].contracts_hash[16] ^= 0x80;
    for (std::size_t i = 0; i < variants.size(); ++i) {
        EXPECT_NE(block_hash(variants[i]), original) << "field " << i;
    }
}

TEST(BigEndian, AppendHelpers) {
    std::vector<std::uint8_t> out;
    append_u32(out, 0x01020304);
    append_u64(out, 0x0a0b0c0d0e0f1011ULL);
    EXPECT_EQ(out, (std::vector<std::uint8_t>{1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11}));
}

}  // namespace
}  // namespace pgledger::core
