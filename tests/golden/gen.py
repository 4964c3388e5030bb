# SPDX-License-Identifier: BSD-2-Clause
"""Writes the golden archives of tests/golden/ and their MANIFEST.

    python3 tests/golden/gen.py OUTDIR

Valid archives must read to the contents in their .expect file; each
invalid one breaks exactly one rule of docs/FORMAT.md ("Checks at open" or
"What a verifier checks") with every checksum that does not belong to the
rule valid, and the MANIFEST line says the exact outcome:

    NAME open ERROR                  tome_open() fails with ERROR
    NAME verify PART INDEX ERROR     tome_open() succeeds and tome_verify()
                                     reports (PART, INDEX, ERROR), among others
    NAME valid                       opens, verifies, and reads as NAME.expect

The files are committed; `make test` regenerates them and checks that the
bytes are the same, so the generator and the files cannot drift.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tome3  # noqa: E402
from tome3 import Article as A, Builder, xxh32, varint, refresh_checksums  # noqa: E402

CASES = []


def case(name, outcome):
    def wrap(fn):
        CASES.append((name, outcome, fn))
        return fn
    return wrap


def sample(**kw):
    """Five articles: a shared body, a body over three blocks, an empty one,
    a title, aliases, metadata; leaves of 2 entries so trees have nodes."""
    arts = [A(b'alpha', b'the same body\n', b'Alpha', [b'first']),
            A(b'beta', b'the same body\n'),
            A(b'gamma/long.txt', bytes((i * 7 + i // 251) & 0x7F | 0x20 for i in range(1200)),
              b'Gamma Long'),
            A(b'delta', b''),
            A(b'epsilon', b'last words\n', b'Epsilon', [b'eps', b'e'])]
    opts = dict(meta={b'title': b'Golden', b'language': b'en'}, block_target=512,
                leaf_entries=2, fanout=2)
    opts.update(kw)
    return Builder(arts, **opts)


# ---- valid ------------------------------------------------------------------

@case('valid-sample', 'valid')
def valid_sample():
    return sample()


@case('valid-empty', 'valid')
def valid_empty():
    return Builder([], search=False)


@case('valid-all-empty-bodies', 'valid')
def valid_all_empty():
    return Builder([A(b'a'), A(b'b'), A(b'c', b'', b'C')], leaf_entries=2, fanout=2)


@case('valid-one-leaf', 'valid')
def valid_one_leaf():
    return Builder([A(b'only', b'one article\n')], leaf_entries=8, fanout=8, search=False)


@case('valid-unicode', 'valid')
def valid_unicode():
    # folded forms given explicitly: the fold table is the C side's
    folds = {'Straße'.encode(): b'strasse', 'İstanbul'.encode(): b'istanbul',
             'Οδυσσέας'.encode(): 'οδυσσεασ'.encode(), 'Ёжик'.encode(): 'ежик'.encode(),
             b'de/strasse': b'de/strasse', b'el/odysseas': b'el/odysseas',
             b'ru/ezhik': b'ru/ezhik', b'tr/istanbul': b'tr/istanbul'}
    arts = [A(b'de/strasse', 'Die Straße ist lang.\n'.encode(), 'Straße'.encode()),
            A(b'tr/istanbul', 'İstanbul büyük bir şehir.\n'.encode(), 'İstanbul'.encode()),
            A(b'el/odysseas', 'Ο Οδυσσέας ταξιδεύει.\n'.encode(), 'Οδυσσέας'.encode()),
            A(b'ru/ezhik', 'Ёжик в тумане.\n'.encode(), 'Ёжик'.encode())]
    return Builder(arts, leaf_entries=3, fanout=2, fold=lambda b: folds[b])


# ---- invalid at open --------------------------------------------------------

def header_case(field, value):
    b = sample()
    return b.build(fix=lambda stage, o: o.__setitem__(field, value) if stage == 'header' else None)


@case('open-magic', 'open TOME_ERR_NOT_ARCHIVE')
def open_magic():
    d = bytearray(sample().build())
    d[1] ^= 0x20
    return bytes(d)


@case('open-major-2', 'open TOME_ERR_VERSION')
def open_major():
    return header_case('major', 2)


@case('open-minor-newer', 'open TOME_ERR_VERSION')
def open_minor():
    return header_case('minor', 1)


@case('open-truncated', 'open TOME_ERR_TRUNCATED')
def open_truncated():
    return sample().build()[:-1]


@case('open-header-size', 'open TOME_ERR_HEADER')
def open_header_size():
    return header_case('header_size', 176)


@case('open-header-checksum', 'open TOME_ERR_HEADER')
def open_header_checksum():
    d = bytearray(sample().build())
    d[157] ^= 1
    return refresh_only_file(d)


def refresh_only_file(d):
    fsize = struct.unpack_from('<Q', d, 16)[0]
    struct.pack_into('<I', d, fsize - 4, xxh32(bytes(d[:fsize - 4])))
    return bytes(d)


@case('open-meta-count-without-frame', 'open TOME_ERR_HEADER')
def open_meta_count():
    return Builder([A(b'a', b'x')]).build(
        fix=lambda s, h: h.__setitem__('meta_count', 2) if s == 'header' else None)


@case('open-long-key-small-blocks', 'open TOME_ERR_HEADER')
def open_long_key():
    # a 300-byte key needs block_size_max of at least 600
    return Builder([A(b'k' * 300, b'short body')]).build(
        fix=lambda s, h: h.__setitem__('block_size_max', 599) if s == 'header' else None)


@case('valid-long-key', 'valid')
def valid_long_key():
    return Builder([A(b'k' * 300, b'short body'), A(b'j' * 280 + 'é'.encode(), b'x', b'T' * 400)],
                   fold=lambda s: s.lower().replace('é'.encode(), b'e'))


@case('open-table-before-gap', 'open TOME_ERR_HEADER')
def open_table_gap():
    # the block table must end where the footer begins
    def fix(s, o):
        if s == 'header':
            o['block_table_offset'] -= 1
    return sample().build(fix=fix)


@case('open-file-size-small', 'open TOME_ERR_HEADER')
def open_small():
    return header_case('file_size', 183)


@case('open-footer-magic', 'open TOME_ERR_HEADER')
def open_footer_magic():
    d = bytearray(sample().build())
    d[-24] ^= 1
    return refresh_only_file(d)


@case('open-footer-size', 'open TOME_ERR_HEADER')
def open_footer_size():
    d = bytearray(sample().build())
    d[-16] ^= 1
    return refresh_only_file(d)


@case('open-footer-reserved', 'open TOME_ERR_HEADER')
def open_footer_reserved():
    d = bytearray(sample().build())
    d[-8] = 1
    return refresh_only_file(d)


@case('open-article-count-max', 'open TOME_ERR_HEADER')
def open_count_max():
    return header_case('article_count', 0xFFFFFFFF)


@case('open-block-total-overflow', 'open TOME_ERR_HEADER')
def open_total():
    return header_case('search_frames', 0xFFFFFFF0)


@case('open-no-body-blocks', 'open TOME_ERR_HEADER')
def open_no_bodies():
    return header_case('body_blocks', 0)


@case('open-body-count-over-articles', 'open TOME_ERR_HEADER')
def open_body_count():
    return header_case('body_count', 6)


@case('open-body-count-zero', 'open TOME_ERR_HEADER')
def open_body_count_zero():
    return header_case('body_count', 0)


@case('open-leaves-over-frames', 'open TOME_ERR_HEADER')
def open_leaves():
    b = sample()
    return b.build(fix=lambda s, h: h.__setitem__('name_leaves', h['name_frames'] + 1)
                   if s == 'header' else None)


@case('open-no-name-leaves', 'open TOME_ERR_HEADER')
def open_no_names():
    return header_case('name_leaves', 0)


@case('open-aliases-without-frames', 'open TOME_ERR_HEADER')
def open_alias_frames():
    def fix(s, h):
        if s == 'header':
            h['search_frames'] += h['alias_frames']  # same total, other boundary
            h['alias_frames'] = 0
            h['alias_leaves'] = 0
    return sample().build(fix=fix)


@case('open-search-without-entries', 'open TOME_ERR_HEADER')
def open_search_count():
    return header_case('search_count', 0)


@case('open-meta-frames-2', 'open TOME_ERR_HEADER')
def open_meta():
    return header_case('meta_frames', 2)


@case('open-key-size-max', 'open TOME_ERR_HEADER')
def open_key_max():
    return header_case('key_size_max', 65536)


@case('open-title-size-max', 'open TOME_ERR_HEADER')
def open_title_max():
    return header_case('title_size_max', 65536)


@case('open-fold-size-max', 'open TOME_ERR_HEADER')
def open_fold_max():
    return header_case('fold_size_max', 196606)


@case('open-block-size-max-zero', 'open TOME_ERR_HEADER')
def open_block_max():
    return header_case('block_size_max', 0)


@case('open-index-size-max-zero', 'open TOME_ERR_HEADER')
def open_index_max():
    return header_case('index_size_max', 0)


@case('open-chunk-size-max-2', 'open TOME_ERR_HEADER')
def open_chunk():
    return header_case('chunk_size_max', 2)


@case('open-fold-version-2', 'open TOME_ERR_HEADER')
def open_fold_version():
    return header_case('fold_version', 2)


@case('open-fold-version-without-search', 'open TOME_ERR_HEADER')
def open_fold_version0():
    return Builder([A(b'a', b'x')], search=False).build(
        fix=lambda s, h: h.__setitem__('fold_version', 1) if s == 'header' else None)


@case('open-table-outside', 'open TOME_ERR_HEADER')
def open_table():
    def fix(s, h):
        if s == 'header':
            h['block_table_offset'] += 1
    d = bytearray(sample().build(fix=fix))
    return bytes(d)


@case('open-dict-offset-without-dict', 'open TOME_ERR_HEADER')
def open_dict_offset():
    return header_case('dict_offset', 160)


@case('open-dict-overlaps-table', 'open TOME_ERR_HEADER')
def open_dict_overlap():
    def fix(s, h):
        if s == 'header':
            h['dict_size'] = 64
            h['dict_offset'] = h['block_table_offset'] - 32
    return sample().build(fix=fix)


@case('open-article-count-short', 'open TOME_ERR_HEADER')
def open_article_count_short():
    # one article fewer than the name tree holds: listings would end early
    return header_case('article_count', 4)


@case('open-dict-checksum', 'open TOME_ERR_DICTIONARY')
def open_dict_checksum():
    # a raw-content dictionary of 64 bytes in front of the frames
    b = sample()
    frames = b.frames()
    dictionary = b'raw content dictionary: the same body, last words, golden.\n' + b'....'
    pos = 160 + len(dictionary)
    for f in frames:
        f.data = tome3.zstd_raw_frame(f.content)
        f.offset = pos
        pos += len(f.data)

    def fix(s, o):
        if s == 'header':
            o['dict_size'] = len(dictionary)
            o['dict_offset'] = 160
            o['dict_checksum'] = xxh32(dictionary) ^ 1
        if s == 'file':
            o[160:160 + len(dictionary)] = dictionary
            fs = len(o)
            struct.pack_into('<I', o, fs - 4, xxh32(bytes(o[:fs - 4])))
    return b.build(frames=frames, fix=fix)


# ---- invalid, found by verify -----------------------------------------------

def frame_index(b, frames, kind, n):
    return [i for i, f in enumerate(frames) if f.kind == kind][n]


@case('verify-file-checksum', 'verify FILE - TOME_ERR_CHECKSUM')
def verify_file():
    d = bytearray(sample().build())
    d[-1] ^= 1
    return bytes(d)


@case('verify-record-checksum', 'verify BLOCK_TABLE 1 TOME_ERR_CORRUPT')
def verify_record():
    def fix(s, frames):
        if s == 'frames':
            frames[1].record_checksum = 0x12345678
    return sample().build(fix=fix)


@case('verify-frame-outside', 'verify BLOCK_TABLE 0 TOME_ERR_CORRUPT')
def verify_frame_outside():
    def fix(s, frames):
        if s == 'frames':
            frames[0].offset = 100  # inside the header
    b = sample()
    return b.build(fix=fix)


@case('verify-frames-overlap', 'verify BLOCK_TABLE 1 TOME_ERR_CORRUPT')
def verify_overlap():
    def fix(s, frames):
        if s == 'frames':
            pos = 160
            for f in frames:
                f.offset = pos
                pos += len(f.data)
            frames[1].offset = frames[0].offset + 1
    return sample().build(fix=fix)


@case('verify-content-size-over-limit', 'verify BLOCK_TABLE 0 TOME_ERR_CORRUPT')
def verify_content_limit():
    def fix(s, o):
        if s == 'header':
            o['block_size_max'] -= 1
    return sample().build(fix=fix)


@case('verify-content-size-differs', 'verify BLOCK 2 TOME_ERR_DECOMPRESS')
def verify_content_size():
    b = sample()

    def fix(s, frames):
        if s == 'frames':
            frames[2].content_size -= 1  # the last body block
    return b.build(fix=fix)


@case('verify-content-checksum', 'verify BLOCK 0 TOME_ERR_CHECKSUM')
def verify_content_checksum():
    def fix(s, frames):
        if s == 'frames':
            frames[0].content_checksum ^= 1
    return sample().build(fix=fix)


@case('verify-name-content-checksum', 'verify NAMES 0 TOME_ERR_CHECKSUM')
def verify_name_checksum():
    b = sample()

    def fix(s, frames):
        if s == 'frames':
            frames[frame_index(b, frames, tome3.KIND_NAME, 0)].content_checksum ^= 1
    return b.build(fix=fix)


@case('verify-chunk-over-limit', 'verify BLOCK 0 TOME_ERR_CORRUPT')
def verify_chunk():
    b = sample()

    def fix(s, o):
        if s == 'header':
            o["chunk_size_max"] = 400  # frame 0's raw block is larger
    return b.build(fix=fix)


@case('verify-first-differs', 'verify BLOCK 1 TOME_ERR_CORRUPT')
def verify_first():
    def fix(s, frames):
        if s == 'frames':
            frames[1].first += 1
    return sample().build(fix=fix)


def body_case(mutate):
    """Rebuild block contents after `mutate(builder)` changed the model."""
    b = sample()
    mutate(b)
    return b.build()


@case('verify-head-checksum', 'verify BLOCK 0 TOME_ERR_CHECKSUM')
def verify_head_checksum():
    b = sample()
    frames = b.frames()
    c = bytearray(frames[0].content)
    hs = struct.unpack_from('<I', c, 0)[0]
    c[hs - 1] ^= 1
    frames[0].content = bytes(c)
    return b.build(frames=frames)


@case('verify-segment-checksum', 'verify BLOCK 0 TOME_ERR_CHECKSUM')
def verify_segment_checksum():
    b = sample()
    frames = b.frames()
    c = bytearray(frames[0].content)
    hs = struct.unpack_from('<I', c, 0)[0]
    c[hs] ^= 1  # the first byte of the body area
    frames[0].content = bytes(c)
    return b.build(frames=frames)


class HeadBuilder(Builder):
    """A builder whose body heads a test rewrites field by field."""

    def __init__(self, edit, *a, **kw):
        self.edit = edit
        super().__init__(*a, **kw)

    def body_block(self, bi, blk, first):
        fields = dict(first=first, carry=blk['carry'], bodies=list(blk['bodies']),
                      sizes=[len(self.bodies[x]) for x in blk['bodies']],
                      ids=[list(self.body_ids[x]) for x in blk['bodies']],
                      area=bytes(blk['area']), block=bi)
        ends, pos = [], blk['carry']
        if blk['carry']:
            ends.append(blk['carry'])
        for s in fields['sizes']:
            pos += s
            if pos <= len(fields['area']):
                ends.append(pos)
        fields['ends'] = sorted(set(e for e in ends if 0 < e < len(fields['area']))) + \
            [len(fields['area'])]
        self.edit(fields)
        head = bytearray(varint(fields['first']) + varint(fields['carry']) +
                         varint(len(fields['sizes'])) + varint(len(fields['ends'])))
        for s in fields['sizes']:
            head += varint(s)
        for ids in fields['ids']:
            head += varint(len(ids)) + varint(ids[0])
            for x, y in zip(ids, ids[1:]):
                head += varint((y - x) & 0xFFFFFFFF)
        start = 0
        for j, e in enumerate(fields['ends']):
            head += varint(e) + struct.pack('<I', xxh32(fields['area'][start:e], j))
            start = e
        full = struct.pack('<I', 8 + len(head)) + bytes(head)
        full += struct.pack('<I', xxh32(full, bi))
        return full + fields['area']


def head_case(edit):
    s = sample()
    return HeadBuilder(edit, s.articles, meta=s.meta, block_target=512, leaf_entries=2,
                       fanout=2).build()


def only_block(n, fn):
    def edit(f):
        if f['block'] == n:
            fn(f)
    return edit


@case('verify-carry-wrong', 'verify BLOCK 2 TOME_ERR_CORRUPT')
def verify_carry():
    return head_case(only_block(2, lambda f: f.__setitem__('carry', f['carry'] - 1)))


@case('verify-ids-not-increasing', 'verify BLOCK 0 TOME_ERR_CORRUPT')
def verify_ids_order():
    return head_case(only_block(0, lambda f: f['ids'][0].reverse()))


@case('verify-id-out-of-range', 'verify BLOCK 0 TOME_ERR_CORRUPT')
def verify_id_range():
    return head_case(only_block(0, lambda f: f['ids'][-1].__setitem__(0, 5)))


@case('verify-segment-end-short', 'verify BLOCK 0 TOME_ERR_CORRUPT')
def verify_segment_end():
    return head_case(only_block(0, lambda f: f['ends'].__setitem__(-1, f['ends'][-1] - 1)))


@case('verify-first-listing', 'verify BLOCK 1 TOME_ERR_CORRUPT')
def verify_first_listing():
    # the record's first is copied from the content, so both agree and are wrong
    def edit(f):
        if f['block'] == 1:
            f['first'] += 1
    b = sample()
    hb = HeadBuilder(edit, b.articles, meta=b.meta, block_target=512, leaf_entries=2, fanout=2)
    frames = hb.frames()
    frames[1].first += 1
    return hb.build(frames=frames)


@case('verify-id-listed-twice', 'verify BINDINGS - TOME_ERR_CORRUPT')
def verify_listed_twice():
    # beta (ID 1) listed with alpha and again instead of epsilon (ID 3):
    # five listings, but ID 3 has none
    return head_case(only_block(0, lambda f: f['ids'].__setitem__(2, [1])))


@case('verify-location-wrong', 'verify BINDINGS - TOME_ERR_CORRUPT')
def verify_location():
    b = sample()
    b.location[2] = (0, 2)  # delta (ID 2, empty body) pointed at epsilon's body
    return b.build()


@case('verify-key-order', 'verify NAMES 0 TOME_ERR_KEYS')
def verify_key_order():
    b = sample()
    # swap two keys' strings but keep everything else: leaf 0 holds IDs 0, 1
    b.articles[0].key, b.articles[1].key = b.articles[1].key, b.articles[0].key
    return b.build()


@case('verify-key-nul', 'verify NAMES 1 TOME_ERR_KEYS')
def verify_key_nul():
    b = sample()
    b.articles[2].key = b'delt\x00'
    return b.build()


@case('verify-key-utf8', 'verify NAMES 2 TOME_ERR_KEYS')
def verify_key_utf8():
    b = sample()
    b.articles[4].key = b'gamma/long.txt\xff'
    return b.build()


@case('verify-key-empty', 'verify NAMES 0 TOME_ERR_CORRUPT')
def verify_key_empty():
    b = sample()
    b.articles[0].key = b''  # still first in key order; found by a query for ""
    return b.build()


@case('verify-title-utf8', 'verify NAMES 0 TOME_ERR_KEYS')
def verify_title_utf8():
    b = sample()
    b.articles[0].title = b'Alpha\xc0\x80'
    return b.build()


@case('verify-node-separator', 'verify NAMES - TOME_ERR_CORRUPT')
def verify_separator():
    b = sample()
    frames = b.frames()
    names = [f for f in frames if f.kind == tome3.KIND_NAME]
    node = names[3]  # the first node: leaves 0, 1, 2 then nodes 3, 4, root 5
    node.content = node.content.replace(b'beta', b'bet', 1) if b'beta' in node.content else \
        node.content[:-1] + bytes([node.content[-1] ^ 1])
    return b.build(frames=frames)


@case('verify-node-level', 'verify NAMES 5 TOME_ERR_CORRUPT')
def verify_level():
    b = sample()
    frames = b.frames()
    names = [f for f in frames if f.kind == tome3.KIND_NAME]
    root = names[-1]
    root.content = varint(5) + root.content[1:]
    return b.build(frames=frames)


@case('verify-leaf-count', 'verify NAMES 1 TOME_ERR_CORRUPT')
def verify_leaf_count():
    b = sample()
    frames = b.frames()
    names = [f for f in frames if f.kind == tome3.KIND_NAME]
    leaf = names[1]  # level 0, first 2, count 2: say count 1 and drop nothing
    assert leaf.content[:3] == b'\x00\x02\x02'
    leaf.content = b'\x00\x02\x01' + leaf.content[3:]
    return b.build(frames=frames)


@case('verify-alias-binding', 'verify BINDINGS - TOME_ERR_CORRUPT')
def verify_alias_binding():
    b = sample()
    b.alias_list = [(al, 4 if al == b'eps' else i) for al, i in b.alias_list]
    return b.build()


@case('verify-alias-equals-key', 'verify ALIASES 0 TOME_ERR_KEYS')
def verify_alias_key():
    b = sample()
    b.articles[0].aliases = [b'beta']
    b.model()
    return b.build()


@case('verify-search-entry', 'verify BINDINGS - TOME_ERR_CORRUPT')
def verify_search():
    b = sample(fold=lambda s: tome3.fold_ascii(s) if s != b'Gamma Long' else b'gamma_long')
    return b.build()


@case('verify-search-order', 'verify SEARCH 0 TOME_ERR_KEYS')
def verify_search_order():
    b = sample()
    frames = b.frames()
    leaf = [f for f in frames if f.kind == tome3.KIND_SEARCH][0]
    # the first leaf's two entries are "alpha" (id 0) and "alpha" (title): swap sources
    c = bytearray(leaf.content)
    assert c.endswith(b'\x00\x01') or True
    entries = b.search_entries
    b.search_entries = [entries[1], entries[0]] + entries[2:]
    frames2, _ = tome3.tree_frames(tome3.KIND_SEARCH,
                                   [(s, varint(i) + varint(src)) for s, i, src in b.search_entries],
                                   b.leaf_entries, b.fanout)
    out = [f for f in frames if f.kind != tome3.KIND_SEARCH and f.kind != tome3.KIND_META]
    out += frames2 + [f for f in frames if f.kind == tome3.KIND_META]
    return b.build(frames=out)


@case('verify-meta-order', 'verify META 0 TOME_ERR_KEYS')
def verify_meta_order():
    b = sample()
    frames = b.frames()
    meta = frames[-1]
    body = varint(0) + varint(0) + varint(2)
    body += varint(0) + tome3.string(b'title') + tome3.string(b'Golden')
    body += varint(0) + tome3.string(b'language') + tome3.string(b'en')
    meta.content = body
    return b.build(frames=frames)


@case('verify-raw-size', 'verify BINDINGS - TOME_ERR_CORRUPT')
def verify_raw_size():
    return header_case('raw_size', 1)


@case('verify-article-size-max', 'verify BLOCK 0 TOME_ERR_CORRUPT')
def verify_article_max():
    return header_case("article_size_max", 1199)


@case('verify-key-size-max', 'verify NAMES 2 TOME_ERR_CORRUPT')
def verify_key_max():
    return header_case('key_size_max', 13)


# ---- volume sets (docs/FORMAT.md, "Volume sets") ------------------------------
#
# A set NAME is NAME.tome (the index) and NAME.000.tome ...; each volume is
# also a MANIFEST line of its own ("valid", read alone with its .expect).
# The set's lines:
#     NAME set valid                 opens, verifies, reads every ID, key, alias
#     NAME set open ERROR            tome_set_open() fails with ERROR
#     NAME set volume V ERROR        opens; volume V is refused with ERROR

SET_CASES = []


def set_case(name, outcome):
    def wrap(fn):
        SET_CASES.append((name, outcome, fn))
        return fn
    return wrap


SET_ARTICLES = [A(b'a/1', b'first volume, first article\n', b'One', [b'0-alias']),
                A(b'a/2', b'first volume, second\n'),
                A(b'b/1', b'second volume\n', b'', [b'zz/b1', b'b/alias']),
                A(b'b/2', b''),
                A(b'c/1', b'third volume, its only article\n', b'Three')]
SET_RANGES = [(0, 2), (2, 4), (4, 5)]
SET_ID = b'0123456789abcdef'


def set_volumes(ranges=SET_RANGES, set_id=SET_ID, meta_fix=None):
    """The volumes' Builders: each a key range with its aliases and the
    reserved metadata."""
    vols = []
    for v, (lo, hi) in enumerate(ranges):
        meta = {b'title': b'Golden set', b'tome.set': set_id,
                b'tome.volume': str(v).encode(), b'tome.first_id': str(lo).encode()}
        if meta_fix:
            meta_fix(v, meta)
        arts = [A(a.key, a.body, a.title, a.aliases) for a in SET_ARTICLES[lo:hi]]
        vols.append(Builder(arts, meta=meta, block_target=256, leaf_entries=2, fanout=2))
    return vols


def set_index(name, vols, volume_bytes, meta=None, record_fix=None, set_id=SET_ID):
    """The index of volumes whose bytes are volume_bytes: records read from
    their headers and footers."""
    arts, first = [], 0
    for v, (b, data) in enumerate(zip(vols, volume_bytes)):
        rec = bytearray(struct.pack('<QIIIII', len(data), struct.unpack_from('<I', data, len(data) - 4)[0],
                                    struct.unpack_from('<I', data, 156)[0], first,
                                    len(b.articles), sum(len(a.aliases) for a in b.articles)))
        rec += b'%s.%03d.tome' % (name.encode(), v)
        if record_fix:
            record_fix(v, rec)
        aliases = [al for a in b.articles for al in a.aliases]
        arts.append(A(b.articles[0].key, bytes(rec), b'', aliases))
        first += len(b.articles)
    m = {b'title': b'Golden set', b'tome.set': set_id, b'tome.volumes': str(len(vols)).encode(),
         b'tome.articles': str(first).encode()}
    m.update(meta or {})
    return Builder(arts, meta=m, block_target=256, leaf_entries=2, fanout=2)


def set_files(name, vols=None, index_meta=None, record_fix=None, swap=None):
    """{file name: bytes, or Builder for a volume read alone}."""
    vols = vols or set_volumes()
    data = [b.build() for b in vols]
    index = set_index(name, vols, data, index_meta, record_fix).build()
    files = {name + '.tome': index}
    order = list(range(len(vols)))
    if swap:
        order[swap[0]], order[swap[1]] = order[swap[1]], order[swap[0]]
    for v, w in enumerate(order):
        files['%s.%03d.tome' % (name, v)] = vols[w]
    return files


@set_case('set-sample', 'set valid')
def set_sample():
    return set_files('set-sample')


@set_case('set-foreign', 'set volume 1 TOME_ERR_SET')
def set_foreign():
    files = set_files('set-foreign')
    other = set_volumes(set_id=b'fedcba9876543210')
    files['set-foreign.001.tome'] = other[1]
    return files


@set_case('set-swapped', 'set volume 0 TOME_ERR_VOLUME')
def set_swapped():
    return set_files('set-swapped', swap=(0, 1))


@set_case('set-volume-number', 'set volume 2 TOME_ERR_VOLUME')
def set_volume_number():
    # recorded as it is (checksums agree), but it says it is volume 1
    def fix(v, meta):
        if v == 2:
            meta[b'tome.volume'] = b'1'
    return set_files('set-volume-number', vols=set_volumes(meta_fix=fix))


@set_case('set-first-id', 'set open TOME_ERR_CORRUPT')
def set_first_id():
    def fix(v, rec):
        if v == 2:
            struct.pack_into('<I', rec, 16, 5)
    return set_files('set-first-id', record_fix=fix)


@set_case('set-volumes-zero', 'set open TOME_ERR_CORRUPT')
def set_volumes_zero():
    return set_files('set-volumes-zero', index_meta={b'tome.volumes': b'03'})


@set_case('set-no-volumes', 'set open TOME_ERR_SET')
def set_no_volumes():
    files = set_files('set-no-volumes')
    vols = set_volumes()
    data = [b.build() for b in vols]
    b = set_index('set-no-volumes', vols, data)
    del b.meta[b'tome.volumes']
    files['set-no-volumes.tome'] = b.build()
    return files


@set_case('set-name-slash', 'set open TOME_ERR_CORRUPT')
def set_name_slash():
    def fix(v, rec):
        if v == 1:
            rec[28:] = b'sub/' + rec[28:]
    return set_files('set-name-slash', record_fix=fix)


def expect_text(b):
    """NAME.expect: per ID its key, title, aliases, body size and XXH32;
    then metadata.  Bytes are hex so any text survives."""
    lines = ['articles %d' % len(b.articles)]
    for i, a in enumerate(b.articles):
        lines.append('%d key=%s title=%s size=%d xxh32=%08x aliases=%s' % (
            i, a.key.hex(), a.title.hex(), len(a.body), xxh32(a.body),
            ','.join(al.hex() for al in sorted(a.aliases, key=lambda x: b.alias_ordinal[x]))))
    for n in sorted(b.meta):
        lines.append('meta %s=%s' % (n.hex(), b.meta[n].hex()))
    return '\n'.join(lines) + '\n'


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    manifest = []
    for name, outcome, fn in CASES:
        r = fn()
        if isinstance(r, Builder):
            data = r.build()
            with open(os.path.join(out, name + '.expect'), 'w') as f:
                f.write(expect_text(r))
        else:
            data = r
        with open(os.path.join(out, name + '.tome'), 'wb') as f:
            f.write(data)
        manifest.append('%s %s' % (name, outcome))
    for name, outcome, fn in SET_CASES:
        for fname, r in sorted(fn().items()):
            if isinstance(r, Builder):
                with open(os.path.join(out, fname[:-5] + '.expect'), 'w') as f:
                    f.write(expect_text(r))
                manifest.append('%s valid' % fname[:-5])
                r = r.build()
            with open(os.path.join(out, fname), 'wb') as f:
                f.write(r)
        manifest.append('%s %s' % (name, outcome))
    with open(os.path.join(out, 'MANIFEST'), 'w') as f:
        f.write('# SPDX-License-Identifier: BSD-2-Clause\n')
        f.write('# NAME open ERROR | NAME verify PART INDEX|- ERROR | NAME valid\n')
        f.write('# NAME set valid | NAME set open ERROR | NAME set volume V ERROR\n')
        f.write('\n'.join(manifest) + '\n')


if __name__ == '__main__':
    main()
