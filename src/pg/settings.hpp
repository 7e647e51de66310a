// pgledger's configuration parameters (GUCs).
#pragma once

namespace pgledger::pg {

extern int block_interval_ms;
extern int max_block_entries;
extern char* sealed_databases;
extern char* required_signers;

void define_settings();
// require_sealed_database refuses (LG003) unless the current database is in
// ledger.databases: elsewhere no worker would seal what commits.
void require_sealed_database();

}  // namespace pgledger::pg
