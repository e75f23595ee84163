# The architecture's one-way rule: includes cross folders only along the
# arrows of docs/architecture.md (label: unit).
add_test(NAME arch.includes
  COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/arch/check_includes.py ${PROJECT_SOURCE_DIR})
set_tests_properties(arch.includes PROPERTIES LABELS unit)
