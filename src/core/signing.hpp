// What participants sign. Both messages are SHA-256 digests over a
// documented byte layout (README, "What a participant signs"), so that any
// client can recompute what it is asked to sign from the rows it inserted.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/digest.hpp"
#include "core/ed25519.hpp"
#include "core/pending_transaction.hpp"

namespace pgledger::core {

// LedgerId names one ledger: the hash of its genesis block, which holds a
// random nonce. It is part of every signed message, so a signature cannot be
// replayed into another ledger.
using LedgerId = Digest;

// SignedTable is what a transaction appended to one ledger table, as its
// entry records it: the row count and the rows root (the Merkle root of the
// row hashes in ascending row number, each hash covering the row's position).
struct SignedTable {
    std::uint64_t table_id;
    std::uint32_t row_count;
    Digest rows_root;
};

// transaction_signing_digest binds a participant's signature to one ledger
// transaction and exactly the rows it appended: tables in ascending id,
// which are distinct, as a ledger transaction has them.
Digest transaction_signing_digest(const LedgerId& ledger_id, std::uint64_t transaction_id,
                                  std::string_view participant, std::vector<SignedTable> tables);

// key_event_digest is what the holder of a key signs to register it
// (version 1, signed with the new key: proof of possession) or to rotate to
// the next version (signed with the key being replaced: authorisation).
Digest key_event_digest(const LedgerId& ledger_id, std::string_view participant, std::uint32_t key_version,
                        const Ed25519PublicKey& new_key);

}  // namespace pgledger::core
