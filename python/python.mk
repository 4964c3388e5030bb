# SPDX-License-Identifier: BSD-2-Clause
# The Python package (python/, docs/PYTHON.md), included by the Makefile.
#
# One interpreter for build, install and tests: the Makefile's PYTHON,
# Debian's /usr/bin/python3, whose packages (python3-dev,
# python3-setuptools, python3-pytest, ...) are the only ones installed; a
# python3 earlier on PATH (pyenv, a venv) is not used unless named:
# make python PYTHON=/path/to/python3.
#
# The extension links $(SHARED)/libtome_pic.a: the position-independent
# objects of libtome.so in a static archive, so the module holds the
# library itself (no libtome.so to install or find at run time, no rpath)
# and exports none of its symbols; zstd is the system's libzstd.so.
# python3-distributed (Dask) is for the distributed packing test only: the
# package itself never imports it.
PYTHON_DEBIAN_PACKAGES = python3 python3-dev python3-setuptools python3-wheel python3-pip \
                         python3-pytest python3-distributed
PYBUILD = $(BUILD)/python
# pip refuses Debian's interpreter without this flag (PEP 668, Debian 12);
# the package goes to /usr/local (root) or ~/.local, never over Debian's.
PIP_INSTALL = $(PYTHON) -m pip install --no-build-isolation --no-deps --no-index --root-user-action=ignore \
              $$($(PYTHON) -m pip install --help 2>/dev/null | grep -q -- --break-system-packages && \
                 echo --break-system-packages)

.PHONY: python python-deps python-build python-test python-bench python-uninstall

# Installs the Debian packages the Python package needs (as root), or says
# what to run.  Top-level only, like deps.
python-deps:
	@if ! [ -x "$(PYTHON)" ] || \
	   ! $(PYTHON) -c 'import sysconfig, os, setuptools, wheel, pip, pytest, distributed; \
	       assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))' \
	     >/dev/null 2>&1; then \
	  if [ "$(PYTHON)" = /usr/bin/python3 ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Python build dependencies: $(PYTHON_DEBIAN_PACKAGES)"; \
	    for try in 1 2 3; do apt-get update -qq && break; sleep 5; done; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PYTHON_DEBIAN_PACKAGES) >/dev/null; \
	  else \
	    echo "$(PYTHON) lacks Python.h, setuptools, wheel, pip, pytest or distributed; run:"; \
	    echo "  sudo apt-get install -y $(PYTHON_DEBIAN_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi

$(SHARED)/libtome_pic.a: $(call obj,$(SHARED),$(READER_SRC) $(PACKER_SRC))
	rm -f $@
	$(AR) rcs $@ $^

# The tests' build: the package and the extension in $(PYBUILD)/lib,
# nothing written into python/.
$(PYBUILD)/lib/.built: $(SHARED)/libtome_pic.a python/setup.py $(wildcard python/tome/*.py) \
                       python/tome/_tome.c include/tome.h include/tome_pack.h
	@mkdir -p $(PYBUILD)
	cd python && TOME_BUILD=$(abspath $(BUILD)) $(PYTHON) setup.py -q build \
	  --build-base $(abspath $(PYBUILD))/build --build-lib $(abspath $(PYBUILD))/lib --force
	touch $@

python-build: deps python-deps
	@$(MAKE) --no-print-directory $(PYBUILD)/lib/.built

# THE install command (README): Debian's packages if missing, the library,
# then the package for $(PYTHON) with pip, offline.
python: deps python-deps
	@$(MAKE) --no-print-directory $(SHARED)/libtome_pic.a
	cd python && TOME_BUILD=$(abspath $(BUILD)) PIP_DISABLE_PIP_VERSION_CHECK=1 $(PIP_INSTALL) .
	$(PYTHON) -c 'import tome; print("tome", tome.__version__, "for", __import__("sys").executable, "in", tome.__file__)'

python-uninstall:
	$(PYTHON) -m pip uninstall -y --root-user-action=ignore $$($(PYTHON) -m pip uninstall --help 2>/dev/null | \
	  grep -q -- --break-system-packages && echo --break-system-packages) tome

# The suite alone (it is also part of make test).
python-test: python-build
	@$(MAKE) --no-print-directory $(BUILD)/tome
	@sh tests/python.sh $(BUILD)

# Packs 1,000,000 short records from a generator and reports the peak RSS
# (too slow for make test).
python-bench: python-build
	@$(MAKE) --no-print-directory $(BUILD)/tome
	@TOME_PYTHON_BENCH=1 sh tests/python.sh $(BUILD) -k million -s
