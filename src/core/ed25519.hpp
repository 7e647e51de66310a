// Ed25519 keys and signatures (RFC 8032) through OpenSSL: the participants'
// identities, and the client side of signing a ledger transaction.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace pgledger::core {

using Ed25519PublicKey = std::array<std::uint8_t, 32>;
using Ed25519PrivateKey = std::array<std::uint8_t, 32>;
using Ed25519Signature = std::array<std::uint8_t, 64>;

struct Ed25519KeyPair {
    Ed25519PrivateKey private_key;
    Ed25519PublicKey public_key;
};

Ed25519KeyPair ed25519_generate();

Ed25519PublicKey ed25519_public_key(const Ed25519PrivateKey& private_key);

Ed25519Signature ed25519_sign(const Ed25519PrivateKey& private_key, const std::uint8_t* message,
                              std::size_t size);

// ed25519_verify is false for a wrong key, a changed message and any
// malformed signature; it never throws for bad input.
bool ed25519_verify(const Ed25519PublicKey& key, const std::uint8_t* message, std::size_t size,
                    const Ed25519Signature& signature);

// Private keys, the PEM text holding one and generated key pairs are
// secrets: callers wipe them (OPENSSL_cleanse) when done.
// PEM (PKCS#8) files as written by `openssl genpkey -algorithm ed25519`;
// an encrypted PEM is refused (nullopt), never prompted for.
std::string ed25519_private_key_to_pem(const Ed25519PrivateKey& private_key);
std::optional<Ed25519PrivateKey> ed25519_private_key_from_pem(const std::string& pem);

}  // namespace pgledger::core
