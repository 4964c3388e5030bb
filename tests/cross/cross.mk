# SPDX-License-Identifier: BSD-2-Clause
# tests/cross/cross.mk - the test suite on other CPUs: s390x (big-endian,
# 64-bit) and armhf (little-endian, 32-bit), built with Debian's cross
# compilers, linked statically and run under qemu-user.  Included by the
# top Makefile.
#
#   make cross-deps    install the cross toolchains and qemu (as root)
#   make test-cross    build and run everything, compare with x86-64
#
# Only the top-level targets install what is missing (cross-deps, after the
# host's deps), then build in a second make; no object rule runs apt-get.

CROSS_ARCHES = s390x armhf
CROSS_TRIPLET_s390x = s390x-linux-gnu
CROSS_TRIPLET_armhf = arm-linux-gnueabihf
CROSS_QEMU_s390x = s390x
CROSS_QEMU_armhf = arm
# Host-architecture packages only.  zstd for each arch is not co-installed
# (libzstd1 is Multi-Arch: same, so a foreign copy must match the host's
# version exactly, and a security update served for amd64 alone breaks the
# install): its .deb is downloaded and unpacked into a sysroot of our own.
CROSS_PACKAGES = gcc-s390x-linux-gnu gcc-arm-linux-gnueabihf libc6-dev-s390x-cross \
                 libc6-dev-armhf-cross qemu-user libxxhash-dev
CROSS = $(BUILD)/cross
# $(CROSS_SYSROOT)/ARCH holds the unpacked libzstd-dev:ARCH.
CROSS_SYSROOT = $(CROSS)/sysroot

.PHONY: cross-deps test-cross cross-build

# Each arch's compiler, C library and qemu; installs what is missing (as
# root), else names the exact commands.  A failed index update (a mirror
# mid-sync) is retried, then the install is tried anyway.  xxhash.h is only
# a header here (compiled inline), so the host's copy serves every arch.
cross-deps: deps
	@missing=; \
	for a in $(CROSS_ARCHES); do \
	  case $$a in s390x) t=$(CROSS_TRIPLET_s390x); q=$(CROSS_QEMU_s390x);; \
	              armhf) t=$(CROSS_TRIPLET_armhf); q=$(CROSS_QEMU_armhf);; esac; \
	  command -v $$t-gcc >/dev/null || missing="$$missing $$t-gcc"; \
	  [ -f /usr/$$t/lib/libc.a ] || missing="$$missing libc.a:$$a"; \
	  command -v qemu-$$q >/dev/null || command -v qemu-$$q-static >/dev/null || \
	    missing="$$missing qemu-$$q"; \
	done; \
	[ -f /usr/include/xxhash.h ] || missing="$$missing xxhash.h"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing cross dependencies (missing:$$missing)"; \
	    for try in 1 2 3; do apt-get update -qq && break; sleep 10; done; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $(CROSS_PACKAGES) >/dev/null || exit 1; \
	  else \
	    echo "missing cross dependencies:$$missing; run as root:"; \
	    echo "  apt-get install -y --no-install-recommends $(CROSS_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi
	@new=; \
	for a in $(CROSS_ARCHES); do \
	  dpkg --print-foreign-architectures | grep -qx $$a || new="$$new $$a"; \
	done; \
	if [ -n "$$new" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "adding architectures$$new to dpkg's list, for their package index"; \
	    for a in $$new; do dpkg --add-architecture $$a || exit 1; done; \
	    for try in 1 2 3; do apt-get update -qq && break; sleep 10; done; \
	  else \
	    echo "run as root: for a in$$new; do dpkg --add-architecture \$$a; done; apt-get update"; \
	    exit 1; \
	  fi; \
	fi
	@$(MAKE) --no-print-directory $(foreach a,$(CROSS_ARCHES),$(CROSS_SYSROOT)/$(a)/.unpacked)

# libzstd-dev of a foreign arch, whatever version its index has, unpacked
# (never installed).  cross-deps has put the arch in dpkg's list and fetched
# its index; this rule only downloads (no root needed) and unpacks.
$(CROSS_SYSROOT)/%/.unpacked:
	@rm -rf $(CROSS_SYSROOT)/$* $(CROSS_SYSROOT)/$*.debs && mkdir -p $(CROSS_SYSROOT)/$*.debs
	@(cd $(CROSS_SYSROOT)/$*.debs && apt-get download -qq libzstd-dev:$* >/dev/null) || { \
	  echo "cannot download libzstd-dev:$*: is $* in dpkg --print-foreign-architectures, and"; \
	  echo "its index fetched (apt-get update)?"; exit 1; }
	dpkg-deb -x $(CROSS_SYSROOT)/$*.debs/libzstd-dev_*_$*.deb $(CROSS_SYSROOT)/$*
	@touch $@

# ---- builds, one set per arch -----------------------------------------------

# The programs run on each arch: the library tests, the tool (for
# tests/cli.sh), the fuzz replay, the damage sweeps and the cross checker.
CROSS_TESTS   = $(TESTS) $(FUZZ_TESTS)
CROSS_PROGRAMS = $(CROSS_TESTS) tome cross_check
CROSS_CHECK_SRC = tests/cross/cross_check.c tests/fuzz/fuzz_archive.c

$(BUILD)/cross_check: $(call obj,$(BUILD),$(CROSS_CHECK_SRC)) $(BUILD)/libtome.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

# $(1) = arch.  Static, so qemu-user needs no target libraries.
define cross_arch_rules
CROSS_LIBS_$(1) = -L$(CROSS_SYSROOT)/$(1)/usr/lib/$(CROSS_TRIPLET_$(1)) $(LIBS)
$(CROSS)/$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$(CROSS_TRIPLET_$(1))-gcc $$(call role_std,$$<) $(OPT) $(WARN) $$(call role_inc,$$<) \
	  -isystem $(CROSS_SYSROOT)/$(1)/usr/include -MMD -MP -c $$< -o $$@

$(CROSS)/$(1)/libtome.a: $(call obj,$(CROSS)/$(1),$(READER_SRC) $(PACKER_SRC))
	rm -f $$@
	$(CROSS_TRIPLET_$(1))-ar rcs $$@ $$^

$(CROSS)/$(1)/test_%: $(CROSS)/$(1)/obj/tests/test_%.o $(CROSS)/$(1)/libtome.a
	$(CROSS_TRIPLET_$(1))-gcc -static $$(if $$(findstring test_alloc,$$@),$$(ALLOC_WRAP)) $$^ $$(CROSS_LIBS_$(1)) -o $$@

$(CROSS)/$(1)/tome: $(call obj,$(CROSS)/$(1),$(TOOL_SRC)) $(CROSS)/$(1)/libtome.a
	$(CROSS_TRIPLET_$(1))-gcc -static $$^ $$(CROSS_LIBS_$(1)) -o $$@

$(CROSS)/$(1)/fuzz_replay: $(call obj,$(CROSS)/$(1),$(FUZZ_REPLAY_SRC)) $(CROSS)/$(1)/libtome.a
	$(CROSS_TRIPLET_$(1))-gcc -static $$^ $$(CROSS_LIBS_$(1)) -o $$@

$(CROSS)/$(1)/sweep_damage: $(call obj,$(CROSS)/$(1),tests/fuzz/sweep_damage.c tests/fuzz/fuzz_archive.c) \
                            $(CROSS)/$(1)/libtome.a
	$(CROSS_TRIPLET_$(1))-gcc -static $$^ $$(CROSS_LIBS_$(1)) -o $$@

$(CROSS)/$(1)/mutation_run: $(call obj,$(CROSS)/$(1),$(MUTATION_RUN_SRC)) $(CROSS)/$(1)/libtome.a
	$(CROSS_TRIPLET_$(1))-gcc -static $$^ $$(CROSS_LIBS_$(1)) -o $$@

$(CROSS)/$(1)/cross_check: $(call obj,$(CROSS)/$(1),$(CROSS_CHECK_SRC)) $(CROSS)/$(1)/libtome.a
	$(CROSS_TRIPLET_$(1))-gcc -static $$^ $$(CROSS_LIBS_$(1)) -o $$@
endef
$(foreach a,$(CROSS_ARCHES),$(eval $(call cross_arch_rules,$(a))))

cross-build: cross-deps
	@$(MAKE) --no-print-directory $(BUILD)/tome $(BUILD)/cross_check \
	  $(foreach a,$(CROSS_ARCHES),$(addprefix $(CROSS)/$(a)/,$(CROSS_PROGRAMS)))

# Installs first, then builds, runs and compares; prints "N passed, N failed".
test-cross: cross-build
	@sh tests/cross/run.sh $(BUILD) $(CROSS) "$(CROSS_ARCHES)" "$(CROSS_TESTS)"
