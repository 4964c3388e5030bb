#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""gen_fold.py - writes the folding table of docs/FORMAT.md ("Folding",
fold version 1) as a C header for src/common/fold.c.

    gen_fold.py [--unicode-dir DIR] -o OUT.h

Reads UnicodeData.txt and CaseFolding.txt of Unicode 15.0 (Debian's
unicode-data package: /usr/share/unicode).  The header gives the folded
UTF-8 bytes of every code point of the covered ranges whose fold differs
from itself (steps 1-5 of the spec).  ASCII is left out: fold.c folds it inline (A-Z to a-z, which
is checked here to be exactly what the rules give).

Layout, for flash: U+0080-U+FFFF (every covered range is in the BMP) cut
into runs of code points that fold by one rule: all to the same bytes (the
accented forms of one letter, the combining marks to nothing), each to the
code point a fixed distance away (Cyrillic and Greek capitals), or
alternating capital and small letter (Latin Extended-A and -B).  A run is its
uint16 first code point (binary searched) and a uint16 rule; the bytes of
the first kind are in one pool in which equal results and results inside
another are stored once.  The generator decodes the table as fold.c does
and checks every code point.  Python 3 standard library only.
"""
import argparse
import bisect
import os
import sys

# The folding's Unicode version: another would give another fold (a device
# and a packer must agree byte for byte), so it is refused.
UNICODE_VERSION = "15.0.0"

# docs/FORMAT.md: only these code points are mapped, all others are kept.
COVERED_RANGES = [
    (0x0000, 0x058F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1FFF), (0x20D0, 0x20FF),
    (0x2C60, 0x2C7F), (0xA720, 0xA7FF), (0xFB00, 0xFB06), (0xFE20, 0xFE2F),
    (0x2010, 0x2015),
]

# Step 4: letters that neither case folding nor canonical decomposition
# reduce to a base letter.
EXPANSIONS = {
    0x00E6: "ae", 0x0153: "oe", 0x00F8: "o", 0x0111: "d", 0x00F0: "d",
    0x0127: "h", 0x0131: "i", 0x0142: "l", 0x0140: "l", 0x0167: "t",
    0x00FE: "th", 0x0138: "q",
    # word separators a user types interchangeably ("Pierre-Robin" finds
    # "Pierre Robin"): the space, the no-break space and the dashes become a
    # hyphen-minus, which keys of file names and identifiers use far more
    # than spaces, so that those keys stay their own folds
    0x0020: "-", 0x00A0: "-", 0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-",
    0x2014: "-", 0x2015: "-",
}

# fold.h's TOME_FOLD_CP_MAX: the streaming step's output buffer.
FOLD_CP_MAX = 12


def fail(message):
    sys.exit("gen_fold.py: " + message)


def read_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except OSError as e:
        fail("%s (on Debian: apt-get install unicode-data)" % e)


def read_unicode_data(path):
    """General categories and canonical decompositions by code point."""
    category, decomposition = {}, {}
    for line in read_lines(path):
        if not line:
            continue
        fields = line.split(";")
        cp = int(fields[0], 16)
        category[cp] = fields[2]
        if fields[5] and not fields[5].startswith("<"):
            decomposition[cp] = [int(x, 16) for x in fields[5].split()]
    return category, decomposition


def read_case_folding(path):
    """Full case folding (statuses C and F)."""
    lines = read_lines(path)
    expected = "# CaseFolding-%s.txt" % UNICODE_VERSION
    if not lines or lines[0].strip() != expected:
        fail("%s is not Unicode %s (first line %r): fold version 1 is defined on it"
             % (path, UNICODE_VERSION, lines[0] if lines else ""))
    folding = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        code, status, mapping = [x.strip() for x in line.split(";")[:3]]
        if status in ("C", "F"):
            folding[int(code, 16)] = [int(x, 16) for x in mapping.split()]
    return folding


def covered(cp):
    return any(lo <= cp <= hi for lo, hi in COVERED_RANGES)


def make_fold(category, decomposition, folding):
    def decompose(cp):
        if cp not in decomposition:
            return [cp]
        return [d for part in decomposition[cp] for d in decompose(part)]

    def one_round(cp):
        """Steps 1-4 on one code point."""
        out = []
        for c in folding.get(cp, [cp]):
            for d in decompose(c):
                if category.get(d) == "Mn":
                    continue
                if d in EXPANSIONS:
                    out.extend(ord(x) for x in EXPANSIONS[d])
                else:
                    out.append(d)
        return out

    def fold(cp):
        """Step 5: rounds until nothing changes."""
        current = [cp]
        for _ in range(16):
            following = [d for c in current for d in one_round(c)]
            if following == current:
                return current
            current = following
        fail("U+%04X: no fixed point after 16 rounds" % cp)

    return fold


def utf8(cps):
    return "".join(chr(c) for c in cps).encode("utf-8")


def build_pool(results):
    """One byte string holding every result; longest first, so a shorter
    result found inside an earlier one costs nothing."""
    pool = b""
    where = {}
    for r in sorted(set(results), key=lambda r: (-len(r), r)):
        at = pool.find(r)
        if at < 0:
            at = len(pool)
            pool += r
        where[r] = at
    return pool, where


# A run of code points [start, next start) folds by one rule, its kind:
KIND_STRING = 0  # every one to the same bytes of the pool (a mark: none)
KIND_DELTA = 1   # each to the one code point `delta` away (0: itself)
KIND_PAIRS = 2   # the 1st, 3rd, ... to the code point after, the others kept
KIND_SHIFT = 14
DELTA_BITS = 14
OFFSET_BITS = 10
LENGTH_BITS = 4


def partition(folds):
    """Runs covering U+0080-U+FFFF, each by the rule that reaches furthest
    from its start (folds: code point -> list of code points)."""
    def fits(rule, start, cp):
        kind, value = rule
        f = folds[cp]
        if kind == KIND_STRING:
            return f == value
        if kind == KIND_DELTA:
            return f == [cp + value]
        return f == [cp + 1 if (cp - start) % 2 == 0 else cp]

    runs, cp = [], 0x80
    while cp <= 0xFFFF:
        f = folds[cp]
        rules = []
        if len(f) == 1 and abs(f[0] - cp) < (1 << (DELTA_BITS - 1)):
            rules.append((KIND_DELTA, f[0] - cp))
        if f == [cp + 1]:
            rules.append((KIND_PAIRS, None))
        rules.append((KIND_STRING, f))
        best = None
        for rule in rules:
            end = cp
            while end < 0xFFFF and fits(rule, cp, end + 1):
                end += 1
            if best is None or end > best[1]:
                best = (rule, end)
        runs.append((cp, best[0]))
        cp = best[1] + 1
    return runs


def encode(runs):
    """The runs' starts, their uint16 rules and the pool."""
    pool, where = build_pool(utf8(rule[1]) for _, rule in runs if rule[0] == KIND_STRING)
    if len(pool) > (1 << OFFSET_BITS):
        fail("the pool (%d bytes) does not fit %d-bit offsets" % (len(pool), OFFSET_BITS))
    if max(len(utf8(rule[1])) for _, rule in runs if rule[0] == KIND_STRING) >= 1 << LENGTH_BITS:
        fail("a fold longer than %d-bit lengths hold" % LENGTH_BITS)
    starts, rules = [], []
    for start, (kind, value) in runs:
        if kind == KIND_STRING:
            data = (where[utf8(value)] << LENGTH_BITS) | len(utf8(value))
        elif kind == KIND_DELTA:
            data = value & ((1 << DELTA_BITS) - 1)
        else:
            data = 0
        starts.append(start)
        rules.append((kind << KIND_SHIFT) | data)
    return starts, rules, pool


def decode(starts, rules, pool, cp):
    """What fold.c does with the table, for the generator's own check."""
    if cp < 0x80 or cp > 0xFFFF:
        return None
    i = bisect.bisect_right(starts, cp) - 1
    kind, data = rules[i] >> KIND_SHIFT, rules[i] & ((1 << KIND_SHIFT) - 1)
    if kind == KIND_STRING:
        at = data >> LENGTH_BITS
        return pool[at:at + (data & ((1 << LENGTH_BITS) - 1))]
    if kind == KIND_DELTA:
        delta = data - (1 << DELTA_BITS) if data >> (DELTA_BITS - 1) else data
        return utf8([cp + delta])
    return utf8([cp + 1 if (cp - starts[i]) % 2 == 0 else cp])


def c_array(ctype, name, values, per_line, fmt):
    lines = []
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(fmt % v for v in values[i:i + per_line]) + ",")
    return "static const %s %s[%d] = {\n%s\n};\n" % (ctype, name, len(values), "\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unicode-dir", default="/usr/share/unicode",
                        help="folder of UnicodeData.txt and CaseFolding.txt")
    parser.add_argument("-o", "--output", required=True, help="the header to write")
    args = parser.parse_args()

    category, decomposition = read_unicode_data(os.path.join(args.unicode_dir, "UnicodeData.txt"))
    folding = read_case_folding(os.path.join(args.unicode_dir, "CaseFolding.txt"))
    fold = make_fold(category, decomposition, folding)

    folds = {}
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        if not covered(cp):
            folds[cp] = [cp]
            continue
        folded = fold(cp)
        if folded != [cp]:
            source, result = utf8([cp]), utf8(folded)
            # docs/FORMAT.md: a fold is at most three times its source.
            if len(result) > 3 * len(source) or len(result) > FOLD_CP_MAX:
                fail("U+%04X folds to %d bytes (source %d, TOME_FOLD_CP_MAX %d)"
                     % (cp, len(result), len(source), FOLD_CP_MAX))
            # A device folds only covered code points: a result is final only
            # if each of its code points is kept by that rule too.
            for c in folded:
                if fold(c) != [c]:
                    fail("U+%04X folds to U+%04X, which folds further" % (cp, c))
        folds[cp] = folded
    changed = sum(1 for cp, f in folds.items() if f != [cp])
    if any(folds[cp] != [cp] for cp in folds if cp > 0xFFFF):
        fail("a code point above U+FFFF folds: the table holds uint16")

    # fold.c folds ASCII inline: exactly A-Z to a-z and ' ' to '-'.
    for cp in range(0x80):
        if folds[cp] != [cp + 32 if 0x41 <= cp <= 0x5A else 0x2D if cp == 0x20 else cp]:
            fail("U+%04X: the table and fold.c's ASCII rule disagree" % cp)

    # Surrogates never reach the table (strict UTF-8): they join any run.
    for cp in range(0xD800, 0xE000):
        folds[cp] = [cp]
    starts, rules, pool = encode(partition(folds))
    for cp in range(0x80, 0x10000):
        if not 0xD800 <= cp <= 0xDFFF and decode(starts, rules, pool, cp) != utf8(folds[cp]):
            fail("U+%04X: the encoded table gives another fold" % cp)

    size = 2 * len(starts) + 2 * len(rules) + len(pool)
    text = [
        "/* SPDX-License-Identifier: BSD-2-Clause */",
        "/*",
        " * fold_table.h - GENERATED by tools/gen_fold.py from Unicode %s's" % UNICODE_VERSION,
        " * UnicodeData.txt and CaseFolding.txt; do not edit.  The folding of",
        " * docs/FORMAT.md (fold version 1) of U+0080-U+FFFF as %d runs of code" % len(starts),
        " * points, each folded by one rule (%d code points changed); %d bytes." % (changed, size),
        " * Included by src/common/fold.c only.",
        " */",
        "#ifndef TOME_FOLD_TABLE_H",
        "#define TOME_FOLD_TABLE_H",
        "",
        "#include <stdint.h>",
        "",
        '#define TOME_FOLD_TABLE_UNICODE "%s"' % UNICODE_VERSION,
        "#define TOME_FOLD_RUNS %du" % len(starts),
        "/* a rule: kind << KIND_SHIFT | data */",
        "#define TOME_FOLD_KIND_SHIFT %du" % KIND_SHIFT,
        "/* every code point of the run to the pool's bytes at data >> LENGTH_BITS,",
        " * data & (2^LENGTH_BITS - 1) of them */",
        "#define TOME_FOLD_KIND_STRING %du" % KIND_STRING,
        "#define TOME_FOLD_LENGTH_BITS %du" % LENGTH_BITS,
        "/* each code point to itself plus data, a DELTA_BITS two's complement */",
        "#define TOME_FOLD_KIND_DELTA %du" % KIND_DELTA,
        "#define TOME_FOLD_DELTA_BITS %du" % DELTA_BITS,
        "/* the run's 1st, 3rd, ... code point to the next one, the others kept */",
        "#define TOME_FOLD_KIND_PAIRS %du" % KIND_PAIRS,
        "",
        "/* the first code point of each run, ascending; the first is U+0080 */",
        c_array("uint16_t", "tome__fold_run_starts", starts, 10, "0x%04X"),
        "/* each run's rule */",
        c_array("uint16_t", "tome__fold_run_rules", rules, 10, "0x%04X"),
        "/* the folded UTF-8 bytes of the string runs, shared */",
        c_array("uint8_t", "tome__fold_pool", list(pool), 16, "0x%02X"),
        "#endif",
        "",
    ]
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("\n".join(text))
    os.replace(tmp, args.output)
    print("gen_fold.py: %s: %d code points folded, %d runs, table %d bytes "
          "(run starts %d, rules %d, pool %d)"
          % (args.output, changed, len(starts), size, 2 * len(starts), 2 * len(rules), len(pool)))


if __name__ == "__main__":
    main()
