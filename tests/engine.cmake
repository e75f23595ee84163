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

# Streams that end oddly: bytes after the tar's end marker, a bad or missing
# gzip trailer, FHCRC headers split at every point, pzstd's skippable frame.
add_test(NAME vectors.stream
  COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/vectors/check_stream.py
          --gate $<TARGET_FILE:gate> --vectors ${PROJECT_SOURCE_DIR}/fixtures/vectors-stream)
# ~300 runs of gate: minutes under sanitizers
set_tests_properties(vectors.stream PROPERTIES LABELS vectors TIMEOUT 900)

add_executable(test_links unit/test_links.c)
target_link_libraries(test_links PRIVATE gate_engine)
add_test(NAME unit.links COMMAND test_links)
set_tests_properties(unit.links PROPERTIES LABELS unit TIMEOUT 300)

add_executable(test_layer_bounds unit/test_layer_bounds.c)
target_link_libraries(test_layer_bounds PRIVATE gate_engine)
add_test(NAME unit.layer_bounds
  COMMAND test_layer_bounds ${PROJECT_SOURCE_DIR}/fixtures/vectors/deb_tzdata.tar.gz)
set_tests_properties(unit.layer_bounds PROPERTIES LABELS unit)
