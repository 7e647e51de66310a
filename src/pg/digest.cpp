// ledger.digest() and ledger.verify_digest(): a digest kept outside the
// database proves later that history up to it was neither cut off nor
// rewritten, even if every hash inside the database was recomputed.

extern "C" {
#include "postgres.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
}

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/chain.hpp"
#include "pg/chain_loader.hpp"
#include "pg/cpp_boundary.hpp"

namespace pgledger::pg {
namespace {

constexpr int kDigestFormat = 1;

[[noreturn]] void malformed_digest(const char* detail) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("malformed ledger digest"),
                    errdetail("%s", detail),
                    errhint("Pass the jsonb value that ledger.digest() returned, unchanged.")));
    pg_unreachable();
}

// digest_field returns the value of a top-level key, or NULL if absent.
JsonbValue* digest_field(Jsonb* digest, const char* key) {
    return getKeyJsonValueFromContainer(&digest->root, key, static_cast<int>(std::strlen(key)), nullptr);
}

void read_hash(Jsonb* digest, const char* key, core::Digest& out) {
    JsonbValue* value = digest_field(digest, key);
    if (value == nullptr || value->type != jbvString) {
        malformed_digest(psprintf("Key \"%s\" must be a string of 64 hex digits.", key));
    }
    const std::string_view text(value->val.string.val, static_cast<std::size_t>(value->val.string.len));
    if (!call_cpp([&] { return core::digest_from_hex(text, out); })) {
        malformed_digest(psprintf("Key \"%s\" must be a string of 64 hex digits.", key));
    }
}

std::uint64_t read_height(Jsonb* digest) {
    JsonbValue* value = digest_field(digest, "height");
    if (value == nullptr || value->type != jbvNumeric) {
        malformed_digest("Key \"height\" must be a non-negative integer.");
    }
    const char* text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(value->val.numeric)));
    char* end = nullptr;
    errno = 0;
    const unsigned long long height = std::strtoull(text, &end, 10);
    if (text[0] == '-' || *end != '\0' || errno != 0) {
        malformed_digest("Key \"height\" must be a non-negative integer.");
    }
    return height;
}

// write_iso_utc writes a block's sealed_at (the hashed Unix microseconds) in ISO
// 8601 UTC, whatever the session's DateStyle and time zone: the digest is
// kept outside the database and compared as text.
void write_iso_utc(std::int64_t unix_us, char* out, std::size_t size) {
    const TimestampTz sealed_at = unix_us - (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
    pg_tm time{};
    fsec_t fraction = 0;
    if (timestamp2tm(sealed_at, nullptr, &time, &fraction, nullptr, nullptr) != 0 || time.tm_year < 1 ||
        time.tm_year > 9999) {
        ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
                        errmsg("the newest block's sealed_at is out of range")));
    }
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", time.tm_year, time.tm_mon, time.tm_mday,
             time.tm_hour, time.tm_min, time.tm_sec, static_cast<int>(fraction));
}

// hex_into writes a digest's 64 hex digits and a NUL into out.
void hex_into(const core::Digest& digest, char* out) {
    const std::string hex = core::to_hex(digest);
    std::memcpy(out, hex.c_str(), hex.size() + 1);
}

}  // namespace
}  // namespace pgledger::pg

using namespace pgledger::pg;

extern "C" {
PG_FUNCTION_INFO_V1(pgledger_digest);
PG_FUNCTION_INFO_V1(pgledger_verify_digest);
}

extern "C" Datum pgledger_digest(PG_FUNCTION_ARGS) {
    SPI_connect();
    // The digest names the newest block by the hash the chain recomputes
    // to: a digest of an altered chain could never verify, so none is given.
    auto* chain = owned_by_context<pgledger::core::Chain>(CurrentMemoryContext);
    load_chain(*chain, nullptr);
    if (chain->empty()) {
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE), errmsg("the ledger has no blocks yet"),
                 errhint("Create a ledger table with ledger.create_ledger_table() first.")));
    }
    auto* problems = owned_by_context<std::vector<std::string>>(CurrentMemoryContext);
    call_cpp([&] { *problems = pgledger::core::chain_problems(*chain); });
    if (!problems->empty()) {
        ereport(ERROR,
                (errcode(ERRCODE_DATA_CORRUPTED), errmsg("the hash chain was altered; no digest is given"),
                 errdetail("%s", problems->front().c_str()),
                 errhint("Run SELECT * FROM ledger.verify() to see what was altered.")));
    }
    const pgledger::core::StoredBlock& newest = chain->rbegin()->second;
    char block_hash[2 * std::tuple_size<pgledger::core::Digest>::value + 1];
    char genesis_hash[2 * std::tuple_size<pgledger::core::Digest>::value + 1];
    call_cpp([&] {
        hex_into(newest.stored_hash, block_hash);
        hex_into(chain->begin()->second.stored_hash, genesis_hash);
    });
    const auto height = static_cast<unsigned long long>(newest.header.height);
    char sealed_at[sizeof "YYYY-MM-DDTHH:MM:SS.ffffffZ" + 8];
    write_iso_utc(newest.header.sealed_at_unix_us, sealed_at, sizeof sealed_at);
    // SPI_finish frees what was allocated since SPI_connect, the chain too.
    SPI_finish();
    char* json = psprintf(
        "{\"format\": %d, \"height\": %llu, \"block_hash\": \"%s\", \"genesis_hash\": \"%s\", \"sealed_at\": "
        "\"%s\"}",
        kDigestFormat, height, block_hash, genesis_hash, sealed_at);
    return DirectFunctionCall1(jsonb_in, CStringGetDatum(json));
}

extern "C" Datum pgledger_verify_digest(PG_FUNCTION_ARGS) {
    Jsonb* digest = PG_GETARG_JSONB_P(0);
    if (!JB_ROOT_IS_OBJECT(digest)) {
        malformed_digest("A digest is a JSON object.");
    }
    JsonbValue* format = digest_field(digest, "format");
    if (format == nullptr) {
        malformed_digest("Key \"format\" is missing; ledger.digest() writes it.");
    }
    if (format->type != jbvNumeric ||
        std::strcmp(DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(format->val.numeric))),
                    "1") != 0) {
        malformed_digest("Key \"format\" must be 1, the only digest format this version knows.");
    }
    const std::uint64_t height = read_height(digest);
    pgledger::core::Digest block{};
    pgledger::core::Digest genesis{};
    read_hash(digest, "block_hash", block);
    read_hash(digest, "genesis_hash", genesis);

    SPI_connect();
    auto* chain = owned_by_context<pgledger::core::Chain>(CurrentMemoryContext);
    load_chain(*chain, nullptr);
    const bool extends =
        call_cpp([&] { return pgledger::core::chain_extends(*chain, height, block, genesis); });
    SPI_finish();
    PG_RETURN_BOOL(extends);
}
