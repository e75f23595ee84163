# libFuzzer targets of the layer engine (GATE_FUZZ=ON; gate_add_fuzzer in
# tests/CMakeLists.txt).  The policy and template fuzzers are in
# policy.cmake.
gate_add_fuzzer(fuzz_layer ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_layer.c
                ${PROJECT_SOURCE_DIR}/fixtures/vectors 20 LIBS gate_engine)
gate_add_fuzzer(fuzz_tar ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_tar.c
                ${PROJECT_SOURCE_DIR}/fixtures/tar/crafted 20 LIBS gate_engine)
