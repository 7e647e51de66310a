// The settings the ledger's own SQL runs under. Run with the caller's
// search path, a query that runs as the ledger's owner could pick up a
// function or operator from a schema the caller controls, in place of the
// built-in one it means; and wherever pg_temp is not named, PostgreSQL
// searches it first for relations, so a temporary view could stand in for a
// catalog. Text the ledger hashes, such as a contract's function definitions,
// must not depend on how the caller likes identifiers quoted.
#pragma once

namespace pgledger::pg {

// pin_internal_settings sets search_path to pg_catalog, pg_temp and
// quote_all_identifiers to off until unpin_internal_settings (an error
// unpins by ending the transaction).
int pin_internal_settings();
// The settings that decide how values are parsed from and printed as text
// (dates, time zone, intervals, floats, bytea, money, backslashes in string
// literals), fixed for contract code: a check must decide the same whatever
// the session that inserts, and a BEGIN ATOMIC body's constants print into
// the function definitions a contract version records at installation and
// verification compares. Contract functions run with them (install_contract
// sets them on each function, as it does search_path).
struct FixedSetting {
    const char* name;
    const char* value;
};
inline constexpr FixedSetting kContractFormats[] = {
    {"DateStyle", "ISO, MDY"},
    {"IntervalStyle", "postgres"},
    {"TimeZone", "UTC"},
    {"extra_float_digits", "1"},
    {"bytea_output", "hex"},
    {"lc_monetary", "C"},
    {"standard_conforming_strings", "on"},
};
// The settings that change what contract code computes without changing how
// any value prints: whether "= NULL" parses as IS NULL, whether an array
// literal reads NULL as null, whether text casts to xml as a document or as
// content, and the locale of to_char's numbers and dates. Fixed on contract
// functions with the formats (and while a contract's source is installed), so
// that a session cannot make a check decide otherwise, even by compiling it
// first with its own values. Two settings are left to the session, because
// setting them on every call costs too much (contracts/README.md):
// timezone_abbreviations loads its file, about 60 µs a call, and
// default_text_search_config cut 4-client contract throughput by a fifth.
inline constexpr FixedSetting kContractBehaviour[] = {
    {"transform_null_equals", "off"},
    {"array_nulls", "on"},
    {"xmloption", "content"},
    {"lc_numeric", "C"},
    {"lc_time", "C"},
};

// pin_definition_settings also pins kContractFormats, for installing a
// contract (its source is parsed under them), for printing its functions'
// definitions, and for rendering the values the row encoding hashes as text.
// Unpinned by unpin_internal_settings.
int pin_definition_settings();
// pin_contract_settings pins what pin_definition_settings does and
// kContractBehaviour, for running a contract's source at installation.
int pin_contract_settings();
void unpin_internal_settings(int nest_level);

}  // namespace pgledger::pg
