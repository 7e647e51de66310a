// Private columns: which columns of a ledger table are committed to with a
// salted hash, and the salts and commitments of their values, kept in
// ledger.private_salts apart from the rows so that erasing a value destroys
// its salt and leaves its commitment, which the chain still verifies.
#pragma once

extern "C" {
#include "postgres.h"
#include "utils/hsearch.h"
}

#include <cstdint>

#include "pg/row_codec.hpp"

namespace pgledger::pg {

struct NameList {
    int count;
    char** names;
};

// private_column_names lists the private columns of a ledger table. Uses SPI.
NameList private_column_names(std::uint64_t table_id);
bool names_contain(const NameList& list, const char* name);
// require_private_column errors (22023, with the hint) unless the column of
// the ledger table is private. Uses SPI.
void require_private_column(std::uint64_t table_id, Oid relid, const char* column_name, const char* hint);

// draw_salts gives each non-NULL private value of a new row a random salt.
void draw_salts(const RowCodec* codec, const bool* nulls, PrivateValue* values);

// record_salts stores the salts and commitments of a new row's private
// values, written as the ledger's owner. Uses SPI.
void record_salts(const RowCodec* codec, const bool* nulls, const PrivateValue* values, std::uint64_t txn_id,
                  std::uint32_t seq);

// RecordedSalts holds a table's recorded salts for verification.
struct RecordedSalts {
    HTAB* by_position;
};

RecordedSalts* load_recorded_salts(const RowCodec* codec);
// recorded_private_values fills one PrivateValue per codec column.
void recorded_private_values(const RecordedSalts* salts, const RowCodec* codec, std::uint64_t txn_id,
                             std::uint32_t seq, PrivateValue* values);

}  // namespace pgledger::pg
