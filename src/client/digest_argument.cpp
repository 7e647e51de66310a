#include "client/digest_argument.hpp"

#include <stdexcept>
#include <string>

namespace pgledger::client {
namespace {

int hex_value(char digit) {
    if (digit >= '0' && digit <= '9') {
        return digit - '0';
    }
    if (digit >= 'a' && digit <= 'f') {
        return digit - 'a' + 10;
    }
    if (digit >= 'A' && digit <= 'F') {
        return digit - 'A' + 10;
    }
    return -1;
}

}  // namespace

core::Digest parse_digest_argument(std::string_view text) {
    const std::size_t prefix = text.substr(0, 2) == "\\x" ? 2 : 0;
    text.remove_prefix(prefix);
    core::Digest out{};
    if (text.size() != 2 * out.size()) {
        throw std::runtime_error("a digest is 64 hex digits (32 bytes), optionally prefixed by \\x; got " +
                                 std::to_string(text.size()) + " characters");
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (hex_value(text[i]) < 0) {
            throw std::runtime_error("'" + std::string(1, text[i]) + "' at position " +
                                     std::to_string(prefix + i + 1) + " of the digest is not a hex digit");
        }
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<std::uint8_t>(hex_value(text[2 * i]) << 4 | hex_value(text[2 * i + 1]));
    }
    return out;
}

}  // namespace pgledger::client
