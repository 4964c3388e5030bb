# SPDX-License-Identifier: BSD-2-Clause
# tests.cmake - the test suite under CTest, included by the top
# CMakeLists.txt for a host build.  Tests run from the repository root, as
# tests/run.sh runs them (test_reader3 reads seeds/, cli.sh needs it too).
set(_tome_test_dir "${CMAKE_CURRENT_SOURCE_DIR}")

# Tests see every folder, like the Makefile's CPPFLAGS_TOME.
function(tome_add_test_program name)
  if(ARGN)
    add_executable(${name} ${ARGN})
  else()
    add_executable(${name} tests/${name}.c)
  endif()
  set_target_properties(${name} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_compile_definitions(${name} PRIVATE ${_tome_host_defs})
  target_compile_options(${name} PRIVATE ${_tome_warn})
  target_include_directories(${name} PRIVATE
    "${CMAKE_CURRENT_SOURCE_DIR}/src/common"
    "${CMAKE_CURRENT_SOURCE_DIR}/src/reader"
    "${CMAKE_CURRENT_SOURCE_DIR}/src/packer"
    "${TOME_XXHASH_INCLUDE_DIR}")
  target_link_libraries(${name} PRIVATE tome tome::zstd Threads::Threads)
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY "${_tome_test_dir}")
endfunction()

tome_add_test_program(test_reader3)
# the golden archives of tests/golden/ (its default folder)
tome_add_test_program(test_golden)
tome_add_test_program(test_pack_input)
tome_add_test_program(test_set)
if(TOME_FOLDING)
  tome_add_test_program(test_fold)
endif()

# The fuzz targets' corpus replay and the damage sweeps (plain C, no
# libFuzzer), as `make test` runs them: replay.c with every fuzz_*.c.
file(GLOB _tome_fuzz_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/tests/fuzz/fuzz_*.c")
list(SORT _tome_fuzz_sources)
tome_add_test_program(fuzz_replay tests/fuzz/replay.c tests/fuzz/integrity_oracle.c
                      ${_tome_fuzz_sources})
tome_add_test_program(sweep_damage tests/fuzz/sweep_damage.c tests/fuzz/fuzz_archive.c)
tome_add_test_program(mutation_run tests/fuzz/mutation_run.c tests/fuzz/integrity_oracle.c
                      tests/fuzz/fuzz_archive.c)

# test_alloc wraps the allocator for everything linked statically into it,
# so it needs zstd's static library: without one it is not built.
if(TOME_ZSTD_LIBRARY MATCHES "\\.a$" OR TOME_ZSTD_TARGET)
  tome_add_test_program(test_alloc)
  target_link_libraries(test_alloc PRIVATE
    "-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free")
else()
  message(WARNING "tome: no static libzstd.a (${TOME_ZSTD_LIBRARY}): test_alloc not built")
endif()

add_test(NAME cli COMMAND sh tests/cli.sh $<TARGET_FILE:tome_cli>
         WORKING_DIRECTORY "${_tome_test_dir}")
add_test(NAME sets COMMAND sh tests/sets.sh $<TARGET_FILE:tome_cli>
         WORKING_DIRECTORY "${_tome_test_dir}")
add_test(NAME reader_symbols
  COMMAND sh tests/cmake/reader_symbols.sh $<TARGET_FILE:tome_reader> "${CMAKE_NM}"
  WORKING_DIRECTORY "${_tome_test_dir}")
add_test(NAME spdx COMMAND sh tests/spdx.sh WORKING_DIRECTORY "${_tome_test_dir}")
add_test(NAME manifests COMMAND sh tests/manifests.sh WORKING_DIRECTORY "${_tome_test_dir}")

# The installed package: install into a temporary prefix, then configure,
# build and run a consumer that uses find_package(tome).
add_test(NAME package
  COMMAND sh tests/cmake/package.sh "${CMAKE_COMMAND}" "${CMAKE_BINARY_DIR}"
          "${CMAKE_C_COMPILER}" $<CONFIG>
  WORKING_DIRECTORY "${_tome_test_dir}")

# The reader cross-compiled for Cortex-M4, when the cross compiler is here.
find_program(TOME_ARM_GCC arm-none-eabi-gcc)
if(TOME_ARM_GCC)
  add_test(NAME cross_reader
    COMMAND sh tests/cmake/cross_reader.sh "${CMAKE_BINARY_DIR}/cross-m4" "${CMAKE_COMMAND}"
    WORKING_DIRECTORY "${_tome_test_dir}")
endif()
