// pgledger's configuration parameters (GUCs).
#pragma once

namespace pgledger::pg {

extern int block_interval_ms;
extern int max_block_entries;
extern char* sealed_databases;
extern char* required_signers;

void define_settings();
// is_sealed_database: the current database is in ledger.databases.
bool is_sealed_database(const char* database);

}  // namespace pgledger::pg
