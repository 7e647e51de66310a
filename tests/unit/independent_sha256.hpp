// Test-side helpers that do not go through the code under test: SHA-256
// straight from OpenSSL's one-shot EVP_Digest, and big-endian byte assembly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/digest.hpp"

namespace pgledger::test {

using Bytes = std::vector<std::uint8_t>;

core::Digest reference_sha256(const Bytes& bytes);
core::Digest reference_sha256(std::string_view text);

// hex_digest parses 64 hex digits; the test aborts on anything else.
core::Digest hex_digest(std::string_view hex);

// A digest whose 32 bytes all equal fill: distinct, recognisable inputs.
core::Digest filled_digest(std::uint8_t fill);

void put_u32(Bytes& out, std::uint32_t value);
void put_u64(Bytes& out, std::uint64_t value);
void put_bytes(Bytes& out, std::string_view text);
void put_digest(Bytes& out, const core::Digest& digest);

}  // namespace pgledger::test
