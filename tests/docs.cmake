# The documentation works as written (issue 10 items 4 and 5), label unit:
# docs.recipes parses every recipe of docs/recipes/ and checks each gate
# command line in them with `gate --check-args`.
add_test(NAME docs.recipes
  COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/recipes/check_recipes.py
          $<TARGET_FILE:gate> ${PROJECT_SOURCE_DIR}/docs/recipes)
# Both skip (77) where python3-yaml or man-db is missing, saying so.
set_tests_properties(docs.recipes PROPERTIES LABELS unit SKIP_RETURN_CODE 77)

# docs.man renders docs/gate.1 with man (and mandoc -T lint) and fails on
# any warning, or on a command, option or variable the page leaves out;
# docs.completion checks the bash completion offers each command's options.
add_test(NAME docs.man
  COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/docs/check_docs.py
          man $<TARGET_FILE:gate> ${PROJECT_SOURCE_DIR}/docs/gate.1)
add_test(NAME docs.completion
  COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/docs/check_docs.py
          completion $<TARGET_FILE:gate> ${PROJECT_SOURCE_DIR}/docs/completion/gate.bash)
# docs.install: cmake --install into a temporary DESTDIR.
add_test(NAME docs.install
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/docs/check_install.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR}
          ${CMAKE_COMMAND})
set_tests_properties(docs.man docs.completion docs.install PROPERTIES LABELS unit)
set_tests_properties(docs.man PROPERTIES SKIP_RETURN_CODE 77)

# docs.limits: the limits table of docs/security.md names every constant of
# gate/base/limits.h with its value, and each option with its --help default.
add_test(NAME docs.limits
  COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/docs/check_limits.py
          ${PROJECT_SOURCE_DIR} $<TARGET_FILE:gate>)
set_tests_properties(docs.limits PROPERTIES LABELS unit)
