# Templates and policies (issue 4).
#   unit  test_policy: base64, the policy scanner on every sample and
#         dialect, the ARM expression evaluator, the template readers
#   cli   one test per directory of tests/policy/cases (cmd, status,
#         stdout, stderr), run by run_case.py from the repository root
#   fuzz  fuzz_policy and fuzz_template, a few seconds each (GATE_FUZZ)
add_executable(test_policy policy/test_policy.c)
target_link_libraries(test_policy PRIVATE gate_registry gate_input gate_flags PkgConfig::JANSSON)
add_test(NAME policy.unit COMMAND test_policy ${PROJECT_SOURCE_DIR}/fixtures)
set_tests_properties(policy.unit PROPERTIES LABELS unit)

file(GLOB gate_policy_cases LIST_DIRECTORIES true ${CMAKE_CURRENT_SOURCE_DIR}/policy/cases/*)
foreach(case ${gate_policy_cases})
  get_filename_component(name ${case} NAME)
  add_test(NAME policy.cli.${name}
    COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/policy/run_case.py
            $<TARGET_FILE:gate> ${PROJECT_SOURCE_DIR} ${case})
  set_tests_properties(policy.cli.${name} PROPERTIES LABELS cli)
endforeach()

if(GATE_FUZZ)
  # The modules under test are compiled into each target as well, with
  # libFuzzer's coverage instrumentation, so the fuzzer sees their branches;
  # their objects take precedence over gate_registry gate_input's uninstrumented copies.
  set(gate_policy_sources
    ${PROJECT_SOURCE_DIR}/gate/base/b64.c ${PROJECT_SOURCE_DIR}/gate/input/policy.c
    ${PROJECT_SOURCE_DIR}/gate/input/model.c)
  set(gate_template_sources ${gate_policy_sources}
    ${PROJECT_SOURCE_DIR}/gate/input/arm_expr.c ${PROJECT_SOURCE_DIR}/gate/input/template.c
    ${PROJECT_SOURCE_DIR}/gate/input/template_arm.c ${PROJECT_SOURCE_DIR}/gate/input/template_yaml.c
    ${PROJECT_SOURCE_DIR}/gate/input/input.c)
  gate_add_fuzzer(fuzz_policy ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_policy.c
    "${PROJECT_SOURCE_DIR}/fixtures/policy;${PROJECT_SOURCE_DIR}/fixtures/samples" 10)
  target_sources(fuzz_policy PRIVATE ${gate_policy_sources})
  gate_add_fuzzer(fuzz_template ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_template.c
    "${PROJECT_SOURCE_DIR}/fixtures/templates;${PROJECT_SOURCE_DIR}/fixtures/samples" 10)
  target_sources(fuzz_template PRIVATE ${gate_template_sources})
  target_link_libraries(fuzz_policy PRIVATE PkgConfig::JANSSON PkgConfig::CRYPTO)
  target_link_libraries(fuzz_template PRIVATE PkgConfig::JANSSON PkgConfig::CRYPTO PkgConfig::YAML)
endif()
