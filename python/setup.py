# SPDX-License-Identifier: BSD-2-Clause
"""Build of the tome extension: python/tome/_tome.c linked with the
position-independent static library the Makefile builds
($(BUILD)/shared/libtome_pic.a, from the objects of libtome.so), so the
module carries the library in itself and needs no libtome.so at run time;
zstd is the system's shared libzstd.  Run through `make python` (install)
or `make python-build` (the tests' build), which build the library first
and pass its folder in TOME_BUILD (default: ../build beside this file).
"""
import os
import re

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.abspath(os.environ.get("TOME_BUILD") or os.path.join(ROOT, "build"))
LIBRARY = os.path.join(BUILD, "shared", "libtome_pic.a")


def library_version():
    with open(os.path.join(ROOT, "include", "tome.h"), encoding="utf-8") as f:
        text = f.read()
    parts = [re.search(r"#define TOME_VERSION_%s (\d+)" % p, text).group(1)
             for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


if not os.path.exists(LIBRARY):
    raise SystemExit("%s is missing: build it with `make python-build` (or `make python`)"
                     % LIBRARY)

setup(
    name="tome",
    version=library_version(),
    description="Read and pack tome compressed corpus archives",
    license="BSD-2-Clause",
    packages=["tome"],
    python_requires=">=3.10",
    ext_modules=[
        Extension(
            "tome._tome",
            sources=["tome/_tome.c"],
            include_dirs=[os.path.join(ROOT, "include")],
            extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Werror"],
            extra_objects=[LIBRARY],
            libraries=["zstd", "pthread"],
            # the library's symbols stay inside the module
            extra_link_args=["-Wl,--exclude-libs,ALL"],
        )
    ],
)
