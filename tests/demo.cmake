# The README's demo, run as a test so that it keeps working as written
# (label: demo).  demo.py exits 0 only if the first verify passes and the
# second catches the drift with exit 1; the text report must show the top
# layer (2 of 2, counted from 1) changed, and so must the JSON report the
# closing line is made from.
add_test(NAME demo.story
  COMMAND ${GATE_PYTHON} ${PROJECT_SOURCE_DIR}/demo/demo.py --gate $<TARGET_FILE:gate>)
set_tests_properties(demo.story PROPERTIES LABELS "demo;registry" TIMEOUT 300
  PASS_REGULAR_EXPRESSION "\n          layer 2: policy [0-9a-f]+  registry [0-9a-f]+\n.*==> Caught: layer 2 of simpleapp changed")
