#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# python.sh BUILD [PYTEST ARGS...] - the Python package's pytest suite
# (python/tests) against the package built in BUILD/python/lib, with the
# interpreter $PYTHON (default Debian's /usr/bin/python3: the one the
# Makefile built it for).  The suite's conftest ends with "N passed, N
# failed"; pytest's exit status 5 (no test collected) is a failure.
# Run from the repository root.
build=$(cd "$1" && pwd) || exit 1
shift
PYTHON=${PYTHON:-/usr/bin/python3}
TOME_BUILD=$build
PYTHONPATH=$build/python/lib
PYTHONDONTWRITEBYTECODE=1
export TOME_BUILD PYTHONPATH PYTHONDONTWRITEBYTECODE
"$PYTHON" -m pytest -p no:cacheprovider -q -rs python/tests "$@"
status=$?
if [ "$status" -eq 5 ]; then
    echo "pytest collected no test"
    echo "0 passed, 1 failed"
fi
exit "$status"
