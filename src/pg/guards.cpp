#include "pg/guards.hpp"

extern "C" {
#include "postgres.h"
#include "access/htup_details.h"
#include "access/genam.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "catalog/namespace.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "parser/parse_func.h"
#include "parser/parse_type.h"
#include "parser/parsetree.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/typcache.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

#include <cstring>
#include <initializer_list>

#include "pg/catalog.hpp"
#include "pg/contract_committers.hpp"
#include "pg/internal_settings.hpp"
#include "pg/contract_dependencies.hpp"
#include "pg/contract_schemas.hpp"
#include "pg/erasure.hpp"
#include "pg/errors.hpp"
#include "pg/explain_guard.hpp"
#include "pg/row_codec.hpp"
#include "pg/transaction_log.hpp"
#include "pg/type_guards.hpp"

namespace pgledger::pg {

void refuse_history_change(Oid relid, const char* what) {
    ereport(ERROR, (errcode(ERRCODE_LEDGER_APPEND_ONLY),
                    errmsg("%s is not allowed on ledger table \"%s\"", what, get_rel_name(relid)),
                    errdetail("Ledger tables are append-only for every role, superusers included."),
                    errhint("Record a correction as a new row instead of changing or removing history.")));
    pg_unreachable();
}

namespace {

ExecutorStart_hook_type previous_executor_start = nullptr;
ProcessUtility_hook_type previous_process_utility = nullptr;
object_access_hook_type previous_object_access = nullptr;

[[noreturn]] void refuse_internal_change(Oid relid, const char* what) {
    ereport(ERROR, (errcode(ERRCODE_LEDGER_PROTECTED_OBJECT),
                    errmsg("%s is not allowed on \"%s.%s\"", what, kSchema, get_rel_name(relid)),
                    errdetail("The ledger's own tables are written only by pgledger."),
                    errhint("Read them with SELECT; verify them with ledger.verify().")));
    pg_unreachable();
}

[[noreturn]] void refuse(Oid relid, bool internal, const char* what) {
    if (internal) {
        refuse_internal_change(relid, what);
    }
    refuse_history_change(relid, what);
}

void check_modify_table(const PlannedStmt* statement, const ModifyTable* modify) {
    ListCell* cell = nullptr;
    int action_list_index = 0;
    foreach (cell, modify->resultRelations) {
        const Oid relid = rt_fetch(lfirst_int(cell), statement->rtable)->relid;
        const bool ledger_table = is_ledger_table(relid);
        const bool internal = !ledger_table && is_internal_relation(relid);
        if (!ledger_table && !internal) {
            ++action_list_index;
            continue;
        }
        switch (modify->operation) {
            case CMD_UPDATE:
                // Only the sealer updates, to record which block sealed an entry.
                if (internal && internal_write_in_progress()) {
                    break;
                }
                if (ledger_table && take_erasure_permit(relid)) {
                    break;
                }
                refuse(relid, internal, "UPDATE");
            case CMD_DELETE:
                refuse(relid, internal, "DELETE");
            case CMD_INSERT:
                if (modify->onConflictAction == ONCONFLICT_UPDATE) {
                    refuse(relid, internal, "INSERT ... ON CONFLICT DO UPDATE");
                }
                break;
            case CMD_MERGE: {
                List* actions = static_cast<List*>(list_nth(modify->mergeActionLists, action_list_index));
                ListCell* action_cell = nullptr;
                foreach (action_cell, actions) {
                    const auto* action = static_cast<MergeAction*>(lfirst(action_cell));
                    if (action->commandType == CMD_UPDATE || action->commandType == CMD_DELETE) {
                        const char* what = action->commandType == CMD_UPDATE ? "MERGE ... THEN UPDATE"
                                                                             : "MERGE ... THEN DELETE";
                        refuse(relid, internal, what);
                    }
                }
                break;
            }
            default:
                break;
        }
        ++action_list_index;
    }
}

void check_plan(const PlannedStmt* statement, const Plan* plan) {
    if (plan != nullptr && IsA(plan, ModifyTable)) {
        check_modify_table(statement, reinterpret_cast<const ModifyTable*>(plan));
    }
}

// A contract's check reads only tables every node holds. A temporary table
// is its session's own, and one named like a table an unqualified name in a
// check means would stand in for it: pg_temp is on every search path.
void refuse_temporary_reads_in_contract_checks(const PlannedStmt* statement) {
    if (!contract_check_in_progress()) {
        return;
    }
    ListCell* cell = nullptr;
    foreach (cell, statement->rtable) {
        const auto* entry = static_cast<const RangeTblEntry*>(lfirst(cell));
        if (entry->rtekind == RTE_RELATION && get_rel_persistence(entry->relid) == RELPERSISTENCE_TEMP) {
            ereport(
                ERROR,
                (errcode(ERRCODE_LEDGER_CONTRACT_READ_TEMPORARY),
                 errmsg("a contract check read temporary table \"%s\"", get_rel_name(entry->relid)),
                 errdetail("A temporary table belongs to one session; a check reads only tables that every "
                           "node holds."),
                 errhint("Name the table the check means with its schema in the contract's source.")));
        }
    }
}

void guard_executor_start(QueryDesc* query, int flags) {
    refuse_explain_of_hidden_rows(query, flags);
    const PlannedStmt* statement = query->plannedstmt;
    refuse_temporary_reads_in_contract_checks(statement);
    if (statement->commandType != CMD_SELECT || statement->hasModifyingCTE) {
        // Data-modifying statements keep each ModifyTable at the top of
        // the main plan or of a CTE's subplan.
        check_plan(statement, statement->planTree);
        ListCell* cell = nullptr;
        foreach (cell, statement->subplans) {
            check_plan(statement, static_cast<const Plan*>(lfirst(cell)));
        }
    }
    if (previous_executor_start != nullptr) {
        previous_executor_start(query, flags);
    } else {
        standard_ExecutorStart(query, flags);
    }
}

Oid relation_of(RangeVar* relation) {
    return RangeVarGetRelid(relation, NoLock, true);
}

bool trigger_command_touches_ledger_triggers(const AlterTableCmd* command) {
    switch (command->subtype) {
        case AT_EnableAlwaysTrig:
            return false;  // the state ledger triggers are created in
        case AT_EnableTrig:
        case AT_EnableReplicaTrig:
        case AT_DisableTrig:
            return is_ledger_trigger_name(command->name);
        default:
            return true;  // ALL or USER triggers include the ledger's
    }
}

// added_column_changes_existing_rows: a default (of the column or of its
// domain), identity or generated value would give every existing row a
// value that its sealed hash does not cover.
bool added_column_changes_existing_rows(const ColumnDef* column) {
    if (column->raw_default != nullptr || column->cooked_default != nullptr || column->identity != '\0' ||
        column->generated != '\0' || column->is_not_null) {
        return true;
    }
    ListCell* cell = nullptr;
    foreach (cell, column->constraints) {
        const auto* constraint = static_cast<Constraint*>(lfirst(cell));
        switch (constraint->contype) {
            case CONSTR_DEFAULT:
            case CONSTR_IDENTITY:
            case CONSTR_GENERATED:
            case CONSTR_NOTNULL:
            case CONSTR_PRIMARY:
                return true;
            default:
                break;
        }
    }
    if (column->typeName == nullptr) {
        return false;
    }
    // serial types are expanded into a sequence default after this hook.
    if (list_length(column->typeName->names) == 1 && column->typeName->arrayBounds == NIL) {
        const char* name = strVal(linitial(column->typeName->names));
        for (const char* serial : {"smallserial", "serial2", "serial", "serial4", "bigserial", "serial8"}) {
            if (std::strcmp(name, serial) == 0) {
                return true;
            }
        }
    }
    const Oid type = LookupTypeNameOid(nullptr, column->typeName, true);
    return OidIsValid(type) && get_typtype(type) == TYPTYPE_DOMAIN && get_typdefault(type) != nullptr;
}

void check_alter_ledger_table(Oid relid, const AlterTableStmt* statement) {
    ListCell* cell = nullptr;
    foreach (cell, statement->cmds) {
        const auto* command = static_cast<AlterTableCmd*>(lfirst(cell));
        switch (command->subtype) {
            case AT_AddColumn: {
                const auto* column = reinterpret_cast<ColumnDef*>(command->def);
                // An unknown type fails the statement itself, with PostgreSQL's message.
                const Oid type = LookupTypeNameOid(nullptr, column->typeName, true);
                if (OidIsValid(type)) {
                    refuse_nested_xml(get_rel_name(relid), column->colname, type);
                }
                if (added_column_changes_existing_rows(column)) {
                    ereport(
                        ERROR,
                        (errcode(ERRCODE_LEDGER_APPEND_ONLY),
                         errmsg("a column added to ledger table \"%s\" must be nullable, without a default",
                                get_rel_name(relid)),
                         errdetail("A default, identity, generated or NOT NULL column would give existing "
                                   "rows a value their sealed hashes do not cover."),
                         errhint("Add the column as nullable without a default; new rows can set it.")));
                }
                break;
            }
            case AT_ColumnDefault:
            case AT_DropNotNull:
            case AT_SetNotNull:
            case AT_CheckNotNull:
            case AT_SetStatistics:
            case AT_SetOptions:
            case AT_ResetOptions:
            case AT_SetStorage:
            case AT_SetCompression:
            case AT_AddIndex:
            case AT_AddConstraint:
            case AT_AlterConstraint:
            case AT_ValidateConstraint:
            case AT_AddIndexConstraint:
            case AT_DropConstraint:
            case AT_ChangeOwner:
            case AT_ClusterOn:
            case AT_DropCluster:
            case AT_SetLogged:
            case AT_SetTableSpace:
            case AT_SetRelOptions:
            case AT_ResetRelOptions:
            case AT_ReplicaIdentity:
            case AT_EnableRowSecurity:
            case AT_DisableRowSecurity:
            case AT_ForceRowSecurity:
            case AT_NoForceRowSecurity:
                break;  // these leave every stored value as it is
            case AT_EnableTrig:
            case AT_EnableAlwaysTrig:
            case AT_EnableReplicaTrig:
            case AT_DisableTrig:
            case AT_EnableTrigAll:
            case AT_DisableTrigAll:
            case AT_EnableTrigUser:
            case AT_DisableTrigUser:
                if (trigger_command_touches_ledger_triggers(command)) {
                    ereport(ERROR, (errcode(ERRCODE_LEDGER_APPEND_ONLY),
                                    errmsg("the ledger triggers of \"%s\" cannot be disabled or changed",
                                           get_rel_name(relid)),
                                    errhint("Enable or disable your own triggers by name.")));
                }
                break;
            default:
                ereport(
                    ERROR,
                    (errcode(ERRCODE_LEDGER_APPEND_ONLY),
                     errmsg("this ALTER TABLE is not allowed on ledger table \"%s\"", get_rel_name(relid)),
                     errdetail("It would rewrite, retype, drop or detach existing ledger rows."),
                     errhint("Ledger tables allow adding nullable columns, constraints and indexes, "
                             "and changing storage options.")));
        }
    }
}

// refuse_inheritance: a ledger table, or one of the ledger's own, may
// neither gain a child, whose rows a query of the parent would return
// unverified, nor become a child or partition, which statements on the
// parent would reach and rewrite.
void refuse_inheritance(RangeVar* table, const char* what) {
    const Oid relid = relation_of(table);
    if (is_internal_relation(relid)) {
        refuse_internal_change(relid, what);
    }
    if (!is_ledger_table(relid)) {
        return;
    }
    ereport(ERROR,
            (errcode(ERRCODE_LEDGER_APPEND_ONLY),
             errmsg("%s is not allowed for ledger table \"%s\"", what, get_rel_name(relid)),
             errdetail("Queries of a parent return its children's rows, and statements on a parent reach its "
                       "children: either way rows the ledger does not seal would mix with rows it does."),
             errhint("Keep ledger tables standalone; a view can combine them with other tables.")));
}

void check_create_table(const CreateStmt* statement) {
    ListCell* cell = nullptr;
    foreach (cell, statement->inhRelations) {
        refuse_inheritance(static_cast<RangeVar*>(lfirst(cell)),
                           statement->partbound != nullptr ? "PARTITION OF" : "INHERITS");
    }
}

void check_alter_table_links(const AlterTableStmt* statement) {
    ListCell* cell = nullptr;
    foreach (cell, statement->cmds) {
        const auto* command = static_cast<AlterTableCmd*>(lfirst(cell));
        if (command->subtype == AT_AttachPartition) {
            refuse_inheritance(reinterpret_cast<PartitionCmd*>(command->def)->name, "ATTACH PARTITION");
        } else if (command->subtype == AT_AddInherit) {
            refuse_inheritance(reinterpret_cast<RangeVar*>(command->def), "INHERIT");
        }
    }
}

void check_create_trigger(Oid relid, const CreateTrigStmt* statement) {
    if (statement->replace && is_ledger_trigger_name(statement->trigname)) {
        ereport(ERROR, (errcode(ERRCODE_LEDGER_PROTECTED_OBJECT),
                        errmsg("trigger \"%s\" of ledger table \"%s\" cannot be replaced",
                               statement->trigname, get_rel_name(relid))));
    }
}

[[noreturn]] void refuse_contract_change(Oid schema) {
    ereport(ERROR,
            (errcode(ERRCODE_LEDGER_PROTECTED_OBJECT),
             errmsg("the functions of contract schema \"%s\" cannot be changed", get_namespace_name(schema)),
             errdetail("The ledger recorded them when the contract version was installed; every "
                       "transaction it checked refers to them."),
             errhint("Install a new version with ledger.install_contract().")));
    pg_unreachable();
}

void check_contract_function(ObjectType type, ObjectWithArgs* function) {
    const Oid function_oid = LookupFuncWithArgs(type, function, true);
    if (OidIsValid(function_oid) && is_recorded_contract_schema(get_func_namespace(function_oid))) {
        refuse_contract_change(get_func_namespace(function_oid));
    }
}

void check_contract_utility(Node* parsetree) {
    switch (nodeTag(parsetree)) {
        case T_CreateFunctionStmt: {
            char* name = nullptr;
            const Oid schema = QualifiedNameGetCreationNamespace(
                reinterpret_cast<CreateFunctionStmt*>(parsetree)->funcname, &name);
            if (is_recorded_contract_schema(schema)) {
                refuse_contract_change(schema);
            }
            break;
        }
        case T_AlterFunctionStmt: {
            auto* statement = reinterpret_cast<AlterFunctionStmt*>(parsetree);
            check_contract_function(statement->objtype, statement->func);
            break;
        }
        case T_RenameStmt: {
            auto* statement = reinterpret_cast<RenameStmt*>(parsetree);
            if (statement->renameType == OBJECT_FUNCTION || statement->renameType == OBJECT_PROCEDURE) {
                check_contract_function(statement->renameType,
                                        reinterpret_cast<ObjectWithArgs*>(statement->object));
            } else if (statement->renameType == OBJECT_SCHEMA) {
                const Oid schema = get_namespace_oid(statement->subname, true);
                if (OidIsValid(schema) && is_recorded_contract_schema(schema)) {
                    refuse_contract_change(schema);
                }
            }
            break;
        }
        case T_AlterObjectSchemaStmt: {
            auto* statement = reinterpret_cast<AlterObjectSchemaStmt*>(parsetree);
            if (statement->objectType == OBJECT_FUNCTION || statement->objectType == OBJECT_PROCEDURE) {
                check_contract_function(statement->objectType,
                                        reinterpret_cast<ObjectWithArgs*>(statement->object));
            }
            break;
        }
        default:
            break;
    }
}

// running_own_script: pgledger's own install or upgrade script is running,
// which builds what the guards protect. Another extension's script is not
// exempt: an event trigger can run any statement inside it.
bool running_own_script() {
    return creating_extension && CurrentExtensionObject == get_extension_oid(kExtension, true);
}

// is_ledger_schema: the schema is one the ledger made: its own, or the
// participants' or erasures' schema as long as the ledger's owner owns it.
// A namesake made by someone else is not, and may be renamed out of the way.
bool is_ledger_schema(const char* schema) {
    if (std::strcmp(schema, kSchema) == 0) {
        const Oid ledger = ledger_namespace();
        return OidIsValid(ledger) && get_namespace_oid(schema, true) == ledger;
    }
    return (std::strcmp(schema, kIdentitySchema) == 0 || std::strcmp(schema, kPrivacySchema) == 0) &&
           OidIsValid(ledger_schema_oid(schema));
}

// refuse_ledger_schema_change: the ledger finds its own tables by their
// schemas' names, and trusts them only while the ledger's owner owns them.
void refuse_ledger_schema_change(const char* schema, const char* what) {
    if (is_ledger_schema(schema)) {
        ereport(ERROR,
                (errcode(ERRCODE_LEDGER_PROTECTED_OBJECT),
                 errmsg("%s of schema \"%s\" is not allowed", what, schema),
                 errdetail("The ledger finds its own tables by this schema's name, and trusts them only "
                           "while the ledger's owner owns it."),
                 errhint("The ledger's schemas belong to the owner of its tables; REASSIGN OWNED moves "
                         "the whole ledger to another role.")));
    }
}

void check_utility(Node* parsetree) {
    // pg_upgrade recreates the extension's objects one statement at a time
    // from a schema-only dump, then moves the old cluster's files under
    // them: nothing it runs changes a stored row.
    if (running_own_script() || IsBinaryUpgrade) {
        return;
    }
    check_contract_utility(parsetree);
    switch (nodeTag(parsetree)) {
        case T_TruncateStmt: {
            ListCell* cell = nullptr;
            foreach (cell, reinterpret_cast<TruncateStmt*>(parsetree)->relations) {
                const Oid relid = relation_of(static_cast<RangeVar*>(lfirst(cell)));
                if (is_ledger_table(relid)) {
                    refuse_history_change(relid, "TRUNCATE");
                }
                if (is_internal_relation(relid)) {
                    refuse_internal_change(relid, "TRUNCATE");
                }
            }
            break;
        }
        case T_CreateStmt:
            check_create_table(reinterpret_cast<CreateStmt*>(parsetree));
            break;
        case T_CreateForeignTableStmt:
            check_create_table(&reinterpret_cast<CreateForeignTableStmt*>(parsetree)->base);
            break;
        case T_AlterEnumStmt:
            check_enum_rename(reinterpret_cast<AlterEnumStmt*>(parsetree));
            break;
        case T_RuleStmt: {
            const Oid relid = relation_of(reinterpret_cast<RuleStmt*>(parsetree)->relation);
            if (is_internal_relation(relid)) {
                // A rule would rewrite the ledger's own statements on it.
                refuse_internal_change(relid, "CREATE RULE");
            }
            break;
        }
        case T_AlterSeqStmt: {
            const Oid relid = relation_of(reinterpret_cast<AlterSeqStmt*>(parsetree)->sequence);
            if (is_internal_relation(relid)) {
                refuse_internal_change(relid, "ALTER SEQUENCE");
            }
            break;
        }
        case T_AlterTableStmt: {
            const auto* statement = reinterpret_cast<AlterTableStmt*>(parsetree);
            check_alter_table_links(statement);
            const Oid relid = relation_of(statement->relation);
            if (is_ledger_table(relid)) {
                check_alter_ledger_table(relid, statement);
            } else if (is_internal_relation(relid)) {
                refuse_internal_change(relid, "ALTER");
            } else if (OidIsValid(relid)) {
                check_row_type_change(relid, statement);
            }
            break;
        }
        case T_RenameStmt: {
            const auto* statement = reinterpret_cast<RenameStmt*>(parsetree);
            if (statement->renameType == OBJECT_SCHEMA) {
                refuse_ledger_schema_change(statement->subname, "RENAME");
            }
            check_type_rename(statement);
            check_contract_reference_rename(statement);
            if (statement->relation == nullptr) {
                break;
            }
            const Oid relid = relation_of(statement->relation);
            if (is_internal_relation(relid)) {
                refuse_internal_change(relid, "RENAME");
            }
            // ALTER TYPE ... RENAME ATTRIBUTE also reaches a table's columns
            // through its row type.
            const bool renames_column =
                statement->renameType == OBJECT_COLUMN || statement->renameType == OBJECT_ATTRIBUTE;
            const bool renames_inside = renames_column || statement->renameType == OBJECT_TRIGGER;
            if (renames_inside && is_ledger_table(relid)) {
                const bool ledger_trigger =
                    statement->renameType == OBJECT_TRIGGER && is_ledger_trigger_name(statement->subname);
                if (renames_column) {
                    ereport(ERROR, (errcode(ERRCODE_LEDGER_APPEND_ONLY),
                                    errmsg("renaming a column of ledger table \"%s\" is not allowed",
                                           get_rel_name(relid)),
                                    errdetail("Column names are part of every sealed row hash."),
                                    errhint("Create a view that presents the column under the new name.")));
                }
                if (ledger_trigger) {
                    ereport(ERROR, (errcode(ERRCODE_LEDGER_APPEND_ONLY),
                                    errmsg("renaming a ledger trigger of ledger table \"%s\" is not allowed",
                                           get_rel_name(relid)),
                                    errdetail("The ledger recognises its tables by their triggers' names."),
                                    errhint("Ledger triggers keep their names for the table's whole life.")));
                }
            }
            break;
        }
        case T_DropStmt: {
            // The object access hook catches every drop; this names the
            // table itself rather than the trigger it would drop first.
            const auto* statement = reinterpret_cast<DropStmt*>(parsetree);
            if (statement->removeType != OBJECT_TABLE) {
                break;
            }
            ListCell* cell = nullptr;
            foreach (cell, statement->objects) {
                const Oid relid = relation_of(makeRangeVarFromNameList(static_cast<List*>(lfirst(cell))));
                if (is_ledger_table(relid)) {
                    refuse_history_change(relid, "DROP TABLE");
                }
            }
            break;
        }
        case T_AlterObjectSchemaStmt:
            check_type_move(reinterpret_cast<AlterObjectSchemaStmt*>(parsetree));
            check_contract_reference_move(reinterpret_cast<AlterObjectSchemaStmt*>(parsetree));
            break;
        case T_AlterOwnerStmt: {
            const auto* statement = reinterpret_cast<AlterOwnerStmt*>(parsetree);
            // A restore gives the schemas their owner again, who must be the
            // owner of the rest of the ledger.
            const Oid tables = ledger_relation("tables");
            if (statement->objectType == OBJECT_SCHEMA && OidIsValid(tables) &&
                get_rolespec_oid(statement->newowner, false) != relation_owner(tables)) {
                refuse_ledger_schema_change(strVal(statement->object), "ALTER ... OWNER");
            }
            break;
        }
        case T_CreateTrigStmt: {
            const auto* statement = reinterpret_cast<CreateTrigStmt*>(parsetree);
            const Oid relid = relation_of(statement->relation);
            if (is_ledger_table(relid)) {
                check_create_trigger(relid, statement);
            } else if (is_internal_relation(relid)) {
                // A trigger would run inside the ledger's own writes.
                refuse_internal_change(relid, "CREATE TRIGGER");
            }
            break;
        }
        default:
            break;
    }
}

void guard_process_utility(PlannedStmt* statement, const char* query, bool read_only_tree,
                           ProcessUtilityContext context, ParamListInfo params, QueryEnvironment* environment,
                           DestReceiver* destination, QueryCompletion* completion) {
    check_utility(statement->utilityStmt);
    if (IsA(statement->utilityStmt, TransactionStmt) &&
        reinterpret_cast<TransactionStmt*>(statement->utilityStmt)->kind == TRANS_STMT_COMMIT_PREPARED) {
        record_recovered_prepared();
    }
    if (previous_process_utility != nullptr) {
        previous_process_utility(statement, query, read_only_tree, context, params, environment, destination,
                                 completion);
    } else {
        standard_ProcessUtility(statement, query, read_only_tree, context, params, environment, destination,
                                completion);
    }
}

// trigger_owner returns the table of a ledger trigger, or InvalidOid.
Oid ledger_trigger_table(Oid trigger_oid) {
    Relation triggers = table_open(TriggerRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_trigger_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(trigger_oid));
    SysScanDesc scan = systable_beginscan(triggers, TriggerOidIndexId, true, nullptr, 1, &key);
    Oid table = InvalidOid;
    HeapTuple tuple = systable_getnext(scan);
    if (HeapTupleIsValid(tuple)) {
        const auto* trigger = reinterpret_cast<Form_pg_trigger>(GETSTRUCT(tuple));
        if (is_ledger_trigger_name(NameStr(trigger->tgname))) {
            table = trigger->tgrelid;
        }
    }
    systable_endscan(scan);
    table_close(triggers, AccessShareLock);
    return table;
}

// guard_object_access sees every drop, however it was reached: DROP TABLE,
// DROP SCHEMA ... CASCADE, DROP OWNED, DROP EXTENSION, dropped columns.
void guard_object_access(ObjectAccessType access, Oid class_id, Oid object_id, int sub_id, void* argument) {
    if (previous_object_access != nullptr) {
        previous_object_access(access, class_id, object_id, sub_id, argument);
    }
    if (access != OAT_DROP || running_own_script()) {
        return;
    }
    if (class_id == RelationRelationId) {
        if (is_ledger_table(object_id)) {
            refuse_history_change(object_id, sub_id == 0 ? "DROP" : "dropping a column");
        }
        if (sub_id == 0 && is_internal_relation(object_id)) {
            ereport(
                ERROR,
                (errcode(ERRCODE_LEDGER_PROTECTED_OBJECT),
                 errmsg("\"%s.%s\" holds the ledger and cannot be dropped", kSchema, get_rel_name(object_id)),
                 errdetail("Dropping it, or the pgledger extension, would erase ledger history."),
                 errhint("A ledger cannot be uninstalled; drop the whole database if it must go.")));
        }
    } else if (class_id == ProcedureRelationId || class_id == NamespaceRelationId) {
        const Oid schema = class_id == NamespaceRelationId ? object_id : get_func_namespace(object_id);
        if (is_recorded_contract_schema(schema)) {
            refuse_contract_change(schema);
        }
    } else if (class_id == TriggerRelationId) {
        const Oid table = ledger_trigger_table(object_id);
        if (OidIsValid(table) && is_ledger_table(table)) {
            ereport(ERROR, (errcode(ERRCODE_LEDGER_APPEND_ONLY),
                            errmsg("the ledger triggers of \"%s\" cannot be dropped", get_rel_name(table)),
                            errhint("Ledger tables stay ledger tables for their whole life.")));
        }
    }
}

}  // namespace

void install_guards() {
    previous_executor_start = ExecutorStart_hook;
    ExecutorStart_hook = guard_executor_start;
    previous_process_utility = ProcessUtility_hook;
    ProcessUtility_hook = guard_process_utility;
    previous_object_access = object_access_hook;
    object_access_hook = guard_object_access;
}

}  // namespace pgledger::pg

extern "C" {
PG_FUNCTION_INFO_V1(pgledger_refuse_change);
}

// pgledger_refuse_change backs the hooks with a statement trigger, which
// also catches TRUNCATE reached through CASCADE from another table.
extern "C" Datum pgledger_refuse_change(PG_FUNCTION_ARGS) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("ledger._refuse_change() may only be called as a trigger")));
    }
    const auto* data = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (TRIGGER_FIRED_BY_UPDATE(data->tg_event) &&
        pgledger::pg::erasure_running(RelationGetRelid(data->tg_relation))) {
        return PointerGetDatum(nullptr);
    }
    const char* what = TRIGGER_FIRED_BY_TRUNCATE(data->tg_event) ? "TRUNCATE"
                       : TRIGGER_FIRED_BY_DELETE(data->tg_event) ? "DELETE"
                                                                 : "UPDATE";
    pgledger::pg::refuse_history_change(RelationGetRelid(data->tg_relation), what);
}
