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

inline constexpr std::int64_t kUnixToPostgresEpochMicroseconds = 946684800LL * 1000000LL;
inline std::int64_t unix_microseconds(TimestampTz timestamp) {
    return timestamp + kUnixToPostgresEpochMicroseconds;
}

}  // namespace pgledger::pg
