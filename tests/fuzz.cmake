# libFuzzer targets (GATE_FUZZ=ON, clang), each run briefly as a test
# labelled fuzz.  gate_add_fuzzer(NAME SOURCE SEED_DIR [SECONDS]): new
# inputs go to a corpus directory in the build tree, the seeds stay
# untouched.
if(GATE_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "GATE_FUZZ needs clang (-DCMAKE_C_COMPILER=clang)")
  endif()
  function(gate_add_fuzzer name source seeds)
    set(seconds 20)
    if(ARGC GREATER 3)
      set(seconds ${ARGV3})
    endif()
    add_executable(${name} ${source})
    target_link_libraries(${name} PRIVATE gate_registry gate_input)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set(corpus ${CMAKE_CURRENT_BINARY_DIR}/corpus/${name})
    file(MAKE_DIRECTORY ${corpus})
    add_test(NAME fuzz.${name}
      COMMAND ${name} -max_total_time=${seconds} -max_len=65536 -timeout=20
              -rss_limit_mb=2048 ${corpus} ${seeds})
    set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 300)
  endfunction()

  gate_add_fuzzer(fuzz_layer ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_layer.c
                  ${PROJECT_SOURCE_DIR}/fixtures/vectors)
  gate_add_fuzzer(fuzz_tar ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_tar.c
                  ${PROJECT_SOURCE_DIR}/fixtures/tar/crafted)
endif()
