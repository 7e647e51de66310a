#include "core/crypto.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <stdexcept>

namespace pgledger::consensus {
namespace {

// Fetched once: per-call algorithm lookups cost more than hashing a vote.
const EVP_MD* sha256_algorithm() {
    static EVP_MD* algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return algorithm;
}

EVP_PKEY* as_key(void* key) {
    return static_cast<EVP_PKEY*>(key);
}

}  // namespace

Hash sha256(const uint8_t* data, size_t size) {
    Hash digest{};
    unsigned int digest_size = 0;
    if (EVP_Digest(data, size, digest.data(), &digest_size, sha256_algorithm(), nullptr) != 1 ||
        digest_size != digest.size()) {
        throw std::runtime_error("SHA-256 failed");
    }
    return digest;
}

std::unique_ptr<Ed25519Signer> Ed25519Signer::from_seed(const std::array<uint8_t, 32>& seed) {
    EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
    if (key == nullptr)
        throw std::runtime_error("cannot create Ed25519 key");
    return std::unique_ptr<Ed25519Signer>(new Ed25519Signer(key));
}

std::unique_ptr<Ed25519Signer> Ed25519Signer::from_pem_file(const std::string& path) {
    FILE* file = std::fopen(path.c_str(), "r");
    if (file == nullptr)
        throw std::runtime_error("cannot open private key " + path);
    EVP_PKEY* key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    if (key == nullptr || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(key);
        throw std::runtime_error("not an Ed25519 private key: " + path);
    }
    return std::unique_ptr<Ed25519Signer>(new Ed25519Signer(key));
}

Ed25519Signer::~Ed25519Signer() {
    EVP_PKEY_free(as_key(key_));
}

Signature Ed25519Signer::sign(const Bytes& message) const {
    Signature signature{};
    size_t signature_size = signature.size();
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    bool ok = context != nullptr &&
              EVP_DigestSignInit(context, nullptr, nullptr, nullptr, as_key(key_)) == 1 &&
              EVP_DigestSign(context, signature.data(), &signature_size, message.data(), message.size()) == 1;
    EVP_MD_CTX_free(context);
    if (!ok || signature_size != signature.size())
        throw std::runtime_error("Ed25519 signing failed");
    return signature;
}

PublicKey Ed25519Signer::public_key() const {
    PublicKey key{};
    size_t size = key.size();
    if (EVP_PKEY_get_raw_public_key(as_key(key_), key.data(), &size) != 1 || size != key.size()) {
        throw std::runtime_error("cannot read Ed25519 public key");
    }
    return key;
}

Ed25519Verifier::Ed25519Verifier(std::vector<PublicKey> public_keys) {
    for (const PublicKey& public_key : public_keys) {
        EVP_PKEY* key =
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size());
        if (key == nullptr)
            throw std::runtime_error("invalid Ed25519 public key");
        keys_.push_back(key);
    }
}

Ed25519Verifier::~Ed25519Verifier() {
    for (void* key : keys_)
        EVP_PKEY_free(as_key(key));
}

bool Ed25519Verifier::verify(ReplicaId signer, const Bytes& message, const Signature& signature) const {
    if (signer >= keys_.size())
        return false;
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    bool ok =
        context != nullptr &&
        EVP_DigestVerifyInit(context, nullptr, nullptr, nullptr, as_key(keys_[signer])) == 1 &&
        EVP_DigestVerify(context, signature.data(), signature.size(), message.data(), message.size()) == 1;
    EVP_MD_CTX_free(context);
    return ok;
}

PublicKey read_public_key_pem_file(const std::string& path) {
    FILE* file = std::fopen(path.c_str(), "r");
    if (file == nullptr)
        throw std::runtime_error("cannot open public key " + path);
    EVP_PKEY* key = PEM_read_PUBKEY(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    PublicKey raw{};
    size_t size = raw.size();
    bool ok = key != nullptr && EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 &&
              EVP_PKEY_get_raw_public_key(key, raw.data(), &size) == 1 && size == raw.size();
    EVP_PKEY_free(key);
    if (!ok)
        throw std::runtime_error("not an Ed25519 public key: " + path);
    return raw;
}

}  // namespace pgledger::consensus
