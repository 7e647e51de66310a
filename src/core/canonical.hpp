// The canonical, versioned byte encodings that the ledger hashes: rows,
// transaction entries and block headers. README.md ("Canonical encoding")
// is the specification; an independent tool can recompute every hash from it.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/digest.hpp"

namespace pgledger::core {

inline constexpr std::uint8_t kRowPrefix = 0x00;
inline constexpr std::uint8_t kEntryPrefix = 0x02;
inline constexpr std::uint8_t kBlockPrefix = 0x03;
inline constexpr std::uint8_t kContractPrefix = 0x04;
inline constexpr std::uint8_t kCommitmentPrefix = 0x05;
inline constexpr std::uint8_t kColumnsPrefix = 0x07;
inline constexpr std::uint8_t kEncodingVersion = 1;
// Rows are at version 2: their column framing is 5 bytes shorter than
// version 1's (u16 ordinal, u8 name length), which for a typical row of a
// few short columns saves one of its three or four SHA-256 blocks.
inline constexpr std::uint8_t kRowEncodingVersion = 2;
// Entries are at version 2: they bind the names and types of the table's
// columns, which version 1 left to the catalog, so that a type changed in
// the catalog (bigint read as money, text as json) cannot reinterpret
// sealed values unnoticed.
inline constexpr std::uint8_t kEntryEncodingVersion = 2;

// How a column value was turned into bytes; part of the hashed encoding so
// that a change of representation can never alias another one.
enum class ValueKind : std::uint8_t {
    binary = 'b',      // PostgreSQL's binary send format of the type
    text = 't',        // the value's characters in UTF-8
    rendered = 'o',    // the type's output function under pinned settings, UTF-8
    commitment = 'c',  // a private column: the salted commitment to its value
};

// A float4 or float8 NaN is encoded as these bits, whatever sign and payload
// it is stored with: every NaN prints as NaN, which reads back as these.
inline constexpr std::uint32_t kCanonicalFloat4NaN = 0x7fc00000;
inline constexpr std::uint64_t kCanonicalFloat8NaN = 0x7ff8000000000000;

// value_commitment is what a row hash holds for a private column's value:
// SHA-256 over the salt and the value's encoding, so the hash proves the
// value to whoever is shown value and salt, and tells nothing without them.
Digest value_commitment(const Digest& salt, ValueKind kind, const void* value, std::size_t value_size);

// RowHasher builds the hash of one ledger row. Columns are added in the
// table's column order; NULL columns are not added at all, so that adding a
// nullable column to a table leaves the hash of every older row unchanged.
class RowHasher {
  public:
    void begin(std::uint64_t table_id, std::uint64_t txn_id, std::uint32_t seq);
    void add_column(std::uint32_t ordinal, std::string_view name, ValueKind kind, const void* value,
                    std::size_t value_size);
    Digest finish();

  private:
    // Short fields are gathered and hashed in one update per row: a row of
    // small columns costs one OpenSSL call instead of a dozen. The buffer
    // only grows; used_ says how much of it the current row holds.
    void put(const void* data, std::size_t size) {
        if (used_ + size > buffer_.size()) {
            grow(used_ + size);
        }
        std::memcpy(buffer_.data() + used_, data, size);
        used_ += size;
    }
    void put_u16(std::uint16_t value) {
        const std::uint8_t bytes[2] = {static_cast<std::uint8_t>(value >> 8),
                                       static_cast<std::uint8_t>(value)};
        put(bytes, sizeof bytes);
    }
    void put_u32(std::uint32_t value) {
        const std::uint8_t bytes[4] = {
            static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
            static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
        put(bytes, sizeof bytes);
    }
    void put_u64(std::uint64_t value) {
        put_u32(static_cast<std::uint32_t>(value >> 32));
        put_u32(static_cast<std::uint32_t>(value));
    }
    void grow(std::size_t needed);
    void flush();
    Sha256 hasher_;
    std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(256);
    std::size_t used_ = 0;
};

// ContractVersion names one installed version of a contract and the hash
// of everything that defines it.
struct ContractVersion {
    std::string name;
    std::uint32_t version = 0;
    Digest source_hash{};
};

struct ContractSource {
    std::string name;
    std::uint32_t version = 0;
    std::string source;       // the SQL that created its functions
    std::string checks;       // which function checks which table (jsonb text)
    std::string definitions;  // the functions as PostgreSQL stored them
};

Digest contract_source_hash(const ContractSource& contract);

// contracts_hash of a block: the versions in force when it was sealed,
// sorted by name; SHA-256("") when no contract is installed.
Digest contracts_hash(const std::vector<ContractVersion>& in_force);

// TypeLevel is one step of a column's type, from the type it is declared
// with down to the type its values are stored as: a domain, then its base
// type; an array, then its element type; and last a named type. Names are
// UTF-8; an array level has none, so that the name PostgreSQL generates for
// an array type, which other objects can take over, is never bound.
struct TypeLevel {
    enum class Kind : std::uint8_t { named = 't', domain = 'd', array = 'a' };
    Kind kind = Kind::named;
    std::string schema;
    std::string name;
};

// DeclaredColumn is a non-dropped column of a ledger table as the catalog
// declares it: its name (UTF-8) and its type, level by level.
struct DeclaredColumn {
    std::string name;
    std::vector<TypeLevel> type;
};

// columns_hash binds the names and types of a table's first count declared
// columns: the columns its rows had when a transaction committed. Columns
// are only ever appended, so later entries bind a longer prefix.
Digest columns_hash(const std::vector<DeclaredColumn>& columns, std::size_t count);

// type_text shows a column's type to a person: "public.amount over
// pg_catalog.int8", "array of pg_catalog.text".
std::string type_text(const std::vector<TypeLevel>& type);

struct EntryFields {
    std::uint64_t txn_id = 0;
    std::uint64_t table_id = 0;
    std::uint32_t row_count = 0;
    Digest rows_root{};
    std::uint32_t column_count = 0;  // the table's declared columns when it committed
    Digest columns_hash{};           // columns_hash of those columns
    std::string committed_by;
    std::vector<ContractVersion> contracts;  // the versions that checked it, sorted by name
};

// entry_hash commits to what one transaction appended to one ledger table.
Digest entry_hash(const EntryFields& entry);

struct BlockHeader {
    std::uint64_t height = 0;
    Digest previous_hash{};
    Digest merkle_root{};
    std::uint64_t entry_count = 0;
    std::uint64_t row_count = 0;
    std::int64_t sealed_at_unix_us = 0;
    Digest contracts_hash{};
};

Digest block_hash(const BlockHeader& header);

// Bytes appended big-endian: the one byte order of every encoding.
void append_u32(std::vector<std::uint8_t>& out, std::uint32_t value);
void append_u64(std::vector<std::uint8_t>& out, std::uint64_t value);

}  // namespace pgledger::core
