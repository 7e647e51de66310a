// Conversions between SQL values and the ledger core's types.
#pragma once

extern "C" {
#include "postgres.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
}

#include "core/digest.hpp"

namespace pgledger::pg {

bytea* digest_to_bytea(const core::Digest& digest);

// bytea_to_digest is false when the value is not exactly 32 bytes.
bool bytea_to_digest(Datum value, core::Digest& out);

// utf8_text: text of the database's encoding in UTF-8, which every hash
// takes, so that a database of another encoding restored from this one
// computes the same bytes (text itself when no conversion is needed).
const char* utf8_text(const char* text);

inline constexpr std::int64_t kUnixToPostgresEpochMicroseconds = 946684800LL * 1000000LL;
inline std::int64_t unix_microseconds(TimestampTz timestamp) {
    return timestamp + kUnixToPostgresEpochMicroseconds;
}

}  // namespace pgledger::pg
