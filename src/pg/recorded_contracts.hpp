// The contract versions recorded in ledger.contracts, as the sealer and the
// verifier need them: by id, with the hash that entries and blocks commit to.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/htup.h"
#include "access/tupdesc.h"
}

#include <vector>

#include "core/canonical.hpp"

namespace pgledger::pg {

struct RecordedContract {
    int64 id;
    const char* name;
    const char* name_utf8;  // as hashed
    int32 version;
    core::Digest source_hash;  // as recomputed when loaded with recompute, else as stored
    bool in_force;             // the newest version of its contract
    bool record_altered;       // recomputed hash differs from the stored one
    bool functions_changed;    // its schema's functions differ from the recorded definitions
};

struct RecordedContracts {
    int count;
    RecordedContract* items;
};

// load_recorded_contracts reads ledger.contracts (requires SPI). With
// recompute, each source hash is recomputed from the recorded fields and
// the schema's functions are compared with the recorded definitions.
RecordedContracts load_recorded_contracts(bool recompute);

// spi_ids reads a bigint[] column into a palloc'd array; *count is 0 when NULL.
int64* spi_ids(HeapTuple tuple, TupleDesc descriptor, int column, int* count);

// append_versions adds the versions with these ids, sorted by name, and
// returns how many ids are unknown. Pure C++: call it inside call_cpp.
int append_versions(const RecordedContracts& recorded, const int64* ids, int count,
                    std::vector<core::ContractVersion>& out);
std::vector<core::ContractVersion> versions_in_force(const RecordedContracts& recorded);

}  // namespace pgledger::pg
