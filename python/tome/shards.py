# SPDX-License-Identifier: BSD-2-Clause
"""Distributed packing (docs/DISTRIBUTED.md): a plan made once, a volume
per shard packed by any worker from the plan and the same inputs, and the
set index joined from the volumes.  The set has the same bytes however the
shards are spread: over a Dask cluster, in one process, or by hand.
"""
import os
import shutil
import tempfile

from . import _tome
from . import _options

__all__ = ["plan", "pack_shard", "join", "pack_set", "plan_shards", "volume_name"]


def _paths(inputs):
    if isinstance(inputs, (str, bytes, os.PathLike)):
        inputs = [inputs]
    return [os.fspath(p) for p in inputs]


def plan(output, inputs, shards, **options):
    """Plan a set of `shards` volumes of `inputs` (directories and .jsonl
    files, read as `tome pack` reads them) and write the plan to `output`.
    Options: those of tome.pack() that shape the bytes (block_size, level,
    dict, dict_size, cluster, ram_budget, metadata) and threads, memory.
    Returns {"shards", "articles", "aliases", "dict_size", "raw_bytes",
    "plan_bytes", "set_id"}."""
    if int(shards) < 1:
        raise ValueError("shards is at least 1, not %r" % (shards,))
    return _tome.pack(os.fspath(output), (), inputs=_paths(inputs), shards=int(shards),
                      **_options.pack_options(**options))


def pack_shard(plan_path, shard, output, inputs, *, threads=1, memory=0, check=True):
    """Pack shard `shard` of the plan into its volume of the set `output`
    (NAME.tome gives NAME.012.tome for shard 12); `inputs` as given to plan().  Returns
    the volume's path.  Runs anywhere the plan, the inputs and the output's
    directory are: a Dask worker, a Slurm array task, a Spark executor."""
    if int(shard) < 0:
        raise ValueError("shard is a number from 0, not %r" % (shard,))
    options = _options.pack_options(threads=threads, memory=memory, check=check)
    options = {k: options[k] for k in ("threads", "memory", "check")}
    _tome.pack(os.fspath(output), (), inputs=_paths(inputs), plan=os.fspath(plan_path),
               shard=int(shard), **options)
    return volume_name(output, shard)


def join(plan_path, output):
    """Write the set index `output` of the plan's packed volumes (beside
    it), reading only their headers, metadata and keys.  Returns {"volumes",
    "articles", "aliases", "volume_bytes", "largest_volume",
    "index_bytes"}."""
    return _tome.join(os.fspath(plan_path), os.fspath(output))


def plan_shards(plan_path):
    """The number of shards of a plan."""
    from . import open as open_archive  # the package's, defined after this module loads

    with open_archive(os.fspath(plan_path)) as archive:
        shards = archive.metadata.get("tome.shards")
    if shards is None or not shards.isdigit():
        raise ValueError("%s is not a plan (make one with tome.plan)" % os.fspath(plan_path))
    return int(shards)


def volume_name(output, volume):
    """The path of volume `volume` of the set `output`."""
    return _tome.volume_name(os.fspath(output), int(volume))


def pack_set(inputs, output, client=None, *, shards=None, plan_path=None, threads=1, memory=0,
             **options):
    """Pack `inputs` into the volume set `output` (NAME.tome and
    NAME.000.tome, ...): plan (or use `plan_path`), pack every shard, join.

    client: a distributed.Client (Dask): each shard is a task on its
    workers, which must see the inputs and the output's directory at the
    same paths (one machine, or a shared file system).  None: every shard
    in this process, in turn.  Either way the set has the same bytes.
    shards: how many volumes (default: the client's workers, else 1).
    The set is made in a directory beside `output` and moved into place
    once complete: a failure leaves an older set of that name as it was.
    threads, memory: per shard.  Other options: those of plan().  Returns
    join()'s statistics plus "plan" (its path) and "volume_paths"."""
    output = os.fspath(output)
    if plan_path is None:
        if shards is None:
            shards = len(client.scheduler_info()["workers"]) if client is not None else 1
        plan_path = output + ".plan"
        plan(plan_path, inputs, shards, threads=0, memory=memory, **options)
    elif options or shards is not None:
        raise ValueError("with plan_path, the plan gives the shards and options")
    count = plan_shards(plan_path)
    inputs = _paths(inputs)
    volumes = [volume_name(output, k) for k in range(count)]
    for path in volumes + [output]:
        if os.path.exists(path) and os.path.samefile(path, plan_path):
            raise ValueError("%s is the plan: the set would replace it" % path)
        if os.path.isdir(path):
            raise ValueError("%s is a directory: the set cannot take its name" % path)
    # The whole set is made in a directory beside it and moved into place
    # once complete, so a failure leaves an older set of that name whole.
    staging = tempfile.mkdtemp(prefix=os.path.basename(output) + ".tmp-plan-",
                               dir=os.path.dirname(output) or ".")
    staged = os.path.join(staging, os.path.basename(output))
    moved = 0
    try:
        if client is None:
            for k in range(count):
                pack_shard(plan_path, k, staged, inputs, threads=threads, memory=memory)
        else:
            futures = client.map(pack_shard, [plan_path] * count, range(count),
                                 [staged] * count, [inputs] * count, threads=threads,
                                 memory=memory, pure=False)
            try:
                client.gather(futures)
            except BaseException:
                # every task ended before the folder goes: none may still
                # be writing in it (a cancelled task runs on regardless)
                from distributed import wait
                wait(futures)
                raise
        stats = join(plan_path, staged)
        for source, target in zip([volume_name(staged, k) for k in range(count)] + [staged],
                                  volumes + [output]):
            os.replace(source, target)
            moved += 1
    finally:
        if moved == 0 or moved == count + 1:
            shutil.rmtree(staging, ignore_errors=True)
    stats["plan"] = plan_path
    stats["volume_paths"] = volumes
    return stats
