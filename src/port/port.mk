# SPDX-License-Identifier: BSD-2-Clause
# port.mk - zstd's and xxHash's sources for the device port (src/port/),
# fetched from Debian's source packages into build/ at build time and never
# committed.  Included by the top Makefile.
#
#   make port-sources   download zstd and xxHash (Debian bookworm's source
#                       packages, through a private apt configuration that
#                       leaves the system's alone), unpack them, and make
#                       zstd's single-file decoder with zstd's own script
#   make port-check     compile the reader warning-free for 16-bit MSP430
#                       and AVR (clang), and the reader with the decoder
#                       port for RISC-V 32 with picolibc (tests/port/)
#
# What a firmware compiles then (docs/EMBEDDING.md):
#   $(PORT_SRC)/zstd/build/single_file_libs/zstddeclib.c  via src/port/tome_zstd.c
#   $(PORT_SRC)/zstd/lib/zstd.h, $(PORT_SRC)/xxhash/xxhash.h  headers

.PHONY: port-sources port-download port-check port-deps

PORT_SRC     = $(BUILD)/port-src
PORT_DEBIAN  = deb-src http://deb.debian.org/debian bookworm main
# apt takes relative Dir:: paths as relative to its own directories
PORT_APT_DIR = $(abspath $(PORT_SRC))/apt
PORT_APT     = -o Dir::Etc::SourceList=$(PORT_APT_DIR)/sources.list \
               -o Dir::Etc::SourceParts=/dev/null \
               -o Dir::State::Lists=$(PORT_APT_DIR)/lists \
               -o Dir::Cache=$(PORT_APT_DIR)/cache -o APT::Sandbox::User=root
PORT_ZSTD    = $(PORT_SRC)/zstd
PORT_DECLIB  = $(PORT_ZSTD)/build/single_file_libs
# include paths: zstd.h and xxhash.h for the reader; zstddeclib.c for the port
PORT_INC     = -I$(PORT_ZSTD)/lib -I$(PORT_SRC)/xxhash
PORT_DECODER_INC = -I$(PORT_DECLIB)

# Only apt-get's download of two source packages: nothing is installed.
# It runs from the top-level targets (port-sources, which firmware,
# footprint and port-check call first), never from a file rule.
port-download:
	@rm -rf $(PORT_APT_DIR) && mkdir -p $(PORT_APT_DIR)/lists/partial \
	  $(PORT_APT_DIR)/cache/archives/partial
	@echo '$(PORT_DEBIAN)' > $(PORT_APT_DIR)/sources.list
	apt-get -qq $(PORT_APT) update
	cd $(PORT_SRC) && apt-get -qq $(PORT_APT) source --download-only zstd xxhash
	@touch $(PORT_SRC)/.downloaded

$(PORT_SRC)/.downloaded:
	@echo "zstd's and xxHash's sources are not in $(PORT_SRC): run make port-sources"; exit 1

$(PORT_ZSTD)/lib/zstd.h: $(PORT_SRC)/.downloaded
	@rm -rf $(PORT_ZSTD) && mkdir -p $(PORT_ZSTD)
	tar -xf $(PORT_SRC)/libzstd_*.orig.tar.xz -C $(PORT_ZSTD) --strip-components=1
	@touch $@

$(PORT_SRC)/xxhash/xxhash.h: $(PORT_SRC)/.downloaded
	@rm -rf $(PORT_SRC)/xxhash && mkdir -p $(PORT_SRC)/xxhash
	tar -xf $(PORT_SRC)/xxhash_*.orig.tar.gz -C $(PORT_SRC)/xxhash --strip-components=1
	@touch $@

# zstd's own script amalgamates the decoder; its log keeps what it says
# about the legacy decoders it leaves out.
$(PORT_DECLIB)/zstddeclib.c: $(PORT_ZSTD)/lib/zstd.h
	cd $(PORT_DECLIB) && sh create_single_file_decoder.sh > zstddeclib.log 2>&1 || \
	  { cat zstddeclib.log; exit 1; }

port-sources:
	@[ -f $(PORT_SRC)/.downloaded ] || $(MAKE) --no-print-directory port-download
	@$(MAKE) --no-print-directory $(PORT_DECLIB)/zstddeclib.c $(PORT_SRC)/xxhash/xxhash.h

# ---- 16-bit and other C libraries ---------------------------------------------

PORT_DEBIAN_PACKAGES = clang picolibc-riscv64-unknown-elf gcc-riscv64-unknown-elf

# Installs what is missing (as root), or says exactly what to run.
port-deps:
	@missing=; \
	command -v clang >/dev/null || missing="$$missing clang"; \
	command -v riscv64-unknown-elf-gcc >/dev/null || missing="$$missing gcc-riscv64-unknown-elf"; \
	[ -f "$$(riscv64-unknown-elf-gcc -print-file-name=picolibc.specs 2>/dev/null)" ] || \
	  missing="$$missing picolibc-riscv64-unknown-elf"; \
	$(call install_missing,port check dependencies)

port-check: port-deps
	@$(MAKE) --no-print-directory port-sources $(FOLD_TABLE)
	@sh tests/port/targets.sh $(BUILD)/port-check $(PORT_ZSTD)/lib $(PORT_SRC)/xxhash $(PORT_DECLIB) \
	  $(dir $(FOLD_TABLE))
