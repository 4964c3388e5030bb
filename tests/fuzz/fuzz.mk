# SPDX-License-Identifier: BSD-2-Clause
# tests/fuzz/fuzz.mk - fuzzing, the corpus replay and the damage sweeps.
# Included by the top Makefile.
#
#   make fuzz SECONDS=N   run each libFuzzer target N seconds (default 60),
#                         one at a time; logs in $(BUILD)/fuzz-logs/, a
#                         finding is copied to tests/fuzz/regressions/TARGET/
#   make fuzz FUZZ_RUN="verify mutate"   only those targets
#   make fuzz-tests       build the programs `make test` runs:
#                         $(FUZZ_TESTS) in $(BUILD)/ and $(ASAN)/
#   make fuzz-seeds       rewrite the seed corpora from the base archives
#   make fuzz-deps        install clang and libFuzzer (Debian, as root)
#
# Only these top-level targets install what is missing (deps, fuzz-deps),
# then build in a second make; the object rules never run a package manager.
#
# The targets and what they check: tests/fuzz/README.md.

FUZZ_CC      ?= clang
FUZZ_TARGETS  = read_memory read_callback verify mutate jsonl paths set
FUZZ_RUN     ?= $(FUZZ_TARGETS)
# The programs `make test` runs, plain and sanitized (tests/run.sh names).
FUZZ_TESTS    = fuzz_replay sweep_damage mutation_run
SECONDS      ?= 60
FUZZ_BUILD    = $(BUILD)/fuzz
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_PACKAGES = clang clang-14 libclang-rt-14-dev

# Shared by all targets; each target adds tests/fuzz/fuzz_TARGET.c.
FUZZ_COMMON_SRC = tests/fuzz/fuzz_common.c tests/fuzz/fuzz_archive.c \
                  tests/fuzz/fuzz_exercise.c tests/fuzz/fuzz_corpora.c \
                  tests/fuzz/integrity_oracle.c
FUZZ_TARGET_SRC = $(patsubst %,tests/fuzz/fuzz_%.c,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build fuzz-deps fuzz-tests fuzz-seeds

# ---- libFuzzer builds (clang) ------------------------------------------------

fuzz-deps: deps
	@if ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }\n' | \
	     $(FUZZ_CC) -fsanitize=fuzzer,address,undefined -x c - -o /dev/null >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing fuzzing dependencies: $(FUZZ_PACKAGES)"; \
	    apt-get update -qq; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(FUZZ_PACKAGES) >/dev/null || exit 1; \
	  else \
	    echo "$(FUZZ_CC) cannot build libFuzzer targets; run: sudo apt-get install -y $(FUZZ_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi


# Coverage-instrumented objects; the fuzzer's main is linked only into targets.
$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(call role_std,$<) -O1 -g $(FUZZ_SANITIZE) -fsanitize=fuzzer-no-link $(WARN) \
	  $(call role_inc,$<) -DFUZZ_LIBFUZZER -MMD -MP -c $< -o $@

FUZZ_LIB_OBJ = $(call obj,$(FUZZ_BUILD),$(READER_SRC) $(PACKER_SRC) $(FUZZ_COMMON_SRC))

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_SANITIZE) -fsanitize=fuzzer $^ $(LIBS) -o $@

fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))

fuzz: fuzz-build
	@sh tests/fuzz/fuzz.sh $(FUZZ_BUILD) $(BUILD)/fuzz-logs $(SECONDS) $(FUZZ_RUN)

# ---- replay and sweeps (any C compiler, no libFuzzer) ------------------------

FUZZ_REPLAY_SRC = tests/fuzz/replay.c $(FUZZ_TARGET_SRC) $(FUZZ_COMMON_SRC)

$(BUILD)/fuzz_replay: $(call obj,$(BUILD),$(FUZZ_REPLAY_SRC)) $(BUILD)/libtome.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(ASAN)/fuzz_replay: $(call obj,$(ASAN),$(FUZZ_REPLAY_SRC)) $(ASAN)/libtome.a
	$(CC) $(SANITIZE) $^ $(LIBS) -o $@

$(BUILD)/sweep_damage: $(call obj,$(BUILD),tests/fuzz/sweep_damage.c tests/fuzz/fuzz_archive.c) \
                       $(BUILD)/libtome.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(ASAN)/sweep_damage: $(call obj,$(ASAN),tests/fuzz/sweep_damage.c tests/fuzz/fuzz_archive.c) \
                      $(ASAN)/libtome.a
	$(CC) $(SANITIZE) $^ $(LIBS) -o $@

# The integrity issue's structured mutation run (under ASan: every 8th case).
MUTATION_RUN_SRC = tests/fuzz/mutation_run.c tests/fuzz/integrity_oracle.c tests/fuzz/fuzz_archive.c

$(BUILD)/mutation_run: $(call obj,$(BUILD),$(MUTATION_RUN_SRC)) $(BUILD)/libtome.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(ASAN)/mutation_run: $(call obj,$(ASAN),$(MUTATION_RUN_SRC)) $(ASAN)/libtome.a
	$(CC) $(SANITIZE) $^ $(LIBS) -o $@

fuzz-tests: deps
	@$(MAKE) --no-print-directory $(addprefix $(BUILD)/,$(FUZZ_TESTS)) \
	  $(addprefix $(ASAN)/,$(FUZZ_TESTS))

# The seed corpora are committed; this rewrites them from the base
# archives of fuzz_corpora.c (after a format or packer change).
$(BUILD)/fuzz_seeds: $(call obj,$(BUILD),tests/fuzz/make_seeds.c tests/fuzz/fuzz_corpora.c) \
                     $(BUILD)/libtome.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

fuzz-seeds: deps
	@$(MAKE) --no-print-directory $(BUILD)/fuzz_seeds
	$(BUILD)/fuzz_seeds tests/fuzz/corpus
