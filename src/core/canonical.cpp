#include "core/canonical.hpp"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <stdexcept>

namespace pgledger::core {

void append_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
    const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(value >> 24),
                                   static_cast<std::uint8_t>(value >> 16),
                                   static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    out.insert(out.end(), bytes, bytes + sizeof bytes);
}

void append_u64(std::vector<std::uint8_t>& out, std::uint64_t value) {
    append_u32(out, static_cast<std::uint32_t>(value >> 32));
    append_u32(out, static_cast<std::uint32_t>(value));
}

namespace {

std::uint32_t checked_length(std::size_t size) {
    if (size > UINT32_MAX) {
        throw std::length_error("a hashed field is longer than 4 GiB");
    }
    return static_cast<std::uint32_t>(size);
}

void append_contract_version(std::vector<std::uint8_t>& bytes, const ContractVersion& contract) {
    append_u32(bytes, checked_length(contract.name.size()));
    bytes.insert(bytes.end(), contract.name.begin(), contract.name.end());
    append_u32(bytes, contract.version);
    bytes.insert(bytes.end(), contract.source_hash.begin(), contract.source_hash.end());
}

}  // namespace

namespace {
// Values longer than this are hashed in place rather than copied.
constexpr std::size_t kLargeValue = 1024;
}  // namespace

void RowHasher::grow(std::size_t needed) {
    buffer_.resize(std::max(buffer_.size() * 2, needed));
}

void RowHasher::flush() {
    hasher_.update(buffer_.data(), used_);
    used_ = 0;
}

void RowHasher::begin(std::uint64_t table_id, std::uint64_t txn_id, std::uint32_t seq) {
    hasher_.reset();
    used_ = 0;
    const std::uint8_t header[2] = {kRowPrefix, kRowEncodingVersion};
    put(header, sizeof header);
    put_u64(table_id);
    put_u64(txn_id);
    put_u32(seq);
}

void RowHasher::add_column(std::uint32_t ordinal, std::string_view name, ValueKind kind, const void* value,
                           std::size_t value_size) {
    // PostgreSQL allows 1600 columns and names of 63 bytes, which UTF-8
    // may at most double.
    if (ordinal > UINT16_MAX || name.size() > UINT8_MAX) {
        throw std::length_error("a column ordinal or name is too long for the row encoding");
    }
    put_u16(static_cast<std::uint16_t>(ordinal));
    const auto name_length = static_cast<std::uint8_t>(name.size());
    put(&name_length, 1);
    put(name.data(), name.size());
    const auto kind_byte = static_cast<std::uint8_t>(kind);
    put(&kind_byte, 1);
    put_u32(checked_length(value_size));
    if (value_size > kLargeValue) {
        flush();
        hasher_.update(value, value_size);
    } else {
        put(value, value_size);
    }
}

Digest RowHasher::finish() {
    flush();
    return hasher_.finish();
}

Digest columns_hash(const std::vector<DeclaredColumn>& columns, std::size_t count) {
    if (count > columns.size()) {
        throw std::out_of_range("columns_hash of more columns than are declared");
    }
    std::vector<std::uint8_t> bytes{kColumnsPrefix, kEncodingVersion};
    const auto append_text = [&bytes](const std::string& text) {
        append_u32(bytes, checked_length(text.size()));
        bytes.insert(bytes.end(), text.begin(), text.end());
    };
    append_u32(bytes, checked_length(count));
    for (std::size_t i = 0; i < count; ++i) {
        append_text(columns[i].name);
        append_u32(bytes, checked_length(columns[i].type.size()));
        for (const TypeLevel& level : columns[i].type) {
            bytes.push_back(static_cast<std::uint8_t>(level.kind));
            append_text(level.schema);
            append_text(level.name);
        }
    }
    return sha256(bytes.data(), bytes.size());
}

std::string type_text(const std::vector<TypeLevel>& type) {
    std::string text;
    for (const TypeLevel& level : type) {
        if (level.kind == TypeLevel::Kind::array) {
            text += "array of ";
        } else {
            text += level.schema + "." + level.name + (level.kind == TypeLevel::Kind::domain ? " over " : "");
        }
    }
    return text;
}

Digest entry_hash(const EntryFields& entry) {
    std::vector<std::uint8_t> bytes;
    bytes.reserve(112 + entry.committed_by.size());
    bytes.push_back(kEntryPrefix);
    bytes.push_back(kEntryEncodingVersion);
    append_u64(bytes, entry.txn_id);
    append_u64(bytes, entry.table_id);
    append_u32(bytes, entry.row_count);
    bytes.insert(bytes.end(), entry.rows_root.begin(), entry.rows_root.end());
    append_u32(bytes, entry.column_count);
    bytes.insert(bytes.end(), entry.columns_hash.begin(), entry.columns_hash.end());
    append_u32(bytes, checked_length(entry.committed_by.size()));
    bytes.insert(bytes.end(), entry.committed_by.begin(), entry.committed_by.end());
    // Present only when contracts checked the transaction, so entries of
    // tables without contracts keep their encoding; the length prefix of
    // committed_by keeps the two forms apart.
    if (!entry.contracts.empty()) {
        append_u32(bytes, checked_length(entry.contracts.size()));
        for (const auto& contract : entry.contracts) {
            append_contract_version(bytes, contract);
        }
    }
    return sha256(bytes.data(), bytes.size());
}

Digest value_commitment(const Digest& salt, ValueKind kind, const void* value, std::size_t value_size) {
    Sha256 hasher;
    const std::uint8_t header[2] = {kCommitmentPrefix, kEncodingVersion};
    hasher.update(header, sizeof header);
    hasher.update(salt.data(), salt.size());
    hasher.update_byte(static_cast<std::uint8_t>(kind));
    std::vector<std::uint8_t> length;
    append_u32(length, checked_length(value_size));
    hasher.update(length.data(), length.size());
    hasher.update(value, value_size);
    return hasher.finish();
}

Digest contract_source_hash(const ContractSource& contract) {
    std::vector<std::uint8_t> bytes;
    bytes.push_back(kContractPrefix);
    bytes.push_back(kEncodingVersion);
    for (const std::string* field :
         {&contract.name, &contract.source, &contract.checks, &contract.definitions}) {
        append_u32(bytes, checked_length(field->size()));
        bytes.insert(bytes.end(), field->begin(), field->end());
        if (field == &contract.name) {
            append_u32(bytes, contract.version);
        }
    }
    return sha256(bytes.data(), bytes.size());
}

Digest contracts_hash(const std::vector<ContractVersion>& in_force) {
    std::vector<std::uint8_t> bytes;
    for (const auto& contract : in_force) {
        append_contract_version(bytes, contract);
    }
    return sha256(bytes.data(), bytes.size());
}

Digest block_hash(const BlockHeader& header) {
    std::vector<std::uint8_t> bytes;
    bytes.reserve(2 + 8 + 32 + 32 + 8 + 8 + 8 + 32);
    bytes.push_back(kBlockPrefix);
    bytes.push_back(kEncodingVersion);
    append_u64(bytes, header.height);
    bytes.insert(bytes.end(), header.previous_hash.begin(), header.previous_hash.end());
    bytes.insert(bytes.end(), header.merkle_root.begin(), header.merkle_root.end());
    append_u64(bytes, header.entry_count);
    append_u64(bytes, header.row_count);
    append_u64(bytes, static_cast<std::uint64_t>(header.sealed_at_unix_us));
    bytes.insert(bytes.end(), header.contracts_hash.begin(), header.contracts_hash.end());
    return sha256(bytes.data(), bytes.size());
}

}  // namespace pgledger::core
