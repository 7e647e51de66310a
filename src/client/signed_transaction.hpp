// Runs a participant's SQL as one ledger transaction and signs it before
// commit: the server computes what must be signed, the key stays here.
#pragma once

#include <string>

#include "client/key_file.hpp"
#include "core/digest.hpp"
#include "core/ed25519.hpp"

namespace pgledger::client {

struct SignedTransaction {
    core::Digest digest;
    core::Ed25519Signature signature;
};

// run_signed_transaction commits only if every step succeeds; otherwise it
// rolls back and throws std::runtime_error carrying the server's message.
SignedTransaction run_signed_transaction(const std::string& conninfo, const std::string& sql,
                                         const std::string& participant, const SecretKey& key);

}  // namespace pgledger::client
