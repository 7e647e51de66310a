// Renaming or moving what a recorded contract version's functions refer to.
// The ledger recorded each function's definition as PostgreSQL prints it,
// and a function with an SQL-standard body (BEGIN ATOMIC, RETURN) prints the
// current names of the tables, columns and functions it uses: renaming one
// would make verify() report the contract's functions as changed. Part of
// the append-only guard (guards.hpp), called from its utility hook; the
// types the functions take are guarded with the other types (type_guards.hpp),
// which read them through contract_references().
#pragma once

extern "C" {
#include "postgres.h"
#include "nodes/parsenodes.h"
}

namespace pgledger::pg {

// ContractReference: an object that a recorded contract version's function
// depends on (pg_depend): its class, oid and column (0 for the whole).
struct ContractReference {
    Oid function;
    Oid classid;
    Oid objid;
    int32 subid;
};

// contract_references: every object the recorded contract versions'
// functions depend on, in the current memory context; *count of them.
ContractReference* contract_references(uint64* count);

// check_contract_reference_rename refuses renaming a relation, column,
// function or schema that a recorded contract function refers to.
void check_contract_reference_rename(const RenameStmt* statement);

// check_contract_reference_move refuses moving such a relation or function
// to another schema.
void check_contract_reference_move(const AlterObjectSchemaStmt* statement);

}  // namespace pgledger::pg
