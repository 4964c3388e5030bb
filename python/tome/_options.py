# SPDX-License-Identifier: BSD-2-Clause
"""The packer's options as the Python API takes them (sizes as "64K" or
ints, dict as a word or a bool), turned into what _tome.pack() takes."""

_DICT_MODES = {"auto": 0, "off": 1, "on": 2, None: 0, False: 1, True: 2}


def size(value, name):
    """An int, or a string with a K/M/G suffix (powers of 1024) as in `tome pack`."""
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip().upper().removesuffix("B").removesuffix("I")
        scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
        digits = text[:-1] if scale > 1 else text
        if digits.isdigit():
            return int(digits) * scale
    raise ValueError("bad %s %r (an int, or a number with K, M or G)" % (name, value))


def pack_options(*, block_size="64K", level=19, dict="auto", dict_size="256K", threads=0,
                 check=True, cluster=True, ram_budget=0, progress=None, metadata=None, memory=0):
    if dict not in _DICT_MODES:
        raise ValueError("dict is 'auto', 'on' or 'off', not %r" % (dict,))
    options = {
        "block_size": size(block_size, "block size"),
        "level": int(level),
        "dict": _DICT_MODES[dict],
        "dict_size": size(dict_size, "dictionary size"),
        "threads": int(threads),
        "check": bool(check),
        "cluster": bool(cluster),
        "ram_budget": size(ram_budget, "RAM budget"),
        "progress": progress,
        "metadata": metadata,
        "memory": size(memory, "memory budget"),
    }
    if options["memory"] < 0 or 0 < options["memory"] < 16 << 20:
        raise ValueError("memory is at least 16M, not %r" % (memory,))
    return options
