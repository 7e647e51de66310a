#include "pg/cpp_boundary.hpp"

#include <cstdio>

extern "C" {
#include "utils/elog.h"
}

namespace pgledger::pg {

ReportedError capture_exception(std::exception_ptr thrown) {
    ReportedError error{};
    error.sqlstate = ERRCODE_INTERNAL_ERROR;
    try {
        std::rethrow_exception(thrown);
    } catch (const LedgerError& e) {
        error.sqlstate = e.sqlstate;
        std::snprintf(error.message, sizeof error.message, "%s", e.what());
        std::snprintf(error.hint, sizeof error.hint, "%s", e.hint.c_str());
    } catch (const std::bad_alloc&) {
        error.sqlstate = ERRCODE_OUT_OF_MEMORY;
        std::snprintf(error.message, sizeof error.message, "out of memory in pgledger");
    } catch (const std::length_error& e) {
        error.sqlstate = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
        std::snprintf(error.message, sizeof error.message, "%s", e.what());
    } catch (const std::exception& e) {
        std::snprintf(error.message, sizeof error.message, "pgledger internal error: %s", e.what());
    } catch (...) {
        std::snprintf(error.message, sizeof error.message, "pgledger internal error: unknown exception");
    }
    return error;
}

void report(const ReportedError& error) {
    ereport(ERROR, (errcode(error.sqlstate), errmsg("%s", error.message),
                    error.hint[0] != '\0' ? errhint("%s", error.hint) : 0));
    pg_unreachable();
}

}  // namespace pgledger::pg
