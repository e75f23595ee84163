# The documentation works as written (issue 10 items 4 and 5), label unit:
# docs.recipes parses every recipe of docs/recipes/ and checks each gate
# command line in them with `gate --check-args`.
add_test(NAME docs.recipes
  COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/recipes/check_recipes.py
          $<TARGET_FILE:gate> ${PROJECT_SOURCE_DIR}/docs/recipes)
set_tests_properties(docs.recipes PROPERTIES LABELS unit)
