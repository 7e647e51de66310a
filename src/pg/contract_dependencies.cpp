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

ContractReference* contract_references(uint64* count) {
    const int nest_level = pin_internal_settings();
    SPI_connect();
    if (SPI_execute(
            "SELECT d.objid, d.refclassid, d.refobjid, d.refobjsubid FROM pg_depend d "
            "JOIN pg_proc p ON p.oid = d.objid JOIN pg_namespace n ON n.oid = p.pronamespace "
            "JOIN ledger.contracts c ON c.schema_name = n.nspname WHERE d.classid = 'pg_proc'::regclass",
            true, 0) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read what the contracts' functions refer to");
    }
    *count = SPI_processed;
    auto* references = static_cast<ContractReference*>(SPI_palloc(sizeof(ContractReference) * (*count + 1)));
    for (uint64 i = 0; i < *count; ++i) {
        const HeapTuple tuple = SPI_tuptable->vals[i];
        const TupleDesc descriptor = SPI_tuptable->tupdesc;
        bool is_null = true;
        references[i] = ContractReference{DatumGetObjectId(SPI_getbinval(tuple, descriptor, 1, &is_null)),
                                          DatumGetObjectId(SPI_getbinval(tuple, descriptor, 2, &is_null)),
                                          DatumGetObjectId(SPI_getbinval(tuple, descriptor, 3, &is_null)),
                                          DatumGetInt32(SPI_getbinval(tuple, descriptor, 4, &is_null))};
    }
    SPI_finish();
    unpin_internal_settings(nest_level);
    return references;
}

namespace {

// contract_function_referring_to: a recorded contract version's function
// that depends on the object (on one of its columns when column is not 0),
// or, for a schema, on a relation or function in it; InvalidOid if none.
Oid contract_function_referring_to(const ObjectAddress& object) {
    uint64 count = 0;
    const ContractReference* references = contract_references(&count);
    for (uint64 i = 0; i < count; ++i) {
        const ContractReference& reference = references[i];
        const bool referred_to = object.classId == NamespaceRelationId
                                     ? (reference.classid == RelationRelationId &&
                                        get_rel_namespace(reference.objid) == object.objectId) ||
                                           (reference.classid == ProcedureRelationId &&
                                            get_func_namespace(reference.objid) == object.objectId &&
                                            get_func_namespace(reference.function) != object.objectId)
                                     : reference.classid == object.classId &&
                                           reference.objid == object.objectId &&
                                           (object.objectSubId == 0 || reference.subid == object.objectSubId);
        if (referred_to) {
            return reference.function;
        }
    }
    return InvalidOid;
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
