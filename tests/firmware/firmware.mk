# SPDX-License-Identifier: BSD-2-Clause
# firmware.mk - the reader on a bare-metal Cortex-M, emulated by qemu.
# Included by the top Makefile.  docs/EMBEDDING.md explains the results.
#
#   make firmware        build the check program for the MPS2-AN386 board
#                        (Cortex-M4) in two zstd builds, run both under
#                        qemu, and diff their output with the host's
#   make footprint       flash, RAM, workspace and stack table (Cortex-M4
#                        and Cortex-M0, default and minimal zstd builds);
#                        FOOTPRINT_STRICT=1 fails when over a budget
#   make firmware-deps   install the cross compiler, newlib, qemu and the
#                        kernel source that carries zstd's decoder
#
# zstd's decoder for the device comes from Debian's linux-source-6.12,
# which carries zstd 1.5.2 under lib/zstd/ (GPL-2.0+ OR BSD-3-Clause); it is
# extracted into build/ at build time and compiled with the shim headers in
# tests/firmware/shim/.  linux-source-6.1's copy is zstd 1.4.10, whose
# decompression context takes 161,320 bytes on 32-bit Arm; no macro shrinks it.

.PHONY: firmware footprint firmware-deps

FW          = $(BUILD)/firmware
FW_SRC      = tests/firmware
FW_KERNEL   = linux-source-6.12
FW_TARBALL  = /usr/src/$(FW_KERNEL).tar.xz
FW_CC       = arm-none-eabi-gcc
FW_SIZE     = arm-none-eabi-size
FW_QEMU     = qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none
# 1: make footprint fails when a budget of the issue is exceeded.
FOOTPRINT_STRICT ?= 0
# Seconds one emulated run may take before it counts as hung.
FW_TIMEOUT  = 600

# Bytes of zstd's literal buffer inside its context in the minimal build
# (the default is 64 KiB; literals that do not fit go to the output buffer).
FW_LITERAL_BUFFER = 2048
FW_ZSTD_MINIMAL = -DHUF_FORCE_DECOMPRESS_X1 -DZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT \
                  -DZSTD_NO_INLINE -DZSTD_STRIP_ERROR_STRINGS \
                  -DZSTD_DECODER_INTERNAL_BUFFER=$(FW_LITERAL_BUFFER)
FW_READER_MINIMAL = -DTOME_NO_ERROR_NAMES

FW_CPU_m4 = -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
FW_CPU_m0 = -mcpu=cortex-m0 -mthumb

# The kernel's zstd decoder, compiled as one unit (zstd_decoder.c).
FW_ZSTD_DIR = $(FW)/linux-zstd
FW_CHECK_SRC  = $(FW_SRC)/reader_check.c $(FW_SRC)/check_output.c \
                $(FW_SRC)/check_damage.c $(FW_SRC)/spi_flash.c
FW_DEVICE_SRC = $(FW_SRC)/platform_device.c $(FW_SRC)/startup.c $(FW_SRC)/semihost.c

FW_INCLUDES = $(CPPFLAGS_TOME) -I$(FW_SRC)/shim -I$(FW_ZSTD_DIR)/include -I$(FW)/xxhash
FW_CFLAGS   = -Os -g -ffunction-sections -fdata-sections -fno-common
FW_ARCHIVES = $(FW)/seeds.tome $(FW)/generated.tome
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
	[ -f $(FW_TARBALL) ] || missing="$$missing $(FW_KERNEL)"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing firmware dependencies:$$missing"; \
	    apt-get update -qq || echo "apt-get update failed; installing from the lists at hand"; \
	    DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "missing firmware dependencies; run: sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

# zstd's decoder, its API headers and the license, out of the kernel tarball.
$(FW_ZSTD_DIR)/.extracted: | firmware-deps
	@rm -rf $(FW_ZSTD_DIR) && mkdir -p $(FW_ZSTD_DIR)
	tar -xJf $(FW_TARBALL) -C $(FW_ZSTD_DIR) --strip-components=1 \
	  $(FW_KERNEL)/lib/zstd/common $(FW_KERNEL)/lib/zstd/decompress \
	  $(FW_KERNEL)/include/linux/zstd.h $(FW_KERNEL)/include/linux/zstd_lib.h \
	  $(FW_KERNEL)/include/linux/zstd_errors.h $(FW_KERNEL)/LICENSES/preferred/BSD-3-Clause
	@touch $@

# The host's xxHash header, alone in a directory: the cross compiler must
# not see the rest of the host's /usr/include.
$(FW)/xxhash/xxhash.h: | firmware-deps
	@mkdir -p $(dir $@)
	cp "$$(printf '#include <xxhash.h>\n' | $(CC) -E -x c - | \
	  sed -n 's/^# [0-9]* "\(.*xxhash\.h\)".*/\1/p' | head -n 1)" $@

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

# ---- the check on the host ----------------------------------------------------

FW_HOST_OBJ = $(patsubst $(FW_SRC)/%.c,$(FW)/host/%.o,$(FW_CHECK_SRC) $(FW_SRC)/platform_host.c)

$(FW)/host/platform_host.o: FW_HOST_STD = $(HOST_STD)
FW_HOST_STD ?= $(READER_STD)
$(FW)/host/%.o: $(FW_SRC)/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(FW_HOST_STD) $(OPT) $(WARN) $(CPPFLAGS_TOME) -MMD -MP -c $< -o $@

$(FW)/host/reader_check: $(FW_HOST_OBJ) $(BUILD)/libtome.a
	$(CC) $(OPT) $^ $(LIBS) -o $@

$(FW)/host.out: $(FW)/host/reader_check $(FW_ARCHIVES)
	$(FW)/host/reader_check $(FW_ARCHIVES) > $@ || { tail -n 20 $@; exit 1; }

# ---- the firmware, one directory per variant ------------------------------------

# $(1) variant (m4-default), $(2) CPU flags, $(3) zstd macros, $(4) reader macros
define FW_VARIANT
$(FW)/$(1)/obj/zstd_decoder.o: $(FW_SRC)/zstd_decoder.c $(FW_ZSTD_DIR)/.extracted \
                                $(FW)/xxhash/xxhash.h
	@mkdir -p $$(dir $$@)
	$(FW_CC) $(2) -std=gnu11 $(FW_CFLAGS) -Wall -Wextra $(3) $(FW_INCLUDES) \
	  -I$(FW_ZSTD_DIR)/lib/zstd -MMD -MP -c $$< -o $$@

$(FW)/$(1)/obj/%.o: %.c $(FW)/xxhash/xxhash.h | $(FW_ZSTD_DIR)/.extracted
	@mkdir -p $$(dir $$@)
	$(FW_CC) $(2) $(READER_STD) $(FW_CFLAGS) $(WARN) $(4) $(FW_INCLUDES) -MMD -MP -c $$< -o $$@

$(FW)/$(1)/obj/archives.o: $(FW_SRC)/archives.S $(FW_ARCHIVES)
	@mkdir -p $$(dir $$@)
	$(FW_CC) $(2) -DSEEDS_ARCHIVE='"$(FW)/seeds.tome"' \
	  -DGENERATED_ARCHIVE='"$(FW)/generated.tome"' -c $$< -o $$@

$(FW)/$(1)/check.elf: $(patsubst %.c,$(FW)/$(1)/obj/%.o,$(READER_SRC) $(FW_CHECK_SRC) $(FW_DEVICE_SRC)) \
                      $(FW)/$(1)/obj/zstd_decoder.o $(FW)/$(1)/obj/archives.o \
                      $(FW_SRC)/mps2_an386.ld
	$(FW_CC) $(2) -nostartfiles --specs=nano.specs -T $(FW_SRC)/mps2_an386.ld \
	  -Wl,--gc-sections -Wl,-Map=$(FW)/$(1)/check.map \
	  $$(filter %.o,$$^) -lgcc -o $$@

$(FW)/$(1)/run.out: $(FW)/$(1)/check.elf
	sh $(FW_SRC)/emulate.sh $(FW_TIMEOUT) $$< $$@ "$(FW_QEMU)"
endef

$(eval $(call FW_VARIANT,m4-default,$(FW_CPU_m4),,))
$(eval $(call FW_VARIANT,m4-minimal,$(FW_CPU_m4),$(FW_ZSTD_MINIMAL),$(FW_READER_MINIMAL)))
$(eval $(call FW_VARIANT,m0-default,$(FW_CPU_m0),,))
$(eval $(call FW_VARIANT,m0-minimal,$(FW_CPU_m0),$(FW_ZSTD_MINIMAL),$(FW_READER_MINIMAL)))

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

firmware: firmware-deps
	@$(MAKE) --no-print-directory $(addprefix $(FW)/,$(addsuffix .compared,$(FW_RUN)))
	@grep -h '^checks:' $(addprefix $(FW)/,$(addsuffix /run.out,$(FW_RUN))) | \
	  awk '{p += $$2; f += $$4} END {printf "firmware: %d passed, %d failed\n", p, f}'

footprint: firmware-deps
	@$(MAKE) --no-print-directory $(addprefix $(FW)/,$(addsuffix .compared,$(FW_ALL)))
	@STRICT=$(FOOTPRINT_STRICT) sh $(FW_SRC)/footprint.sh $(FW) $(FW_SIZE) $(FW_ALL)

# Dependency files under $(FW) are included by the top Makefile's own
# `find $(BUILD) -name '*.d'`.
