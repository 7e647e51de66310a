#include "pg/spi_values.hpp"

extern "C" {
#include "executor/spi.h"
#include "fmgr.h"
}

#include "pg/datum_conversion.hpp"

namespace pgledger::pg {

void spi_run(const char* sql, int expected_result) {
    const int result = SPI_execute(sql, false, 0);
    if (result != expected_result) {
        elog(ERROR, "pgledger: \"%s\" failed: %s", sql, SPI_result_code_string(result));
    }
}

bool spi_digest(HeapTuple tuple, TupleDesc descriptor, int column, core::Digest& out) {
    bool is_null = false;
    const Datum value = SPI_getbinval(tuple, descriptor, column, &is_null);
    return !is_null && bytea_to_digest(value, out);
}

int64 spi_int64(HeapTuple tuple, TupleDesc descriptor, int column, int64 if_null) {
    bool is_null = false;
    const Datum value = SPI_getbinval(tuple, descriptor, column, &is_null);
    return is_null ? if_null : DatumGetInt64(value);
}

int32 spi_int32(HeapTuple tuple, TupleDesc descriptor, int column, int32 if_null) {
    bool is_null = false;
    const Datum value = SPI_getbinval(tuple, descriptor, column, &is_null);
    return is_null ? if_null : DatumGetInt32(value);
}

const char* spi_text(HeapTuple tuple, TupleDesc descriptor, int column, const char* if_null) {
    const char* text = SPI_getvalue(tuple, descriptor, column);
    return text != nullptr ? text : if_null;
}

bool spi_bytes(HeapTuple tuple, TupleDesc descriptor, int column, const char** data, std::size_t* size) {
    bool is_null = false;
    const Datum value = SPI_getbinval(tuple, descriptor, column, &is_null);
    if (is_null) {
        return false;
    }
    const struct varlena* bytes = pg_detoast_datum_packed(reinterpret_cast<struct varlena*>(value));
    *data = VARDATA_ANY(bytes);
    *size = VARSIZE_ANY_EXHDR(bytes);
    return true;
}

}  // namespace pgledger::pg
