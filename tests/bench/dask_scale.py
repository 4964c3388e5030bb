# SPDX-License-Identifier: BSD-2-Clause
"""dask_scale.py TREE WORK SINGLE [SHARDS] - the distributed-packing row of
`make bench-scale` (tests/bench/scale.sh): TREE packed as a volume set
from one plan (SHARDS shards, default 2) by one single-threaded process
and by a Dask LocalCluster of two single-threaded worker processes, in
one run: wall time, bytes, peak RSS of each process, and the set against
the single archive SINGLE.  The two sets must be byte-identical.  As a
yardstick of the machine's own parallelism, the same run times one
`zstd -19` process against two at once on the same 16 MiB.  Run with
PYTHONPATH holding the built package."""
import os
import resource
import shutil
import subprocess
import sys
import time

import distributed

import tome


def shard_with_rss(plan, k, output, inputs):
    started = time.monotonic()
    tome.pack_shard(plan, k, output, inputs, threads=1)
    return (os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            time.monotonic() - started)


def set_bytes(folder):
    return {name: os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder)}


def same_files(a, b):
    for name in sorted(os.listdir(a)):
        with open(os.path.join(a, name), "rb") as x, open(os.path.join(b, name), "rb") as y:
            while True:
                p, q = x.read(1 << 20), y.read(1 << 20)
                if p != q:
                    return False
                if not p:
                    break
    return sorted(os.listdir(a)) == sorted(os.listdir(b))


def zstd_parallelism(tree, work):
    """Seconds of one `zstd -19` of 16 MiB of the tree, and of two at once."""
    sample = os.path.join(work, "zstd-sample")
    with open(sample, "wb") as out:
        left = 16 << 20
        for root, dirs, files in sorted(os.walk(tree)):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                if left > 0 and os.path.isfile(path) and not os.path.islink(path):
                    with open(path, "rb") as f:
                        data = f.read(left)
                    out.write(data)
                    left -= len(data)
            if left <= 0:
                break
    command = ["zstd", "-q", "-19", "-c", sample]
    t0 = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    one = time.monotonic() - t0
    t0 = time.monotonic()
    procs = [subprocess.Popen(command, stdout=subprocess.DEVNULL) for _ in range(2)]
    for p in procs:
        p.wait()
    two = time.monotonic() - t0
    os.unlink(sample)
    return one, two


def main():
    tree, work, single = sys.argv[1:4]
    shards = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    one, two = os.path.join(work, "one"), os.path.join(work, "two")
    for d in (one, two):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    plan = os.path.join(work, "tree.plan")
    t0 = time.monotonic()
    stats = tome.plan(plan, [tree], shards)
    t_plan = time.monotonic() - t0
    plan_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    t0 = time.monotonic()
    rows = [shard_with_rss(plan, k, os.path.join(one, "tree.tome"), [tree])
            for k in range(shards)]
    tome.join(plan, os.path.join(one, "tree.tome"))
    t_one = time.monotonic() - t0
    one_rss = max(r[1] for r in rows)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        t0 = time.monotonic()
        futures = client.map(shard_with_rss, [plan] * shards, range(shards),
                             [os.path.join(two, "tree.tome")] * shards, [[tree]] * shards,
                             pure=False)
        rows2 = client.gather(futures)
        tome.join(plan, os.path.join(two, "tree.tome"))
        t_two = time.monotonic() - t0
    workers = {}
    for pid, rss, _ in rows2:
        workers[pid] = max(workers.get(pid, 0), rss)

    zstd_one, zstd_two = zstd_parallelism(tree, work)
    sizes = set_bytes(two)
    total = sum(sizes.values())
    single_bytes = os.path.getsize(single)
    identical = same_files(one, two)
    print("| step | wall s | bytes | peak RSS MB |")
    print("|---|---:|---:|---:|")
    print("| plan (%d shards, dictionary %d bytes) | %.1f | %d | %.0f |"
          % (shards, stats["dict_size"], t_plan, os.path.getsize(plan), plan_rss / 1024))
    print("| one single-threaded process: every shard, then the join | %.1f | %d | %.0f |"
          % (t_one, total, one_rss / 1024))
    print("| LocalCluster, two single-threaded workers, then the join | %.1f | %d | %s |"
          % (t_two, total, " / ".join("%.0f" % (r / 1024) for r in sorted(workers.values()))))
    print()
    print("- two workers against one process: %.2fx faster (the issue asks at least 1.6x); "
          "with the plan counted in both: %.2fx" % (t_one / t_two, (t_one + t_plan) / (t_two + t_plan)))
    print("- the set (%d volumes and the index) is %d bytes, %+.2f%% against the single archive's "
          "%d (the issue asks at most +2%%)" % (shards, total, 100.0 * (total - single_bytes) / single_bytes,
                                                single_bytes))
    print("- the two sets are %s" % ("byte-identical" if identical else "DIFFERENT"))
    print("- yardstick: one zstd -19 of 16 MiB took %.1f s, two at once %.1f s: this machine "
          "ran two processes %.2fx as fast as one" % (zstd_one, zstd_two, 2 * zstd_one / zstd_two))
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
