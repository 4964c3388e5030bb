# SPDX-License-Identifier: BSD-2-Clause
# web.mk - the reader in the browser (web/, docs/WEB.md).  Included by the
# top Makefile.
#
#   make web        build/web/: the static page (index.html, app.js,
#                   worker.js, style.css) and tome.wasm, the reader and
#                   zstd's decoder (make port-sources) for clang's wasm32
#                   target with Debian's wasi-libc
#   make test-web   the page in headless Chromium against a local HTTP
#                   server with range requests (tests/web/)
#
# Nothing here needs the network at build time beyond Debian's packages and
# the source packages of make port-sources; the .wasm is never committed.

.PHONY: web web-deps test-web test-web-deps web-files

WEB_OUT    = $(BUILD)/web
WEB_OBJ    = $(BUILD)/wasm
WEB_CC     = clang
WEB_TARGET = --target=wasm32-wasi
WEB_OPT    = -O2
WEB_STATIC = $(addprefix $(WEB_OUT)/,index.html app.js worker.js style.css)
WEB_C_SRC  = $(READER_SRC) web/tome_web.c
WEB_OBJS   = $(patsubst %.c,$(WEB_OBJ)/%.o,$(WEB_C_SRC)) $(WEB_OBJ)/src/port/tome_zstd.o
WEB_INC    = -Iinclude -Isrc/common -Isrc/reader -I$(BUILD)/gen -isystem $(PORT_ZSTD)/lib -isystem $(PORT_SRC)/xxhash

# clang, wasm-ld (lld), wasi-libc and clang's wasm32 builtins; Chromium,
# its driver and Selenium (Debian's, for /usr/bin/python3) for the test.
WEB_DEBIAN_PACKAGES  = clang lld wasi-libc libclang-rt-14-dev-wasm32
TEST_WEB_DEBIAN_PACKAGES = chromium chromium-driver python3-selenium

# Installs what is missing (as root), or says exactly what to run.
# $(1): the packages; a package counts as present when dpkg has it.
define web_install
	@missing=; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || \
	    missing="$$missing $$p"; \
	done; \
	$(call install_missing,web dependencies)
endef

web-deps:
	$(call web_install,$(WEB_DEBIAN_PACKAGES))

test-web-deps:
	$(call web_install,$(WEB_DEBIAN_PACKAGES) $(TEST_WEB_DEBIAN_PACKAGES))

web: web-deps
	@$(MAKE) --no-print-directory port-sources
	@$(MAKE) --no-print-directory web-files
	@echo "built $(WEB_OUT)/: serve it over HTTP (docs/WEB.md)"

web-files: $(WEB_OUT)/tome.wasm $(WEB_STATIC)

$(WEB_OUT)/%: web/%
	@mkdir -p $(dir $@)
	cp $< $@

# The reader's own files keep their C99 and warnings; zstd's decoder only
# -Wall -Wextra, as in tests/port/.
$(WEB_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(WEB_CC) $(WEB_TARGET) -std=c99 $(WEB_OPT) $(WARN) $(WEB_INC) -MMD -MP -c $< -o $@

$(WEB_OBJ)/src/port/tome_zstd.o: src/port/tome_zstd.c $(PORT_DECLIB)/zstddeclib.c
	@mkdir -p $(dir $@)
	$(WEB_CC) $(WEB_TARGET) -std=c99 $(WEB_OPT) -Wall -Wextra $(WERROR) $(WEB_INC) \
	  -I$(PORT_DECLIB) -MMD -MP -c $< -o $@

# A reactor: no main, only the exports web/tome_web.c names.
$(WEB_OUT)/tome.wasm: $(WEB_OBJS)
	@mkdir -p $(dir $@)
	$(WEB_CC) $(WEB_TARGET) $(WEB_OPT) -nostartfiles -Wl,--no-entry -Wl,--strip-all $^ -o $@

# The SpamAssassin corpus is packed too when $(CORPUS) exists.
test-web: test-web-deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory web
	@/usr/bin/python3 tests/web/test_web.py --build $(BUILD) --corpus $(CORPUS)
