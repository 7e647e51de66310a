// ledger.digest() and ledger.verify_digest(): a digest kept outside the
// database proves later that history up to it was neither cut off nor
// rewritten, even if every hash inside the database was recomputed.

extern "C" {
#include "postgres.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
}

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

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

}  // namespace
}  // namespace pgledger::pg

using namespace pgledger::pg;

extern "C" {
PG_FUNCTION_INFO_V1(pgledger_digest);
PG_FUNCTION_INFO_V1(pgledger_verify_digest);
}

extern "C" Datum pgledger_digest(PG_FUNCTION_ARGS) {
    SPI_connect();
    // sealed_at in ISO 8601 UTC, whatever the session's DateStyle and time
    // zone: the digest is kept outside the database and compared as text.
    if (SPI_execute("SELECT b.height, encode(b.block_hash, 'hex'), encode(g.block_hash, 'hex'), "
                    "to_char(b.sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
                    "FROM ledger.blocks b, ledger.blocks g WHERE g.height = 0 ORDER BY b.height DESC LIMIT 1",
                    true, 0) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger.blocks");
    }
    if (SPI_processed == 0) {
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE), errmsg("the ledger has no blocks yet"),
                 errhint("Create a ledger table with ledger.create_ledger_table() first.")));
    }
    HeapTuple tuple = SPI_tuptable->vals[0];
    TupleDesc descriptor = SPI_tuptable->tupdesc;
    char* json = psprintf(
        "{\"format\": %d, \"height\": %s, \"block_hash\": \"%s\", \"genesis_hash\": \"%s\", \"sealed_at\": "
        "\"%s\"}",
        kDigestFormat, SPI_getvalue(tuple, descriptor, 1), SPI_getvalue(tuple, descriptor, 2),
        SPI_getvalue(tuple, descriptor, 3), SPI_getvalue(tuple, descriptor, 4));
    SPI_finish();
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
