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

# gate verify end to end (label: verify): each scenario starts Debian's
# docker-registry on 127.0.0.1, pushes images, writes confcom-format
# templates and checks verdicts, findings and the report schema.
set(gate_verify_scenarios
  pass drift command env order coverage candidates unreachable samples directory reports
  shards history)
foreach(s ${gate_verify_scenarios})
  add_test(NAME verify.${s}
    COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/verify/verifytest.py ${s}
            --gate $<TARGET_FILE:gate> --vectors ${PROJECT_SOURCE_DIR}/fixtures/vectors
            --fixtures ${PROJECT_SOURCE_DIR}/fixtures
            --schema ${PROJECT_SOURCE_DIR}/docs/verify-report.schema.json)
  set_tests_properties(verify.${s} PROPERTIES LABELS "verify;registry" TIMEOUT 600)
endforeach()
