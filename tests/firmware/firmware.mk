# SPDX-License-Identifier: BSD-2-Clause
# firmware.mk - the reader on a bare-metal Cortex-M, emulated by qemu.
# Included by the top Makefile.  docs/EMBEDDING.md explains the results.
#
#   make firmware        build the check program for the MPS2-AN386 board
#                        (Cortex-M4) in two zstd builds, run both under
#                        qemu, and diff their output with the host's; build
#                        and run the example firmware (tests/firmware/example)
#   make footprint       flash, RAM, workspace and stack table (Cortex-M4
#                        and Cortex-M0, default and minimal zstd builds, and
#                        the example); FOOTPRINT_STRICT=1 fails when over a
#                        budget
#   make firmware-deps   install the cross compiler, newlib and qemu
#
# zstd's decoder for the device is src/port/tome_zstd.c over zstd's own
# single-file decoder, made from Debian's zstd source package in build/
# (src/port/port.mk); xxhash.h comes from Debian's xxhash source package.

.PHONY: firmware footprint firmware-deps

FW          = $(BUILD)/firmware
FW_SRC      = tests/firmware
FW_CC       = arm-none-eabi-gcc
FW_SIZE     = arm-none-eabi-size
FW_QEMU     = qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none
# 1: make footprint fails when a budget of the issue is exceeded.
FOOTPRINT_STRICT ?= 0
# Seconds one emulated run may take before it counts as hung.
FW_TIMEOUT  = 600

# The minimal build: zstd's size macros and the matching workspace bound
# (TOME_ZSTD_MINIMAL, for every file), and no error-name strings.
FW_MINIMAL  = -DTOME_ZSTD_MINIMAL -DTOME_NO_ERROR_NAMES

FW_CPU_m4 = -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
FW_CPU_m0 = -mcpu=cortex-m0 -mthumb

FW_EXAMPLE  = $(FW_SRC)/example
FW_CHECK_SRC  = $(FW_SRC)/reader_check.c $(FW_SRC)/check_output.c \
                $(FW_SRC)/check_damage.c $(FW_SRC)/check_set.c $(FW_SRC)/spi_flash.c
# the example's startup code, semihosting and linker script serve the check too
FW_DEVICE_SRC = $(FW_SRC)/platform_device.c $(FW_EXAMPLE)/startup.c $(FW_EXAMPLE)/semihost.c

FW_INCLUDES = $(CPPFLAGS_TOME) $(PORT_INC) -I$(FW_EXAMPLE)
FW_CFLAGS   = -Os -g -ffunction-sections -fdata-sections -fno-common
FW_ARCHIVES = $(FW)/seeds.tome $(FW)/generated.tome
# A volume set (its index; the volumes beside it), read through the set API.
FW_SET      = $(FW)/set/set.tome
# The variants built and run; footprint also builds m0-*, which runs on the
# same board since the Cortex-M4 executes Cortex-M0 code.
FW_RUN      = m4-default m4-minimal
FW_ALL      = m4-default m4-minimal m0-default m0-minimal

# ---- dependencies ------------------------------------------------------------

# Installs what is missing (as root), or says exactly what to run.
firmware-deps: deps
	@missing=; \
	command -v $(FW_CC) >/dev/null || missing="$$missing gcc-arm-none-eabi"; \
	[ -f "$$($(FW_CC) -print-file-name=libc_nano.a 2>/dev/null)" ] || \
	  missing="$$missing libnewlib-arm-none-eabi"; \
	command -v qemu-system-arm >/dev/null || missing="$$missing qemu-system-arm"; \
	command -v cmake >/dev/null || missing="$$missing cmake"; \
	$(call install_missing,firmware dependencies)

# ---- archives ------------------------------------------------------------------

$(FW)/seeds.tome: $(BUILD)/tome $(wildcard seeds/*)
	@mkdir -p $(dir $@)
	$(BUILD)/tome pack seeds -o $@ -q

$(FW)/gen_corpus: $(FW_SRC)/gen_corpus.c
	@mkdir -p $(dir $@)
	$(CC) -std=c99 -O2 $(WARN) $< -o $@

# Small blocks and a dictionary, as a device would want them.
$(FW)/generated.tome: $(BUILD)/tome $(FW)/gen_corpus
	$(FW)/gen_corpus > $(FW)/generated.jsonl
	$(BUILD)/tome pack $(FW)/generated.jsonl -o $@ -q -b 16K --dict on --dict-size 16K

# The generated corpus again, as a set of three volumes or more (as many
# as the packer makes of it); volumes.inc lists them for archives.S.
$(FW_SET): $(BUILD)/tome $(FW)/generated.tome
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	$(BUILD)/tome pack $(FW)/generated.jsonl -o $@ -q -b 16K --dict on --volume-size 128K
	@cd $(dir $@) && n=$$(ls set.[0-9]*.tome | wc -l) && \
	  if [ "$$n" -lt 3 ]; then echo "$@: $$n volumes; the check wants three or more"; exit 1; fi && \
	  for f in set.[0-9]*.tome; do v=$${f#set.}; echo "    volume $${v%.tome}"; done > volumes.inc

# ---- the check on the host ----------------------------------------------------

FW_HOST_OBJ = $(patsubst $(FW_SRC)/%.c,$(FW)/host/%.o,$(FW_CHECK_SRC) $(FW_SRC)/platform_host.c)

$(FW)/host/platform_host.o: FW_HOST_STD = $(HOST_STD)
FW_HOST_STD ?= $(READER_STD)
$(FW)/host/%.o: $(FW_SRC)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(FW_HOST_STD) $(OPT) $(WARN) $(CPPFLAGS_TOME) -MMD -MP -c $< -o $@

$(FW)/host/reader_check: $(FW_HOST_OBJ) $(BUILD)/libtome.a
	$(CC) $(OPT) $^ $(LIBS) -o $@

$(FW)/host.out: $(FW)/host/reader_check $(FW_ARCHIVES) $(FW_SET)
	$(FW)/host/reader_check $(FW_ARCHIVES) --set $(FW_SET) $$(ls $(dir $(FW_SET))set.[0-9]*.tome) \
	  > $@ || { tail -n 20 $@; exit 1; }

# ---- the firmware, one directory per variant ------------------------------------

# $(1) variant (m4-default), $(2) CPU flags, $(3) macros for every file
define FW_VARIANT
$(FW)/$(1)/obj/src/port/tome_zstd.o: src/port/tome_zstd.c $(PORT_DECLIB)/zstddeclib.c \
                                    $(PORT_SRC)/xxhash/xxhash.h
	@mkdir -p $$(dir $$@)
	$(FW_CC) $(2) -std=c99 $(FW_CFLAGS) -Wall -Wextra $(3) $(FW_INCLUDES) \
	  $(PORT_DECODER_INC) -MMD -MP -c $$< -o $$@

$(FW)/$(1)/obj/%.o: %.c $(PORT_ZSTD)/lib/zstd.h $(PORT_SRC)/xxhash/xxhash.h
	@mkdir -p $$(dir $$@)
	$(FW_CC) $(2) $(READER_STD) $(FW_CFLAGS) $(WARN) $(3) $(FW_INCLUDES) -MMD -MP -c $$< -o $$@

$(FW)/$(1)/obj/archives.o: $(FW_SRC)/archives.S $(FW_ARCHIVES) $(FW_SET)
	@mkdir -p $$(dir $$@)
	$(FW_CC) $(2) -DSEEDS_ARCHIVE='"$(FW)/seeds.tome"' \
	  -DGENERATED_ARCHIVE='"$(FW)/generated.tome"' -DSET_VOLUMES='"volumes.inc"' \
	  -Wa,-I$(dir $(FW_SET)) -c $$< -o $$@

$(FW)/$(1)/check.elf: $(patsubst %.c,$(FW)/$(1)/obj/%.o,$(READER_SRC) $(FW_CHECK_SRC) $(FW_DEVICE_SRC)) \
                      $(FW)/$(1)/obj/src/port/tome_zstd.o $(FW)/$(1)/obj/archives.o \
                      $(FW_EXAMPLE)/mps2_an386.ld
	$(FW_CC) $(2) -nostartfiles --specs=nano.specs -T $(FW_EXAMPLE)/mps2_an386.ld \
	  -Wl,--gc-sections -Wl,-Map=$(FW)/$(1)/check.map \
	  $$(filter %.o,$$^) -lgcc -o $$@

$(FW)/$(1)/run.out: $(FW)/$(1)/check.elf
	sh $(FW_SRC)/emulate.sh $(FW_TIMEOUT) $$< $$@ "$(FW_QEMU)"
endef

$(eval $(call FW_VARIANT,m4-default,$(FW_CPU_m4),))
$(eval $(call FW_VARIANT,m4-minimal,$(FW_CPU_m4),$(FW_MINIMAL)))
$(eval $(call FW_VARIANT,m0-default,$(FW_CPU_m0),))
$(eval $(call FW_VARIANT,m0-minimal,$(FW_CPU_m0),$(FW_MINIMAL)))

# ---- the example firmware, built by its own Makefile from what a user has ----
# (include/, src/common, src/reader, src/port, zstd's and xxHash's sources)

FW_EXAMPLE_KEY = 000_c8a8faa057bf6430.txt
FW_EXAMPLE_MAKE = $(MAKE) --no-print-directory -C $(FW_EXAMPLE) TOME=$(CURDIR) \
  ZSTD=$(abspath $(PORT_ZSTD)) XXHASH=$(abspath $(PORT_SRC)/xxhash) \
  ARCHIVE=$(abspath $(FW)/seeds.tome) TOME_TOOL=$(abspath $(BUILD)/tome) \
  KEY=$(FW_EXAMPLE_KEY) OUT=$(abspath $(FW)/example)

$(FW)/example/example.elf: $(FW)/seeds.tome $(BUILD)/tome $(PORT_DECLIB)/zstddeclib.c \
                           $(PORT_SRC)/xxhash/xxhash.h $(READER_SRC) $(wildcard src/port/*.c) tools/gen_fold.py \
                           $(wildcard $(FW_EXAMPLE)/*) include/tome.h
	@$(FW_EXAMPLE_MAKE) all

# What each part of the API costs: tests/firmware/features.c linked against
# the example's objects (Cortex-M4, minimal zstd, --gc-sections), once with
# open, find and fetch alone ("core") and once per feature; footprint.sh
# reads the reader's text from each map.
FW_FEATURES     = core next stat read alias info meta search verify all
FW_FEATURE_CPU  = $(FW_CPU_m4)
FW_FEATURE_DEFS_core   =
FW_FEATURE_DEFS_all    = $(foreach f,next stat read alias info meta search verify,-DFEATURE_$(shell echo $(f) | tr a-z A-Z))
FW_FEATURE_OBJ  = $(FW)/example/obj/startup.o $(FW)/example/obj/semihost.o $(FW)/example/obj/archive.o

$(FW)/features/%.elf: $(FW_SRC)/features.c $(FW)/example/example.elf
	@mkdir -p $(dir $@)
	$(FW_CC) $(FW_FEATURE_CPU) -std=c99 -Os -ffunction-sections -fdata-sections -Wall -Wextra $(WERROR) \
	  $(FW_MINIMAL) -Iinclude $(if $(filter-out core all,$*),-DFEATURE_$(shell echo $* | tr a-z A-Z)) \
	  $(FW_FEATURE_DEFS_$*) -c $< -o $(FW)/features/$*.o
	$(FW_CC) $(FW_FEATURE_CPU) -nostartfiles --specs=nano.specs -T $(FW_EXAMPLE)/mps2_an386.ld \
	  -Wl,--gc-sections -Wl,-Map=$(FW)/features/$*.map $(FW)/features/$*.o $(FW_FEATURE_OBJ) \
	  $(patsubst %.c,$(FW)/example/obj/tome/%.o,$(READER_SRC) $(wildcard src/port/*.c)) -lgcc -o $@

# The example prints the article it finds: exactly what `tome cat` prints.
$(FW)/example.compared: $(FW)/example/example.elf
	@$(FW_EXAMPLE_MAKE) run > /dev/null
	@$(BUILD)/tome cat $(FW)/seeds.tome $(FW_EXAMPLE_KEY) > $(FW)/example.host-lines
	@if cmp -s $(FW)/example.host-lines $(FW)/example/run.out; then \
	  echo "firmware example: prints $(FW_EXAMPLE_KEY) as tome cat does ($$(wc -c < $(FW)/example/run.out) bytes)"; \
	  touch $@; \
	else \
	  echo "firmware example: output differs from tome cat:"; \
	  diff $(FW)/example.host-lines $(FW)/example/run.out | head -n 20; exit 1; \
	fi

# The same example built with CMake from tome's targets (tome::reader and
# tome::zstd_port) and the toolchain file, as a CMake user builds it.
FW_EXAMPLE_CMAKE = $(FW)/example-cmake
$(FW_EXAMPLE_CMAKE)/example.elf: $(FW)/seeds.tome $(BUILD)/tome $(PORT_DECLIB)/zstddeclib.c \
                                 $(PORT_SRC)/xxhash/xxhash.h $(READER_SRC) $(wildcard src/port/*.c) tools/gen_fold.py \
                                 $(wildcard $(FW_EXAMPLE)/*) include/tome.h CMakeLists.txt
	@rm -rf $(FW_EXAMPLE_CMAKE)
	cmake -S $(FW_EXAMPLE) -B $(FW_EXAMPLE_CMAKE) \
	  -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/arm-none-eabi.cmake \
	  -DTOME_ZSTD_SOURCE_DIR=$(abspath $(PORT_ZSTD)) \
	  -DTOME_XXHASH_INCLUDE_DIR=$(abspath $(PORT_SRC)/xxhash) \
	  -DTOME_ZSTD_MINIMAL=ON -DTOME_NO_ERROR_NAMES=ON \
	  -DARCHIVE=$(abspath $(FW)/seeds.tome) -DTOME_TOOL=$(abspath $(BUILD)/tome) \
	  -DKEY=$(FW_EXAMPLE_KEY) > $(FW_EXAMPLE_CMAKE).log 2>&1 || { cat $(FW_EXAMPLE_CMAKE).log; exit 1; }
	cmake --build $(FW_EXAMPLE_CMAKE) >> $(FW_EXAMPLE_CMAKE).log 2>&1 || \
	  { tail -n 30 $(FW_EXAMPLE_CMAKE).log; exit 1; }

$(FW)/example-cmake.compared: $(FW_EXAMPLE_CMAKE)/example.elf
	@rm -f $(FW_EXAMPLE_CMAKE)/run.out
	@timeout 120 $(FW_QEMU) -semihosting-config enable=on,target=native,chardev=out \
	  -chardev file,id=out,path=$(FW_EXAMPLE_CMAKE)/run.out -kernel $< </dev/null
	@$(BUILD)/tome cat $(FW)/seeds.tome $(FW_EXAMPLE_KEY) > $(FW)/example-cmake.host-lines
	@if cmp -s $(FW)/example-cmake.host-lines $(FW_EXAMPLE_CMAKE)/run.out; then \
	  echo "firmware example (CMake, tome::reader): prints $(FW_EXAMPLE_KEY) as tome cat does"; \
	  touch $@; \
	else \
	  echo "firmware example (CMake): output differs from tome cat"; exit 1; \
	fi

# Each emulated run must print what the host printed, '#' lines aside.
$(FW)/%.compared: $(FW)/%/run.out $(FW)/host.out
	@grep -v '^#' $(FW)/host.out > $(FW)/$*.host-lines
	@grep -v '^#' $< > $(FW)/$*.device-lines
	@if diff -u $(FW)/$*.host-lines $(FW)/$*.device-lines > $(FW)/$*.diff; then \
	  echo "firmware $*: output matches the host's ($$(wc -l < $(FW)/$*.host-lines) lines)"; \
	  touch $@; \
	else \
	  echo "firmware $*: output differs from the host's:"; head -n 40 $(FW)/$*.diff; exit 1; \
	fi

# Each example build counts as one check.
firmware: firmware-deps
	@$(MAKE) --no-print-directory port-sources
	@$(MAKE) --no-print-directory $(addprefix $(FW)/,$(addsuffix .compared,$(FW_RUN) example example-cmake))
	@grep -h '^checks:' $(addprefix $(FW)/,$(addsuffix /run.out,$(FW_RUN))) | \
	  awk '{p += $$2; f += $$4} END {printf "firmware: %d passed, %d failed\n", p + 2, f}'

footprint: firmware-deps
	@$(MAKE) --no-print-directory port-sources
	@$(MAKE) --no-print-directory $(addprefix $(FW)/,$(addsuffix .compared,$(FW_ALL) example)) \
	  $(addprefix $(FW)/features/,$(addsuffix .elf,$(FW_FEATURES)))
	@STRICT=$(FOOTPRINT_STRICT) FEATURES="$(FW_FEATURES)" sh $(FW_SRC)/footprint.sh $(FW) $(FW_SIZE) $(FW_ALL)

# Dependency files under $(FW) are included by the top Makefile's own
# `find $(BUILD) -name '*.d'`.
