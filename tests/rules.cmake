# Rule sets, the rule-set rules and the reports of issue 9 (label: unit).
#   rules.unit     test_rules: shipped rule files, refused files with their
#                  line, scopes, image globs, each rule-set rule, rules list
#   rules.reports  test_reports writes SARIF, JUnit and JSON of hand-built
#                  reports; check_reports.py validates SARIF against the
#                  official 2.1.0 schema and JUnit by structure, and the
#                  uri of a file name that is not UTF-8 (a%FFb.json)
add_executable(test_rules rules/test_rules.c)
target_link_libraries(test_rules PRIVATE gate_report gate_verify gate_flags)
add_test(NAME rules.unit COMMAND test_rules ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(rules.unit PROPERTIES LABELS unit)

add_executable(test_reports report/test_reports.c)
target_link_libraries(test_reports PRIVATE gate_report gate_verify gate_flags)
add_test(NAME rules.reports
  COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/report/check_reports.py
          --writer $<TARGET_FILE:test_reports>
          --schema ${CMAKE_CURRENT_SOURCE_DIR}/report/sarif-2.1.0.json
          --out ${CMAKE_CURRENT_BINARY_DIR}/reports)
set_tests_properties(rules.reports PROPERTIES LABELS unit)

# report.hash_json: the one document of `gate hash --format json IMAGE...`,
# failed images and bytes that are not UTF-8 included.
gate_add_unit_test(report.hash_json SOURCES report/test_hash_json.c LIBS gate_report)
