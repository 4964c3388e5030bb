# SPDX-License-Identifier: BSD-2-Clause
"""Distributed packing (docs/DISTRIBUTED.md) on the SpamAssassin mails:
a Dask LocalCluster of two worker processes packs the shards of one plan
into the same bytes as one process packing them in turn, and the set
reads back every mail; joins and shards that do not match their plan are
refused."""
import os

import distributed  # Debian's python3-distributed, installed by make python-deps
import pytest

import tome
from conftest import CORPUS, cli, mails

pytestmark = pytest.mark.skipif(
    not os.path.isfile(CORPUS),
    reason="the SpamAssassin corpus is not beside the clone (%s)" % os.path.normpath(CORPUS))

SHARDS = 4


@pytest.fixture(scope="module")
def planned(mails_tree, tmp_path_factory):
    """(a folder to work in, the mails' folder, {key: bytes}, their plan of SHARDS shards)."""
    tmp = tmp_path_factory.mktemp("distributed")
    folder, files = mails_tree
    plan = tmp / "mails.plan"
    stats = tome.plan(plan, [folder], SHARDS, level=3, dict_size="64K")
    assert stats["shards"] == SHARDS and stats["articles"] == 6046
    assert len(stats["set_id"]) == 16
    return tmp, folder, files, plan


def set_files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_two_dask_workers_pack_the_set_one_process_packs(planned):
    tmp, mails, files, plan = planned
    (tmp / "one").mkdir()
    (tmp / "dask").mkdir()
    alone = tome.pack_set([mails], tmp / "one" / "mails.tome", plan_path=plan)
    assert alone["volumes"] == SHARDS and alone["articles"] == 6046
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        spread = tome.pack_set([mails], tmp / "dask" / "mails.tome", client,
                               plan_path=plan)
    assert spread["volume_paths"] == [str(tmp / "dask" / ("mails.%03d.tome" % k))
                                      for k in range(SHARDS)]
    one, dask = set_files(tmp / "one"), set_files(tmp / "dask")
    assert sorted(one) == ["mails.%03d.tome" % k for k in range(SHARDS)] + ["mails.tome"]
    assert one == dask  # byte-identical, volume by volume and the index
    assert b"OK, set of 4 volumes, 6046 articles verified" in \
        cli("verify", str(tmp / "dask" / "mails.tome"))
    # every volume alone, and every mail from the set
    for k in range(SHARDS):
        with tome.open(str(tmp / "dask" / ("mails.%03d.tome" % k))) as volume:
            assert volume.verify().ok
            assert volume.metadata["tome.volume"] == str(k)
            for key in volume.keys():
                assert volume[key] == files[key]
    extracted = tmp / "extracted"
    cli("extract", str(tmp / "dask" / "mails.tome"), "-C", str(extracted))
    assert {str(p.relative_to(extracted)): p.read_bytes()
            for p in extracted.rglob("*") if p.is_file()} == files


def test_a_shard_of_other_input_is_refused(planned, tmp_path):
    tmp, mails, files, plan = planned
    some = tmp_path / "some"
    key = sorted(files)[0]
    (some / key).parent.mkdir(parents=True)
    (some / key).write_bytes(files[key])
    with pytest.raises(tome.PackInputError, match="the input has 1 articles and 0 aliases in its key range, the plan [0-9]+ and 0"):
        tome.pack_shard(plan, 0, tmp_path / "x.tome", [some])
    assert not os.path.exists(tmp_path / "x.000.tome")


def test_join_refuses_a_missing_or_foreign_volume(planned, tmp_path):
    tmp, mails, files, plan = planned
    for k in range(SHARDS):
        tome.pack_shard(plan, k, tmp_path / "s.tome", [mails])
    os.rename(tmp_path / "s.002.tome", tmp_path / "kept.tome")
    with pytest.raises(tome.PackIoError, match="s.002.tome: No such file"):
        tome.join(plan, tmp_path / "s.tome")
    assert not os.path.exists(tmp_path / "s.tome")
    # volume 1 in volume 2's place: its tome.volume says 1
    os.rename(tmp_path / "kept.tome", tmp_path / "s.002.tome")
    os.rename(tmp_path / "s.002.tome", tmp_path / "two.tome")
    with open(tmp_path / "s.002.tome", "wb") as f:
        f.write((tmp_path / "s.001.tome").read_bytes())
    with pytest.raises(tome.PackInputError, match="its tome.volume is another: it is not volume 2"):
        tome.join(plan, tmp_path / "s.tome")
    # a volume of another plan (another set identity)
    other = tmp_path / "other.plan"
    tome.plan(other, [mails], SHARDS, level=3, dict_size="32K")
    tome.pack_shard(other, 2, tmp_path / "o.tome", [mails])
    os.replace(tmp_path / "o.002.tome", tmp_path / "s.002.tome")
    with pytest.raises(tome.PackInputError, match="its tome.set is another"):
        tome.join(plan, tmp_path / "s.tome")
    os.replace(tmp_path / "two.tome", tmp_path / "s.002.tome")
    stats = tome.join(plan, tmp_path / "s.tome")
    assert stats["volumes"] == SHARDS and stats["articles"] == 6046
    assert b"OK, set of 4 volumes" in cli("verify", str(tmp_path / "s.tome"))


def test_a_failed_pack_set_leaves_the_old_set(tmp_path):
    source = tmp_path / "source"
    for i in range(40):
        path = source / ("d%d" % (i % 4)) / ("f%02d.txt" % i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"article %d, " % i * 60)
    out = tmp_path / "out"
    out.mkdir()
    tome.pack_set([source], out / "s.tome", shards=3, level=3)
    before = set_files(out)
    assert sorted(before) == ["s.000.tome", "s.001.tome", "s.002.tome", "s.tome", "s.tome.plan"]
    plan = tmp_path / "p.plan"
    tome.plan(plan, [source], 3)
    with open(source / "d3" / "f39.txt", "ab") as f:  # the last shard's
        f.write(b"edited")
    with pytest.raises(tome.PackInputError, match="shard 2: the articles in its key range"):
        tome.pack_set([source], out / "s.tome", plan_path=plan)
    assert set_files(out) == before
    # the same through Dask; then, from the same process, a good plan
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        with pytest.raises(tome.PackInputError, match="shard 2: the articles in its key range"):
            tome.pack_set([source], out / "s.tome", client, plan_path=plan)
        assert set_files(out) == before
        tome.plan(tmp_path / "q.plan", [source], 3)
        tome.pack_set([source], out / "s.tome", client, plan_path=tmp_path / "q.plan")
    assert sorted(set_files(out)) == sorted(before)
    assert b"OK, set of 3 volumes, 40 articles verified" in cli("verify", str(out / "s.tome"))
    (tmp_path / "q.plan").unlink()
    # a directory where a volume goes is refused before anything is packed
    (out / "u.001.tome").mkdir()
    with pytest.raises(ValueError, match="u.001.tome is a directory"):
        tome.pack_set([source], out / "u.tome", plan_path=plan)
    (out / "u.001.tome").rmdir()
    # a plan named as one of the set's volumes is never replaced
    os.replace(plan, tmp_path / "t.001.tome")
    with pytest.raises(ValueError, match="t.001.tome is the plan"):
        tome.pack_set([source], tmp_path / "t.tome", plan_path=tmp_path / "t.001.tome")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "source", "t.001.tome"]
