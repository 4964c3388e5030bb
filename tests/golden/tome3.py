# SPDX-License-Identifier: BSD-2-Clause
"""An independent writer of tome format 3.0, from docs/FORMAT.md alone.

It shares no code with the C packer: the golden archives it writes check
that the reader, the packer and the document agree.  Frames are zstd frames
of raw blocks (RFC 8878 allows them; no compressor is needed), so every byte
is predictable.  Each stage of the build is a plain Python structure that a
test may change before the next stage, then checksums are recomputed the
way the test asks, to break one rule with every other check intact.
"""
import struct

M32 = 0xFFFFFFFF
P1, P2, P3, P4, P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393

KIND_BODY, KIND_NAME, KIND_ALIAS, KIND_SEARCH, KIND_META = 1, 2, 3, 4, 5
HEADER_SIZE, FOOTER_SIZE, RECORD_SIZE = 160, 24, 28
MAGIC = b'\x89TOME\r\n\x1a'
FOOTER_MAGIC = b'\x1a\n\rEMOT\x89'


def _rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M32


def xxh32(data, seed=0):
    n, i = len(data), 0
    if n >= 16:
        v = [(seed + P1 + P2) & M32, (seed + P2) & M32, seed & M32, (seed - P1) & M32]
        while i + 16 <= n:
            for k in range(4):
                lane = struct.unpack_from('<I', data, i + 4 * k)[0]
                v[k] = (_rotl((v[k] + lane * P2) & M32, 13) * P1) & M32
            i += 16
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & M32
    else:
        h = (seed + P5) & M32
    h = (h + n) & M32
    while i + 4 <= n:
        h = (_rotl((h + struct.unpack_from('<I', data, i)[0] * P3) & M32, 17) * P4) & M32
        i += 4
    while i < n:
        h = (_rotl((h + data[i] * P5) & M32, 11) * P1) & M32
        i += 1
    h ^= h >> 15
    h = (h * P2) & M32
    h ^= h >> 13
    h = (h * P3) & M32
    h ^= h >> 16
    return h


def varint(v):
    assert 0 <= v <= M32
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def zigzag(d):
    return 2 * d if d >= 0 else -2 * d - 1


def string(b):
    return varint(len(b)) + b


def zstd_raw_frame(content, block=1 << 17):
    """A single-segment zstd frame of raw blocks holding `content`."""
    n = len(content)
    if n < 256:
        fhd, fcs = 0x20, struct.pack('<B', n)
    elif n < 65536 + 256:
        fhd, fcs = 0x60, struct.pack('<H', n - 256)
    else:
        fhd, fcs = 0xA0, struct.pack('<I', n)
    out = bytearray(b'\x28\xb5\x2f\xfd') + bytes([fhd]) + fcs
    pos = 0
    while True:
        part = content[pos:pos + block]
        pos += len(part)
        last = pos >= n
        out += struct.pack('<I', (len(part) << 3) | (1 if last else 0))[:3] + part
        if last:
            return bytes(out)


def chunk_max(content, block=1 << 17):
    """chunk_size_max of zstd_raw_frame(content): frame header, block header, blocks."""
    n = len(content)
    header = 4 + 1 + (1 if n < 256 else 2 if n < 65536 + 256 else 4)
    return max(header, 3, min(n, block))


# ---- folding: the C table is generated from Unicode data; golden texts that
# need more than ASCII folding give their folded forms explicitly.

def fold_ascii(b):
    return bytes(c + 32 if 65 <= c <= 90 else 45 if c == 32 else c for c in b)


# ---- building --------------------------------------------------------------

class Article:
    def __init__(self, key, body=b'', title=b'', aliases=()):
        self.key, self.body, self.title = key, body, title
        self.aliases = list(aliases)


class Frame:
    """One block table entry: kind, index within kind, content, and the
    record fields derived from it (a test may override any of them)."""

    def __init__(self, kind, index, content, first):
        self.kind, self.index, self.content, self.first = kind, index, content, first
        self.data = None          # the zstd frame; zstd_raw_frame(content) unless set
        self.offset = None
        self.content_size = None  # len(content) unless set
        self.content_checksum = None  # computed unless set
        self.record_checksum = None


def _front(prev, s):
    shared = 0
    while shared < min(len(prev), len(s)) and prev[shared] == s[shared]:
        shared += 1
    return varint(shared) + string(s[shared:])


def tree_frames(kind, entries, leaf_entries, fanout):
    """entries: (string, payload bytes) in order.  Returns the tree's frame
    contents: leaves, then nodes level by level, root last."""
    contents = []
    leaves = [entries[i:i + leaf_entries] for i in range(0, len(entries), leaf_entries)]
    level_frames = []  # (frame number, first string) of the level below
    first = 0
    for leaf in leaves:
        body, prev = bytearray(), b''
        for s, payload in leaf:
            body += _front(prev, s) + payload
            prev = s
        contents.append((0, first, varint(0) + varint(first) + varint(len(leaf)) + bytes(body)))
        level_frames.append((len(contents) - 1, leaf[0][0]))
        first += len(leaf)
    level = 1
    while len(level_frames) > 1:
        nxt = []
        for i in range(0, len(level_frames), fanout):
            group = level_frames[i:i + fanout]
            body, prev = bytearray(), b''
            for _, s in group:
                body += _front(prev, s)
                prev = s
            contents.append((level, group[0][0],
                             varint(level) + varint(group[0][0]) + varint(len(group)) + bytes(body)))
            nxt.append((len(contents) - 1, group[0][1]))
        level_frames = nxt
        level += 1
    return [Frame(kind, i, c, f) for i, (lvl, f, c) in enumerate(contents)], len(leaves)


class Builder:
    """Builds an archive in stages: model() -> frames -> bytes."""

    def __init__(self, articles, meta=None, block_target=4096, segment_bytes=None,
                 leaf_entries=4, fanout=3, fold=fold_ascii, search=True, order=None):
        self.articles = sorted(articles, key=lambda a: a.key)
        self.meta = dict(meta or {})
        self.block_target = block_target
        self.segment_bytes = segment_bytes  # None: a segment per body
        self.leaf_entries, self.fanout, self.fold, self.search = leaf_entries, fanout, fold, search
        self.order = order  # storage order of bodies (list of body indexes) or None
        self.model()

    # -- stage 1: ids, bodies, blocks, entries
    def model(self):
        arts = self.articles
        self.bodies, body_of = [], {}
        self.body_ids = []
        for i, a in enumerate(arts):
            if a.body not in body_of:
                body_of[a.body] = len(self.bodies)
                self.bodies.append(a.body)
                self.body_ids.append([])
            self.body_ids[body_of[a.body]].append(i)
        order = self.order if self.order is not None else list(range(len(self.bodies)))
        # bodies into blocks, in storage order: a body starts in the current
        # block while its area is below the target; what does not fit continues
        # at the start of the next blocks (their carry)
        self.blocks = []  # per block: carry, bodies (body indexes), area bytes
        cur = None
        for b in order:
            if cur is None or len(cur['area']) >= self.block_target:
                cur = {'carry': 0, 'bodies': [], 'area': bytearray()}
                self.blocks.append(cur)
            cur['bodies'].append(b)
            room = self.block_target - len(cur['area'])
            data = self.bodies[b]
            cur['area'] += data[:room]
            rest = data[room:]
            while rest:
                cur = {'carry': min(len(rest), self.block_target), 'bodies': [],
                       'area': bytearray(rest[:self.block_target])}
                self.blocks.append(cur)
                rest = rest[self.block_target:]
        self.location = {}
        for bi, blk in enumerate(self.blocks):
            for k, b in enumerate(blk['bodies']):
                for i in self.body_ids[b]:
                    self.location[i] = (bi, k)
        self.alias_list = sorted((al, i) for i, a in enumerate(arts) for al in a.aliases)
        self.alias_ordinal = {al: n for n, (al, _) in enumerate(self.alias_list)}

    # -- stage 2: frame contents
    def body_block(self, bi, blk, first):
        area = bytes(blk['area'])
        sizes = [len(self.bodies[b]) for b in blk['bodies']]
        # segment ends: each body end inside the area (or every segment_bytes)
        ends, pos = [], blk['carry']
        if blk['carry']:
            ends.append(blk['carry'])
        for s in sizes:
            pos += s
            if pos <= len(area):
                ends.append(pos)
        if self.segment_bytes:
            ends = list(range(self.segment_bytes, len(area), self.segment_bytes))
        ends = sorted(set(e for e in ends if 0 < e < len(area))) + [len(area)]
        head = bytearray()
        head += varint(first) + varint(blk['carry']) + varint(len(sizes)) + varint(len(ends))
        for s in sizes:
            head += varint(s)
        for b in blk['bodies']:
            ids = self.body_ids[b]
            head += varint(len(ids)) + varint(ids[0])
            for x, y in zip(ids, ids[1:]):
                head += varint(y - x)
        start = 0
        for j, e in enumerate(ends):
            head += varint(e) + struct.pack('<I', xxh32(area[start:e], j))
            start = e
        head_size = 4 + len(head) + 4
        full = struct.pack('<I', head_size) + bytes(head)
        full += struct.pack('<I', xxh32(full, bi))
        return full + area

    def frames(self):
        arts = self.articles
        frames = []
        first = 0
        for bi, blk in enumerate(self.blocks):
            frames.append(Frame(KIND_BODY, bi, self.body_block(bi, blk, first), first))
            first += sum(len(self.body_ids[b]) for b in blk['bodies'])
        # name entries; the block delta restarts in each leaf
        names = []
        for i, a in enumerate(arts):
            b, k = self.location[i]
            names.append((a.key, i, b, k))
        entries = []
        for i, (key, _, b, k) in enumerate(names):
            prev_block = names[i - 1][2] if i % self.leaf_entries else 0
            a = arts[i]
            ords = sorted(self.alias_ordinal[al] for al in a.aliases)
            payload = string(a.title) + varint(zigzag(b - prev_block)) + varint(k)
            payload += varint(len(ords)) + b''.join(varint(o) for o in ords)
            entries.append((key, payload))
        self.name_frames, self.name_leaves = tree_frames(KIND_NAME, entries, self.leaf_entries,
                                                         self.fanout) if entries else ([], 0)
        aentries = [(al, varint(i)) for al, i in self.alias_list]
        self.alias_frames, self.alias_leaves = tree_frames(
            KIND_ALIAS, aentries, self.leaf_entries, self.fanout) if aentries else ([], 0)
        sentries = []
        if self.search:
            for i, a in enumerate(arts):
                fk = self.fold(a.key)
                sentries.append((fk, i, 0))
                if a.title and self.fold(a.title) != fk:
                    sentries.append((self.fold(a.title), i, 1))
                for j, al in enumerate(sorted(a.aliases, key=lambda x: self.alias_ordinal[x])):
                    sentries.append((self.fold(al), i, 2 + j))
        sentries.sort()
        self.search_entries = sentries
        self.search_frames, self.search_leaves = tree_frames(
            KIND_SEARCH, [(s, varint(i) + varint(src)) for s, i, src in sentries],
            self.leaf_entries, self.fanout) if sentries else ([], 0)
        self.meta_frames = []
        if self.meta:
            body, prev = bytearray(), b''
            for n in sorted(self.meta):
                body += _front(prev, n) + string(self.meta[n])
                prev = n
            self.meta_frames = [Frame(KIND_META, 0, varint(0) + varint(0) + varint(len(self.meta))
                                      + bytes(body), 0)]
        return frames + self.name_frames + self.alias_frames + self.search_frames + self.meta_frames

    # -- stage 3: bytes
    def header_fields(self, frames):
        arts = self.articles
        body_frames = [f for f in frames if f.kind == KIND_BODY]
        other = [f for f in frames if f.kind != KIND_BODY]
        h = {
            'major': 3, 'minor': 0, 'header_size': HEADER_SIZE,
            'article_count': len(arts), 'body_count': len(self.bodies),
            'alias_count': len(self.alias_list), 'search_count': len(self.search_entries),
            'body_blocks': len(body_frames),
            'name_leaves': self.name_leaves, 'name_frames': len(self.name_frames),
            'alias_leaves': self.alias_leaves, 'alias_frames': len(self.alias_frames),
            'search_leaves': self.search_leaves, 'search_frames': len(self.search_frames),
            'meta_frames': len(self.meta_frames),
            'block_size_max': max([len(f.content) for f in body_frames] or [0]),
            'index_size_max': max([len(f.content) for f in other] or [0]),
            'article_size_max': max([len(a.body) for a in arts] or [0]),
            'chunk_size_max': max([chunk_max(f.content) for f in frames] or [0]),
            'key_size_max': max([len(a.key) for a in arts] + [len(al) for al, _ in self.alias_list]
                                or [0]),
            'title_size_max': max([len(a.title) for a in arts] or [0]),
            'fold_size_max': max([len(s) for s, _, _ in self.search_entries] or [0]),
            'dict_size': 0, 'fold_version': 1 if self.search_frames else 0,
            'dict_checksum': 0, 'dict_offset': 0,
            'raw_size': sum(len(a.body) for a in arts),
            'stored_size': sum(len(blk['area']) for blk in self.blocks),
            'meta_count': len(self.meta),
        }
        # docs/FORMAT.md: strings over 256 bytes need a body buffer of two
        longest = max(h['key_size_max'], h['fold_size_max'])
        if longest > 256:
            h['block_size_max'] = max(h['block_size_max'], 2 * longest)
        return h

    def build(self, frames=None, header=None, fix=None):
        """Bytes of the archive.  `fix(stage, obj)` may change the frames
        (stage 'frames', after their data is made), the header dict (stage
        'header'), the block table bytes (stage 'table'), or the whole file
        (stage 'file', a bytearray, after every checksum is set)."""
        frames = frames if frames is not None else self.frames()
        pos = HEADER_SIZE
        for f in frames:
            if f.data is None:
                f.data = zstd_raw_frame(f.content)
            if f.content_size is None:
                f.content_size = len(f.content)
            if f.content_checksum is None:
                f.content_checksum = xxh32(f.content, (f.kind << 28) | f.index)
        if fix:
            fix('frames', frames)
        for f in frames:
            if f.offset is None:
                f.offset = pos
            pos = max(pos, f.offset + len(f.data))
        h = header if header is not None else self.header_fields(frames)
        h['block_table_offset'] = h.get('block_table_offset', pos)
        table = bytearray()
        for n, f in enumerate(frames):
            rec = struct.pack('<QIIII', f.offset, len(f.data), f.content_size, f.first,
                              f.content_checksum)
            rec += struct.pack('<I', f.record_checksum if f.record_checksum is not None
                               else xxh32(rec, n))
            table += rec
        if fix:
            fix('table', table)
        file_size = h['block_table_offset'] + len(table) + FOOTER_SIZE
        h['file_size'] = h.get('file_size', file_size)
        ws = 2048 + 96 * 1024 + 64 + h['block_size_max'] + 64 + h['index_size_max'] + 64
        h.setdefault('workspace_memory', min(ws, M32))
        h.setdefault('workspace_callback', min(ws + h['chunk_size_max'] + 64, M32))
        if fix:
            fix('header', h)
        out = bytearray(file_size)
        for f in frames:
            out[f.offset:f.offset + len(f.data)] = f.data
        out[0:HEADER_SIZE] = header_bytes(h)
        bt = h['block_table_offset']
        out[bt:bt + len(table)] = table
        foot = FOOTER_MAGIC + struct.pack('<QI', h['file_size'], 0)
        out[file_size - FOOTER_SIZE:file_size - 4] = foot
        out[file_size - 4:] = struct.pack('<I', xxh32(bytes(out[:file_size - 4])))
        if fix:
            fix('file', out)
        return bytes(out)


HEADER_LAYOUT = [
    ('major', 'H', 8), ('minor', 'H', 10), ('header_size', 'I', 12), ('file_size', 'Q', 16),
    ('article_count', 'I', 24), ('body_count', 'I', 28), ('alias_count', 'I', 32),
    ('search_count', 'I', 36), ('body_blocks', 'I', 40), ('name_leaves', 'I', 44),
    ('name_frames', 'I', 48), ('alias_leaves', 'I', 52), ('alias_frames', 'I', 56),
    ('search_leaves', 'I', 60), ('search_frames', 'I', 64), ('meta_frames', 'I', 68),
    ('block_size_max', 'I', 72), ('index_size_max', 'I', 76), ('article_size_max', 'I', 80),
    ('chunk_size_max', 'I', 84), ('key_size_max', 'I', 88), ('title_size_max', 'I', 92),
    ('fold_size_max', 'I', 96), ('dict_size', 'I', 100), ('workspace_memory', 'I', 104),
    ('workspace_callback', 'I', 108), ('fold_version', 'I', 112), ('dict_checksum', 'I', 116),
    ('dict_offset', 'Q', 120), ('block_table_offset', 'Q', 128), ('raw_size', 'Q', 136),
    ('stored_size', 'Q', 144), ('meta_count', 'I', 152),
]


def header_bytes(h):
    out = bytearray(HEADER_SIZE)
    out[0:8] = h.get('magic', MAGIC)
    for name, fmt, off in HEADER_LAYOUT:
        struct.pack_into('<' + fmt, out, off, h[name])
    struct.pack_into('<I', out, 156, h.get('header_checksum', xxh32(bytes(out[:156]))))
    return bytes(out)


def refresh_checksums(data, records=True):
    """Recompute the header, record and file checksums of `data` (bytes)
    as the integrity issue's mutation run does; content checksums stay."""
    out = bytearray(data)
    struct.pack_into('<I', out, 156, xxh32(bytes(out[:156])))
    fsize = struct.unpack_from('<Q', out, 16)[0]
    if records:
        total = sum(struct.unpack_from('<I', out, o)[0] for o in (40, 48, 56, 64, 68))
        bt = struct.unpack_from('<Q', out, 128)[0]
        for n in range(total):
            r = bt + n * RECORD_SIZE
            if r + RECORD_SIZE <= len(out):
                struct.pack_into('<I', out, r + 24, xxh32(bytes(out[r:r + 24]), n))
    if 24 <= fsize <= len(out):
        struct.pack_into('<I', out, fsize - 4, xxh32(bytes(out[:fsize - 4])))
    return bytes(out)
