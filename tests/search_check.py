# SPDX-License-Identifier: BSD-2-Clause
"""search_check.py TOME ARCHIVE [QUERIES] [SEED] - tome search against brute force.

Lists every article with `tome ls --null --aliases`, then for QUERIES
(default 1000) random texts (keys, titles and aliases) cut to a random
prefix asks `tome search`:
  - exact (--exact): must print exactly the articles with a key, title or
    alias beginning with the prefix, byte for byte;
  - folded (the prefix with its case changed at random): exactly the
    articles with a text whose fold begins with the prefix's fold, with the
    folding of docs/FORMAT.md computed here from Debian's unicode-data by
    tools/gen_fold.py's own rules (so the C table, the reader's search and
    the packer's search tree are all checked against the document).
Prints "N passed, M failed" (the format tests/run.sh reads).
"""
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import gen_fold  # noqa: E402


def make_folder(unicode_dir='/usr/share/unicode'):
    category, decomposition = gen_fold.read_unicode_data(os.path.join(unicode_dir,
                                                                      'UnicodeData.txt'))
    folding = gen_fold.read_case_folding(os.path.join(unicode_dir, 'CaseFolding.txt'))
    fold_cp = gen_fold.make_fold(category, decomposition, folding)
    cache = {}

    def fold(text):
        out = []
        for ch in text:
            cp = ord(ch)
            if cp not in cache:
                cache[cp] = ''.join(map(chr, fold_cp(cp))) if gen_fold.covered(cp) else ch
            out.append(cache[cp])
        return ''.join(out)
    return fold


def list_articles(tome, archive):
    raw = subprocess.run([tome, 'ls', '--null', '--aliases', archive], check=True,
                         stdout=subprocess.PIPE).stdout
    fields = raw.split(b'\0')
    articles, i = [], 0
    while i + 4 <= len(fields) and fields[i] != b'':
        ident, key, _size, title = fields[i:i + 4]
        i += 4
        aliases = []
        while fields[i] != b'':
            aliases.append(fields[i].decode())
            i += 1
        i += 1  # the empty field that ends the aliases
        articles.append((int(ident), key.decode(), title.decode(), aliases))
    return articles


def search(tome, archive, query, exact):
    args = [tome, 'search', archive, query] + (['--exact'] if exact else [])
    out = subprocess.run(args, check=True, stdout=subprocess.PIPE).stdout.decode()
    return sorted(int(line.split('\t', 1)[0]) for line in out.splitlines())


def main():
    tome, archive = sys.argv[1], sys.argv[2]
    queries = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    fold = make_folder()
    articles = list_articles(tome, archive)
    texts = [(ident, t) for ident, key, title, aliases in articles
             for t in [key, title] + aliases if t]
    folded = [(ident, fold(t)) for ident, t in texts]
    passed = failed = 0
    for n in range(queries):
        ident, text = rng.choice(texts)
        prefix = text[:rng.randint(1, len(text))]
        exact = n % 2 == 0
        if not exact:  # the same text typed in another case
            prefix = ''.join(c.upper() if rng.random() < 0.5 else c.lower() for c in prefix)
            if len(prefix.encode()) > 256 or len(fold(prefix).encode()) > 256:
                prefix = prefix[:60]
        elif len(prefix.encode()) > 256:
            prefix = prefix[:60]
        if exact:
            want = sorted({i for i, t in texts if t.startswith(prefix)})
        else:
            q = fold(prefix)
            want = sorted({i for i, t in folded if t.startswith(q)})
        got = search(tome, archive, prefix, exact)
        if got == want:
            passed += 1
        else:
            failed += 1
            if failed <= 10:
                print('FAIL: search %s%r: got %d articles %s, brute force %d %s' % (
                    '--exact ' if exact else '', prefix, len(got), got[:5], len(want), want[:5]))
    print('%d queries over %d articles (%d texts)' % (queries, len(articles), len(texts)))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
