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
