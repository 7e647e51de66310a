#include "pg/row_codec.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
}

#include <cmath>
#include <cstring>

#include "core/canonical.hpp"
#include "pg/cache_lifetime.hpp"
#include "pg/catalog.hpp"
#include "pg/cpp_boundary.hpp"
#include "pg/datum_conversion.hpp"
#include "pg/errors.hpp"
#include "pg/internal_settings.hpp"
#include "pg/private_values.hpp"

namespace pgledger::pg {
namespace {

ColumnMethod method_for(Oid base_type) {
    switch (base_type) {
        case BOOLOID:
        case INT2OID:
        case INT4OID:
        case INT8OID:
        case OIDOID:
        case FLOAT4OID:
        case FLOAT8OID:
        case DATEOID:
        case TIMEOID:
        case TIMESTAMPOID:
        case TIMESTAMPTZOID:
        case CASHOID:
        case CHAROID:
            return ColumnMethod::fixed_binary;
        case NUMERICOID:
            return ColumnMethod::numeric_digits;
        case INTERVALOID:
        case TIMETZOID:
        case UUIDOID:
        case INETOID:
        case CIDROID:
        case MACADDROID:
        case MACADDR8OID:
            return ColumnMethod::send_function;
        case BYTEAOID:
            return ColumnMethod::raw_bytes;
        case TEXTOID:
        case VARCHAROID:
        case BPCHAROID:
        case NAMEOID:
        case JSONOID:
            return ColumnMethod::text_utf8;
        default:
            return ColumnMethod::rendered;
    }
}

// Output functions of these types read no setting, so they need no pinning.
bool renders_without_settings(Oid base_type) {
    return base_type == JSONBOID || type_is_enum(base_type);
}

core::ValueKind kind_of(ColumnMethod method) {
    switch (method) {
        case ColumnMethod::fixed_binary:
        case ColumnMethod::send_function:
        case ColumnMethod::numeric_digits:
        case ColumnMethod::raw_bytes:
            return core::ValueKind::binary;
        case ColumnMethod::text_utf8:
            return core::ValueKind::text;
        case ColumnMethod::rendered:
            break;
    }
    return core::ValueKind::rendered;
}

core::RowHasher* row_hasher() {
    static core::RowHasher* hasher = nullptr;
    if (hasher == nullptr) {
        hasher = call_cpp([] { return new core::RowHasher(); });
    }
    return hasher;
}

// EncodedValue is one column's canonical bytes. Encoding calls PostgreSQL
// (send and output functions, detoasting, conversion), which may raise an
// error; hashing is C++. A row's values are all encoded first, then hashed
// in one call into C++.
struct EncodedValue {
    const ColumnCodec* column;
    core::ValueKind kind;
    const void* bytes;
    std::size_t size;
    // A fixed-width value (big-endian) or a commitment, held here; bytes
    // then points into it.
    std::uint8_t held[sizeof(core::Digest)];
};

void write_big_endian(std::uint8_t* out, std::uint64_t value, int size) {
    for (int i = 0; i < size; ++i) {
        out[i] = static_cast<std::uint8_t>(value >> (8 * (size - 1 - i)));
    }
}

void encode_big_endian(EncodedValue& out, std::uint64_t value, int size) {
    write_big_endian(out.held, value, size);
    out.bytes = out.held;
    out.size = static_cast<std::size_t>(size);
}

void encode_fixed_binary(EncodedValue& out, Oid base_type, Datum value) {
    switch (base_type) {
        case BOOLOID:
            encode_big_endian(out, DatumGetBool(value) ? 1 : 0, 1);
            break;
        case CHAROID:  // "char" is one byte, whatever the encoding, as charsend sends it
            encode_big_endian(out, static_cast<std::uint8_t>(DatumGetChar(value)), 1);
            break;
        case INT2OID:
            encode_big_endian(out, static_cast<std::uint16_t>(DatumGetInt16(value)), 2);
            break;
        case INT4OID:
        case DATEOID:
            encode_big_endian(out, static_cast<std::uint32_t>(DatumGetInt32(value)), 4);
            break;
        case OIDOID:
            encode_big_endian(out, DatumGetObjectId(value), 4);
            break;
        // Every NaN as the one quiet NaN: a NaN keeps its sign and payload
        // in storage, but prints as NaN, which a restore reads back as this.
        case FLOAT4OID: {
            const float number = DatumGetFloat4(value);
            std::uint32_t bits = core::kCanonicalFloat4NaN;
            if (!std::isnan(number)) {
                std::memcpy(&bits, &number, sizeof bits);
            }
            encode_big_endian(out, bits, 4);
            break;
        }
        case FLOAT8OID: {
            const double number = DatumGetFloat8(value);
            std::uint64_t bits = core::kCanonicalFloat8NaN;
            if (!std::isnan(number)) {
                std::memcpy(&bits, &number, sizeof bits);
            }
            encode_big_endian(out, bits, 8);
            break;
        }
        default:  // int8, time, timestamp, timestamptz, money: 64-bit integers
            encode_big_endian(out, static_cast<std::uint64_t>(DatumGetInt64(value)), 8);
            break;
    }
}

std::uint16_t read_u16(const char* bytes) {
    std::uint16_t value;
    std::memcpy(&value, bytes, sizeof value);
    return value;
}

// encode_numeric writes the bytes PostgreSQL 15's numeric_send writes: u16
// digit count, weight, sign and display scale, then the base-10000 digits,
// each big-endian. They are read from the stored value, whose layout is
// PostgreSQL's on-disk format (src/backend/utils/adt/numeric.c): a u16
// header, then in the long form an int16 weight, then the digits. A header
// with its top bit set is short: it packs display scale and weight, and its
// sign bit, unless the top two bits mark a special value (NaN, +/-Infinity),
// whose sign is the top four bits. numeric_send decodes the header the same
// way, so an infinity carries the display scale 32 its header bits spell.
// numeric_send also copies a value with a short varlena header and builds
// its answer in a 1 KB buffer: that was a fifth of a row's capture in the
// insert benchmark.
void encode_numeric(EncodedValue& out, Datum value) {
    constexpr std::uint16_t kShortHeader = 0x8000;
    constexpr std::uint16_t kFlagBits = 0xC000;
    constexpr std::uint16_t kSpecial = 0xC000;
    constexpr std::uint16_t kNegative = 0x4000;
    const struct varlena* stored = pg_detoast_datum_packed(reinterpret_cast<struct varlena*>(value));
    const char* payload = VARDATA_ANY(stored);
    const std::size_t size = VARSIZE_ANY_EXHDR(stored);
    const std::uint16_t header = size >= 2 ? read_u16(payload) : 0;
    const bool short_header = (header & kShortHeader) != 0;
    const std::size_t header_size = short_header ? 2 : 4;
    // Stored values are trusted by PostgreSQL, but verification reads rows
    // an attacker may have written on disk.
    if (size < header_size || (size - header_size) % 2 != 0) {
        ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                        errmsg("a stored numeric value is malformed (%zu bytes)", size),
                        errhint("The table's files were altered; restore the table from a backup.")));
    }
    std::uint16_t sign = header & kFlagBits;
    std::uint16_t display_scale = header & 0x3FFF;
    std::uint16_t weight = 0;
    if (short_header) {
        if (sign == kSpecial) {
            sign = header & 0xF000;
        } else {
            sign = (header & 0x2000) != 0 ? kNegative : 0;
        }
        display_scale = (header & 0x1F80) >> 7;
        // a 7-bit two's complement weight, sign-extended to 16 bits
        weight =
            (header & 0x0040) != 0 ? static_cast<std::uint16_t>(0xFFC0 | (header & 0x3F)) : header & 0x3F;
    } else {
        weight = read_u16(payload + 2);
    }
    const std::size_t digit_count = (size - header_size) / 2;
    const std::size_t encoded_size = 8 + 2 * digit_count;
    auto* bytes =
        encoded_size <= sizeof out.held ? out.held : static_cast<std::uint8_t*>(palloc(encoded_size));
    write_big_endian(bytes, digit_count, 2);
    write_big_endian(bytes + 2, weight, 2);
    write_big_endian(bytes + 4, sign, 2);
    write_big_endian(bytes + 6, display_scale, 2);
    for (std::size_t i = 0; i < digit_count; ++i) {
        write_big_endian(bytes + 8 + 2 * i, read_u16(payload + header_size + 2 * i), 2);
    }
    out.bytes = bytes;
    out.size = encoded_size;
}

void encode_text(EncodedValue& out, const char* server_text, int length) {
    const char* utf8 = pg_server_to_any(server_text, length, PG_UTF8);
    out.bytes = utf8;
    out.size = utf8 == server_text ? static_cast<std::size_t>(length) : std::strlen(utf8);
}

// encode_value fills out with the canonical encoding of one non-NULL value.
void encode_value(const ColumnCodec& column, Datum value, EncodedValue& out) {
    out.column = &column;
    out.kind = kind_of(column.method);
    switch (column.method) {
        case ColumnMethod::fixed_binary:
            encode_fixed_binary(out, column.base_type, value);
            break;
        case ColumnMethod::send_function: {
            bytea* sent = SendFunctionCall(const_cast<FmgrInfo*>(&column.function), value);
            out.bytes = VARDATA(sent);
            out.size = VARSIZE(sent) - VARHDRSZ;
            break;
        }
        case ColumnMethod::numeric_digits:
            encode_numeric(out, value);
            break;
        case ColumnMethod::raw_bytes: {
            const struct varlena* bytes = pg_detoast_datum_packed(reinterpret_cast<struct varlena*>(value));
            out.bytes = VARDATA_ANY(bytes);
            out.size = VARSIZE_ANY_EXHDR(bytes);
            break;
        }
        case ColumnMethod::text_utf8:
            if (column.base_type == NAMEOID) {
                const char* name = NameStr(*DatumGetName(value));
                encode_text(out, name, static_cast<int>(std::strlen(name)));
            } else {
                const struct varlena* text =
                    pg_detoast_datum_packed(reinterpret_cast<struct varlena*>(value));
                encode_text(out, VARDATA_ANY(text), static_cast<int>(VARSIZE_ANY_EXHDR(text)));
            }
            break;
        case ColumnMethod::rendered: {
            const char* rendered = OutputFunctionCall(const_cast<FmgrInfo*>(&column.function), value);
            // xml output drops one leading newline, so each dump and
            // restore would drop another: none is encoded.
            while (column.base_type == XMLOID && *rendered == '\n') {
                ++rendered;
            }
            encode_text(out, rendered, static_cast<int>(std::strlen(rendered)));
            break;
        }
    }
}

// as_commitment makes an encoded value stand for its commitment, which
// then enters the row hash in the value's place.
void as_commitment(EncodedValue& out, const core::Digest& commitment) {
    std::memcpy(out.held, commitment.data(), commitment.size());
    out.kind = core::ValueKind::commitment;
    out.bytes = out.held;
    out.size = commitment.size();
}

struct CachedCodec {
    Oid relid;  // hash key
    RowCodec* codec;
    MemoryContext context;
};

HTAB* codec_cache = nullptr;
// The codec used last: the rows of a statement go to one table, so most
// lookups end here, without hashing.
RowCodec* recent_codec = nullptr;

void forget_codec(Datum, Oid relid) {
    recent_codec = nullptr;
    if (codec_cache == nullptr) {
        return;
    }
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, codec_cache);
    while (auto* entry = static_cast<CachedCodec*>(hash_seq_search(&scan))) {
        if (relid == InvalidOid || entry->relid == relid) {
            retire_context(entry->context);
            (void)hash_search(codec_cache, &entry->relid, HASH_REMOVE, nullptr);
        }
    }
}

// describe_column fills a codec column for a value of the given type, as a
// column of a table would be; memory comes from context.
void describe_column(ColumnCodec& column, Oid type, int16 type_length, MemoryContext context,
                     bool* needs_pinned_settings) {
    column.base_type = getBaseType(type);
    column.type_length = type_length;
    column.method = method_for(column.base_type);
    Oid function_oid = InvalidOid;
    bool is_varlena = false;
    if (column.method == ColumnMethod::send_function) {
        getTypeBinaryOutputInfo(column.base_type, &function_oid, &is_varlena);
    } else if (column.method == ColumnMethod::rendered) {
        getTypeOutputInfo(type, &function_oid, &is_varlena);
        *needs_pinned_settings = *needs_pinned_settings || !renders_without_settings(column.base_type);
    }
    if (OidIsValid(function_oid)) {
        fmgr_info_cxt(function_oid, &column.function, context);
    }
}

char* utf8_copy(const char* text, MemoryContext context) {
    return MemoryContextStrdup(context, utf8_text(text));
}

// declare_column names a column and the chain of its types by schema and
// name, not by oid: names survive a dump and restore, and the guards refuse
// renaming a type or schema that a ledger column is bound by.
ColumnDeclaration declare_column(const Form_pg_attribute attribute, MemoryContext context) {
    Oid types[kMaxTypeLevels];
    ColumnDeclaration declaration{utf8_copy(NameStr(attribute->attname), context),
                                  bound_types(attribute->atttypid, types), nullptr};
    declaration.levels = static_cast<TypeLevelDeclaration*>(
        MemoryContextAllocZero(context, sizeof(TypeLevelDeclaration) * declaration.level_count));
    for (int i = 0; i < declaration.level_count; ++i) {
        HeapTuple tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(types[i]));
        if (!HeapTupleIsValid(tuple)) {
            elog(ERROR, "cache lookup failed for type %u", types[i]);
        }
        const auto* type = reinterpret_cast<Form_pg_type>(GETSTRUCT(tuple));
        TypeLevelDeclaration& level = declaration.levels[i];
        if (IsTrueArrayType(type)) {
            level = TypeLevelDeclaration{static_cast<char>(core::TypeLevel::Kind::array), "", ""};
        } else {
            const char* schema = get_namespace_name(type->typnamespace);
            if (schema == nullptr) {
                elog(ERROR, "cache lookup failed for namespace %u", type->typnamespace);
            }
            const auto kind = type->typtype == TYPTYPE_DOMAIN ? core::TypeLevel::Kind::domain
                                                              : core::TypeLevel::Kind::named;
            level = TypeLevelDeclaration{static_cast<char>(kind), utf8_copy(schema, context),
                                         utf8_copy(NameStr(type->typname), context)};
        }
        ReleaseSysCache(tuple);
    }
    return declaration;
}

}  // namespace

int bound_types(Oid type, Oid (&types)[kMaxTypeLevels]) {
    for (int count = 0; count < kMaxTypeLevels; ++count) {
        types[count] = type;
        HeapTuple tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(type));
        if (!HeapTupleIsValid(tuple)) {
            elog(ERROR, "cache lookup failed for type %u", type);
        }
        const auto* form = reinterpret_cast<Form_pg_type>(GETSTRUCT(tuple));
        const Oid next = form->typtype == TYPTYPE_DOMAIN ? form->typbasetype
                         : IsTrueArrayType(form)         ? form->typelem
                                                         : InvalidOid;
        ReleaseSysCache(tuple);
        if (!OidIsValid(next)) {
            return count + 1;
        }
        type = next;
    }
    ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                    errmsg("type %u is a chain of more than %d domains and arrays", types[0], kMaxTypeLevels),
                    errhint("The catalog was edited into a cycle; restore it from a backup.")));
    pg_unreachable();
}

namespace {

// holds_xml: values of type are xml, or hold xml somewhere inside.
bool holds_xml(Oid type) {
    check_stack_depth();
    type = getBaseType(type);
    if (type == XMLOID) {
        return true;
    }
    if (const Oid element = get_element_type(type); OidIsValid(element)) {
        return holds_xml(element);
    }
    if (type_is_range(type)) {
        return holds_xml(get_range_subtype(type));
    }
    if (type_is_multirange(type)) {
        return holds_xml(get_multirange_range(type));
    }
    if (type == RECORDOID || !type_is_rowtype(type)) {
        return false;
    }
    const TupleDesc fields = lookup_rowtype_tupdesc(type, -1);
    bool found = false;
    for (int i = 0; i < fields->natts && !found; ++i) {
        const Form_pg_attribute field = TupleDescAttr(fields, i);
        found = !field->attisdropped && holds_xml(field->atttypid);
    }
    ReleaseTupleDesc(fields);
    return found;
}

}  // namespace

void refuse_nested_xml(const char* table, const char* column, Oid type) {
    if (getBaseType(type) == XMLOID || !holds_xml(type)) {
        return;
    }
    ereport(
        ERROR,
        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
         errmsg("column \"%s\" of ledger table \"%s\" would hold xml inside type %s", column, table,
                format_type_be(type)),
         errdetail("The output of an array, composite or range drops a leading newline of each xml value in "
                   "it, so every dump and restore would change rows the ledger sealed."),
         errhint("Store xml in a column of type xml, or as text.")));
}

std::vector<core::DeclaredColumn> declared_columns(const RowCodec* codec) {
    std::vector<core::DeclaredColumn> columns;
    columns.reserve(codec->declaration_count);
    for (std::uint32_t i = 0; i < codec->declaration_count; ++i) {
        const ColumnDeclaration& declaration = codec->declarations[i];
        core::DeclaredColumn column{declaration.name_utf8, {}};
        for (int l = 0; l < declaration.level_count; ++l) {
            const TypeLevelDeclaration& level = declaration.levels[l];
            column.type.push_back(core::TypeLevel{static_cast<core::TypeLevel::Kind>(level.kind),
                                                  level.schema_utf8, level.name_utf8});
        }
        columns.push_back(std::move(column));
    }
    return columns;
}

RowCodec* build_row_codec(Relation relation, std::uint64_t table_id, MemoryContext context) {
    const TupleDesc descriptor = RelationGetDescr(relation);
    auto* codec = static_cast<RowCodec*>(MemoryContextAllocZero(context, sizeof(RowCodec)));
    codec->relid = RelationGetRelid(relation);
    codec->table_id = table_id;
    codec->columns =
        static_cast<ColumnCodec*>(MemoryContextAllocZero(context, sizeof(ColumnCodec) * descriptor->natts));
    codec->declarations = static_cast<ColumnDeclaration*>(
        MemoryContextAllocZero(context, sizeof(ColumnDeclaration) * (descriptor->natts + 1)));
    const NameList private_columns = private_column_names(table_id);
    std::uint32_t ordinal = 0;
    for (int i = 0; i < descriptor->natts; ++i) {
        const Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
        if (attribute->attisdropped) {
            continue;
        }
        ++ordinal;
        codec->declarations[codec->declaration_count++] = declare_column(attribute, context);
        const char* name = NameStr(attribute->attname);
        if (std::strcmp(name, kTxnColumn) == 0) {
            codec->txn_attnum = attribute->attnum;
            continue;
        }
        if (std::strcmp(name, kSeqColumn) == 0) {
            codec->seq_attnum = attribute->attnum;
            continue;
        }
        if (attribute->attgenerated != '\0') {
            continue;  // computed from the other columns, which are hashed
        }
        ColumnCodec& column = codec->columns[codec->column_count++];
        column.attnum = attribute->attnum;
        column.ordinal = ordinal;
        column.name = MemoryContextStrdup(context, name);
        column.name_utf8 = utf8_copy(name, context);
        column.name_length = std::strlen(column.name_utf8);
        describe_column(column, attribute->atttypid, attribute->attlen, context,
                        &codec->needs_pinned_settings);
        column.is_private = names_contain(private_columns, name);
        codec->private_count += column.is_private ? 1 : 0;
    }
    if (codec->txn_attnum == 0 || codec->seq_attnum == 0) {
        ereport(ERROR, (errcode(ERRCODE_LEDGER_PROTECTED_OBJECT),
                        errmsg("ledger table \"%s\" has lost its ledger position columns",
                               RelationGetRelationName(relation)),
                        errhint("Columns \"%s\" and \"%s\" must exist; restore them from a backup.",
                                kTxnColumn, kSeqColumn)));
    }
    call_cpp(
        [&] { codec->columns_hash = core::columns_hash(declared_columns(codec), codec->declaration_count); });
    return codec;
}

RowCodec* row_codec_for(Relation relation, std::uint64_t table_id) {
    if (codec_cache == nullptr) {
        HASHCTL control{};
        control.keysize = sizeof(Oid);
        control.entrysize = sizeof(CachedCodec);
        control.hcxt = CacheMemoryContext;
        codec_cache = hash_create("pgledger row codecs", 16, &control, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
        CacheRegisterRelcacheCallback(forget_codec, 0);
    }
    const Oid relid = RelationGetRelid(relation);
    if (recent_codec != nullptr && recent_codec->relid == relid && recent_codec->table_id == table_id) {
        return recent_codec;
    }
    bool found = false;
    auto* entry = static_cast<CachedCodec*>(hash_search(codec_cache, &relid, HASH_FIND, &found));
    if (found && entry->codec->table_id == table_id) {
        recent_codec = entry->codec;
        return entry->codec;
    }
    MemoryContext context =
        AllocSetContextCreate(CacheMemoryContext, "pgledger row codec", ALLOCSET_SMALL_SIZES);
    RowCodec* codec = nullptr;
    PG_TRY();
    { codec = build_row_codec(relation, table_id, context); }
    PG_CATCH();
    {
        MemoryContextDelete(context);
        PG_RE_THROW();
    }
    PG_END_TRY();
    // Looked up again: invalidations processed while building may have
    // removed the entry found above.
    entry = static_cast<CachedCodec*>(hash_search(codec_cache, &relid, HASH_ENTER, &found));
    if (found) {
        retire_context(entry->context);
    }
    entry->codec = codec;
    entry->context = context;
    recent_codec = codec;
    return codec;
}

const RowCodec* ledger_row_codec(Relation relation) {
    if (recent_codec != nullptr && recent_codec->relid == RelationGetRelid(relation)) {
        return recent_codec;
    }
    const std::uint64_t table_id = ledger_table_id(relation);
    return table_id == 0 ? nullptr : row_codec_for(relation, table_id);
}

// Rendered values are produced under the fixed formats (DateStyle, time
// zone, float precision...) and the internal search path (reg* types print
// names qualified as the path requires; pg_temp is named last, or a session's
// temporary object would be searched first and make a catalog name render
// qualified in that session only). Both below pin them with pin_definition_settings.
core::Digest value_commitment_of(Oid type, Datum value, const core::Digest& salt) {
    ColumnCodec column{};
    bool pinned = false;
    describe_column(column, type, get_typlen(type), CurrentMemoryContext, &pinned);
    const int nest_level = pinned ? pin_definition_settings() : 0;
    EncodedValue encoded{};
    encode_value(column, value, encoded);
    if (pinned) {
        unpin_internal_settings(nest_level);
    }
    return call_cpp([&] { return core::value_commitment(salt, encoded.kind, encoded.bytes, encoded.size); });
}

core::Digest hash_row(const RowCodec* codec, const Datum* values, const bool* nulls, std::uint64_t txn_id,
                      std::uint32_t seq, PrivateValue* private_values) {
    auto* encoded = static_cast<EncodedValue*>(palloc(sizeof(EncodedValue) * (codec->column_count + 1)));
    int count = 0;
    const int nest_level = codec->needs_pinned_settings ? pin_definition_settings() : 0;
    for (int i = 0; i < codec->column_count; ++i) {
        const ColumnCodec& column = codec->columns[i];
        const int index = column.attnum - 1;
        if (column.is_private) {
            PrivateValue unknown{};
            PrivateValue& given = private_values != nullptr ? private_values[i] : unknown;
            if (!nulls[index]) {
                EncodedValue& value = encoded[count++];
                encode_value(column, values[index], value);
                // Without its salt a value cannot be committed to; a zero
                // salt makes sure the row then fails verification.
                const core::Digest salt = given.salt_known ? given.salt : core::Digest{};
                given.commitment = call_cpp(
                    [&] { return core::value_commitment(salt, value.kind, value.bytes, value.size); });
                as_commitment(value, given.commitment);
            } else if (given.erased) {
                EncodedValue& value = encoded[count++];
                value.column = &column;
                as_commitment(value, given.commitment);
            }
            continue;
        }
        if (!nulls[index]) {
            encode_value(column, values[index], encoded[count++]);
        }
    }
    if (codec->needs_pinned_settings) {
        unpin_internal_settings(nest_level);
    }
    core::RowHasher* hasher = row_hasher();
    return call_cpp([&] {
        hasher->begin(codec->table_id, txn_id, seq);
        for (int i = 0; i < count; ++i) {
            const ColumnCodec& column = *encoded[i].column;
            hasher->add_column(column.ordinal, std::string_view(column.name_utf8, column.name_length),
                               encoded[i].kind, encoded[i].bytes, encoded[i].size);
        }
        return hasher->finish();
    });
}

}  // namespace pgledger::pg
