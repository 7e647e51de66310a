#include "pg/type_guards.hpp"

extern "C" {
#include "postgres.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

#include "pg/catalog.hpp"
#include "pg/contract_dependencies.hpp"
#include "pg/errors.hpp"
#include "pg/internal_settings.hpp"
#include "pg/row_codec.hpp"

namespace pgledger::pg {
namespace {

bool type_contains(Oid type, Oid wanted);

// fields_contain: a non-dropped column (or field) of descriptor has a type
// that contains wanted.
bool fields_contain(TupleDesc descriptor, Oid wanted) {
    for (int i = 0; i < descriptor->natts; ++i) {
        const Form_pg_attribute field = TupleDescAttr(descriptor, i);
        if (!field->attisdropped && type_contains(field->atttypid, wanted)) {
            return true;
        }
    }
    return false;
}

// type_contains: values of type render, at some depth, through wanted: it is
// wanted, a domain, array, range or multirange over it, or a composite with
// a field that contains it.
bool type_contains(Oid type, Oid wanted) {
    check_stack_depth();
    if (type == wanted) {
        return true;
    }
    switch (get_typtype(type)) {
        case TYPTYPE_DOMAIN:
            return type_contains(getBaseType(type), wanted);
        case TYPTYPE_RANGE:
            return type_contains(get_range_subtype(type), wanted);
        case TYPTYPE_MULTIRANGE:
            return type_contains(get_multirange_range(type), wanted);
        case TYPTYPE_COMPOSITE: {
            Relation fields = relation_open(get_typ_typrelid(type), AccessShareLock);
            const bool contains = fields_contain(RelationGetDescr(fields), wanted);
            relation_close(fields, AccessShareLock);
            return contains;
        }
        default: {
            const Oid element = get_element_type(type);
            return OidIsValid(element) && type_contains(element, wanted);
        }
    }
}

// registered_ledger_tables: the relations ledger.tables registers, in the
// current memory context.
Oid* registered_ledger_tables(uint64* count) {
    const int nest_level = pin_internal_settings();
    SPI_connect();
    if (SPI_execute("SELECT relation::oid FROM ledger.tables", true, 0) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger.tables");
    }
    *count = SPI_processed;
    Oid* tables = static_cast<Oid*>(SPI_palloc(sizeof(Oid) * (*count + 1)));
    for (uint64 i = 0; i < *count; ++i) {
        bool is_null = true;
        tables[i] =
            DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &is_null));
    }
    SPI_finish();
    unpin_internal_settings(nest_level);
    return tables;
}

// first_ledger_table: the first registered ledger table for which
// matches(descriptor) holds, or InvalidOid.
template <typename Matches>
Oid first_ledger_table(Matches matches) {
    uint64 count = 0;
    const Oid* tables = registered_ledger_tables(&count);
    for (uint64 i = 0; i < count; ++i) {
        Relation table = try_relation_open(tables[i], AccessShareLock);
        if (table == nullptr) {
            continue;
        }
        const bool matched = matches(RelationGetDescr(table));
        // Kept until the transaction ends: a column added concurrently
        // could otherwise bind the type that this statement renames.
        relation_close(table, NoLock);
        if (matched) {
            return tables[i];
        }
    }
    return InvalidOid;
}

// ledger_table_holding: a ledger table with a column whose values render
// through type, or InvalidOid.
Oid ledger_table_holding(Oid type) {
    return first_ledger_table([&](TupleDesc columns) { return fields_contain(columns, type); });
}

// DeclaringColumn: a ledger table's column and the type that a check
// picked among those the column is bound by (bound_types: the declared type,
// a domain's base type, an array's element type, down to a named type).
struct DeclaringColumn {
    Oid table = InvalidOid;
    NameData column{};
    Oid type = InvalidOid;
};

template <typename Picks>
DeclaringColumn find_declaring_column(Picks picks) {
    DeclaringColumn found;
    found.table = first_ledger_table([&](TupleDesc columns) {
        for (int i = 0; i < columns->natts; ++i) {
            const Form_pg_attribute column = TupleDescAttr(columns, i);
            if (column->attisdropped) {
                continue;
            }
            Oid types[kMaxTypeLevels];
            const int count = bound_types(column->atttypid, types);
            for (int level = 0; level < count; ++level) {
                if (picks(types[level])) {
                    found.column = column->attname;
                    found.type = types[level];
                    return true;
                }
            }
        }
        return false;
    });
    return found;
}

// ContractFunctionType: a recorded contract's function whose signature
// names a type that a check picked (among the types it is bound by). The
// ledger recorded the function's definition as text, which names its
// argument and result types by schema and name.
struct ContractFunctionType {
    Oid function = InvalidOid;
    Oid type = InvalidOid;
};

template <typename Picks>
ContractFunctionType find_contract_function(Picks picks) {
    uint64 count = 0;
    const ContractReference* references = contract_references(&count);
    for (uint64 i = 0; i < count; ++i) {
        if (references[i].classid != TypeRelationId) {
            continue;
        }
        Oid types[kMaxTypeLevels];
        const int levels = bound_types(references[i].objid, types);
        for (int level = 0; level < levels; ++level) {
            if (picks(types[level])) {
                return ContractFunctionType{references[i].function, types[level]};
            }
        }
    }
    return ContractFunctionType{};
}

// refuse_if_declared raises LG001 for what (an errmsg such as "renaming
// type x") when a ledger column's declaration, or the signature of a
// recorded contract's function, holds a type that picks picks.
template <typename Picks>
void refuse_if_declared(const char* what, Picks picks) {
    if (!OidIsValid(ledger_namespace())) {
        return;
    }
    const ContractFunctionType contract = find_contract_function(picks);
    if (OidIsValid(contract.function)) {
        ereport(
            ERROR,
            (errcode(ERRCODE_LEDGER_APPEND_ONLY), errmsg("%s is not allowed", what),
             errdetail("Function %s of a recorded contract version names type %s, and the ledger recorded "
                       "the function's definition with that name.",
                       format_procedure_qualified(contract.function), format_type_be(contract.type)),
             errhint("Keep the names and schemas of the types that contracts' functions name; install a "
                     "new contract version for renamed ones.")));
    }
    const DeclaringColumn column = find_declaring_column(picks);
    if (OidIsValid(column.table)) {
        ereport(ERROR,
                (errcode(ERRCODE_LEDGER_APPEND_ONLY), errmsg("%s is not allowed", what),
                 errdetail("The type of column \"%s\" of ledger table \"%s\" is bound by type %s: every "
                           "transaction's entry binds the schema and name of each such type.",
                           NameStr(column.column), get_rel_name(column.table), format_type_be(column.type)),
                 errhint("Keep the names and schemas of the types that ledger columns are bound by.")));
    }
}

Oid type_namespace(Oid type) {
    HeapTuple tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(type));
    if (!HeapTupleIsValid(tuple)) {
        return InvalidOid;
    }
    const Oid namespace_oid = reinterpret_cast<Form_pg_type>(GETSTRUCT(tuple))->typnamespace;
    ReleaseSysCache(tuple);
    return namespace_oid;
}

// extension_owns: type, or the relation whose row type it is, belongs to
// extension, and moves with it.
bool extension_owns(Oid extension, Oid type) {
    const Oid relation = get_typ_typrelid(type);
    return getExtensionOfObject(TypeRelationId, type) == extension ||
           (OidIsValid(relation) && getExtensionOfObject(RelationRelationId, relation) == extension);
}

// refuse_if_named_type_declared checks the type a RenameStmt or
// AlterObjectSchemaStmt names: as a type, or as the row type of the
// relation it names.
void refuse_if_named_type_declared(const char* action, ObjectType kind, Node* object, RangeVar* relation) {
    Oid type = InvalidOid;
    const char* what = nullptr;
    if (kind == OBJECT_TYPE || kind == OBJECT_DOMAIN) {
        type = LookupTypeNameOid(nullptr, makeTypeNameFromNameList(castNode(List, object)), true);
        what = OidIsValid(type) ? psprintf("%s type %s", action, format_type_be(type)) : nullptr;
    } else if (names_relation(kind) && relation != nullptr) {
        const Oid relid = RangeVarGetRelid(relation, NoLock, true);
        type = OidIsValid(relid) ? get_rel_type_id(relid) : InvalidOid;
        what = OidIsValid(type) ? psprintf("%s \"%s\", and with it its row type %s,", action,
                                           get_rel_name(relid), format_type_be(type))
                                : nullptr;
    }
    if (OidIsValid(type)) {
        refuse_if_declared(what, [&](Oid declared) { return declared == type; });
    }
}

}  // namespace

bool names_relation(ObjectType kind) {
    return kind == OBJECT_TABLE || kind == OBJECT_VIEW || kind == OBJECT_MATVIEW ||
           kind == OBJECT_FOREIGN_TABLE || kind == OBJECT_INDEX || kind == OBJECT_SEQUENCE;
}

// check_enum_rename: an enum value is hashed as its label, so renaming a
// label would make every sealed row holding it fail verification.
void check_enum_rename(const AlterEnumStmt* statement) {
    if (statement->oldVal == nullptr || !OidIsValid(ledger_namespace())) {
        return;  // ADD VALUE leaves existing values as they render
    }
    const Oid type = LookupTypeNameOid(nullptr, makeTypeNameFromNameList(statement->typeName), true);
    if (!OidIsValid(type)) {
        return;
    }
    const Oid table = ledger_table_holding(type);
    if (OidIsValid(table)) {
        ereport(ERROR, (errcode(ERRCODE_LEDGER_APPEND_ONLY),
                        errmsg("renaming a label of type %s is not allowed", format_type_be(type)),
                        errdetail("Ledger table \"%s\" holds values of it, which are hashed as their labels.",
                                  get_rel_name(table)),
                        errhint("Add the new label with ALTER TYPE ... ADD VALUE instead.")));
    }
}

// check_row_type_change: a composite value renders every field, so adding,
// dropping or retyping a field of a row type that ledger rows hold (ALTER
// TYPE ... ATTRIBUTE, or ALTER TABLE of the table whose row type it is) would
// make every sealed row holding such a value fail verification.
void check_row_type_change(Oid relid, const AlterTableStmt* statement) {
    bool changes_fields = false;
    ListCell* cell = nullptr;
    foreach (cell, statement->cmds) {
        const auto subtype = static_cast<AlterTableCmd*>(lfirst(cell))->subtype;
        changes_fields = changes_fields || subtype == AT_AddColumn || subtype == AT_DropColumn ||
                         subtype == AT_AlterColumnType;
    }
    const Oid row_type = changes_fields ? get_rel_type_id(relid) : InvalidOid;
    if (!OidIsValid(row_type) || !OidIsValid(ledger_namespace())) {
        return;
    }
    const Oid table = ledger_table_holding(row_type);
    if (OidIsValid(table)) {
        ereport(ERROR,
                (errcode(ERRCODE_LEDGER_APPEND_ONLY),
                 errmsg("the fields of type %s cannot change", format_type_be(row_type)),
                 errdetail("Ledger table \"%s\" holds values of it, which are hashed with every field.",
                           get_rel_name(table)),
                 errhint("Create a new type for new rows instead.")));
    }
}

void check_type_rename(const RenameStmt* statement) {
    if (statement->renameType == OBJECT_SCHEMA) {
        const Oid schema = get_namespace_oid(statement->subname, true);
        if (OidIsValid(schema)) {
            refuse_if_declared(psprintf("renaming schema \"%s\"", statement->subname),
                               [&](Oid declared) { return type_namespace(declared) == schema; });
        }
        return;
    }
    refuse_if_named_type_declared("renaming", statement->renameType, statement->object, statement->relation);
}

void check_type_move(const AlterObjectSchemaStmt* statement) {
    if (statement->objectType == OBJECT_EXTENSION) {
        const char* name = strVal(statement->object);
        const Oid extension = get_extension_oid(name, true);
        if (OidIsValid(extension)) {
            refuse_if_declared(psprintf("moving extension \"%s\" to another schema", name),
                               [&](Oid declared) { return extension_owns(extension, declared); });
        }
        return;
    }
    refuse_if_named_type_declared("moving", statement->objectType, statement->object, statement->relation);
}

}  // namespace pgledger::pg
