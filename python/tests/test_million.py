# SPDX-License-Identifier: BSD-2-Clause
"""1,000,000 short records packed from a Python generator, in a child
process whose peak RSS is measured (ru_maxrss).  The Apps issue asks for
less than 300 MB.  Slow: run by `make python-bench` (TOME_PYTHON_BENCH=1),
not by make test.  TOME_BENCH_LEVEL sets the zstd level (default 19, the
packer's default)."""
import os
import resource
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(not os.environ.get("TOME_PYTHON_BENCH"),
                                reason="slow: run by make python-bench")

RECORDS = 1_000_000
LIMIT_MB = 300

CHILD = r"""
import sys, tome
n, level, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def records():
    for i in range(n):
        x = (i * 2654435761) & 0xFFFFFFFF
        yield ("rec/%07d" % i, "record %d: value %08x, group %d, flag %s" %
               (i, x, x % 97, "yes" if x & 1 else "no"))
stats = tome.pack(out, records(), level=level)
print(stats["articles"], stats["raw_bytes"], stats["archive_bytes"])
"""


def test_million_records_peak_rss(tmp_path):
    out = tmp_path / "million.tome"
    level = os.environ.get("TOME_BENCH_LEVEL", "19")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", CHILD, str(RECORDS), level, str(out)],
                          check=True, stdout=subprocess.PIPE, text=True)
    seconds = time.monotonic() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    articles, raw, packed = map(int, done.stdout.split())
    print("\npacked %d records (%d bytes) from a generator into %d bytes in %.1f s "
          "(level %s); peak RSS of the packing process: %.0f MB (the issue asks < %d MB)"
          % (articles, raw, packed, seconds, level, peak_mb, LIMIT_MB))
    assert articles == RECORDS
    import tome
    a = tome.open(str(out))
    assert len(a) == RECORDS and a["rec/0999999"].startswith(b"record 999999:")
    # The bound, asserted as it stands: the packer keeps every article
    # (and its tables) in memory until it writes, so this fails today.
    assert peak_mb < LIMIT_MB, "peak RSS %.0f MB, the issue asks < %d MB" % (peak_mb, LIMIT_MB)
