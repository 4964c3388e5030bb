# SPDX-License-Identifier: BSD-2-Clause
"""The SpamAssassin corpus (6,046 mails), when it lies beside the clone
as in CI (../shared/corpora/, or TOME_CORPUS): packed by the CLI and by
tome.pack streaming straight out of the tarball, the two archives are
byte-identical, and every mail reads back exactly."""
import os
import random

import pytest

import tome
from conftest import CORPUS, cli, mails

pytestmark = pytest.mark.skipif(
    not os.path.isfile(CORPUS),
    reason="the SpamAssassin corpus is not beside the clone (%s); the seeds tests still ran"
    % os.path.normpath(CORPUS))

@pytest.fixture(scope="module")
def corpus(mails_tree, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corpus")
    folder, files = mails_tree
    archive = tmp / "cli.tome"
    cli("pack", str(folder), "-o", str(archive), "-q", "-l", "3")
    return tmp, files, archive


def test_corpus_round_trip(corpus):
    tmp, files, archive = corpus
    assert len(files) == 6046
    a = tome.open(str(archive))
    assert len(a) == 6046
    assert sorted(files) == list(a.keys())
    walked = 0
    for id_, key, body in a:  # storage order, every mail once
        assert body == files[key], key
        walked += 1
    assert walked == 6046
    sample = random.Random(7).sample(range(len(a)), 12)
    for id_ in sample:
        assert a[id_] == cli("cat", str(archive), "#%d" % id_)
        assert a[a.key(id_)] == files[a.key(id_)]
    assert a.verify().ok


def test_corpus_packed_from_python_is_the_clis_archive(corpus):
    tmp, files, archive = corpus
    out = tmp / "py.tome"
    stats = tome.pack(out, mails(CORPUS), level=3)
    assert stats["articles"] == 6046
    assert out.read_bytes() == archive.read_bytes()
