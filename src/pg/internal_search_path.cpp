#include "pg/internal_search_path.hpp"

extern "C" {
#include "postgres.h"
#include "utils/guc.h"
}

namespace pgledger::pg {

int pin_internal_search_path() {
    const int nest_level = NewGUCNestLevel();
    (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                            true, 0, false);
    return nest_level;
}

void unpin_internal_search_path(int nest_level) {
    AtEOXact_GUC(true, nest_level);
}

}  // namespace pgledger::pg
