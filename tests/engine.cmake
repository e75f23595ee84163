# Unit tests of the layer engine's own pieces (label: unit).
gate_add_unit_test(unit.gosort SOURCES unit/test_gosort.c LIBS gate_engine
  ARGS ${PROJECT_SOURCE_DIR}/fixtures/gosort/cases.in
       ${PROJECT_SOURCE_DIR}/fixtures/gosort/cases.expected)

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

gate_add_unit_test(unit.links SOURCES unit/test_links.c LIBS gate_engine)
set_tests_properties(unit.links PROPERTIES TIMEOUT 300)

gate_add_unit_test(unit.layer_bounds SOURCES unit/test_layer_bounds.c LIBS gate_engine
  ARGS ${PROJECT_SOURCE_DIR}/fixtures/vectors/deb_tzdata.tar.gz)

# The dm-verity tree, hashed on one thread and on two, against a plain one;
# --wrap lets the test refuse the second thread (the root must not change).
gate_add_unit_test(unit.verity SOURCES unit/test_verity.c LIBS gate_engine)
target_link_options(test_verity PRIVATE -Wl,--wrap=pthread_create)
