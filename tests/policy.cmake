# Templates and policies (issue 4).
#   unit  test_policy: base64, the policy scanner on every sample and
#         dialect, the ARM expression evaluator, the template readers
#   fuzz  fuzz_policy and fuzz_template, a few seconds each (GATE_FUZZ)
# The `gate policy` CLI cases are in tests/cli/policy (cli.cmake).
gate_add_unit_test(policy.unit SOURCES policy/test_policy.c
                   LIBS gate_input PkgConfig::JANSSON ARGS ${PROJECT_SOURCE_DIR}/fixtures)

gate_add_fuzzer(fuzz_policy ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_policy.c
  "${PROJECT_SOURCE_DIR}/fixtures/policy;${PROJECT_SOURCE_DIR}/fixtures/samples;${PROJECT_SOURCE_DIR}/fixtures/fuzz/policy" 10
  DICT ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/dict/rego.dict LIBS gate_input)
gate_add_fuzzer(fuzz_template ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_template.c
  "${PROJECT_SOURCE_DIR}/fixtures/templates;${PROJECT_SOURCE_DIR}/fixtures/samples;${PROJECT_SOURCE_DIR}/fixtures/fuzz/template" 10
  DICT ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/dict/arm.dict LIBS gate_input)
