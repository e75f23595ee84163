# The guest's admission rules (issue 8), label unit:
#   verify.unit        the RE2 shim, layer matching, the User parser, and
#                      findings keep a file name that is not UTF-8 as given
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
# verifytest.py: one scenario per feature.  scantest.py, scans of many
# templates (issue 11):
#   verify.faults      20 templates x 10 images through a fault-injecting
#                      proxy (scantest.py faults --full: 200 x 50)
#   verify.concurrent  two scans at once into one --cache
#   verify.secrets     a marker password never reaches output, reports or cache
function(gate_verify_e2e script)
  foreach(s ${ARGN})
    add_test(NAME verify.${s}
      COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/verify/${script} ${s}
              --gate $<TARGET_FILE:gate> --vectors ${PROJECT_SOURCE_DIR}/fixtures/vectors
              --fixtures ${PROJECT_SOURCE_DIR}/fixtures
              --schema ${PROJECT_SOURCE_DIR}/docs/verify-report.schema.json)
    set_tests_properties(verify.${s} PROPERTIES LABELS "verify;registry" TIMEOUT 600)
  endforeach()
endfunction()
gate_verify_e2e(verifytest.py
  pass drift command env order coverage candidates unreachable samples directory reports review
  shards history locations)
gate_verify_e2e(scantest.py faults concurrent secrets)
set_tests_properties(verify.faults PROPERTIES LABELS "verify;registry;slow" TIMEOUT 300)
