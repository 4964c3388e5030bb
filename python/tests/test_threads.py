# SPDX-License-Identifier: BSD-2-Clause
"""One archive read from several threads at once: each call takes its own
reader (workspace) from the archive's pool."""
import io
import pathlib
import sys
import threading

import pytest

import tome

THREADS = 8


def hammer(archive, expected, ids, errors, barrier):
    try:
        barrier.wait()
        for round_ in range(3):
            for id_ in ids:
                if archive[id_] != expected[id_]:
                    errors.append("article %d differs" % id_)
                if archive.key(id_) != "doc/%05d" % id_:
                    errors.append("key %d differs" % id_)
            walked = 0
            for id_, key, body in archive:
                walked += 1
                if body != expected[id_]:
                    errors.append("iteration: article %d differs" % id_)
                if walked >= 300:
                    break
            buf = bytearray(65536)
            n = archive.fetch_into(ids[0], buf)
            if bytes(buf[:n]) != expected[ids[0]]:
                errors.append("fetch_into differs")
    except Exception as e:  # noqa: BLE001 (reported by the main thread)
        errors.append(repr(e))


@pytest.mark.parametrize("kind", ["mmap", "memory", "callback"])
def test_threads_share_one_archive(many_archive, kind):
    data = pathlib.Path(many_archive).read_bytes()
    expected = {i: b for i, _, b in tome.open(data)}
    f = open(many_archive, "rb")
    source = {"mmap": str(many_archive), "memory": data, "callback": f}[kind]
    archive = tome.open(source)
    assert archive.mode == kind
    errors = []
    barrier = threading.Barrier(THREADS)
    # each thread its own stride, so they touch different blocks at once
    threads = [threading.Thread(target=hammer,
                                args=(archive, expected, list(range(t, 3000, 37))[:60],
                                      errors, barrier))
               for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    f.close()
    assert errors == []


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory):
    """One article of about 20 MB: tens of milliseconds to decompress."""
    path = tmp_path_factory.mktemp("big") / "big.tome"
    body = b",".join(b"%d" % (i * i) for i in range(1_500_000))
    tome.pack(path, [("big", body)], level=1, block_size="1M", dict="off")
    return path


@pytest.mark.parametrize("kind", ["mmap", "memory"])
def test_gil_is_released_while_decompressing(big_archive, kind):
    """Memory mode: with a long switch interval, the only way for a second
    thread to run between two bytecodes of this one is a C call that
    releases the GIL: a fetch must let it run."""
    archive = tome.open(str(big_archive) if kind == "mmap"
                        else pathlib.Path(big_archive).read_bytes())
    stop = threading.Event()
    ticks = [0]

    def count():
        while not stop.is_set():
            ticks[0] += 1

    old = sys.getswitchinterval()
    sys.setswitchinterval(0.2)
    t = threading.Thread(target=count)
    try:
        t.start()
        before = ticks[0]
        middle = ticks[0]
        assert middle == before  # no release between two plain bytecodes
        archive[0]
        after = ticks[0]
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(old)
    assert after > before


def test_gil_check_sees_a_held_gil(big_archive):
    """The control of the test above: callback mode over io.BytesIO (whose
    methods are C that keeps the GIL) lets no other thread run."""
    archive = tome.open(io.BytesIO(pathlib.Path(big_archive).read_bytes()))
    stop = threading.Event()
    ticks = [0]

    def count():
        while not stop.is_set():
            ticks[0] += 1

    old = sys.getswitchinterval()
    sys.setswitchinterval(0.2)
    t = threading.Thread(target=count)
    try:
        t.start()
        before = ticks[0]
        archive[0]
        after = ticks[0]
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(old)
    assert after == before
