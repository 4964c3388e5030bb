# SPDX-License-Identifier: BSD-2-Clause
# tome-fold.cmake - the folding table src/common/fold.c includes
# (docs/FORMAT.md, "Folding"), generated at build time by tools/gen_fold.py
# from Unicode 15.0's UnicodeData.txt and CaseFolding.txt, as the Makefile
# does.  Included by CMakeLists.txt, cmake/esp-idf.cmake and
# zephyr/CMakeLists.txt.
#
#   TOME_FOLDING      ON (default): fold, with the generated table;
#                     OFF: compile it out (TOME_NO_FOLDING: no folded search)
#   TOME_UNICODE_DIR  folder of UnicodeData.txt and CaseFolding.txt
#                     (default /usr/share/unicode, Debian's unicode-data)
#   TOME_PYTHON       the Python 3 running the generator (standard library
#                     only); default: the SDK's, else find_package(Python3)
#
# tome_fold_table(ROOT [SDK_PYTHON]) adds the command writing the table for the tome tree
# at ROOT, makes ROOT/src/common/fold.c depend on it (a source property: the
# target compiling fold.c must be created in the same directory), and sets
# in the caller's scope TOME_FOLD_INCLUDE_DIR (the folder to add to that
# target's include path, empty when not folding) and TOME_FOLD_DEFINITIONS
# (TOME_NO_FOLDING when not folding).
option(TOME_FOLDING "Fold queries (Unicode table generated at build time); OFF: TOME_NO_FOLDING" ON)
set(TOME_UNICODE_DIR "/usr/share/unicode" CACHE PATH
    "folder of Unicode 15.0's UnicodeData.txt and CaseFolding.txt (Debian: unicode-data)")
set(TOME_PYTHON "" CACHE FILEPATH "Python 3 for tools/gen_fold.py (default: found)")

function(tome_fold_table root)
  if(NOT TOME_FOLDING)
    set(TOME_FOLD_INCLUDE_DIR "" PARENT_SCOPE)
    set(TOME_FOLD_DEFINITIONS TOME_NO_FOLDING PARENT_SCOPE)
    return()
  endif()
  set(_python "${TOME_PYTHON}")
  if(NOT _python AND ARGC GREATER 1)
    set(_python "${ARGV1}")
  endif()
  if(NOT _python)
    find_package(Python3 COMPONENTS Interpreter)
    set(_python "${Python3_EXECUTABLE}")
  endif()
  set(_unicode "${TOME_UNICODE_DIR}/UnicodeData.txt" "${TOME_UNICODE_DIR}/CaseFolding.txt")
  foreach(_file ${_unicode})
    if(NOT EXISTS "${_file}")
      message(FATAL_ERROR
        "tome: ${_file} not found, needed for the folding table. On Debian: "
        "apt-get install unicode-data (or `make deps`); elsewhere give Unicode 15.0's "
        "files with -DTOME_UNICODE_DIR=<folder>, or build without folding: -DTOME_FOLDING=OFF")
    endif()
  endforeach()
  if(NOT _python)
    message(FATAL_ERROR "tome: no Python 3 for tools/gen_fold.py: -DTOME_PYTHON=<python3>, "
                        "or build without folding: -DTOME_FOLDING=OFF")
  endif()

  set(_dir "${CMAKE_CURRENT_BINARY_DIR}/tome-gen")
  set(_table "${_dir}/fold_table.h")
  # made now: some SDKs check that every include folder exists when configuring
  file(MAKE_DIRECTORY "${_dir}")
  add_custom_command(
    OUTPUT "${_table}"
    COMMAND "${_python}" "${root}/tools/gen_fold.py" --unicode-dir "${TOME_UNICODE_DIR}"
            -o "${_table}"
    DEPENDS "${root}/tools/gen_fold.py" ${_unicode}
    COMMENT "tome: the folding table from ${TOME_UNICODE_DIR}"
    VERBATIM)
  set_source_files_properties("${root}/src/common/fold.c" PROPERTIES OBJECT_DEPENDS "${_table}")
  set(TOME_FOLD_INCLUDE_DIR "${_dir}" PARENT_SCOPE)
  set(TOME_FOLD_DEFINITIONS "" PARENT_SCOPE)
endfunction()
