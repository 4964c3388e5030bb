/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * worker.js - the tome reader (tome.wasm) in a Web Worker.
 *
 * The reader reads the archive through a synchronous callback.  A worker may
 * block, so the callback answers at once: HTTP range requests with a
 * synchronous XMLHttpRequest for an archive given by URL, FileReaderSync
 * for a file the user chose.  Fetched ranges are cached in 1 KiB-aligned
 * chunks, and a long sequential run of reads (verify's pass over the whole
 * file) turns on a read-ahead window of up to 1 MiB, so browsing a large
 * archive on a server downloads only the header, the dictionary, the index
 * parts and the blocks actually read, while a full pass needs few requests.
 * (1 KiB, not 64 KiB: docs/WEB.md, "What it fetches".)
 *
 * Messages in: {seq, op, ...}; out: {seq, ok, result | error, stats} and,
 * during verify, {progress: {done, total}}.
 */
'use strict';

const CHUNK = 1024;                 /* cache unit and alignment, bytes */
const READ_AHEAD_MAX = 1 << 20;     /* sequential read-ahead ceiling */
const CACHE_MAX = 64 << 20;         /* cached bytes before the oldest go */

/* tome_part values 0..9 */
const PART_NAMES = ['file', 'dictionary', 'block table', 'name frame', 'alias frame',
                    'search frame', 'block', 'article', 'metadata', 'bindings'];
const PART_ARTICLE = 7;

/* TOME_SEARCH_* flags, TOME_DONE and TOME_ERR_NOT_FOUND of include/tome.h */
const SEARCH_ALL = 0x7;
const DONE = 1;
const ERR_NOT_FOUND = -10;

/* ---- sources: fetch [start, end) of the archive synchronously ---------- */

class HttpSource {
  constructor(url) {
    this.url = url;
    this.size = -1;
    this.whole = null; /* the body, when the server ignored Range */
  }
  get name() { return this.url; }
  /* Returns a Uint8Array of exactly end - start bytes. */
  fetch(start, end) {
    if (this.whole) return this.whole.subarray(start, end);
    const x = new XMLHttpRequest();
    x.open('GET', this.url, false);
    x.responseType = 'arraybuffer';
    x.setRequestHeader('Range', 'bytes=' + start + '-' + (end - 1));
    x.send();
    stats.requests++;
    if (x.status === 206) {
      const body = new Uint8Array(x.response);
      stats.fetched += body.length;
      const m = /\/(\d+)\s*$/.exec(x.getResponseHeader('Content-Range') || '');
      if (m && this.size < 0) this.size = Number(m[1]);
      if (body.length !== end - start && !(this.size >= 0 && body.length === Math.min(end, this.size) - start))
        throw new Error('the server answered ' + body.length + ' bytes for a range of ' + (end - start));
      return body;
    }
    if (x.status === 200) {
      /* No range support: the whole archive came; keep it. */
      this.whole = new Uint8Array(x.response);
      stats.fetched += this.whole.length;
      this.size = this.whole.length;
      note('the server ignores range requests: the whole archive was downloaded');
      return this.whole.subarray(start, end);
    }
    throw new Error('HTTP ' + x.status + ' ' + x.statusText + ' for ' + this.url);
  }
  /* The first chunk, which also tells the size (Content-Range). */
  open() {
    const first = this.fetch(0, CHUNK);
    if (this.size < 0) throw new Error('the server sent no Content-Range: cannot tell the archive size' +
                                       ' (cross-origin: Access-Control-Expose-Headers: Content-Range)');
    return first;
  }
}

class FileSource {
  constructor(file) {
    this.file = file;
    this.size = file.size;
    this.reader = new FileReaderSync();
  }
  get name() { return this.file.name; }
  fetch(start, end) {
    const buf = this.reader.readAsArrayBuffer(this.file.slice(start, end));
    stats.requests++;
    stats.fetched += buf.byteLength;
    return new Uint8Array(buf);
  }
  open() { return this.fetch(0, Math.min(CHUNK, this.size)); }
}

/* ---- the chunk cache ----------------------------------------------------- */

let source = null;
let cache = new Map();   /* chunk index -> Uint8Array (oldest first) */
let cached = 0;
let lastEnd = -1;        /* end of the previous read, to spot a sequential run */
let readAhead = 0;
let run = 0;             /* bytes of the current sequential run */
let runThreshold = READ_AHEAD_MAX; /* at open: 4 x the largest chunk, at least 1 MiB */
const stats = { fetched: 0, requests: 0, read: 0 };

function resetCache() {
  cache = new Map();
  cached = 0;
  lastEnd = -1;
  readAhead = 0;
  run = 0;
  runThreshold = READ_AHEAD_MAX;
}

function remember(index, bytes) {
  cache.set(index, bytes);
  cached += bytes.length;
  while (cached > CACHE_MAX) {
    const [k, v] = cache.entries().next().value;
    cache.delete(k);
    cached -= v.length;
  }
}

/* Store a fetched run of chunks starting at chunk `first`. */
function storeRun(first, body) {
  for (let i = 0; i * CHUNK < body.length; i++)
    remember(first + i, body.subarray(i * CHUNK, Math.min((i + 1) * CHUNK, body.length)));
}

/* Copy [offset, offset + len) into `dst` (a Uint8Array). */
function readInto(offset, len, dst) {
  const size = source.size;
  if (offset < 0 || offset + len > size) throw new Error('read past the end');
  stats.read += len;
  /* Read ahead only on a long sequential run (verify's pass over the file),
   * never for the pieces of one block; then as much as the run read. */
  run = offset === lastEnd ? run + len : len;
  lastEnd = offset + len;
  readAhead = run >= runThreshold ? Math.min(READ_AHEAD_MAX, run) : 0;
  const first = Math.floor(offset / CHUNK);
  const last = Math.floor((offset + len - 1) / CHUNK);
  const chunks = Math.ceil(size / CHUNK);
  /* Fetch each run of missing chunks in one request; the last run takes
   * the read-ahead window with it while those chunks are missing too. */
  for (let c = first; c <= last; c++) {
    if (cache.has(c)) continue;
    let end = c;
    while (end + 1 <= last && !cache.has(end + 1)) end++;
    if (end === last) {
      const ahead = Math.min(chunks - 1, last + Math.ceil(readAhead / CHUNK));
      while (end + 1 <= ahead && !cache.has(end + 1)) end++;
    }
    storeRun(c, source.fetch(c * CHUNK, Math.min((end + 1) * CHUNK, size)));
    c = end;
  }
  let at = 0;
  for (let c = first; c <= last; c++) {
    let bytes = cache.get(c);
    if (!bytes) { /* evicted by this very read: fetch it alone */
      bytes = source.fetch(c * CHUNK, Math.min((c + 1) * CHUNK, size));
      remember(c, bytes);
    }
    const from = c === first ? offset - c * CHUNK : 0;
    const to = Math.min(bytes.length, offset + len - c * CHUNK);
    dst.set(bytes.subarray(from, to), at);
    at += to - from;
  }
}

/* ---- the WebAssembly reader ----------------------------------------------- */

let wasm = null;
let damage = [];
let progress = null;   /* {done, total, posted} during verify */
let readError = null;

function mem() { return new Uint8Array(wasm.memory.buffer); }

const ready = fetch('tome.wasm')
  .then((r) => { if (!r.ok) throw new Error('tome.wasm: HTTP ' + r.status); return r.arrayBuffer(); })
  .then((bytes) => WebAssembly.instantiate(bytes, {
    tome_host: {
      read(offset, dst, len) {
        try {
          readInto(offset, len, new Uint8Array(wasm.memory.buffer, dst, len));
          if (progress) {
            progress.done += len;
            const now = Date.now();
            if (now - progress.posted > 50) {
              progress.posted = now;
              postMessage({ progress: { done: Math.min(progress.done, progress.total), total: progress.total } });
            }
          }
          return 0;
        } catch (e) {
          readError = e;
          return 1;
        }
      },
      damage(part, index, error) { damage.push({ part, index: index >>> 0, error }); },
    },
  }))
  .then((m) => { wasm = m.instance.exports; });

function cstring(ptr) {
  const m = mem();
  let end = ptr;
  while (m[end]) end++;
  return new TextDecoder().decode(m.subarray(ptr, end));
}

function fail(code) {
  const name = cstring(wasm.tw_error_name(code));
  let text = cstring(wasm.tw_error_text(code));
  if (code === -3 && readError) text += ': ' + readError.message;
  readError = null;
  const e = new Error(name + ' (' + text + ')');
  e.code = code;
  throw e;
}

/* Run fn(pointer) with `size` scratch bytes in the WebAssembly memory. */
function withBuffer(size, fn) {
  const p = wasm.tw_alloc(size);
  if (!p) throw new Error('out of WebAssembly memory (' + size + ' bytes)');
  try { return fn(p); } finally { wasm.tw_free(p); }
}

function putString(s, fn) {
  const bytes = new TextEncoder().encode(s);
  return withBuffer(bytes.length, (p) => { mem().set(bytes, p); return fn(p, bytes.length); });
}

function u32(ptr, n) { return Array.from(new Uint32Array(wasm.memory.buffer, ptr, n)); }

const INFO_FIELDS = ['format_major', 'format_minor', 'file_size', 'article_count', 'body_count',
  'alias_count', 'search_count', 'meta_count', 'block_count', 'index_frame_count',
  'name_leaf_count', 'block_size_max', 'index_size_max', 'chunk_size_max', 'article_size_max',
  'key_size_max', 'title_size_max', 'fold_size_max', 'dict_size', 'raw_size', 'stored_size',
  'index_size', 'compressed_size'];

let info = null;

function getInfo() {
  return withBuffer(8 * INFO_FIELDS.length, (p) => {
    const err = wasm.tw_info(p);
    if (err) fail(err);
    const v = new Float64Array(wasm.memory.buffer, p, INFO_FIELDS.length);
    const o = {};
    INFO_FIELDS.forEach((f, i) => { o[f] = v[i]; });
    return o;
  });
}

function textOf(fn, id, cap) {
  return withBuffer(cap, (p) => {
    const err = fn(id, p, cap);
    if (err) fail(err);
    return cstring(p);
  });
}

function key(id) { return textOf(wasm.tw_key, id, info.key_size_max + 1); }
function title(id) { return textOf(wasm.tw_title, id, info.title_size_max + 1); }

function stat(id) {
  return withBuffer(24, (p) => {
    const err = wasm.tw_stat(id, p);
    if (err) fail(err);
    const [size, keySize, titleSize, aliasCount, block, body] = u32(p, 6);
    return { size, keySize, titleSize, aliasCount, block, body };
  });
}

function aliases(id, n) {
  const out = [];
  for (let j = 0; j < n; j++)
    out.push(withBuffer(info.key_size_max + 1, (p) => {
      const err = wasm.tw_alias(id, j, p, info.key_size_max + 1);
      if (err) fail(err);
      return cstring(p);
    }));
  return out;
}

/* The metadata pairs as [[name, value], ...] in name order. */
function metadata() {
  const out = [];
  const cap = info.index_size_max + 1;
  for (let k = 0; k < info.meta_count; k++)
    out.push(withBuffer(cap, (n) => withBuffer(cap, (v) => {
      const err = wasm.tw_meta_at(k, n, cap, v, cap);
      if (err) fail(err);
      return [cstring(n), cstring(v)];
    })));
  return out;
}

function row(id) {
  const s = stat(id);
  return { id, key: key(id), size: s.size };
}

function open(msg) {
  source = null;
  resetCache();
  stats.fetched = 0;
  stats.requests = 0;
  stats.read = 0;
  const s = msg.url ? new HttpSource(new URL(msg.url, msg.base).href) : new FileSource(msg.file);
  storeRun(0, s.open());
  if (s.size < 0) throw new Error('unknown archive size');
  source = s;
  const err = wasm.tw_open(s.size, 0);
  if (err) { source = null; fail(err); }
  info = getInfo();
  runThreshold = Math.max(READ_AHEAD_MAX, 4 * info.chunk_size_max);
  let meta = [];
  try { meta = metadata(); } catch (e) { note('the metadata cannot be read: ' + e.message); }
  return { name: s.name, size: s.size, count: wasm.tw_count(), info, meta,
           workspace: wasm.tw_workspace_size(), version: cstring(wasm.tw_version()) };
}

function list(msg) {
  const count = wasm.tw_count();
  const start = Math.max(0, Math.min(msg.start | 0, count));
  const end = Math.min(count, start + (msg.count | 0));
  const rows = [];
  for (let id = start; id < end; id++) rows.push(row(id));
  return { start, count, rows };
}

/* Keys starting with a prefix: the first key >= prefix (a binary search
 * over IDs, which are the ranks of the keys), then on while they match.
 * An exact key (or alias) is found through tome_find(). */
function search(msg) {
  const prefix = msg.prefix || '';
  const limit = msg.limit || 50;
  const out = { prefix, exact: null, first: 0, rows: [], more: false };
  putString(prefix, (p, n) => withBuffer(4, (idp) => {
    let id;
    if (typeof msg.from === 'number') {
      id = msg.from >>> 0; /* a later page: where the one before ended */
    } else {
      let err = wasm.tw_find(p, n, idp);
      if (err === 0) out.exact = u32(idp, 1)[0];
      else if (err !== -10) fail(err);
      else if ((err = wasm.tw_lower_bound(p, n, idp))) fail(err);
      id = u32(idp, 1)[0];
    }
    out.first = id;
    const count = wasm.tw_count();
    for (; id < count; id++) {
      const k = key(id);
      if (!k.startsWith(prefix)) break;
      if (out.rows.length === limit) { out.more = true; break; }
      out.rows.push({ id, key: k, size: stat(id).size });
    }
  }));
  return out;
}

/* Folded prefix search (case and accents ignored) over keys, titles and
 * aliases through tome_search_start/next: the first `limit` articles, each
 * once, in the order of the search tree, with the text that matched. */
function find(msg) {
  const query = msg.query || '';
  const limit = msg.limit || 20;
  const out = { query, rows: [], more: false, index: true };
  if (!query) return out;
  putString(query, (p, n) => {
    const err = wasm.tw_search_start(p, n, SEARCH_ALL);
    if (err === ERR_NOT_FOUND) { out.index = false; return; }
    if (err) fail(err);
  });
  if (!out.index) return out;
  const seen = new Set();
  withBuffer(8, (mp) => {
    for (;;) {
      const err = wasm.tw_search_next(mp);
      if (err === DONE) break;
      if (err) fail(err);
      const [id, source] = u32(mp, 2);
      if (seen.has(id)) continue;
      if (out.rows.length === limit) { out.more = true; break; }
      seen.add(id);
      const s = stat(id);
      const t = s.titleSize ? title(id) : '';
      let matched = key(id);
      const k = matched;
      if (source === 1) matched = t;
      else if (source >= 2) matched = aliases(id, s.aliasCount)[source - 2];
      out.rows.push({ id, key: k, title: t, size: s.size, source, matched });
    }
  });
  return out;
}

function article(msg) {
  const id = msg.id >>> 0;
  const s = stat(id);
  const k = key(id);
  const t = s.titleSize ? title(id) : '';
  const names = aliases(id, s.aliasCount);
  const bytes = withBuffer(Math.max(1, s.size), (p) => withBuffer(4, (sp) => {
    const err = wasm.tw_fetch(id, p, s.size, sp);
    if (err) fail(err);
    const n = u32(sp, 1)[0];
    return mem().slice(p, p + n);
  }));
  return { id, key: k, title: t, size: s.size, aliases: names, block: s.block, bytes };
}

function verify() {
  damage = [];
  const i = info;
  /* tome_verify() has no progress callback: the bytes it reads measure
   * progress, against the whole-file pass plus the blocks and tables. */
  progress = { done: 0, total: i.file_size + i.compressed_size - i.dict_size +
               (i.block_count + i.index_frame_count) * 28, posted: 0 };
  postMessage({ progress: { done: 0, total: progress.total } });
  let err;
  let report;
  try {
    report = withBuffer(16, (p) => {
      err = wasm.tw_verify(p);
      const [parts, blocks, articles, checked] = u32(p, 4);
      return { parts, blocks, articles, checked };
    });
  } finally {
    progress = null;
  }
  if (err && err !== -16) fail(err);
  /* Keys only now: the reader must not be called from its own callback. */
  const named = damage.map((d) => {
    const o = { part: PART_NAMES[d.part] || String(d.part), index: d.index === 0xFFFFFFFF ? null : d.index,
                error: cstring(wasm.tw_error_name(d.error)), text: cstring(wasm.tw_error_text(d.error)) };
    if (d.part === PART_ARTICLE && o.index !== null) {
      try { o.key = key(d.index); } catch (e) { o.key = null; }
    }
    return o;
  });
  return { intact: err === 0, report, damage: named };
}

function note(text) { postMessage({ note: text }); }

const OPS = { open, list, search, find, article, verify, info: () => info };

onmessage = (ev) => {
  const msg = ev.data;
  ready.then(() => {
    if (msg.op !== 'open' && !source) throw new Error('no archive is open');
    return OPS[msg.op](msg);
  }).then((result) => {
    const transfer = result && result.bytes ? [result.bytes.buffer] : [];
    postMessage({ seq: msg.seq, ok: true, result, stats: { ...stats } }, transfer);
  }, (e) => {
    postMessage({ seq: msg.seq, ok: false, error: String(e && e.message || e), stats: { ...stats } });
  });
};
