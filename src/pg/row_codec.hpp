// RowCodec turns a ledger row into its canonical encoding and hash
// (README.md, "Canonical encoding").
#pragma once

extern "C" {
#include "postgres.h"
#include "access/htup.h"
#include "fmgr.h"
#include "utils/relcache.h"
}

#include <cstdint>
#include <vector>

#include "core/canonical.hpp"
#include "core/digest.hpp"

namespace pgledger::pg {

enum class ColumnMethod : std::uint8_t {
    fixed_binary,    // pass-by-value types written big-endian, as their send function does
    send_function,   // variable-length types without text content: their binary send format
    numeric_digits,  // numeric: numeric_send's format, read straight from the stored value
    raw_bytes,       // bytea: the bytes themselves
    text_utf8,       // character types: their characters in UTF-8
    rendered,        // output function text; settings-sensitive types are rendered under pinned settings
};

struct ColumnCodec {
    AttrNumber attnum;
    std::uint32_t ordinal;
    const char* name;       // in the database's encoding, as the catalog and the salts name it
    const char* name_utf8;  // as hashed
    std::size_t name_length;
    Oid base_type;
    int16 type_length;
    ColumnMethod method;
    FmgrInfo function;  // send or output function, where the method calls one
    bool is_private;    // hashed as a salted commitment (ledger.declare_private)
};

// PrivateValue is what hashing a private column needs besides the value:
// at insert a fresh salt, from which the commitment is computed; at
// verification the recorded salt, or for an erased value its recorded
// commitment.
struct PrivateValue {
    bool salt_known;
    bool erased;
    core::Digest salt;
    core::Digest commitment;
};

// kMaxTypeLevels bounds a column's type chain (domains over arrays over
// domains ...), which only a catalog edited into a cycle could exceed.
inline constexpr int kMaxTypeLevels = 32;

// ColumnDeclaration: a non-dropped column as the catalog declares it, in
// UTF-8 (core::DeclaredColumn); levels[i] as core::TypeLevel.
struct TypeLevelDeclaration {
    char kind;
    const char* schema_utf8;
    const char* name_utf8;
};
struct ColumnDeclaration {
    const char* name_utf8;
    int level_count;
    TypeLevelDeclaration* levels;
};

struct RowCodec {
    Oid relid;
    std::uint64_t table_id;
    AttrNumber txn_attnum;
    AttrNumber seq_attnum;
    int column_count;
    ColumnCodec* columns;
    bool needs_pinned_settings;
    int private_count;
    // Every non-dropped column, the ledger's and generated ones included,
    // and their columns hash, which each entry records.
    std::uint32_t declaration_count;
    ColumnDeclaration* declarations;
    core::Digest columns_hash;
};

// bound_types fills types with the chain of types a column declared with
// type is bound by (core::TypeLevel): the type, then a domain's base type or
// an array's element type, down to a named type; answers their number.
int bound_types(Oid type, Oid (&types)[kMaxTypeLevels]);

// refuse_nested_xml refuses (0A000) a column of table whose values would
// hold xml inside an array, composite or range: their output drops a leading
// newline of each such xml value, so every dump and restore would change
// what the row hash covers. A column of type xml itself is encoded without
// its leading newlines.
void refuse_nested_xml(const char* table, const char* column, Oid type);

// declared_columns: the codec's column declarations as the core takes them
// (may throw: call inside call_cpp).
std::vector<core::DeclaredColumn> declared_columns(const RowCodec* codec);

// build_row_codec describes how to encode rows of relation; memory comes
// from context. Errors if the relation lacks the ledger's position columns.
RowCodec* build_row_codec(Relation relation, std::uint64_t table_id, MemoryContext context);

// row_codec_for returns the cached codec of a ledger table, rebuilt when
// the relation's definition changes.
RowCodec* row_codec_for(Relation relation, std::uint64_t table_id);

// ledger_row_codec: the codec of the ledger table relation, or nullptr if it
// is not (yet) a ledger table. Called for every stored row: the codec used
// last is answered at once, until the next relation invalidation.
const RowCodec* ledger_row_codec(Relation relation);

// hash_row hashes the row's values as stored at the given ledger position.
// private_values has one element per codec column when the table has
// private columns (nullptr otherwise); commitments computed are stored in it.
core::Digest hash_row(const RowCodec* codec, const Datum* values, const bool* nulls, std::uint64_t txn_id,
                      std::uint32_t seq, PrivateValue* private_values);

// value_commitment_of computes the commitment to one value of the given
// type, encoded as a private column of that type would be.
core::Digest value_commitment_of(Oid type, Datum value, const core::Digest& salt);

}  // namespace pgledger::pg
