# SPDX-License-Identifier: BSD-2-Clause
# tome-zstd.cmake - defines tome::zstd, the zstd the reader compiles and links
# against.  Used by the top CMakeLists.txt and, installed, by tomeConfig.cmake.
#
#   TOME_ZSTD_TARGET       a CMake target (or library) providing zstd's
#                          decoder; set it for a device build, where zstd is
#                          the decoder you build yourself.  Empty: search.
#   TOME_ZSTD_INCLUDE_DIR  the folder of zstd.h (and zstd_errors.h).
#   TOME_ZSTD_LIBRARY      the zstd library found when no target is given;
#                          the static libzstd.a is preferred (the reader uses
#                          zstd's static-allocation API, and the tests count
#                          every allocation zstd could make).
#
# The reader uses ZSTD_STATIC_LINKING_ONLY declarations, so zstd.h must be
# the header of the zstd actually linked.
if(TARGET tome::zstd)
  return()
endif()

set(TOME_ZSTD_TARGET "" CACHE STRING
    "CMake target (or library) providing zstd's decoder; empty: search for libzstd")
find_path(TOME_ZSTD_INCLUDE_DIR zstd.h DOC "folder of zstd.h")
# The top CMakeLists.txt offers its own port of zstd's decoder as the default.
set(_tome_zstd_link "${TOME_ZSTD_TARGET}")
if(NOT _tome_zstd_link AND _tome_zstd_default_target)
  set(_tome_zstd_link "${_tome_zstd_default_target}")
endif()
if(NOT _tome_zstd_link)
  find_library(TOME_ZSTD_LIBRARY NAMES libzstd.a zstd DOC "zstd library (static preferred)")
endif()

if(NOT TOME_ZSTD_INCLUDE_DIR AND NOT _tome_zstd_link)
  message(FATAL_ERROR
    "tome: zstd.h not found. On Debian: apt-get install libzstd-dev (or `make deps`); "
    "for a device: -DTOME_ZSTD_INCLUDE_DIR=<folder of zstd.h> and -DTOME_ZSTD_TARGET=<your zstd decoder target>")
endif()

if(TOME_ZSTD_GLOBAL)
  add_library(tome::zstd INTERFACE IMPORTED GLOBAL)
else()
  add_library(tome::zstd INTERFACE IMPORTED)
endif()
if(TOME_ZSTD_INCLUDE_DIR)
  set_property(TARGET tome::zstd PROPERTY INTERFACE_INCLUDE_DIRECTORIES "${TOME_ZSTD_INCLUDE_DIR}")
endif()
if(_tome_zstd_link)
  set_property(TARGET tome::zstd PROPERTY INTERFACE_LINK_LIBRARIES "${_tome_zstd_link}")
elseif(TOME_ZSTD_LIBRARY)
  set_property(TARGET tome::zstd PROPERTY INTERFACE_LINK_LIBRARIES "${TOME_ZSTD_LIBRARY}")
endif()
