#include "independent_sha256.hpp"

#include <openssl/evp.h>

#include <cstdlib>
#include <stdexcept>

namespace pgledger::test {

core::Digest reference_sha256(const Bytes& bytes) {
    core::Digest out{};
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length != out.size()) {
        throw std::runtime_error("EVP_Digest failed");
    }
    return out;
}

core::Digest reference_sha256(std::string_view text) {
    return reference_sha256(Bytes(text.begin(), text.end()));
}

core::Digest hex_digest(std::string_view hex) {
    if (hex.size() != 64) {
        throw std::invalid_argument("a digest is 64 hex digits");
    }
    core::Digest out{};
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<std::uint8_t>(std::stoul(std::string(hex.substr(2 * i, 2)), nullptr, 16));
    }
    return out;
}

core::Digest filled_digest(std::uint8_t fill) {
    core::Digest out;
    out.fill(fill);
    return out;
}

void put_u32(Bytes& out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(value >> shift));
    }
}

void put_u64(Bytes& out, std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(value >> shift));
    }
}

void put_bytes(Bytes& out, std::string_view text) {
    out.insert(out.end(), text.begin(), text.end());
}

void put_digest(Bytes& out, const core::Digest& digest) {
    out.insert(out.end(), digest.begin(), digest.end());
}

}  // namespace pgledger::test
