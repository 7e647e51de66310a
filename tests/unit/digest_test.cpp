// Known-answer tests of the SHA-256 wrapper and the hex helpers.
#include <gtest/gtest.h>

#include <string>

#include "core/digest.hpp"
#include "independent_sha256.hpp"

namespace pgledger::core {
namespace {

using test::hex_digest;

Digest sha256_of(const std::string& text) {
    return sha256(text.data(), text.size());
}

// FIPS 180-2 / NIST CAVP vectors.
TEST(Sha256, EmptyInput) {
    EXPECT_EQ(to_hex(sha256_of("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, Abc) {
    EXPECT_EQ(to_hex(sha256_of("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, TwoBlockMessage) {
    EXPECT_EQ(to_hex(sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, FourBlockMessage) {
    EXPECT_EQ(
        to_hex(sha256_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                         "klmnopqrlmnopqrsmnopqrstnopqrstu")),
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256, OneMillionAStreamedInPieces) {
    Sha256 hasher;
    const std::string thousand(1000, 'a');
    for (int i = 0; i < 1000; ++i) {
        hasher.update(thousand.data(), thousand.size());
    }
    EXPECT_EQ(to_hex(hasher.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FinishResetsForTheNextDigest) {
    Sha256 hasher;
    hasher.update("junk", 4);
    (void)hasher.finish();
    hasher.update("abc", 3);
    EXPECT_EQ(hasher.finish(), sha256_of("abc"));
}

TEST(Sha256, ResetDiscardsBufferedInput) {
    Sha256 hasher;
    hasher.update("junk", 4);
    hasher.reset();
    hasher.update_byte('a');
    hasher.update("bc", 2);
    EXPECT_EQ(hasher.finish(), sha256_of("abc"));
}

TEST(Sha256, OneShotCanBeCalledRepeatedly) {
    EXPECT_EQ(sha256_of("abc"), sha256_of("abc"));
    EXPECT_NE(sha256_of("abc"), sha256_of("abd"));
}

TEST(Hex, EncodesLowerCase) {
    const std::uint8_t bytes[] = {0x00, 0x0f, 0xa0, 0xff};
    EXPECT_EQ(to_hex(bytes, sizeof bytes), "000fa0ff");
}

TEST(Hex, DigestRoundTripsAndAcceptsEitherCase) {
    const Digest digest = sha256_of("abc");
    Digest parsed{};
    ASSERT_TRUE(digest_from_hex(to_hex(digest), parsed));
    EXPECT_EQ(parsed, digest);
    ASSERT_TRUE(digest_from_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", parsed));
    EXPECT_EQ(parsed, hex_digest("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

TEST(Hex, DigestRejectsWrongLengthAndNonHexDigits) {
    Digest parsed{};
    const std::string valid = to_hex(sha256_of("abc"));
    EXPECT_FALSE(digest_from_hex("", parsed));
    EXPECT_FALSE(digest_from_hex(valid.substr(0, 63), parsed));
    EXPECT_FALSE(digest_from_hex(valid + "0", parsed));
    EXPECT_FALSE(digest_from_hex("g" + valid.substr(1), parsed));
    EXPECT_FALSE(digest_from_hex(valid.substr(0, 62) + " 0", parsed));
    EXPECT_FALSE(digest_from_hex("0x" + valid.substr(2), parsed));
}

}  // namespace
}  // namespace pgledger::core
