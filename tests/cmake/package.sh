#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# package.sh CMAKE BUILD_DIR [CC [CONFIG]] - installs the CMake build in
# BUILD_DIR into a temporary prefix, then configures, builds and runs the
# project in tests/cmake/consumer/, which uses find_package(tome).
# Run from the repository root.  Ends with "N passed, M failed".
cmake=$1
build=$2
cc=${3:-cc}
config=${4:-}
passed=0
failed=0
repo=$(pwd)
case $build in
/*) ;;
*) build=$repo/$build ;;
esac
T=$(mktemp -d "${TMPDIR:-/tmp}/tome-package.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

step() {
    name=$1
    shift
    if "$@" >"$T/log" 2>&1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $name"
        sed -n '1,40s/^/    /p' "$T/log"
    fi
}

if [ -n "$config" ]; then
    step install "$cmake" --install "$build" --prefix "$T/prefix" --config "$config"
else
    step install "$cmake" --install "$build" --prefix "$T/prefix"
fi
step "config file installed" sh -c "ls '$T'/prefix/lib*/cmake/tome/tomeConfig.cmake \
    '$T'/prefix/lib*/cmake/tome/tomeConfigVersion.cmake"
step configure "$cmake" -S "$repo/tests/cmake/consumer" -B "$T/consumer" \
    -DCMAKE_PREFIX_PATH="$T/prefix" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release
step build "$cmake" --build "$T/consumer"
step "pack with tome::tome" "$T/consumer/pack_one" "$T/one.tome"
step "read with tome::reader" sh -c "'$T/consumer/read_one' '$T/one.tome' hello |
    grep -qx 'hello from a find_package(tome) consumer'"
# A version the package does not satisfy is refused.
step "version check" sh -c "! '$cmake' -S '$repo/tests/cmake/consumer' -B '$T/consumer99' \
    -DCMAKE_PREFIX_PATH='$T/prefix' -DCMAKE_C_COMPILER='$cc' -DTOME_WANT=99 \
    >/dev/null 2>&1"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
