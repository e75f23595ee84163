# gate verify end to end (label: verify): each scenario starts Debian's
# docker-registry on 127.0.0.1, pushes images, writes confcom-format
# templates and checks verdicts, findings and the report schema.
set(gate_verify_scenarios
  pass drift command env order coverage candidates unreachable samples directory)
foreach(s ${gate_verify_scenarios})
  add_test(NAME verify.${s}
    COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/verify/verifytest.py ${s}
            --gate $<TARGET_FILE:gate> --vectors ${PROJECT_SOURCE_DIR}/fixtures/vectors
            --fixtures ${PROJECT_SOURCE_DIR}/fixtures
            --schema ${PROJECT_SOURCE_DIR}/docs/verify-report.schema.json)
  set_tests_properties(verify.${s} PROPERTIES LABELS "verify;registry" TIMEOUT 600)
endforeach()
