// SHA-256 digests, the one hash function of the ledger.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace pgledger::core {

using Digest = std::array<std::uint8_t, 32>;

// Sha256 streams bytes into one SHA-256 computation. The OpenSSL digest is
// fetched once per process and each Sha256 keeps its context for reuse:
// looking the algorithm up per call costs more than hashing a short row.
class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    // reset starts a new computation; free when nothing was hashed since the
    // last one started.
    void reset();
    void update(const void* data, std::size_t size);
    void update_byte(std::uint8_t byte) { update(&byte, 1); }
    Digest finish();

  private:
    ::evp_md_ctx_st* context_;
    bool fresh_ = false;
};

Digest sha256(const void* data, std::size_t size);

std::string to_hex(const std::uint8_t* data, std::size_t size);
inline std::string to_hex(const Digest& digest) {
    return to_hex(digest.data(), digest.size());
}

// from_hex parses exactly 64 hex digits (either case); false on anything else.
bool digest_from_hex(std::string_view text, Digest& out);

}  // namespace pgledger::core
