# SPDX-License-Identifier: BSD-2-Clause
"""Packing from Python: streamed, deterministic (byte-identical to the
CLI's archive of the same articles), with the CLI's options."""
import collections.abc
import io
import os
import weakref

import pytest

import tome
from conftest import SEEDS, cli, cli_ls, make_articles


def seed_files():
    for name in sorted(os.listdir(SEEDS)):
        with open(os.path.join(SEEDS, name), "rb") as f:
            yield name, f.read()


def test_same_bytes_as_the_cli(seeds_archive, tmp_path):
    out = tmp_path / "py.tome"
    stats = tome.pack(out, seed_files())
    assert out.read_bytes() == seeds_archive.read_bytes()
    assert stats["articles"] == 2 and stats["archive_bytes"] == out.stat().st_size
    # dicts, any order: the same archive
    out2 = tmp_path / "py2.tome"
    tome.pack(str(out2), ({"id": k, "text": b} for k, b in reversed(list(seed_files()))))
    assert out2.read_bytes() == seeds_archive.read_bytes()


def test_same_bytes_as_cli_jsonl(tmp_path):
    import json
    rows = list(make_articles(200))
    jsonl = tmp_path / "in.jsonl"
    with open(jsonl, "w", encoding="utf-8") as f:
        for key, text, title in rows:
            obj = {"id": key, "text": text}
            if title:
                obj["title"] = title
            f.write(json.dumps(obj) + "\n")
    cli("pack", str(jsonl), "-o", str(tmp_path / "cli.tome"), "-q", "-l", "5", "-b", "8K")
    tome.pack(tmp_path / "py.tome", iter(rows), level=5, block_size=8192)
    assert (tmp_path / "cli.tome").read_bytes() == (tmp_path / "py.tome").read_bytes()
    a = tome.open(tmp_path / "py.tome")
    assert [(r[0], r[1], r[3] or None) for r in cli_ls(tmp_path / "py.tome")] == \
        [(i, a.key(i), a.title(i)) for i in range(len(a))]


class Body(bytearray):
    """A body that can be watched with a weak reference."""


def test_streamed_one_article_at_a_time(tmp_path):
    """The packer copies each article and drops it: the generator's earlier
    items are gone while it yields later ones (never a list)."""
    refs = []
    alive_behind = []

    def articles():
        for i in range(500):
            body = Body(b"article %d " % i * 20)
            refs.append(weakref.ref(body))
            if i >= 2:
                alive_behind.append(refs[i - 2]() is not None)
            yield {"id": "k%04d" % i, "text": body, "title": "T%d" % i}
            del body

    stats = tome.pack(tmp_path / "s.tome", articles(), level=1, dict="off")
    assert stats["articles"] == 500
    assert not any(alive_behind)
    a = tome.open(tmp_path / "s.tome")
    assert a["k0007"] == b"article 7 " * 20 and a.title(a.find("k0007")) == "T7"


def test_tuples_titles_and_kinds(tmp_path):
    items = [("a", "text a"), ("b", b"bytes b", "Title b"), ["c", memoryview(b"mv c"), None],
             {"id": "d", "text": "d", "title": None, "aliases": []},
             {"id": "e", "text": "\u00e9t\u00e9", "extra": "ignored"}]
    tome.pack(tmp_path / "t.tome", items, level=1)
    a = tome.open(tmp_path / "t.tome")
    assert [a.key(i) for i in range(len(a))] == ["a", "b", "c", "d", "e"]
    assert a["b"] == b"bytes b" and a.title(1) == "Title b" and a.title(0) is None
    assert a["c"] == b"mv c" and a["e"] == "\u00e9t\u00e9".encode()


def test_options(tmp_path):
    rows = list(make_articles(400))
    base = tome.pack(tmp_path / "a.tome", rows, level=1, block_size="2K", dict="off",
                     threads=1, check=False, cluster=False)
    assert base["dict_size"] == 0 and base["blocks"] > 10
    on = tome.pack(tmp_path / "b.tome", rows, level=3, dict="on", dict_size="16K", threads=2)
    assert on["dict_size"] > 0
    assert tome.open(tmp_path / "b.tome").info()["dict_size"] == on["dict_size"]
    ram = tome.pack(tmp_path / "c.tome", rows, level=1, ram_budget="200K")
    assert ram["workspace_memory"] <= 200 * 1024
    calls = []
    tome.pack(tmp_path / "d.tome", rows, level=1, progress=lambda *a: calls.append(a))
    assert calls and all(isinstance(c[0], str) for c in calls)
    for f in "abcd":
        assert tome.open(tmp_path / (f + ".tome")).verify().ok
    with pytest.raises(ValueError):
        tome.pack(tmp_path / "x.tome", rows, level=23)
    with pytest.raises(ValueError):
        tome.pack(tmp_path / "x.tome", rows, dict="maybe")
    with pytest.raises(ValueError):
        tome.pack(tmp_path / "x.tome", rows, block_size="lots")


def test_memory_budget_spills_beside_the_output(tmp_path):
    # 6 MB of distinct bodies: past a quarter of a 16M budget, so the body
    # store spills to a temporary file in the output's directory
    rows = [("blob/%03d" % i, os.urandom(48 * 1024)) for i in range(128)]
    (tmp_path / "small").mkdir()
    (tmp_path / "large").mkdir()
    small = tome.pack(tmp_path / "small" / "a.tome", rows, level=1, dict="off", memory="16M",
                      threads=1)
    tome.pack(tmp_path / "large" / "a.tome", rows, level=1, dict="off", threads=2)
    assert small["articles"] == 128
    assert (tmp_path / "small" / "a.tome").read_bytes() == (tmp_path / "large" / "a.tome").read_bytes()
    assert os.listdir(tmp_path / "small") == ["a.tome"]
    for bad in ("1M", -1, "lots"):
        with pytest.raises(ValueError):
            tome.pack(tmp_path / "x.tome", rows[:1], memory=bad)
    assert not (tmp_path / "x.tome").exists()


class _TwiceTitle(collections.abc.Mapping):
    """A mapping whose items name "title" twice, as no dict can."""

    def __getitem__(self, k):
        return "x"

    def __iter__(self):
        return iter(["title", "title"])

    def __len__(self):
        return 2

    def items(self):
        return [("title", "x"), ("title", "y")]


def test_aliases_and_metadata(tmp_path):
    """Aliases find their article, are listed with it and searched; the
    metadata comes back as given; the stats count the aliases."""
    out = tmp_path / "am.tome"
    meta = {"title": "Städte", "language": "de", "date": "2024-05-01"}
    stats = tome.pack(out, [
        {"id": "cities/koeln", "text": "Dom", "title": "Köln", "aliases": ["Cologne", "Colonia"]},
        {"id": "cities/zuerich", "text": "See", "title": "Zürich", "aliases": ["Zurich"]},
        {"id": "streets/strasse", "text": "Weg", "title": "Straße"},
        ("misc", "nothing"),
    ], metadata=meta, level=1)
    assert stats["articles"] == 4 and stats["aliases"] == 3
    a = tome.open(out)
    assert a.metadata == meta
    assert a.info()["alias_count"] == 3 and a.info()["meta_count"] == 3
    koeln, zuerich = a.find("cities/koeln"), a.find("cities/zuerich")
    assert a.aliases(koeln) == ["Cologne", "Colonia"] and a.aliases(zuerich) == ["Zurich"]
    assert a.aliases(a.find("misc")) == [] and a.stat(koeln)["alias_count"] == 2
    assert a.find("Colonia") == koeln and a["Zurich"] == b"See" and "Cologne" in a
    assert "cologne" not in a  # find is exact; search folds
    # folded: case and accents ignored, ß as ss; each article once
    assert a.search("ZURI") == [(zuerich, "cities/zuerich", "Zürich")]
    assert [m.id for m in a.search("strasse")] == [a.find("streets/strasse")]
    assert [m.id for m in a.search("col")] == [koeln]
    assert a.search("col", aliases=False) == []
    assert [m.key for m in a.search("c")] == ["cities/koeln", "cities/zuerich"]
    assert len(a.search("c", limit=1)) == 1
    # exact: byte for byte
    assert a.search("Zur", exact=True) == [(zuerich, "cities/zuerich", "Zürich")]
    assert a.search("zur", exact=True) == []
    assert [m.id for m in a.search("cities/", exact=True, titles=False, aliases=False)] == \
        [koeln, zuerich]
    assert a.search("nothing at all") == []
    m = a.search("misc")[0]
    assert m.id == a.find("misc") and m.key == "misc" and m.title is None
    with pytest.raises(ValueError):
        a.search("x", keys=False, titles=False, aliases=False)
    with pytest.raises(ValueError):
        a.search("x", limit=0)
    with pytest.raises(tome.ArgumentError):
        a.search(b"\xff")
    with pytest.raises(tome.ArgumentError):
        a.search("x" * (tome.QUERY_MAX + 1))
    # the CLI agrees
    assert cli("search", str(out), "ZURI").decode().split("\t")[0] == str(zuerich)
    for mode in (str(out), out.read_bytes(), open(out, "rb")):
        b = tome.open(mode)
        assert b.search("col") == a.search("col") and b.metadata == meta
        assert b.aliases(koeln) == ["Cologne", "Colonia"]
    assert tome.open(out).verify().ok


def test_to_a_file_object(tmp_path, seeds_archive):
    buf = io.BytesIO()
    tome.pack(buf, seed_files())
    assert buf.getvalue() == seeds_archive.read_bytes()


def test_pack_errors(tmp_path):
    out = tmp_path / "e.tome"
    with pytest.raises(tome.PackDuplicateError) as e:
        tome.pack(out, [("k", "1"), ("k", "2")])
    assert type(e.value) is tome.PackDuplicateError and "article 1" in str(e.value)
    assert e.value.name == "TOME_PACK_ERR_DUPLICATE" and e.value.code == -104
    with pytest.raises(tome.PackEmptyError):
        tome.pack(out, iter(()))
    with pytest.raises(tome.PackInputError):
        tome.pack(out, [(b"\xff\xfe", "bad UTF-8 key")])
    with pytest.raises(tome.PackInputError):
        tome.pack(out, [("", "empty key")])
    with pytest.raises(tome.PackDuplicateError):  # an alias equal to a key
        tome.pack(out, [{"id": "a", "text": "x", "aliases": ["b"]}, ("b", "y")])
    with pytest.raises(tome.PackDuplicateError):  # one alias for two articles
        tome.pack(out, [{"id": "a", "text": "x", "aliases": ["c"]},
                        {"id": "b", "text": "y", "aliases": ["c"]}])
    with pytest.raises(TypeError):
        tome.pack(out, [{"id": "a", "text": "x", "aliases": "b"}])
    with pytest.raises(TypeError):
        tome.pack(out, [{"id": "a", "text": "x", "aliases": [42]}])
    with pytest.raises(tome.PackDuplicateError):
        tome.pack(out, [("a", "x")], metadata=_TwiceTitle())
    with pytest.raises(TypeError):
        tome.pack(out, [("a", "x")], metadata={"title": 3})
    with pytest.raises(TypeError):
        tome.pack(out, [("a", "x")], metadata=["title"])
    with pytest.raises(ValueError):
        tome.pack(out, [{"id": "a"}])
    with pytest.raises(ValueError):
        tome.pack(out, [("a",)])
    with pytest.raises(TypeError):
        tome.pack(out, [42])
    with pytest.raises(TypeError):
        tome.pack(out, [("a", 42)])
    with pytest.raises(TypeError):
        tome.pack(out, 42)
    assert not out.exists()

    def broken():
        yield ("a", "fine")
        raise RuntimeError("the source failed")

    with pytest.raises(RuntimeError, match="source failed"):
        tome.pack(out, broken())
    assert not out.exists()
    with pytest.raises(tome.PackIoError):
        tome.pack(tmp_path / "no" / "such" / "dir" / "x.tome", [("a", "b")])
