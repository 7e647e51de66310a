// Where the ledger keeps its state in the catalog, and how to recognise a
// ledger table and the ledger's own relations.
#pragma once

extern "C" {
#include "postgres.h"
#include "storage/lockdefs.h"
#include "utils/relcache.h"
}

#include <cstdint>

namespace pgledger::pg {

inline constexpr const char* kSchema = "ledger";
// The schemas of participants' keys and signatures, and of erasures: made on
// first use, owned by the ledger's owner.
inline constexpr const char* kIdentitySchema = "ledger_identity";
inline constexpr const char* kPrivacySchema = "ledger_privacy";
inline constexpr const char* kExtension = "pgledger";
// Ledger tables store their rows through this table access method, which
// hands each row to the ledger, and carry the guard trigger, whose argument
// is the table's ledger id. A restore creates the trigger after loading the
// rows, so the rows it loads keep their recorded positions.
inline constexpr const char* kAccessMethod = "ledger";
inline constexpr const char* kGuardTrigger = "zz_pgledger_guard";
inline constexpr const char* kTxnColumn = "ledger_transaction_id";
inline constexpr const char* kSeqColumn = "ledger_sequence_number";

// ledger_namespace is InvalidOid when the extension is not installed here.
Oid ledger_namespace();
// ledger_access_method: the ledger table access method, InvalidOid when the
// extension is not installed here.
Oid ledger_access_method();
Oid ledger_relation(const char* name);

// is_ledger_table: the relation carries the ledger's guard trigger (named
// zz_pgledger_guard and calling ledger._refuse_change()). Its
// table_id is the trigger's argument (0 if not a ledger table).
bool is_ledger_table(Oid relid);
std::uint64_t ledger_table_id(Relation relation);
// open_ledger_table opens a ledger table named by the caller and returns its
// ledger id, or errors (with the hint) if relid is no ledger table.
Relation open_ledger_table(Oid relid, LOCKMODE lock, std::uint64_t* table_id, const char* hint);
// ledger_schema_oid: the schema of that name if the ledger's owner owns it,
// else InvalidOid. The ledger's lazily made schemas (ledger_identity,
// ledger_privacy) are trusted only then: anyone could make a namesake.
Oid ledger_schema_oid(const char* name);

// is_internal_relation: one of the ledger's own tables or sequences.
bool is_internal_relation(Oid relid);
bool is_ledger_trigger_name(const char* name);

}  // namespace pgledger::pg

namespace pgledger::pg {
Oid relation_owner(Oid relid);

// The ledger's own tables are written as their owner, never as the role
// whose statement caused the write: applications may insert into ledger
// tables but not touch the ledger's record of them. An error ends the
// transaction, which restores the user.
struct SavedUser {
    Oid user;
    int security_context;
};
SavedUser become_owner_of(Oid relid);
void restore_user(const SavedUser& saved);
}  // namespace pgledger::pg
