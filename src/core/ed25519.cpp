#include "core/ed25519.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace pgledger::core {
namespace {

struct KeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct ContextFree {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Context = std::unique_ptr<EVP_MD_CTX, ContextFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

Key private_key_object(const Ed25519PrivateKey& private_key) {
    Key key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, private_key.data(), private_key.size()));
    if (!key) {
        throw std::runtime_error("OpenSSL could not load an Ed25519 private key");
    }
    return key;
}

Context new_context() {
    Context context(EVP_MD_CTX_new());
    if (!context) {
        throw std::bad_alloc();
    }
    return context;
}

}  // namespace

Ed25519KeyPair ed25519_generate() {
    Ed25519KeyPair pair{};
    if (RAND_priv_bytes(pair.private_key.data(), static_cast<int>(pair.private_key.size())) != 1) {
        throw std::runtime_error("OpenSSL could not generate random bytes for a key");
    }
    pair.public_key = ed25519_public_key(pair.private_key);
    return pair;
}

Ed25519PublicKey ed25519_public_key(const Ed25519PrivateKey& private_key) {
    const Key key = private_key_object(private_key);
    Ed25519PublicKey out{};
    std::size_t length = out.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), out.data(), &length) != 1 || length != out.size()) {
        throw std::runtime_error("OpenSSL could not derive an Ed25519 public key");
    }
    return out;
}

Ed25519Signature ed25519_sign(const Ed25519PrivateKey& private_key, const std::uint8_t* message,
                              std::size_t size) {
    const Key key = private_key_object(private_key);
    Context context = new_context();
    Ed25519Signature signature{};
    std::size_t length = signature.size();
    if (EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
        EVP_DigestSign(context.get(), signature.data(), &length, message, size) != 1 ||
        length != signature.size()) {
        throw std::runtime_error("OpenSSL could not sign with Ed25519");
    }
    return signature;
}

bool ed25519_verify(const Ed25519PublicKey& key, const std::uint8_t* message, std::size_t size,
                    const Ed25519Signature& signature) {
    const Key object(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
    if (!object) {
        return false;
    }
    Context context = new_context();
    if (EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, object.get()) != 1) {
        return false;
    }
    return EVP_DigestVerify(context.get(), signature.data(), signature.size(), message, size) == 1;
}

std::string ed25519_private_key_to_pem(const Ed25519PrivateKey& private_key) {
    const Key key = private_key_object(private_key);
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        throw std::runtime_error("OpenSSL could not write a PEM private key");
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::optional<Ed25519PrivateKey> ed25519_private_key_from_pem(const std::string& pem) {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) {
        return std::nullopt;
    }
    // An encrypted key is refused, not prompted for: OpenSSL's default
    // would read a passphrase from the terminal or stdin.
    const auto refuse_passphrase = [](char*, int, int, void*) { return -1; };
    const Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr));
    if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
        return std::nullopt;
    }
    std::optional<Ed25519PrivateKey> out(Ed25519PrivateKey{});
    std::size_t length = out->size();
    if (EVP_PKEY_get_raw_private_key(key.get(), out->data(), &length) != 1 || length != out->size()) {
        OPENSSL_cleanse(out->data(), out->size());
        return std::nullopt;
    }
    return out;
}

}  // namespace pgledger::core
