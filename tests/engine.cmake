# Unit tests of the layer engine's own pieces (label: unit).
gate_add_unit_test(unit.gosort SOURCES unit/test_gosort.c LIBS gate_engine
  ARGS ${PROJECT_SOURCE_DIR}/fixtures/gosort/cases.in
       ${PROJECT_SOURCE_DIR}/fixtures/gosort/cases.expected)
