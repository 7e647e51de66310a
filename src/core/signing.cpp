#include "core/signing.hpp"

#include <algorithm>

namespace pgledger::core {
namespace {

void put_u32(Sha256& hasher, std::uint32_t value) {
    const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(value >> 24),
                                   static_cast<std::uint8_t>(value >> 16),
                                   static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    hasher.update(bytes, sizeof bytes);
}

void put_u64(Sha256& hasher, std::uint64_t value) {
    put_u32(hasher, static_cast<std::uint32_t>(value >> 32));
    put_u32(hasher, static_cast<std::uint32_t>(value));
}

void put_text(Sha256& hasher, std::string_view text) {
    put_u32(hasher, static_cast<std::uint32_t>(text.size()));
    hasher.update(text.data(), text.size());
}

// The domain tag includes its terminating NUL, so no message of one kind is
// a prefix of a message of another.
void put_domain(Sha256& hasher, std::string_view tag) {
    hasher.update(tag.data(), tag.size());
    hasher.update_byte(0);
}

}  // namespace

Digest transaction_signing_digest(const LedgerId& ledger_id, std::uint64_t transaction_id,
                                  std::string_view participant, std::vector<SignedTable> tables) {
    std::sort(tables.begin(), tables.end(),
              [](const SignedTable& a, const SignedTable& b) { return a.table_id < b.table_id; });
    Sha256 hasher;
    put_domain(hasher, "pgledger-transaction-signature-v2");
    hasher.update(ledger_id.data(), ledger_id.size());
    put_u64(hasher, transaction_id);
    put_text(hasher, participant);
    put_u32(hasher, static_cast<std::uint32_t>(tables.size()));
    for (const auto& table : tables) {
        put_u64(hasher, table.table_id);
        put_u32(hasher, table.row_count);
        hasher.update(table.rows_root.data(), table.rows_root.size());
    }
    return hasher.finish();
}

Digest key_event_digest(const LedgerId& ledger_id, std::string_view participant, std::uint32_t key_version,
                        const Ed25519PublicKey& new_key) {
    Sha256 hasher;
    put_domain(hasher, "pgledger-participant-key-v1");
    hasher.update(ledger_id.data(), ledger_id.size());
    put_text(hasher, participant);
    put_u32(hasher, key_version);
    hasher.update(new_key.data(), new_key.size());
    return hasher.finish();
}

}  // namespace pgledger::core
