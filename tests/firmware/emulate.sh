#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# emulate.sh TIMEOUT ELF OUT QEMU-COMMAND - run a firmware image under qemu
# and keep its semihosting output in OUT.  The output goes through a
# chardev into a file, apart from qemu's own messages.  Fails when qemu's
# exit status (the firmware's own, passed by semihosting) is not 0, when
# the run hangs past TIMEOUT seconds, or when the output does not end with
# "RESULT: PASS"; a failed run's output is kept in OUT.failed.
timeout=$1
elf=$2
out=$3
qemu=$4
rm -f "$out" "$out.failed"
# shellcheck disable=SC2086 # the qemu command is a word list on purpose
timeout "$timeout" $qemu \
    -semihosting-config enable=on,target=native,chardev=console \
    -chardev file,id=console,path="$out.failed" \
    -kernel "$elf" </dev/null >"$out.qemu" 2>&1
status=$?
last=$(tail -n 1 "$out.failed" 2>/dev/null)
if [ "$status" -eq 0 ] && [ "$last" = "RESULT: PASS" ]; then
    mv "$out.failed" "$out"
    rm -f "$out.qemu"
    echo "$(basename "$(dirname "$elf")") under qemu: $(grep '^checks:' "$out")"
    exit 0
fi
if [ "$status" -eq 124 ]; then
    echo "$elf: no result after $timeout s" >&2
else
    echo "$elf: qemu exit status $status, last line: $last" >&2
fi
tail -n 20 "$out.failed" "$out.qemu" >&2
exit 1
