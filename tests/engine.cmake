# Unit tests of the layer engine's own pieces (label: unit).
add_executable(test_gosort unit/test_gosort.c)
target_link_libraries(test_gosort PRIVATE gate_registry gate_input)
add_test(NAME unit.gosort
  COMMAND test_gosort ${PROJECT_SOURCE_DIR}/fixtures/gosort/cases.in
                      ${PROJECT_SOURCE_DIR}/fixtures/gosort/cases.expected)
set_tests_properties(unit.gosort PROPERTIES LABELS unit)

find_program(GATE_ZSTD zstd REQUIRED)
add_test(NAME vectors.compression
  COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/vectors/check_compression.py
          --gate $<TARGET_FILE:gate> --vectors ${PROJECT_SOURCE_DIR}/fixtures/vectors)
set_tests_properties(vectors.compression PROPERTIES LABELS vectors TIMEOUT 300)
