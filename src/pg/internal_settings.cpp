#include "pg/internal_settings.hpp"

#include <cstddef>

extern "C" {
#include "postgres.h"
#include "utils/guc.h"
}

namespace pgledger::pg {
namespace {

// pin sets one setting until the current GUC nest level ends, as a
// function's SET clause does.
void pin(const char* name, const char* value) {
    (void)set_config_option(name, value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

template <std::size_t count>
void pin_all(const FixedSetting (&settings)[count]) {
    for (const FixedSetting& setting : settings) {
        pin(setting.name, setting.value);
    }
}

}  // namespace

int pin_internal_settings() {
    const int nest_level = NewGUCNestLevel();
    pin("search_path", "pg_catalog, pg_temp");
    pin("quote_all_identifiers", "off");
    return nest_level;
}

int pin_definition_settings() {
    const int nest_level = pin_internal_settings();
    pin_all(kContractFormats);
    return nest_level;
}

int pin_contract_settings() {
    const int nest_level = pin_definition_settings();
    pin_all(kContractBehaviour);
    return nest_level;
}

void unpin_internal_settings(int nest_level) {
    AtEOXact_GUC(true, nest_level);
}

}  // namespace pgledger::pg
