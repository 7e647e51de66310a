// Ed25519 against the RFC 8032 known answers, and the PEM files participants
// keep their keys in.
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/digest.hpp"
#include "core/ed25519.hpp"

namespace pgledger::core {
namespace {

template <std::size_t N>
std::array<std::uint8_t, N> from_hex(std::string_view hex) {
    if (hex.size() != 2 * N) {
        throw std::invalid_argument("wrong number of hex digits");
    }
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) {
        out[i] = static_cast<std::uint8_t>(std::stoul(std::string(hex.substr(2 * i, 2)), nullptr, 16));
    }
    return out;
}

template <std::size_t N>
std::string hex_of(const std::array<std::uint8_t, N>& bytes) {
    return to_hex(bytes.data(), bytes.size());
}

struct Rfc8032Vector {
    const char* name;
    const char* secret_key;
    const char* public_key;
    const char* message;
    const char* signature;
};

// RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte).
const Rfc8032Vector kRfc8032Vectors[] = {
    {"Test1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5"
     "f0595bbe24655141438e7a100b"},
    {"Test2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2ea"
     "e"
     "b4302aeeb00d291612bb0c00"},
};

void PrintTo(const Rfc8032Vector& vector, std::ostream* out) {
    *out << vector.name;
}

class Ed25519Rfc8032 : public ::testing::TestWithParam<Rfc8032Vector> {
  protected:
    Ed25519PrivateKey secret() const { return from_hex<32>(GetParam().secret_key); }
    std::string message() const {
        std::string out;
        const std::string_view hex = GetParam().message;
        for (std::size_t i = 0; i < hex.size(); i += 2) {
            out.push_back(static_cast<char>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
        }
        return out;
    }
    const std::uint8_t* data(const std::string& text) const {
        return reinterpret_cast<const std::uint8_t*>(text.data());
    }
};

TEST_P(Ed25519Rfc8032, DerivesThePublicKey) {
    EXPECT_EQ(hex_of(ed25519_public_key(secret())), GetParam().public_key);
}

TEST_P(Ed25519Rfc8032, SignatureMatchesTheRfc) {
    const std::string text = message();
    EXPECT_EQ(hex_of(ed25519_sign(secret(), data(text), text.size())), GetParam().signature);
}

TEST_P(Ed25519Rfc8032, RfcSignatureVerifies) {
    const std::string text = message();
    EXPECT_TRUE(ed25519_verify(from_hex<32>(GetParam().public_key), data(text), text.size(),
                               from_hex<64>(GetParam().signature)));
}

TEST_P(Ed25519Rfc8032, ChangedMessageFailsToVerify) {
    std::string text = message();
    if (text.empty()) {
        text.push_back('\0');
    } else {
        text.back() ^= 1;
    }
    EXPECT_FALSE(ed25519_verify(from_hex<32>(GetParam().public_key), data(text), text.size(),
                                from_hex<64>(GetParam().signature)));
}

// Flips one bit in each byte in turn: in R, in S, and the top bits of S that
// a lax implementation might ignore.
TEST_P(Ed25519Rfc8032, EveryFlippedSignatureByteFailsToVerify) {
    const std::string text = message();
    const Ed25519PublicKey key = from_hex<32>(GetParam().public_key);
    for (std::size_t byte = 0; byte < 64; ++byte) {
        for (const std::uint8_t bit : {0x01, 0x80}) {
            Ed25519Signature signature = from_hex<64>(GetParam().signature);
            signature[byte] ^= bit;
            EXPECT_FALSE(ed25519_verify(key, data(text), text.size(), signature))
                << "byte " << byte << " bit " << int{bit};
        }
    }
}

TEST_P(Ed25519Rfc8032, OtherKeyFailsToVerify) {
    const std::string text = message();
    EXPECT_FALSE(ed25519_verify(ed25519_generate().public_key, data(text), text.size(),
                                from_hex<64>(GetParam().signature)));
}

INSTANTIATE_TEST_SUITE_P(Section7_1, Ed25519Rfc8032, ::testing::ValuesIn(kRfc8032Vectors),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Ed25519, GeneratedKeysDifferAndMatchTheirPublicKey) {
    const Ed25519KeyPair first = ed25519_generate();
    const Ed25519KeyPair second = ed25519_generate();
    EXPECT_NE(first.private_key, second.private_key);
    EXPECT_EQ(first.public_key, ed25519_public_key(first.private_key));
}

TEST(Ed25519, SignAndVerifyRoundTrip) {
    const Ed25519KeyPair pair = ed25519_generate();
    const Digest message = sha256("transaction", 11);
    const Ed25519Signature signature = ed25519_sign(pair.private_key, message.data(), message.size());
    EXPECT_TRUE(ed25519_verify(pair.public_key, message.data(), message.size(), signature));
}

// A public key that is not a point on the curve must be a plain refusal.
TEST(Ed25519, InvalidPublicKeyIsRefusedNotThrown) {
    Ed25519PublicKey not_a_point{};
    not_a_point.fill(0xff);
    const Ed25519Signature signature{};
    EXPECT_FALSE(ed25519_verify(not_a_point, nullptr, 0, signature));
}

TEST(Ed25519Pem, RfcKeyIsWrittenAsOpenSslWritesIt) {
    // `openssl pkey -outform PEM` of the TEST 1 key.
    EXPECT_EQ(ed25519_private_key_to_pem(from_hex<32>(kRfc8032Vectors[0].secret_key)),
              "-----BEGIN PRIVATE KEY-----\n"
              "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
              "-----END PRIVATE KEY-----\n");
}

TEST(Ed25519Pem, RoundTrip) {
    const Ed25519KeyPair pair = ed25519_generate();
    const std::optional<Ed25519PrivateKey> read =
        ed25519_private_key_from_pem(ed25519_private_key_to_pem(pair.private_key));
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(*read, pair.private_key);
}

struct PkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};

std::string pem_of_generated(const char* type, const char* parameter) {
    std::unique_ptr<EVP_PKEY, PkeyFree> key(parameter == nullptr
                                                ? EVP_PKEY_Q_keygen(nullptr, nullptr, type)
                                                : EVP_PKEY_Q_keygen(nullptr, nullptr, type, parameter));
    if (!key) {
        throw std::runtime_error(std::string("OpenSSL could not generate a key of type ") + type);
    }
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        throw std::runtime_error("OpenSSL could not write a PEM key");
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

TEST(Ed25519Pem, EcKeyIsRefused) {
    const std::string pem = pem_of_generated("EC", "P-256");
    ASSERT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
    EXPECT_FALSE(ed25519_private_key_from_pem(pem).has_value());
}

// X25519 keys also have a 32-byte raw private key: only the key type tells
// them apart.
TEST(Ed25519Pem, X25519KeyIsRefused) {
    const std::string pem = pem_of_generated("X25519", nullptr);
    ASSERT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
    EXPECT_FALSE(ed25519_private_key_from_pem(pem).has_value());
}

TEST(Ed25519Pem, GarbageIsRefused) {
    EXPECT_FALSE(ed25519_private_key_from_pem("").has_value());
    EXPECT_FALSE(ed25519_private_key_from_pem("not a key").has_value());
    EXPECT_FALSE(ed25519_private_key_from_pem("-----BEGIN PRIVATE KEY-----\n"
                                              "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v\n"
                                              "-----END PRIVATE KEY-----\n")
                     .has_value());
}

}  // namespace
}  // namespace pgledger::core
