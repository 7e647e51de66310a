#include "core/canonical.hpp"

#include <initializer_list>
#include <stdexcept>

namespace pgledger::core {

void append_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(value >> shift));
    }
}

void append_u64(std::vector<std::uint8_t>& out, std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(value >> shift));
    }
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

void RowHasher::flush() {
    hasher_.update(pending_.data(), pending_.size());
    pending_.clear();
}

void RowHasher::begin(std::uint64_t table_id, std::uint64_t txn_id, std::uint32_t seq) {
    hasher_.reset();
    pending_.clear();
    pending_.push_back(kRowPrefix);
    pending_.push_back(kEncodingVersion);
    append_u64(pending_, table_id);
    append_u64(pending_, txn_id);
    append_u32(pending_, seq);
}

void RowHasher::add_column(std::uint32_t ordinal, std::string_view name, ValueKind kind, const void* value,
                           std::size_t value_size) {
    append_u32(pending_, ordinal);
    append_u32(pending_, checked_length(name.size()));
    pending_.insert(pending_.end(), name.begin(), name.end());
    pending_.push_back(static_cast<std::uint8_t>(kind));
    append_u32(pending_, checked_length(value_size));
    const auto* bytes = static_cast<const std::uint8_t*>(value);
    if (value_size > kLargeValue) {
        flush();
        hasher_.update(bytes, value_size);
    } else {
        pending_.insert(pending_.end(), bytes, bytes + value_size);
    }
}

Digest RowHasher::finish() {
    flush();
    return hasher_.finish();
}

Digest entry_hash(const EntryFields& entry) {
    std::vector<std::uint8_t> bytes;
    bytes.reserve(64 + entry.committed_by.size());
    bytes.push_back(kEntryPrefix);
    bytes.push_back(kEncodingVersion);
    append_u64(bytes, entry.txn_id);
    append_u64(bytes, entry.table_id);
    append_u32(bytes, entry.row_count);
    bytes.insert(bytes.end(), entry.rows_root.begin(), entry.rows_root.end());
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
