# SPDX-License-Identifier: BSD-2-Clause
# esp-idf.cmake - tome's reader as an ESP-IDF component; included by the top
# CMakeLists.txt when ESP_PLATFORM is set.  Only src/common/ and src/reader/
# are compiled; the packer, the tool and the tests are not.
#
#   TOME_IDF_ZSTD_COMPONENT  the component providing zstd's decoder and
#                            zstd.h (default: zstd); not bundled.
#   TOME_XXHASH_INCLUDE_DIR  folder of xxhash.h, when no required component
#                            provides it (header only: compiled in).
#   TOME_FOLDING, TOME_UNICODE_DIR, TOME_PYTHON
#                            the folding table, generated at build time
#                            (cmake/tome-fold.cmake; ESP-IDF's Python runs
#                            the generator unless TOME_PYTHON says otherwise)
if(NOT DEFINED TOME_IDF_ZSTD_COMPONENT)
  set(TOME_IDF_ZSTD_COMPONENT zstd)
endif()

get_filename_component(_tome_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
# ESP-IDF first reads components in script mode, where CONFIGURE_DEPENDS is
# refused.
if(CMAKE_SCRIPT_MODE_FILE)
  set(_tome_glob GLOB)
else()
  set(_tome_glob GLOB CONFIGURE_DEPENDS)
endif()
file(${_tome_glob} _tome_reader_sources
     "${_tome_root}/src/common/*.c" "${_tome_root}/src/reader/*.c")
list(SORT _tome_reader_sources)

idf_component_register(
  SRCS ${_tome_reader_sources}
  INCLUDE_DIRS "include"
  PRIV_INCLUDE_DIRS "src/common" "src/reader"
  REQUIRES ${TOME_IDF_ZSTD_COMPONENT})

if(TOME_XXHASH_INCLUDE_DIR AND COMPONENT_LIB)
  target_include_directories(${COMPONENT_LIB} PRIVATE "${TOME_XXHASH_INCLUDE_DIR}")
endif()

# The folding table, in the build (not in script mode, where no command can
# be added).
if(COMPONENT_LIB AND NOT CMAKE_SCRIPT_MODE_FILE)
  idf_build_get_property(_tome_idf_python PYTHON)
  include("${_tome_root}/cmake/tome-fold.cmake")
  tome_fold_table("${_tome_root}" "${_tome_idf_python}")
  target_include_directories(${COMPONENT_LIB} PRIVATE ${TOME_FOLD_INCLUDE_DIR})
  target_compile_definitions(${COMPONENT_LIB} PRIVATE ${TOME_FOLD_DEFINITIONS})
endif()
