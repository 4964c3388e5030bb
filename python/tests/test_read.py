# SPDX-License-Identifier: BSD-2-Clause
"""Reading: every source kind, against the CLI's output."""
import collections.abc
import io
import mmap
import os
import pathlib

import pytest

import tome
from conftest import BUILD, cli, cli_ls


def test_the_built_package_is_tested():
    assert tome.__file__.startswith(os.path.join(BUILD, "python", "lib"))
    assert tome.library_version in cli("--version").decode()


def sources(path):
    """The same archive through every kind of source tome.open takes."""
    data = pathlib.Path(path).read_bytes()
    f = open(path, "rb")
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    return {
        "str path": str(path),
        "pathlib": pathlib.Path(path),
        "bytes": data,
        "bytearray": bytearray(data),
        "memoryview": memoryview(data),
        "mmap": m,
        "raw file": open(path, "rb", buffering=0),
        "buffered file": open(path, "rb"),
        "BytesIO": io.BytesIO(data),
    }


def test_seeds_against_cli(seeds_archive):
    rows = cli_ls(seeds_archive)
    assert len(rows) == 2
    for name, source in sources(seeds_archive).items():
        with tome.open(source) as a:
            assert len(a) == len(rows), name
            for id_, key, size, title in rows:
                body = cli("cat", str(seeds_archive), "#%d" % id_)
                assert a[id_] == body, name
                assert a[key] == body, name
                assert a[key.encode()] == body, name
                assert a.key(id_) == key
                assert a.title(id_) is None and title == ""
                assert a.stat(id_)["size"] == size == len(body)
                assert a.find(key) == id_
                assert key in a and id_ in a


def test_modes(seeds_archive):
    assert tome.open(str(seeds_archive)).mode == "mmap"
    assert tome.open(seeds_archive.read_bytes()).mode == "memory"
    with open(seeds_archive, "rb") as f:
        assert tome.open(f).mode == "callback"


def test_first_article_starts_as_the_cli_says(seeds_archive):
    a = tome.open(str(seeds_archive))
    assert a[0][:20] == cli("cat", str(seeds_archive), "#0")[:20]
    assert a[-1] == a[len(a) - 1]


def test_fetch_into_and_read(many_archive):
    a = tome.open(many_archive)
    buf = bytearray(a.info()["article_size_max"] + 10)
    for id_ in (0, 1, 1234, len(a) - 1):
        n = a.fetch_into(id_, buf)
        assert bytes(buf[:n]) == a[id_]
        mv = memoryview(buf)[5:]  # any writable buffer, zero copy
        n = a.fetch_into(id_, mv)
        assert bytes(mv[:n]) == a[id_]
        assert a.read(id_, 3, 7) == a[id_][3:10]
    with pytest.raises(TypeError):
        a.fetch_into(0, b"read-only bytes")
    small = bytearray(3)
    with pytest.raises(tome.BufferError) as e:
        a.fetch_into(0, small)
    assert type(e.value) is tome.BufferError
    assert e.value.needed == len(a[0]) and e.value.code == -11
    assert e.value.name == "TOME_ERR_BUFFER"
    with pytest.raises(tome.RangeError):
        a.read(0, len(a[0]), 1)


def test_keys_titles_info(many_archive):
    a = tome.open(many_archive)
    info = a.info()
    assert info["article_count"] == len(a) == 3000
    for field in ("format_major", "block_count", "dict_size", "stored_size",
                  "workspace_size", "raw_size", "key_size_max"):
        assert field in info
    assert info["block_count"] > 10
    assert list(a.keys())[:3] == ["doc/00000", "doc/00001", "doc/00002"]
    assert a.title(0) is None and a.title(1) == "Title 1"
    assert a.metadata == {}  # packed without metadata
    for field in ("alias_count", "search_count", "meta_count", "index_frame_count",
                  "name_leaf_count", "index_size_max", "fold_size_max"):
        assert field in info
    sizes = a.sizes()
    assert sizes["bodies"] > 0 and sizes["names"] > 0 and sizes["damaged"] == 0
    assert sizes["table"] == 28 * (info["block_count"] + info["index_frame_count"])
    assert sum(v for k, v in sizes.items() if k != "damaged") + 160 + 24 == info["file_size"]
    assert info["alias_count"] == 0 and info["meta_count"] == 0
    # keys, and titles unless absent: 3000 + 2000 folded entries
    assert info["search_count"] == 5000
    assert set(a.stat(1)) == {"size", "key_size", "title_size", "alias_count", "block", "body"}
    text = cli("info", str(many_archive)).decode()
    assert "3000" in text


def test_search_against_cli(many_archive):
    """Folded and exact prefix searches list what `tome search` lists."""
    a = tome.open(many_archive)
    for query, options in (("DOC/0012", []), ("title 12", []), ("doc/0012", ["--exact"]),
                           ("Doc/", ["--exact"]), ("title 2", ["--titles", "--limit", "7"])):
        want = [line.split("\t") for line in
                cli("search", str(many_archive), query, *options).decode().splitlines()]
        got = a.search(query, exact="--exact" in options,
                       keys="--titles" not in options, aliases="--titles" not in options,
                       limit=7 if "--limit" in options else None)
        assert [[str(m.id), m.key, m.title or ""] for m in got] == want, query
    assert [m.id for m in a.search("doc/0012")] == list(range(120, 130))
    assert len(a.search("TITLE 2", keys=False, aliases=False)) == \
        sum(1 for i in range(3000) if i % 3 and str(i).startswith("2"))


def test_iteration_storage_order(many_archive):
    a = tome.open(many_archive)
    it = iter(a)
    assert isinstance(it, collections.abc.Iterator)
    first = next(it)  # lazily: one article, not a list
    assert isinstance(first, tuple) and len(first) == 3
    seen = [first] + list(it)
    ids = [i for i, _, _ in seen]
    assert sorted(ids) == list(range(len(a)))
    blocks = [a.stat(i)["block"] for i in ids]
    assert blocks == sorted(blocks), "storage order reads blocks in sequence"
    for id_, key, body in seen[::97]:
        assert a.key(id_) == key and a[id_] == body
    # the CLI extracts in the same storage order? at least the same set
    assert {k for _, k, _ in seen} == {row[1] for row in cli_ls(many_archive)}
    assert list(iter(a)) == seen  # a second walk is the same


def test_lookup_errors(seeds_archive):
    a = tome.open(str(seeds_archive))
    with pytest.raises(tome.RangeError) as e:
        a[2]
    assert isinstance(e.value, IndexError) and type(e.value) is tome.RangeError
    with pytest.raises(tome.RangeError):
        a[-3]
    with pytest.raises(tome.NotFoundError) as e:
        a["no such key"]
    assert isinstance(e.value, KeyError) and e.value.code == -10
    assert "no such key" not in a and a.get("no such key", 7) == 7
    with pytest.raises(TypeError):
        a[1.5]


def test_close(seeds_archive):
    with tome.open(str(seeds_archive)) as a:
        it = iter(a)
        next(it)
    assert a.closed
    with pytest.raises(ValueError):
        a[0]
    with pytest.raises(ValueError):
        len(a)
    with pytest.raises(ValueError):
        next(it)
    a.close()  # twice is fine


def test_iterator_outlives_close_safely(many_archive):
    a = tome.open(bytearray(pathlib.Path(many_archive).read_bytes()))
    it = iter(a)
    next(it)
    a.close()
    with pytest.raises(ValueError):
        next(it)


def test_buffer_is_locked_while_open(seeds_archive):
    data = bytearray(pathlib.Path(seeds_archive).read_bytes())
    a = tome.open(data)
    with pytest.raises(BufferError):
        data.extend(b"x")  # the archive holds the buffer
    a.close()
    data.extend(b"x")


def test_open_options(seeds_archive):
    a = tome.open(str(seeds_archive), trust_content=True, dict_tables=False)
    assert a[0] == tome.open(str(seeds_archive))[0]


def test_open_type_error():
    with pytest.raises(TypeError):
        tome.open(12)
    with pytest.raises(FileNotFoundError):
        tome.open("/nonexistent/archive.tome")
