# Where the template readers say groups and containers start (issue 9,
# SARIF locations), label unit:
#   input.json_pos    test_json_pos: the JSON position index on small texts
#                     (strings with braces, escapes, CRLF, lone CR, UTF-8
#                     columns, a text that does not match its tree, nor
#                     its members per object)
#   input.positions   check_positions.py: dump_positions on real templates
#                     (ARM, nested deployment, deployed JSON, ACI and
#                     Kubernetes YAML, YAML with NEL, LS and PS, lines
#                     counted from the index), each also with CRLF endings
#                     and from stdin, with a parameters file, and a
#                     container a variable builds and YAML containers
#                     an alias places (0:0), against
#                     positions Python finds on its own
gate_add_unit_test(input.json_pos SOURCES input/test_json_pos.c
                   LIBS gate_input PkgConfig::JANSSON)

add_executable(dump_positions input/dump_positions.c)
target_link_libraries(dump_positions PRIVATE gate_input gate_flags)
add_test(NAME input.positions
  COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/input/check_positions.py
          --dump $<TARGET_FILE:dump_positions> --fixtures ${PROJECT_SOURCE_DIR}/fixtures
          --out ${CMAKE_CURRENT_BINARY_DIR}/positions)
set_tests_properties(input.positions PROPERTIES LABELS unit)
