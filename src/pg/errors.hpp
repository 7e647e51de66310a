// SQLSTATEs of pgledger's own class "LG", for conditions no standard code names.
#pragma once

extern "C" {
#include "postgres.h"
#include "utils/elog.h"
}

// History may only grow: the statement would change, remove or hide rows.
#define ERRCODE_LEDGER_APPEND_ONLY MAKE_SQLSTATE('L', 'G', '0', '0', '1')
// The ledger's own tables, triggers and columns may not be altered.
#define ERRCODE_LEDGER_PROTECTED_OBJECT MAKE_SQLSTATE('L', 'G', '0', '0', '2')
// The database is not one whose ledger a sealer worker seals.
#define ERRCODE_LEDGER_NOT_SEALED_HERE MAKE_SQLSTATE('L', 'G', '0', '0', '3')
// A contract's row check refused a row.
#define ERRCODE_LEDGER_CONTRACT_ROW_REFUSED MAKE_SQLSTATE('L', 'G', '1', '0', '1')
// A contract's transaction check refused the transaction at commit.
#define ERRCODE_LEDGER_CONTRACT_TRANSACTION_REFUSED MAKE_SQLSTATE('L', 'G', '1', '0', '2')
// A contract's check read a temporary table, which only its session holds.
#define ERRCODE_LEDGER_CONTRACT_READ_TEMPORARY MAKE_SQLSTATE('L', 'G', '1', '0', '3')
// A contract's check inserted into a ledger table.
#define ERRCODE_LEDGER_CONTRACT_WROTE_LEDGER MAKE_SQLSTATE('L', 'G', '1', '0', '4')
// A signature does not verify: forged, replayed, or made with another key.
#define ERRCODE_LEDGER_INVALID_SIGNATURE MAKE_SQLSTATE('L', 'G', '2', '0', '1')
// The participant is revoked: its keys sign nothing any more.
#define ERRCODE_LEDGER_PARTICIPANT_REVOKED MAKE_SQLSTATE('L', 'G', '2', '0', '2')
// The transaction appended rows after a participant signed it.
#define ERRCODE_LEDGER_CHANGED_AFTER_SIGNING MAKE_SQLSTATE('L', 'G', '2', '0', '3')
// ledger.required_signers names a participant that did not sign.
#define ERRCODE_LEDGER_SIGNATURE_REQUIRED MAKE_SQLSTATE('L', 'G', '2', '0', '5')
// A statement would show rows or values that row-level security hides.
#define ERRCODE_LEDGER_VISIBILITY MAKE_SQLSTATE('L', 'G', '2', '0', '4')
