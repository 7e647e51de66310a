#include "pg/private_values.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
}

#include <cstring>

#include "pg/catalog.hpp"
#include "pg/internal_settings.hpp"
#include "pg/cpp_boundary.hpp"
#include "pg/datum_conversion.hpp"
#include "pg/errors.hpp"
#include "pg/spi_values.hpp"

namespace pgledger::pg {
namespace {

struct SaltKey {
    int64 txn_id;
    int32 seq;
    int32 column_index;
};

struct SaltEntry {
    SaltKey key;
    PrivateValue value;
};

SaltKey salt_key(std::uint64_t txn_id, std::uint32_t seq, int column_index) {
    SaltKey key;
    std::memset(&key, 0, sizeof key);  // hashed as bytes: no stray padding
    key.txn_id = static_cast<int64>(txn_id);
    key.seq = static_cast<int32>(seq);
    key.column_index = column_index;
    return key;
}

int column_index(const RowCodec* codec, const char* name) {
    for (int i = 0; i < codec->column_count; ++i) {
        if (std::strcmp(codec->columns[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

SPIPlanPtr insert_salt_plan = nullptr;

}  // namespace

NameList private_column_names(std::uint64_t table_id) {
    MemoryContext caller = CurrentMemoryContext;
    NameList list{0, nullptr};
    const int nest_level = pin_internal_settings();
    SPI_connect();
    Oid types[1] = {INT8OID};
    Datum values[1] = {Int64GetDatum(static_cast<int64>(table_id))};
    if (SPI_execute_with_args("SELECT column_name::text FROM ledger.private_columns WHERE table_id = $1", 1,
                              types, values, nullptr, true, 0) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger.private_columns");
    }
    list.count = static_cast<int>(SPI_processed);
    list.names = static_cast<char**>(MemoryContextAllocZero(caller, sizeof(char*) * (list.count + 1)));
    for (int i = 0; i < list.count; ++i) {
        const char* name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
        list.names[i] = MemoryContextStrdup(caller, name != nullptr ? name : "");
    }
    SPI_finish();
    unpin_internal_settings(nest_level);
    return list;
}

bool names_contain(const NameList& list, const char* name) {
    for (int i = 0; i < list.count; ++i) {
        if (std::strcmp(list.names[i], name) == 0) {
            return true;
        }
    }
    return false;
}

void require_private_column(std::uint64_t table_id, Oid relid, const char* column_name, const char* hint) {
    if (!names_contain(private_column_names(table_id), column_name)) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("column \"%s\" of \"%s\" is not private", column_name, get_rel_name(relid)),
                        errhint("%s", hint)));
    }
}

void draw_salts(const RowCodec* codec, const bool* nulls, PrivateValue* values) {
    for (int i = 0; i < codec->column_count; ++i) {
        const ColumnCodec& column = codec->columns[i];
        if (!column.is_private || nulls[column.attnum - 1]) {
            continue;
        }
        if (!pg_strong_random(values[i].salt.data(), values[i].salt.size())) {
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate a random salt")));
        }
        values[i].salt_known = true;
    }
}

void record_salts(const RowCodec* codec, const bool* nulls, const PrivateValue* values, std::uint64_t txn_id,
                  std::uint32_t seq) {
    const Oid salts_table = ledger_relation("private_salts");
    if (!OidIsValid(salts_table)) {
        ereport(ERROR, (errcode(ERRCODE_LEDGER_PROTECTED_OBJECT),
                        errmsg("ledger.private_salts is missing; private values cannot be recorded")));
    }
    const int nest_level = pin_internal_settings();
    SPI_connect();
    if (insert_salt_plan == nullptr) {
        Oid types[6] = {INT8OID, INT8OID, INT4OID, TEXTOID, BYTEAOID, BYTEAOID};
        SPIPlanPtr plan = SPI_prepare(
            "INSERT INTO ledger.private_salts (table_id, transaction_id, sequence_number, column_name, salt, "
            "commitment) VALUES ($1, $2, $3, $4, $5, $6)",
            6, types);
        if (plan == nullptr || SPI_keepplan(plan) != 0) {
            elog(ERROR, "pgledger could not prepare its salt record: %s", SPI_result_code_string(SPI_result));
        }
        insert_salt_plan = plan;
    }
    // The inserting role may not read or write salts: only the ledger does.
    const SavedUser caller = become_owner_of(salts_table);
    for (int i = 0; i < codec->column_count; ++i) {
        const ColumnCodec& column = codec->columns[i];
        if (!column.is_private || nulls[column.attnum - 1]) {
            continue;
        }
        Datum args[6] = {Int64GetDatum(static_cast<int64>(codec->table_id)),
                         Int64GetDatum(static_cast<int64>(txn_id)),
                         Int32GetDatum(static_cast<int32>(seq)),
                         CStringGetTextDatum(column.name),
                         PointerGetDatum(digest_to_bytea(values[i].salt)),
                         PointerGetDatum(digest_to_bytea(values[i].commitment))};
        if (SPI_execute_plan(insert_salt_plan, args, nullptr, false, 0) != SPI_OK_INSERT) {
            elog(ERROR, "pgledger could not record the salt of a private value");
        }
    }
    restore_user(caller);
    SPI_finish();
    unpin_internal_settings(nest_level);
}

RecordedSalts* load_recorded_salts(const RowCodec* codec) {
    auto* salts = static_cast<RecordedSalts*>(palloc0(sizeof(RecordedSalts)));
    HASHCTL control{};
    control.keysize = sizeof(SaltKey);
    control.entrysize = sizeof(SaltEntry);
    control.hcxt = CurrentMemoryContext;
    salts->by_position =
        hash_create("pgledger recorded salts", 256, &control, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    const int nest_level = pin_internal_settings();
    SPI_connect();
    Oid types[1] = {INT8OID};
    Datum values[1] = {Int64GetDatum(static_cast<int64>(codec->table_id))};
    spi_scan("pgledger_salts",
             "SELECT transaction_id, sequence_number, column_name::text, salt, commitment, "
             "erased_at IS NOT NULL FROM ledger.private_salts WHERE table_id = $1",
             1, types, values, [&](HeapTuple tuple, TupleDesc descriptor) {
                 const char* name = SPI_getvalue(tuple, descriptor, 3);
                 const int index = name != nullptr ? column_index(codec, name) : -1;
                 if (index < 0) {
                     return;  // a salt of no column this table has: it hashes nothing
                 }
                 PrivateValue value{};
                 value.salt_known = spi_digest(tuple, descriptor, 4, value.salt);
                 const bool has_commitment = spi_digest(tuple, descriptor, 5, value.commitment);
                 const char* erased = SPI_getvalue(tuple, descriptor, 6);
                 value.erased = !value.salt_known && has_commitment && erased != nullptr && erased[0] == 't';
                 const SaltKey key =
                     salt_key(static_cast<std::uint64_t>(spi_int64(tuple, descriptor, 1, 0)),
                              static_cast<std::uint32_t>(spi_int32(tuple, descriptor, 2, 0)), index);
                 auto* entry =
                     static_cast<SaltEntry*>(hash_search(salts->by_position, &key, HASH_ENTER, nullptr));
                 entry->value = value;
             });
    SPI_finish();
    unpin_internal_settings(nest_level);
    return salts;
}

void recorded_private_values(const RecordedSalts* salts, const RowCodec* codec, std::uint64_t txn_id,
                             std::uint32_t seq, PrivateValue* values) {
    for (int i = 0; i < codec->column_count; ++i) {
        values[i] = PrivateValue{};
        if (!codec->columns[i].is_private) {
            continue;
        }
        const SaltKey key = salt_key(txn_id, seq, i);
        const auto* entry =
            static_cast<const SaltEntry*>(hash_search(salts->by_position, &key, HASH_FIND, nullptr));
        if (entry != nullptr) {
            values[i] = entry->value;
        }
    }
}

}  // namespace pgledger::pg
