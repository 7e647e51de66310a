#include "pg/catalog.hpp"

extern "C" {
#include "access/table.h"
#include "catalog/namespace.h"
#include "commands/defrem.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "access/htup_details.h"
}

#include <cstring>
#include <cstdlib>

namespace pgledger::pg {

Oid ledger_namespace() {
    return get_namespace_oid(kSchema, true);
}

Oid ledger_access_method() {
    return get_table_am_oid(kAccessMethod, true);
}

Oid ledger_relation(const char* name) {
    const Oid schema = ledger_namespace();
    return OidIsValid(schema) ? get_relname_relid(name, schema) : InvalidOid;
}

bool is_ledger_trigger_name(const char* name) {
    return std::strcmp(name, kGuardTrigger) == 0;
}

// guard_function: ledger._refuse_change(), which only roles the ledger's
// owner granted it to may attach to a table.
static Oid guard_function() {
    const Oid schema = ledger_namespace();
    if (!OidIsValid(schema)) {
        return InvalidOid;
    }
    oidvector* no_arguments = buildoidvector(nullptr, 0);
    return GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum("_refuse_change"),
                           PointerGetDatum(no_arguments), ObjectIdGetDatum(schema));
}

// find_guard_trigger: the ledger's guard trigger of the relation. A trigger
// of that name calling any other function is not it: anyone may create a
// table with the ledger access method and name a trigger so, and must not
// thereby file rows under another table's ledger id.
static const Trigger* find_guard_trigger(Relation relation) {
    const TriggerDesc* triggers = relation->trigdesc;
    if (triggers == nullptr) {
        return nullptr;
    }
    for (int i = 0; i < triggers->numtriggers; ++i) {
        const Trigger& trigger = triggers->triggers[i];
        if (std::strcmp(trigger.tgname, kGuardTrigger) == 0) {
            return trigger.tgfoid == guard_function() ? &trigger : nullptr;
        }
    }
    return nullptr;
}

std::uint64_t ledger_table_id(Relation relation) {
    const Trigger* trigger = find_guard_trigger(relation);
    if (trigger == nullptr || trigger->tgnargs != 1) {
        return 0;
    }
    return std::strtoull(trigger->tgargs[0], nullptr, 10);
}

Relation open_ledger_table(Oid relid, LOCKMODE lock, std::uint64_t* table_id, const char* hint) {
    const char kind = get_rel_relkind(relid);
    if (kind == '\0') {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("relation with OID %u does not exist", relid), errhint("%s", hint)));
    }
    if (kind != RELKIND_RELATION) {
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("\"%s\" is not a ledger table", get_rel_name(relid)), errhint("%s", hint)));
    }
    Relation relation = table_open(relid, lock);
    *table_id = ledger_table_id(relation);
    if (*table_id == 0) {
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("\"%s\" is not a ledger table", RelationGetRelationName(relation)),
                        errhint("%s", hint)));
    }
    return relation;
}

Oid ledger_schema_oid(const char* name) {
    const Oid schema = get_namespace_oid(name, true);
    const Oid tables = ledger_relation("tables");
    if (!OidIsValid(schema) || !OidIsValid(tables)) {
        return InvalidOid;
    }
    HeapTuple tuple = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(schema));
    if (!HeapTupleIsValid(tuple)) {
        return InvalidOid;
    }
    const Oid owner = reinterpret_cast<Form_pg_namespace>(GETSTRUCT(tuple))->nspowner;
    ReleaseSysCache(tuple);
    return owner == relation_owner(tables) ? schema : InvalidOid;
}

bool is_ledger_table(Oid relid) {
    if (get_rel_relkind(relid) != RELKIND_RELATION) {
        return false;
    }
    Relation relation = RelationIdGetRelation(relid);
    if (relation == nullptr) {
        return false;
    }
    const bool ledger = find_guard_trigger(relation) != nullptr;
    RelationClose(relation);
    return ledger;
}

bool is_internal_relation(Oid relid) {
    const Oid schema = ledger_namespace();
    return OidIsValid(schema) && get_rel_namespace(relid) == schema &&
           (get_rel_relkind(relid) == RELKIND_RELATION || get_rel_relkind(relid) == RELKIND_SEQUENCE);
}

}  // namespace pgledger::pg

namespace pgledger::pg {

SavedUser become_owner_of(Oid relid) {
    SavedUser saved{InvalidOid, 0};
    GetUserIdAndSecContext(&saved.user, &saved.security_context);
    SetUserIdAndSecContext(relation_owner(relid), saved.security_context | SECURITY_LOCAL_USERID_CHANGE |
                                                      SECURITY_RESTRICTED_OPERATION);
    return saved;
}

void restore_user(const SavedUser& saved) {
    SetUserIdAndSecContext(saved.user, saved.security_context);
}

Oid relation_owner(Oid relid) {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple)) {
        elog(ERROR, "cache lookup failed for relation %u", relid);
    }
    const Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
    ReleaseSysCache(tuple);
    return owner;
}

}  // namespace pgledger::pg
