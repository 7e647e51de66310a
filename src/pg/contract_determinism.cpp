#include "pg/contract_determinism.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "nodes/parsenodes.h"
#include "parser/gramparse.h"
#include "parser/scanner.h"
#include "utils/catcache.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

#include <cstring>
#include <initializer_list>

#include "pg/catalog.hpp"

namespace pgledger::pg {
namespace {

// Stable, not volatile, yet different on every node or every session.
constexpr const char* kNodeDependentFunctions[] = {"now",
                                                   "transaction_timestamp",
                                                   "statement_timestamp",
                                                   "current_setting",
                                                   "pg_backend_pid",
                                                   "inet_client_addr",
                                                   "inet_server_addr",
                                                   "pg_postmaster_start_time"};

[[noreturn]] void refuse(const char* function_name, const char* what) {
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
             errmsg("contract function \"%s\" is not deterministic: it %s", function_name, what),
             errdetail("Every node must reach the same result for the same transactions."),
             errhint("Use ledger.now() for the transaction's ledger time; compute everything else from "
                     "the rows.")));
    pg_unreachable();
}

// names_the_clock: a date or time literal that means a different instant
// on every day it is read ('now', 'today', ...), whatever type it is cast to.
bool names_the_clock(const char* literal) {
    // Date and time input skips surrounding spaces.
    std::size_t start = std::strspn(literal, " \t\n\r");
    std::size_t length = std::strlen(literal + start);
    while (length > 0 && std::strchr(" \t\n\r", literal[start + length - 1]) != nullptr) {
        --length;
    }
    for (const char* word : {"now", "today", "tomorrow", "yesterday"}) {
        if (length == std::strlen(word) && pg_strncasecmp(literal + start, word, length) == 0) {
            return true;
        }
    }
    return false;
}

bool is_keyword_token(int token) {
    for (int i = 0; i < ScanKeywords.num_keywords; ++i) {
        if (ScanKeywordTokens[i] == token) {
            return true;
        }
    }
    return false;
}

void check_called_function(const char* function_name, const char* schema, const char* called,
                           Oid contract_schema) {
    if (schema != nullptr && std::strcmp(schema, kSchema) == 0 && std::strcmp(called, "now") == 0) {
        return;  // ledger.now(): the deterministic clock
    }
    for (const char* dependent : kNodeDependentFunctions) {
        if (std::strcmp(called, dependent) == 0 &&
            (schema == nullptr || std::strcmp(schema, "pg_catalog") == 0)) {
            refuse(function_name, psprintf("calls %s()", called));
        }
    }
    // Outside its own schema, a contract's unqualified call can only reach
    // pg_catalog: a function of the same name elsewhere is not on its path.
    const Oid searched = schema != nullptr ? get_namespace_oid(schema, true) : PG_CATALOG_NAMESPACE;
    CatCList* candidates = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(called));
    for (int i = 0; i < candidates->n_members; ++i) {
        const auto* procedure = reinterpret_cast<Form_pg_proc>(GETSTRUCT(&candidates->members[i]->tuple));
        if (procedure->pronamespace == contract_schema || procedure->pronamespace != searched) {
            continue;
        }
        if (procedure->provolatile == PROVOLATILE_VOLATILE) {
            const char* name = pstrdup(called);
            ReleaseSysCacheList(candidates);
            refuse(function_name, psprintf("calls volatile function %s()", name));
        }
    }
    ReleaseSysCacheList(candidates);
}

}  // namespace

void check_deterministic(const char* function_name, const char* body, Oid contract_schema) {
    core_yy_extra_type extra;
    core_yyscan_t scanner = scanner_init(body, &extra, &ScanKeywords, ScanKeywordTokens);
    core_YYSTYPE value;
    YYLTYPE location;
    // The two previous name tokens and whether a '.' joined them, to see
    // schema.function( as well as function(.
    const char* name = nullptr;
    const char* qualifier = nullptr;
    bool after_dot = false;
    // Open parentheses that are calls of age(), with the commas met at their
    // own depth: age() of one argument measures from today's date.
    constexpr int kMaxDepth = 256;
    int* age_commas = static_cast<int*>(palloc(sizeof(int) * kMaxDepth));  // -1: not age(
    int depth = 0;
    for (int token = core_yylex(&value, &location, scanner); token != 0;
         token = core_yylex(&value, &location, scanner)) {
        switch (token) {
            case CURRENT_DATE:
            case CURRENT_TIME:
            case CURRENT_TIMESTAMP:
            case LOCALTIME:
            case LOCALTIMESTAMP:
                refuse(function_name, "reads the clock");
            case EXECUTE:
                refuse(function_name, "runs dynamic SQL (EXECUTE), which cannot be checked");
            case UIDENT:
            case USCONST:
                // Decoded only by the parser: what they name cannot be seen here.
                refuse(function_name,
                       "writes a name or string with Unicode escapes (U&), which cannot be checked");
            case SCONST:
                if (names_the_clock(value.str)) {
                    refuse(function_name, psprintf("reads the clock through the literal '%s'", value.str));
                }
                break;
            case '(': {
                const bool age_call = name != nullptr && pg_strcasecmp(name, "age") == 0 &&
                                      (qualifier == nullptr || std::strcmp(qualifier, "pg_catalog") == 0);
                if (name != nullptr) {
                    check_called_function(function_name, qualifier, name, contract_schema);
                }
                if (depth < kMaxDepth) {
                    age_commas[depth] = age_call ? 0 : -1;
                }
                ++depth;
                name = qualifier = nullptr;
                after_dot = false;
                continue;
            }
            case ',':
                if (depth > 0 && depth <= kMaxDepth && age_commas[depth - 1] >= 0) {
                    ++age_commas[depth - 1];
                }
                break;
            case ')':
                if (depth > 0) {
                    --depth;
                    if (depth < kMaxDepth && age_commas[depth] == 0) {
                        refuse(function_name,
                               "calls age() with one argument, which measures from today's date");
                    }
                }
                break;
            case '.':
                // pg_temp is the schema of the session that runs the check,
                // where anyone may create the function, operator or type a
                // check would reach through it.
                if (name != nullptr &&
                    (std::strcmp(name, "pg_temp") == 0 || std::strncmp(name, "pg_temp_", 8) == 0)) {
                    refuse(function_name,
                           psprintf("names %s, the schema of the session that runs the check", name));
                }
                after_dot = name != nullptr;
                continue;
            default:
                break;
        }
        const bool is_name = token == IDENT || is_keyword_token(token);
        if (is_name) {
            const char* text = token == IDENT ? value.str : value.keyword;
            qualifier = after_dot ? name : nullptr;
            name = text;
        } else {
            name = qualifier = nullptr;
        }
        after_dot = false;
    }
    scanner_finish(scanner);
}

}  // namespace pgledger::pg
