// Guards on the types that ledger columns are declared with or hold, and
// that recorded contract functions name: what values render as is hashed
// into every row, each entry binds the schema and name of the types its
// columns are bound by, and a contract's recorded definitions name the types
// its functions take, so changing any of them would make sealed history fail
// verification. Part of the append-only guard (guards.hpp), called from its
// utility hook.
#pragma once

extern "C" {
#include "postgres.h"
#include "nodes/parsenodes.h"
}

namespace pgledger::pg {

// names_relation: a RenameStmt or AlterObjectSchemaStmt of this kind names a
// relation, whose row type is renamed or moved with it (ALTER INDEX and
// ALTER SEQUENCE can rename a table too).
bool names_relation(ObjectType kind);

// check_enum_rename refuses renaming a label of an enum that ledger rows hold.
void check_enum_rename(const AlterEnumStmt* statement);

// check_row_type_change refuses ALTER TABLE / ALTER TYPE of relid when it
// changes the fields of a row type that ledger rows hold.
void check_row_type_change(Oid relid, const AlterTableStmt* statement);

// check_type_rename refuses renaming such a type, the schema it lives in, or
// the table whose row type it is.
void check_type_rename(const RenameStmt* statement);

// check_type_move refuses moving such a type to another schema, directly,
// with the table whose row type it is, or with the extension it belongs to.
void check_type_move(const AlterObjectSchemaStmt* statement);

}  // namespace pgledger::pg
