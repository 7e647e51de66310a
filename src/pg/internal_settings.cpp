#include "pg/internal_settings.hpp"

extern "C" {
#include "postgres.h"
#include "utils/guc.h"
}

namespace pgledger::pg {

int pin_internal_settings() {
    const int nest_level = NewGUCNestLevel();
    (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                            true, 0, false);
    (void)set_config_option("quote_all_identifiers", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
                            0, false);
    return nest_level;
}

int pin_definition_settings() {
    const int nest_level = pin_internal_settings();
    for (const FixedSetting& setting : kContractFormats) {
        (void)set_config_option(setting.name, setting.value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                                true, 0, false);
    }
    return nest_level;
}

void unpin_internal_settings(int nest_level) {
    AtEOXact_GUC(true, nest_level);
}

}  // namespace pgledger::pg
