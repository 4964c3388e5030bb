# SPDX-License-Identifier: BSD-2-Clause
"""tome: read and pack tome compressed corpus archives.

    import tome
    with tome.open("corpus.tome") as a:
        print(len(a), a.key(0), a[0][:20], a["some/key"])
        for id, key, body in a:          # storage order, lazily
            ...
    tome.pack("out.tome", ({"id": k, "text": t} for k, t in rows))

docs/PYTHON.md is the manual.  The work is done by the C library (the
extension tome._tome links it in).
"""
import builtins
import collections
import dataclasses
import os
import shutil
import tempfile

from . import _options, _tome
from ._tome import Error, PackError, errors, library_version, format_version, error_name

__all__ = ["open", "pack", "Archive", "Match", "VerifyReport", "QUERY_MAX", "Error", "PackError", "errors",
           "library_version", "format_version", "error_name"]

# One exception class per C error code, named after it: TOME_ERR_CHECKSUM
# is ChecksumError, TOME_PACK_ERR_DUPLICATE is PackDuplicateError.
for _cls in errors.values():
    globals()[_cls.__name__] = _cls
    __all__.append(_cls.__name__)
del _cls

__version__ = library_version


class Match(collections.namedtuple("Match", "id key title")):
    """One article found by Archive.search(): its ID, key and title (None
    when absent)."""
    __slots__ = ()


QUERY_MAX = _tome.QUERY_MAX


@dataclasses.dataclass
class VerifyReport:
    """What Archive.verify() found.

    damage: every problem reported, in order, as (part, index, error):
        part a name ("file", "dictionary", "block_table", "names",
        "aliases", "search", "block", "article", "meta", "bindings": the
        tome_part values), index the block table record, frame, block or
        article ID (None when the part is whole), error the C code's name
        ("TOME_ERR_CHECKSUM", ...).
    """
    damage: list
    damaged_parts: int = 0
    damaged_blocks: int = 0
    damaged_articles: int = 0
    checked_articles: int = 0

    @property
    def ok(self):
        """True when nothing was found damaged."""
        return not self.damage

    @property
    def parts(self):
        """Sorted names of the damaged parts."""
        return sorted({part for part, _, _ in self.damage})

    @property
    def articles(self):
        """Sorted IDs of the damaged articles."""
        return sorted({i for part, i, _ in self.damage if part == "article" and i is not None})

    @property
    def blocks(self):
        """Sorted numbers of the damaged blocks."""
        return sorted({i for part, i, _ in self.damage if part == "block" and i is not None})

    def __bool__(self):
        return self.ok


class Archive(_tome.Archive):
    """An archive open for reading; see tome.open()."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        if self.closed:
            return "<tome.Archive closed>"
        return "<tome.Archive %d articles, %s>" % (len(self), self.mode)

    @property
    def metadata(self):
        """The archive's metadata pairs as a dict {name: value} (str), read
        from its metadata frame at each access; {} when it has none."""
        return self._metadata()

    def search(self, query, exact=False, keys=True, titles=True, aliases=True, limit=None):
        """Articles whose key, title or an alias begins with `query` (str, or
        UTF-8 bytes), as a list of Match(id, key, title) (title None when
        absent).  Folded (case and accents ignored: "strasse" finds
        "Straße") unless exact=True (byte for byte).  keys, titles and
        aliases choose the texts searched (at least one).  Each article
        comes once, at its first matching text, in the order of the folded
        texts; at most `limit` articles (None: all).  Raises NotFoundError
        when the archive has no search index, ArgumentError when the query
        is not UTF-8 or longer than QUERY_MAX bytes once folded."""
        flags = ((_tome.SEARCH_KEYS if keys else 0) | (_tome.SEARCH_TITLES if titles else 0) |
                 (_tome.SEARCH_ALIASES if aliases else 0))
        if not flags:
            raise ValueError("search needs at least one of keys, titles and aliases")
        if exact:
            flags |= _tome.SEARCH_EXACT
        if limit is None:
            limit = 0
        elif isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError("limit is a positive int or None, not %r" % (limit,))
        return [Match(*m) for m in self._search(query, flags, limit)]

    def keys(self):
        """Keys in ID order (which is byte-wise key order), lazily."""
        return (self.key(i) for i in range(len(self)))

    def get(self, key, default=None):
        """The article with this key (bytes), or default."""
        try:
            return self[key]
        except NotFoundError:  # noqa: F821 (defined from the C codes above)
            return default

    def verify(self):
        """Check everything (tome_verify); returns a VerifyReport, which is
        true when the archive is intact.  Raises ReadError only when the
        archive could not be read."""
        damage, report = self._verify()
        return VerifyReport(damage=damage, **report)


def open(source, *, trust_content=False, dict_tables=True):
    """Open an archive for reading.

    source: a path (str or os.PathLike: mapped into memory), a bytes-like
    object (bytes, bytearray, memoryview, mmap: read where it lies and kept
    locked while open), or a binary file object with readinto() and seek()
    (callback mode: read on demand).  trust_content skips the body blocks'
    segment checksums in fetches (TOME_OPEN_TRUST_CONTENT); dict_tables=False saves
    workspace (TOME_OPEN_NO_DICT_TABLES).
    """
    return Archive(source, trust_content=trust_content, dict_tables=dict_tables)


def pack(output, articles, *, block_size="64K", level=19, dict="auto", dict_size="256K",
         threads=0, check=True, cluster=True, ram_budget=0, progress=None, metadata=None,
         memory=0):
    """Pack articles into an archive; returns the packer's statistics (dict).

    output: a path, or a binary file object (the archive is written beside
    a temporary name, then copied into it).  articles: any iterable,
    consumed one article at a time, of dicts {"id": key, "text": body,
    "title": title (optional), "aliases": [more keys] (optional)} or tuples
    (id, text) / (id, text, title).  Keys, titles and aliases are str (or
    UTF-8 bytes), bodies str (stored as UTF-8) or bytes-like.  metadata: a
    dict {name: value} of str about the whole archive (title, language,
    date, ...), read back as Archive.metadata.

    Options as `tome pack`'s: block_size ("64K" or an int), level (1..22),
    dict ("auto", "on", "off" or a bool), dict_size, threads (0 = all
    cores), check (re-read the written archive), cluster (group
    near-duplicates), ram_budget (reader workspace bound, 0 = none),
    memory (peak memory to stay under, "512M" or an int, at least 16M; 0 =
    1 GiB or the machine's RAM if less: what does not fit spills to
    temporary files in the output's directory), progress (called as
    progress(stage, done, total)).
    """
    options = _options.pack_options(block_size=block_size, level=level, dict=dict,
                                    dict_size=dict_size, threads=threads, check=check,
                                    cluster=cluster, ram_budget=ram_budget, progress=progress,
                                    metadata=metadata, memory=memory)
    if hasattr(output, "write") and not isinstance(output, (str, bytes, os.PathLike)):
        with tempfile.TemporaryDirectory(prefix="tome-pack-") as tmp:
            path = os.path.join(tmp, "out.tome")
            stats = _tome.pack(path, articles, **options)
            with builtins.open(path, "rb") as f:
                shutil.copyfileobj(f, output)
            return stats
    return _tome.pack(output, articles, **options)


from .shards import join, pack_set, pack_shard, plan, plan_shards, volume_name  # noqa: E402

__all__ += ["plan", "pack_shard", "join", "pack_set", "plan_shards", "volume_name"]
