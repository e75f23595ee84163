# The guest's admission rules (issue 8), label unit:
#   verify.unit        the RE2 shim, layer matching, the User parser
#   verify.admit.NAME  one per fixtures/verify/admit/NAME.json, each with its
#                      tampered twins (test_admit.c says the format)
add_executable(test_verify verify/test_verify.c)
target_link_libraries(test_verify PRIVATE gate_verify gate_flags)
add_test(NAME verify.unit COMMAND test_verify)
set_tests_properties(verify.unit PROPERTIES LABELS unit)

add_executable(test_admit verify/test_admit.c)
target_link_libraries(test_admit PRIVATE gate_verify gate_flags PkgConfig::JANSSON)
file(GLOB gate_admit_cases ${PROJECT_SOURCE_DIR}/fixtures/verify/admit/*.json)
foreach(case ${gate_admit_cases})
  get_filename_component(name ${case} NAME_WE)
  add_test(NAME verify.admit.${name}
    COMMAND test_admit ${PROJECT_SOURCE_DIR}/fixtures/verify/base.json ${case})
  set_tests_properties(verify.admit.${name} PROPERTIES LABELS unit)
endforeach()
