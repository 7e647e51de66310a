# Builds and installs the pgledger extension with PGXS.
EXTENSION = pgledger
MODULE_big = pgledger
DATA = sql/pgledger--0.1.sql

CORE_SOURCES = $(wildcard src/core/*.cpp)
PG_SOURCES = $(wildcard src/pg/*.cpp)
OBJS = $(CORE_SOURCES:.cpp=.o) $(PG_SOURCES:.cpp=.o)

PG_CONFIG ?= pg_config
# PostgreSQL's headers are not -Wextra clean; as system headers they stay quiet.
PG_CPPFLAGS = -I$(srcdir)/src -isystem $(shell $(PG_CONFIG) --includedir-server)
PG_CXXFLAGS = -MMD -MP -std=c++17 -Wall -Wextra -Werror -Wno-missing-field-initializers -Wno-register -fno-omit-frame-pointer
SHLIB_LINK = -lcrypto -lstdc++

REGRESS_OPTS = --temp-config=$(srcdir)/tests/regress.conf --temp-instance=tmp_check --load-extension=pgledger
REGRESS = --schedule=$(srcdir)/tests/schedule

# The LLVM bitcode PGXS would add for JIT inlining is of no use for C++.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Rebuild objects whose headers changed (-MMD writes the .d files).
-include $(OBJS:.o=.d)
EXTRA_CLEAN = $(OBJS:.o=.d)
