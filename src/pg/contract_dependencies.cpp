#include "pg/contract_dependencies.hpp"

extern "C" {
#include "postgres.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
}

#include "pg/catalog.hpp"
#include "pg/errors.hpp"
#include "pg/internal_settings.hpp"
#include "pg/type_guards.hpp"

namespace pgledger::pg {
namespace {

// contract_function_referring_to: a recorded contract version's function
// that depends on the object (on one of its columns when column is not 0),
// or, for a schema, on a relation or function in it; InvalidOid if none.
Oid contract_function_referring_to(const ObjectAddress& object) {
    const int nest_level = pin_internal_settings();
    SPI_connect();
    Oid types[3] = {OIDOID, OIDOID, INT4OID};
    Datum values[3] = {ObjectIdGetDatum(object.classId), ObjectIdGetDatum(object.objectId),
                       Int32GetDatum(object.objectSubId)};
    if (SPI_execute_with_args(
            "SELECT d.objid FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid "
            "JOIN pg_namespace n ON n.oid = p.pronamespace JOIN ledger.contracts c ON c.schema_name = "
            "n.nspname "
            "WHERE d.classid = 'pg_proc'::regclass AND CASE WHEN $1 = 'pg_namespace'::regclass "
            "THEN (d.refclassid = 'pg_class'::regclass AND d.refobjid IN "
            "      (SELECT oid FROM pg_class WHERE relnamespace = $2)) "
            "  OR (d.refclassid = 'pg_proc'::regclass AND d.refobjid IN "
            "      (SELECT oid FROM pg_proc WHERE pronamespace = $2 AND pronamespace <> p.pronamespace)) "
            "ELSE d.refclassid = $1 AND d.refobjid = $2 AND ($3 = 0 OR d.refobjsubid = $3) END LIMIT 1",
            3, types, values, nullptr, true, 1) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read what the contracts' functions refer to");
    }
    bool is_null = true;
    const Oid function =
        SPI_processed > 0
            ? DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null))
            : InvalidOid;
    SPI_finish();
    unpin_internal_settings(nest_level);
    return function;
}

void refuse_if_referred_to(const char* action, const ObjectAddress& object) {
    if (!OidIsValid(object.objectId) || !OidIsValid(ledger_namespace())) {
        return;
    }
    const Oid function = contract_function_referring_to(object);
    if (OidIsValid(function)) {
        ereport(
            ERROR,
            (errcode(ERRCODE_LEDGER_APPEND_ONLY),
             errmsg("%s %s is not allowed", action, getObjectDescription(&object, false)),
             errdetail("Function %s of a recorded contract version refers to it, and the ledger recorded "
                       "the function's definition, which names it.",
                       format_procedure_qualified(function)),
             errhint("Keep the names of what contracts' functions refer to; install a new contract version "
                     "that refers to the new name.")));
    }
}

// named_object: what a RenameStmt or AlterObjectSchemaStmt names, among
// relations, their columns and functions; InvalidOid for anything else.
ObjectAddress named_object(ObjectType kind, Node* object, RangeVar* relation, const char* column) {
    ObjectAddress address{InvalidOid, InvalidOid, 0};
    if ((names_relation(kind) || kind == OBJECT_COLUMN) && relation != nullptr) {
        const Oid relid = RangeVarGetRelid(relation, NoLock, true);
        ObjectAddressSet(address, RelationRelationId, relid);
        if (kind == OBJECT_COLUMN && OidIsValid(relid)) {
            address.objectSubId = get_attnum(relid, column);
            address.objectId = address.objectSubId > 0 ? relid : InvalidOid;
        }
    } else if (kind == OBJECT_FUNCTION || kind == OBJECT_PROCEDURE || kind == OBJECT_ROUTINE) {
        ObjectAddressSet(address, ProcedureRelationId,
                         LookupFuncWithArgs(kind, castNode(ObjectWithArgs, object), true));
    }
    return address;
}

}  // namespace

void check_contract_reference_rename(const RenameStmt* statement) {
    if (statement->renameType == OBJECT_SCHEMA) {
        ObjectAddress schema{NamespaceRelationId, get_namespace_oid(statement->subname, true), 0};
        refuse_if_referred_to("renaming", schema);
        return;
    }
    refuse_if_referred_to("renaming", named_object(statement->renameType, statement->object,
                                                   statement->relation, statement->subname));
}

void check_contract_reference_move(const AlterObjectSchemaStmt* statement) {
    refuse_if_referred_to(
        "moving", named_object(statement->objectType, statement->object, statement->relation, nullptr));
}

}  // namespace pgledger::pg
