// The digest a participant is asked to sign, as typed on a command line or
// copied from psql.
#pragma once

#include <string_view>

#include "core/digest.hpp"

namespace pgledger::client {

// parse_digest_argument accepts 64 hex digits in either case, optionally
// prefixed by `\x` as psql prints a bytea. Throws std::runtime_error with a
// message naming what is wrong.
core::Digest parse_digest_argument(std::string_view text);

}  // namespace pgledger::client
