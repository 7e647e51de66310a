// A participant's private key: a PEM file on disk, and bytes in memory that
// are wiped as soon as they are no longer needed.
#pragma once

#include <string>

#include "core/ed25519.hpp"

namespace pgledger::client {

// SecretKey holds the only copy of a private key and wipes it on
// destruction. It can be neither copied nor moved, so no stray copy outlives
// it.
class SecretKey {
  public:
    // Takes over source: it is wiped once copied in.
    explicit SecretKey(core::Ed25519PrivateKey& source);
    ~SecretKey();
    SecretKey(const SecretKey&) = delete;
    SecretKey& operator=(const SecretKey&) = delete;

    const core::Ed25519PrivateKey& bytes() const { return bytes_; }

  private:
    core::Ed25519PrivateKey bytes_;
};

// read_key_file throws std::runtime_error naming the file and the problem.
SecretKey read_key_file(const std::string& path);

// create_key_file writes a new key to a file only its owner can read and
// returns the public key. It never replaces an existing file: that could
// destroy the only copy of a registered key.
core::Ed25519PublicKey create_key_file(const std::string& path);

}  // namespace pgledger::client
