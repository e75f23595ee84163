# The README's demo, run as a test so that it keeps working as written
# (label: demo).  demo.py exits 0 only if the first verify passes and the
# second catches the drift with exit 1.
add_test(NAME demo.story
  COMMAND ${GATE_PYTHON} ${PROJECT_SOURCE_DIR}/demo/demo.py --gate $<TARGET_FILE:gate>)
set_tests_properties(demo.story PROPERTIES LABELS "demo;registry" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "==> Caught: layer 2 of simpleapp changed")
