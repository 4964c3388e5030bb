/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * app.js - the page: asks worker.js (the reader in WebAssembly) for pages
 * of articles, key searches, a folded search as you type, an article, the
 * archive's facts and a verify run, and shows them.  Every key, title and article is shown as text
 * (textContent), or, when an article looks like HTML, inside a sandboxed
 * iframe that runs no script and loads nothing from the network.
 *
 * ?url=ARCHIVE in the page's address opens that archive at once.
 */
'use strict';

const PAGE = 50;
const $ = (id) => document.getElementById(id);
const worker = new Worker('worker.js');
const pending = new Map();
let seq = 0;
let busy = 0;
let archive = null;          /* the open reply */
let view = { kind: 'list', start: 0 };
let notes = [];              /* what the worker said while opening */

/* For tests and the console: the last article's bytes and the open archive. */
window.tome = { archive: null, article: null, verify: null };

const bytes = (n) => Number(n).toLocaleString('en-US');

function setStatus(text, error) {
  $('status').textContent = text;
  $('status').classList.toggle('error', !!error);
}

function showStats(s) {
  if (!s) return;
  const el = $('fetched');
  el.dataset.bytes = String(s.fetched);
  el.dataset.requests = String(s.requests);
  el.textContent = 'fetched ' + bytes(s.fetched) + ' bytes in ' + bytes(s.requests) +
    (s.requests === 1 ? ' request' : ' requests') +
    (archive ? ' (' + (100 * s.fetched / archive.size).toFixed(1) + '% of the archive)' : '');
}

worker.onmessage = (ev) => {
  const m = ev.data;
  if (m.progress) {
    $('verify-progress').max = m.progress.total;
    $('verify-progress').value = m.progress.done;
    $('verify-percent').textContent = Math.floor(100 * m.progress.done / m.progress.total) + '%';
    return;
  }
  if (m.note) { notes.push(m.note); setStatus(m.note); return; }
  const p = pending.get(m.seq);
  pending.delete(m.seq);
  showStats(m.stats);
  if (m.ok) p.resolve(m.result); else p.reject(new Error(m.error));
};
worker.onerror = (e) => setStatus('the reader failed to start: ' + e.message, true);

/* One request to the worker; the body's data-state says "busy" meanwhile. */
function call(op, args) {
  busy++;
  document.body.dataset.state = 'busy';
  return new Promise((resolve, reject) => {
    const s = ++seq;
    pending.set(s, { resolve, reject });
    worker.postMessage({ seq: s, op, ...args });
  }).finally(() => {
    if (--busy === 0) document.body.dataset.state = 'idle';
  });
}

function failed(e) { setStatus(e.message, true); }

async function openArchive(args, label) {
  setStatus('opening ' + label + ' ...');
  archive = null;
  notes = [];
  try {
    archive = await call('open', args);
  } catch (e) {
    $('main').hidden = true;
    failed(e);
    return;
  }
  window.tome.archive = archive;
  setStatus(archive.name + ': ' + bytes(archive.count) + ' articles, ' + bytes(archive.size) + ' bytes' +
            notes.map((n) => ' (' + n + ')').join(''));
  $('main').hidden = false;
  showInfo();
  clearArticle();
  $('verify-summary').textContent = '';
  $('verify-summary').className = '';
  $('verify-damage').textContent = '';
  $('verify-progress').value = 0;
  $('verify-percent').textContent = '';
  $('search').value = '';
  $('find').value = '';
  clearFound();
  await showList(0);
}

/* ---- the list ------------------------------------------------------------- */

function fillRows(rows) {
  const body = $('list').tBodies[0];
  body.textContent = '';
  for (const r of rows) {
    const tr = body.insertRow();
    tr.dataset.id = r.id;
    tr.insertCell().textContent = r.id;
    const k = tr.insertCell();
    k.className = 'key';
    k.textContent = r.key;
    const s = tr.insertCell();
    s.className = 'num';
    s.textContent = bytes(r.size);
  }
}

async function showList(start) {
  try {
    const r = await call('list', { start, count: PAGE });
    view = { kind: 'list', start: r.start };
    fillRows(r.rows);
    const last = r.start + r.rows.length;
    $('page').textContent = r.count ? (r.start + 1) + '–' + last + ' of ' + bytes(r.count) : 'no articles';
    $('prev').disabled = r.start === 0;
    $('next').disabled = last >= r.count;
  } catch (e) { failed(e); }
}

/* A page of the keys starting with `prefix`: the first page from a
 * search, later ones `from` where the page before ended; `starts` holds
 * the first IDs of the pages before, for Previous. */
async function search(prefix, from, starts) {
  if (!prefix) return showList(0);
  starts = starts || [];
  try {
    const r = await call('search', { prefix, limit: PAGE, from });
    view = { kind: 'search', prefix, starts, first: r.first,
             next: r.more ? r.rows[r.rows.length - 1].id + 1 : null };
    fillRows(r.rows);
    const n = starts.length * PAGE;
    $('page').textContent = r.rows.length === 0 ? 'no key starts with "' + prefix + '"'
      : 'keys ' + (n + 1) + '–' + (n + r.rows.length) + (r.more ? ' (more follow)' : '') +
        ' starting with "' + prefix + '"' + (r.exact !== null ? ', one exactly' : '');
    $('prev').disabled = starts.length === 0;
    $('next').disabled = !r.more;
    if (r.exact !== null) await showArticle(r.exact);
  } catch (e) { failed(e); }
}

/* ---- search as you type ---------------------------------------------------- */

const FOUND_MAX = 20;
let findSeq = 0;             /* the newest query sent; older answers are dropped */

function clearFound() {
  $('found').hidden = true;
  $('found').dataset.query = '';
  $('found').tBodies[0].textContent = '';
  $('find-status').textContent = '';
  $('find-status').dataset.query = '';
}

/* Folded prefix search (tome_search_start/next in the worker) of what the
 * find box holds: each keystroke sends a query, and only the answer to the
 * newest is shown; #found's data-query names the query its rows answer. */
async function find() {
  const query = $('find').value;
  const mine = ++findSeq;
  if (!query) { clearFound(); return; }
  let r;
  try {
    r = await call('find', { query, limit: FOUND_MAX });
  } catch (e) {
    if (mine === findSeq) failed(e);
    return;
  }
  if (mine !== findSeq) return;
  const body = $('found').tBodies[0];
  body.textContent = '';
  for (const m of r.rows) {
    const tr = body.insertRow();
    tr.dataset.id = m.id;
    tr.insertCell().textContent = m.id;
    const k = tr.insertCell();
    k.className = 'key';
    k.textContent = m.key;
    tr.insertCell().textContent = m.title;
    tr.insertCell().textContent = m.source === 0 ? 'key' : m.source === 1 ? 'title' : 'alias ' + m.matched;
  }
  $('found').hidden = r.rows.length === 0;
  $('found').dataset.query = query;
  $('find-status').dataset.query = query;
  $('find-status').textContent = !r.index ? 'this archive has no search index'
    : r.rows.length === 0 ? 'nothing begins with "' + query + '"'
    : r.rows.length + (r.more ? '+' : '') + (r.rows.length === 1 && !r.more ? ' article' : ' articles') +
      ' begin with "' + query + '" (case and accents ignored)';
}

function page(step) {
  if (view.kind === 'list') return showList(Math.max(0, view.start + step * PAGE));
  if (step > 0) return search(view.prefix, view.next, view.starts.concat([view.first]));
  return search(view.prefix, view.starts[view.starts.length - 1], view.starts.slice(0, -1));
}

/* ---- an article ----------------------------------------------------------- */

function clearArticle() {
  $('article-key').textContent = 'No article shown';
  $('article-meta').textContent = '';
  $('article-text').textContent = '';
  $('article-text').hidden = false;
  $('article-html').hidden = true;
  $('article-html').textContent = '';
  frameDoc = '';
  $('article-mode').hidden = true;
  window.tome.article = null;
}

function looksLikeHtml(key, text) {
  return /\.x?html?$/i.test(key) || /^\s*<(!doctype\s+html|html[\s>])/i.test(text.slice(0, 1024));
}

/* No script runs (sandbox without allow-scripts) and nothing is loaded
 * (the policy below, on top of the page's own, which the frame inherits),
 * so an article cannot reach the network. */
const FRAME_POLICY = '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; ' +
  'style-src \'unsafe-inline\'; img-src data:; font-src data:">';

let frameDoc = '';           /* the HTML article shown, with FRAME_POLICY */

/* A new frame each time it is shown: Chromium may not paint a frame whose
 * srcdoc changed while it was hidden. */
function showMode(html) {
  $('article-text').hidden = html;
  const box = $('article-html');
  box.textContent = '';
  box.hidden = !html;
  if (html) {
    const f = document.createElement('iframe');
    f.id = 'article-frame';
    f.setAttribute('sandbox', '');
    f.referrerPolicy = 'no-referrer';
    f.title = 'article';
    f.srcdoc = frameDoc;
    box.appendChild(f);
  }
  $('as-html').disabled = html;
  $('as-text').disabled = !html;
}

async function showArticle(id) {
  selectTab('article-view');
  try {
    const a = await call('article', { id });
    const text = new TextDecoder('utf-8').decode(a.bytes);
    window.tome.article = { id: a.id, key: a.key, size: a.size, bytes: a.bytes, text };
    $('article-key').textContent = a.key;
    $('article-meta').textContent = '#' + a.id + ' · ' + bytes(a.size) + ' bytes · block ' + a.block +
      (a.title ? ' · ' + a.title : '') + (a.aliases.length ? ' · also ' + a.aliases.join(', ') : '');
    $('article-text').textContent = text;
    const html = looksLikeHtml(a.key, text);
    $('article-mode').hidden = !html;
    /* the policy after a doctype, which must come first to keep standards mode */
    frameDoc = html ? text.replace(/^(\s*<!doctype[^>]*>)?/i, (d) => d + FRAME_POLICY) : '';
    showMode(html);
    for (const tr of $('list').tBodies[0].rows) tr.classList.toggle('on', Number(tr.dataset.id) === a.id);
  } catch (e) { failed(e); }
}

/* ---- info and verify -------------------------------------------------------- */

function showInfo() {
  const i = archive.info;
  const ratio = i.file_size ? (i.raw_size / i.file_size).toFixed(3) : '-';
  const rows = [
    ['archive', archive.name],
    ['format', i.format_major + '.' + i.format_minor],
    ['file size', bytes(i.file_size) + ' bytes'],
    ['articles', bytes(i.article_count) + ' (' + bytes(i.body_count) + ' distinct bodies)'],
    ['raw size', bytes(i.raw_size) + ' bytes'],
    ['stored', bytes(i.stored_size) + ' bytes'],
    ['blocks', bytes(i.block_count) + ' (largest ' + bytes(i.block_size_max) + ' bytes decompressed)'],
    ['aliases', bytes(i.alias_count)],
    ['search entries', bytes(i.search_count)],
    ['index', bytes(i.index_frame_count) + ' frames (' + bytes(i.name_leaf_count) + ' name leaves, ' +
      bytes(i.index_size) + ' bytes with the block table)'],
    ['largest chunk', bytes(i.chunk_size_max) + ' bytes'],
    ['dictionary', bytes(i.dict_size) + ' bytes'],
    ['compressed', bytes(i.compressed_size) + ' bytes'],
    ['ratio', ratio],
    ['largest article', bytes(i.article_size_max) + ' bytes'],
    ['longest key', bytes(i.key_size_max) + ' bytes'],
    ['reader workspace', bytes(archive.workspace) + ' bytes (read-callback mode)'],
    ['reader', 'tome ' + archive.version + ' (WebAssembly)'],
  ];
  for (const [name, value] of archive.meta) rows.push(['meta ' + name, value]);
  const body = $('info').tBodies[0];
  body.textContent = '';
  for (const [k, v] of rows) {
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.textContent = k;
    tr.appendChild(th);
    tr.insertCell().textContent = v;
  }
}

async function verify() {
  selectTab('verify-view');
  $('verify').disabled = true;
  $('verify-summary').textContent = 'verifying ...';
  $('verify-summary').className = '';
  $('verify-damage').textContent = '';
  try {
    const r = await call('verify', {});
    window.tome.verify = r;
    $('verify-progress').value = $('verify-progress').max;
    $('verify-percent').textContent = '100%';
    if (r.intact) {
      $('verify-summary').textContent = 'intact: ' + bytes(r.report.checked) + ' articles checked';
      $('verify-summary').className = 'intact';
    } else {
      $('verify-summary').textContent = 'damaged: ' + bytes(r.report.articles) + ' of ' +
        bytes(archive.count) + ' articles, ' + bytes(r.report.blocks) + ' blocks';
      $('verify-summary').className = 'damaged';
    }
    for (const d of r.damage) {
      const li = document.createElement('li');
      li.textContent = d.part + (d.index !== null ? ' ' + d.index : '') +
        (d.key ? ' "' + d.key + '"' : '') + ': ' + d.text + ' (' + d.error + ')';
      $('verify-damage').appendChild(li);
    }
  } catch (e) {
    $('verify-summary').textContent = '';
    failed(e);
  } finally {
    $('verify').disabled = false;
  }
}

function selectTab(id) {
  for (const b of $('tabs').querySelectorAll('button')) b.classList.toggle('on', b.dataset.tab === id);
  for (const t of document.querySelectorAll('.tab')) t.hidden = t.id !== id;
}

/* ---- wiring ------------------------------------------------------------------- */

$('open-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const url = $('url').value.trim();
  if (url) openArchive({ url, base: location.href }, url);
});
$('file').addEventListener('change', () => {
  const f = $('file').files[0];
  if (f) openArchive({ file: f }, f.name);
});
$('search-form').addEventListener('submit', (e) => { e.preventDefault(); search($('search').value); });
$('find-form').addEventListener('submit', (e) => e.preventDefault());
$('find').addEventListener('input', find);
$('found').tBodies[0].addEventListener('click', (e) => {
  const tr = e.target.closest('tr');
  if (tr) showArticle(Number(tr.dataset.id));
});
$('show-all').addEventListener('click', () => { $('search').value = ''; showList(0); });
$('prev').addEventListener('click', () => page(-1));
$('next').addEventListener('click', () => page(1));
$('list').tBodies[0].addEventListener('click', (e) => {
  const tr = e.target.closest('tr');
  if (tr) showArticle(Number(tr.dataset.id));
});
$('tabs').addEventListener('click', (e) => { if (e.target.dataset.tab) selectTab(e.target.dataset.tab); });
$('as-html').addEventListener('click', () => showMode(true));
$('as-text').addEventListener('click', () => showMode(false));
$('verify').addEventListener('click', verify);

const given = new URLSearchParams(location.search).get('url');
if (given) {
  $('url').value = given;
  openArchive({ url: given, base: location.href }, given);
}
