#include "pg/recorded_contracts.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

#include <algorithm>
#include <cstring>

#include "pg/contract_schemas.hpp"
#include "pg/internal_settings.hpp"
#include "pg/cpp_boundary.hpp"
#include "pg/datum_conversion.hpp"
#include "pg/spi_values.hpp"

namespace pgledger::pg {

RecordedContracts load_recorded_contracts(bool recompute) {
    const char* query = psprintf(
        "SELECT c.contract_id, c.contract_name, c.version, c.source_hash, c.source, c.checks::text, "
        "c.definitions, "
        "c.version = max(c.version) OVER (PARTITION BY c.contract_name), "
        "%s FROM ledger.contracts c ORDER BY c.contract_id",
        recompute
            ? psprintf("c.definitions IS NOT DISTINCT FROM %s", contract_definitions_sql("c.schema_name"))
            : "true");
    const int nest_level = pin_definition_settings();
    const int read = SPI_execute(query, true, 0);
    unpin_internal_settings(nest_level);
    if (read != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger.contracts");
    }
    RecordedContracts recorded{static_cast<int>(SPI_processed), nullptr};
    recorded.items = static_cast<RecordedContract*>(palloc0(sizeof(RecordedContract) * (recorded.count + 1)));
    for (int i = 0; i < recorded.count; ++i) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        TupleDesc descriptor = SPI_tuptable->tupdesc;
        RecordedContract& contract = recorded.items[i];
        contract.id = spi_int64(tuple, descriptor, 1, 0);
        const char* name = SPI_getvalue(tuple, descriptor, 2);
        contract.name = name != nullptr ? name : "";
        contract.name_utf8 = utf8_text(contract.name);
        contract.version = spi_int32(tuple, descriptor, 3, 0);
        core::Digest stored{};
        const bool stored_well_formed = spi_digest(tuple, descriptor, 4, stored);
        const char* in_force = SPI_getvalue(tuple, descriptor, 8);
        contract.in_force = in_force != nullptr && in_force[0] == 't';
        contract.source_hash = stored;
        if (!recompute) {
            continue;
        }
        const char* source = utf8_text(spi_text(tuple, descriptor, 5, ""));
        const char* checks = utf8_text(spi_text(tuple, descriptor, 6, ""));
        const char* definitions = utf8_text(spi_text(tuple, descriptor, 7, ""));
        const char* same_functions = SPI_getvalue(tuple, descriptor, 9);
        contract.functions_changed = same_functions == nullptr || same_functions[0] != 't';
        contract.source_hash = call_cpp([&] {
            core::ContractSource fields;
            fields.name = contract.name_utf8;
            fields.version = static_cast<std::uint32_t>(contract.version);
            fields.source = source;
            fields.checks = checks;
            fields.definitions = definitions;
            return core::contract_source_hash(fields);
        });
        contract.record_altered = !stored_well_formed || contract.source_hash != stored;
    }
    return recorded;
}

int64* spi_ids(HeapTuple tuple, TupleDesc descriptor, int column, int* count) {
    bool is_null = false;
    const Datum value = SPI_getbinval(tuple, descriptor, column, &is_null);
    *count = 0;
    if (is_null) {
        return nullptr;
    }
    Datum* elements = nullptr;
    bool* nulls = nullptr;
    deconstruct_array(DatumGetArrayTypeP(value), INT8OID, 8, true, TYPALIGN_DOUBLE, &elements, &nulls, count);
    auto* ids = static_cast<int64*>(palloc(sizeof(int64) * (*count + 1)));
    for (int i = 0; i < *count; ++i) {
        ids[i] = nulls[i] ? 0 : DatumGetInt64(elements[i]);
    }
    return ids;
}

int append_versions(const RecordedContracts& recorded, const int64* ids, int count,
                    std::vector<core::ContractVersion>& out) {
    int unknown = 0;
    for (int i = 0; i < count; ++i) {
        const RecordedContract* found = nullptr;
        for (int j = 0; j < recorded.count && found == nullptr; ++j) {
            if (recorded.items[j].id == ids[i]) {
                found = &recorded.items[j];
            }
        }
        if (found == nullptr) {
            ++unknown;
            continue;
        }
        out.push_back(core::ContractVersion{found->name_utf8, static_cast<std::uint32_t>(found->version),
                                            found->source_hash});
    }
    std::sort(out.begin(), out.end(), [](const core::ContractVersion& a, const core::ContractVersion& b) {
        return a.name < b.name || (a.name == b.name && a.version < b.version);
    });
    return unknown;
}

std::vector<core::ContractVersion> versions_in_force(const RecordedContracts& recorded) {
    std::vector<core::ContractVersion> in_force;
    for (int i = 0; i < recorded.count; ++i) {
        const RecordedContract& contract = recorded.items[i];
        if (contract.in_force) {
            in_force.push_back(core::ContractVersion{
                contract.name_utf8, static_cast<std::uint32_t>(contract.version), contract.source_hash});
        }
    }
    std::sort(in_force.begin(), in_force.end(),
              [](const core::ContractVersion& a, const core::ContractVersion& b) { return a.name < b.name; });
    return in_force;
}

}  // namespace pgledger::pg
