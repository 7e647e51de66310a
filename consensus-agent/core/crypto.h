// SHA-256 and Ed25519 through OpenSSL EVP, behind small interfaces so the
// protocol core never sees OpenSSL and tests can count or corrupt signatures.
#pragma once

#include <memory>
#include <string>

#include "core/types.h"

namespace pgledger::consensus {

Hash sha256(const uint8_t* data, size_t size);
inline Hash sha256(const Bytes& data) {
    return sha256(data.data(), data.size());
}

class Signer {
  public:
    virtual ~Signer() = default;
    virtual Signature sign(const Bytes& message) const = 0;
};

class Verifier {
  public:
    virtual ~Verifier() = default;
    // True only if `signer` is a known replica and `signature` is its
    // signature over `message`.
    virtual bool verify(ReplicaId signer, const Bytes& message, const Signature& signature) const = 0;
};

class Ed25519Signer final : public Signer {
  public:
    // Derives the key from a 32-byte seed (the raw Ed25519 private key).
    static std::unique_ptr<Ed25519Signer> from_seed(const std::array<uint8_t, 32>& seed);
    // Loads a PKCS#8 PEM private key, as written by `openssl genpkey -algorithm ed25519`.
    static std::unique_ptr<Ed25519Signer> from_pem_file(const std::string& path);
    ~Ed25519Signer() override;
    Signature sign(const Bytes& message) const override;
    PublicKey public_key() const;

  private:
    explicit Ed25519Signer(void* key) : key_(key) {}
    void* key_;  // EVP_PKEY*, kept opaque so this header needs no OpenSSL.
};

class Ed25519Verifier final : public Verifier {
  public:
    explicit Ed25519Verifier(std::vector<PublicKey> public_keys);
    ~Ed25519Verifier() override;
    bool verify(ReplicaId signer, const Bytes& message, const Signature& signature) const override;
    uint32_t replica_count() const { return static_cast<uint32_t>(keys_.size()); }

  private:
    std::vector<void*> keys_;  // EVP_PKEY* per replica.
};

// Reads the raw 32-byte public key out of a PEM public key file.
PublicKey read_public_key_pem_file(const std::string& path);

}  // namespace pgledger::consensus
