// Reads every row of a ledger table straight from the heap and hashes it,
// bypassing row-level security: verification must see every row.
#pragma once

extern "C" {
#include "postgres.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"
}

#include <cstdint>

#include "core/digest.hpp"
#include "pg/row_codec.hpp"

namespace pgledger::pg {

struct ScannedRow {
    ItemPointerData tid;
    bool has_position;
    std::uint64_t txn_id;
    std::uint32_t seq;
    core::Digest hash;
};

struct RecordedSalts;

using RowVisitor = void (*)(void* state, const ScannedRow& row);

// salts: the table's recorded salts when it has private columns, else nullptr.
void scan_ledger_rows(Relation relation, const RowCodec* codec, const RecordedSalts* salts, Snapshot snapshot,
                      RowVisitor visit, void* state);

}  // namespace pgledger::pg
