// Invariant checks that stay on in release builds: a replica that breaks its
// own invariants must stop rather than sign something wrong.
#pragma once

#include <cstdio>
#include <cstdlib>

#define PGLEDGER_INVARIANT(condition)                                                                \
    do {                                                                                             \
        if (!(condition)) {                                                                          \
            std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                            \
        }                                                                                            \
    } while (0)
