# SPDX-License-Identifier: BSD-2-Clause
# arm-none-eabi.cmake - toolchain file for a bare-metal Arm Cortex-M build of
# the reader with Debian's gcc-arm-none-eabi and libnewlib-arm-none-eabi:
#
#   cmake -S . -B bm4 -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake \
#         -DTOME_ZSTD_INCLUDE_DIR=<zstd.h> -DTOME_XXHASH_INCLUDE_DIR=<xxhash.h>
#   cmake --build bm4 --target tome_reader
#
# TOME_ARM_CPU picks the core (default cortex-m4; e.g. cortex-m0, cortex-m33).
# Only the toolchain's own folders are searched for headers and libraries, so
# the host's zstd.h and xxhash.h are never picked up by mistake.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(TOME_ARM_PREFIX arm-none-eabi- CACHE STRING "prefix of the cross tools")
set(TOME_ARM_CPU cortex-m4 CACHE STRING "-mcpu= of the target core")
set(CMAKE_C_COMPILER ${TOME_ARM_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${TOME_ARM_PREFIX}gcc)
set(CMAKE_AR ${TOME_ARM_PREFIX}ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB ${TOME_ARM_PREFIX}ranlib CACHE FILEPATH "ranlib")
set(CMAKE_OBJDUMP ${TOME_ARM_PREFIX}objdump CACHE FILEPATH "objdump")
set(CMAKE_NM ${TOME_ARM_PREFIX}nm CACHE FILEPATH "nm")

# No linker script here: the compiler checks build a static library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Soft float works on every Cortex-M; a project with an FPU may override.
set(CMAKE_C_FLAGS_INIT "-mcpu=${TOME_ARM_CPU} -mthumb -mfloat-abi=soft -ffunction-sections -fdata-sections")

# Search the toolchain's folders (newlib's), never the host's.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libc.a
                OUTPUT_VARIABLE _tome_arm_libc OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(IS_ABSOLUTE "${_tome_arm_libc}")
  get_filename_component(_tome_arm_root "${_tome_arm_libc}" DIRECTORY) # .../arm-none-eabi/lib
  get_filename_component(_tome_arm_root "${_tome_arm_root}/.." ABSOLUTE)
  set(CMAKE_FIND_ROOT_PATH "${_tome_arm_root}")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
