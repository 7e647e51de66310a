#include "pg/datum_conversion.hpp"

extern "C" {
#include "mb/pg_wchar.h"
}

#include <cstring>

namespace pgledger::pg {

const char* utf8_text(const char* text) {
    return pg_server_to_any(text, static_cast<int>(std::strlen(text)), PG_UTF8);
}

bytea* digest_to_bytea(const core::Digest& digest) {
    auto* value = static_cast<bytea*>(palloc(VARHDRSZ + digest.size()));
    SET_VARSIZE(value, VARHDRSZ + digest.size());
    std::memcpy(VARDATA(value), digest.data(), digest.size());
    return value;
}

bool bytea_to_digest(Datum value, core::Digest& out) {
    const struct varlena* bytes = pg_detoast_datum_packed(reinterpret_cast<struct varlena*>(value));
    if (VARSIZE_ANY_EXHDR(bytes) != out.size()) {
        return false;
    }
    std::memcpy(out.data(), VARDATA_ANY(bytes), out.size());
    return true;
}

}  // namespace pgledger::pg
