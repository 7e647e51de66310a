// Reading columns of SPI results defensively: the ledger's own tables are
// protected, but a superuser working behind the hooks can still put NULLs or
// malformed values there, and verification must report that, not crash.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/htup.h"
#include "access/tupdesc.h"
}

#include "core/digest.hpp"

namespace pgledger::pg {

// spi_run executes a statement whose outcome is known, and errors on any other.
void spi_run(const char* sql, int expected_result);

// spi_digest is false when the value is NULL or not exactly 32 bytes.
bool spi_digest(HeapTuple tuple, TupleDesc descriptor, int column, core::Digest& out);
int64 spi_int64(HeapTuple tuple, TupleDesc descriptor, int column, int64 if_null);
int32 spi_int32(HeapTuple tuple, TupleDesc descriptor, int column, int32 if_null);
// spi_name returns the name value, or if_null.
const char* spi_name(HeapTuple tuple, TupleDesc descriptor, int column, const char* if_null);
// spi_bytes points at a bytea value's bytes; false when NULL.
bool spi_bytes(HeapTuple tuple, TupleDesc descriptor, int column, const char** data, std::size_t* size);

}  // namespace pgledger::pg
