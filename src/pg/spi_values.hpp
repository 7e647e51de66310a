// Reading columns of SPI results defensively: the ledger's own tables are
// protected, but a superuser working behind the hooks can still put NULLs or
// malformed values there, and verification must report that, not crash.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "executor/spi.h"
}

#include "core/digest.hpp"

namespace pgledger::pg {

// spi_run executes a statement whose outcome is known, and errors on any other.
void spi_run(const char* sql, int expected_result);

// spi_scan runs a read-only query through a cursor and calls
// visit(tuple, descriptor) for each row, fetching them in batches so that a
// ledger of any size is read in bounded memory (requires SPI). visit must not
// hold objects with destructors: the rows' accessors may raise errors.
template <typename Visit>
void spi_scan(const char* cursor_name, const char* query, int nargs, Oid* types, Datum* values, Visit visit) {
    Portal cursor = SPI_cursor_open_with_args(cursor_name, query, nargs, types, values, nullptr, true, 0);
    for (;;) {
        SPI_cursor_fetch(cursor, true, 10000);
        if (SPI_processed == 0) {
            break;
        }
        for (uint64 i = 0; i < SPI_processed; ++i) {
            visit(SPI_tuptable->vals[i], SPI_tuptable->tupdesc);
        }
        SPI_freetuptable(SPI_tuptable);
    }
    SPI_cursor_close(cursor);
}

// spi_digest is false when the value is NULL or not exactly 32 bytes.
bool spi_digest(HeapTuple tuple, TupleDesc descriptor, int column, core::Digest& out);
int64 spi_int64(HeapTuple tuple, TupleDesc descriptor, int column, int64 if_null);
int32 spi_int32(HeapTuple tuple, TupleDesc descriptor, int column, int32 if_null);
// spi_text: the column's value as text (its output function's), if_null when NULL.
const char* spi_text(HeapTuple tuple, TupleDesc descriptor, int column, const char* if_null);
// spi_bytes points at a bytea value's bytes; false when NULL.
bool spi_bytes(HeapTuple tuple, TupleDesc descriptor, int column, const char** data, std::size_t* size);

}  // namespace pgledger::pg
