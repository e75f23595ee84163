# CLI cases, grouped by command: tests/cli/<command>/<case>/ holds cmd,
# status, stdout (or stdout.sha256), stderr and, if the case reads it,
# stdin; run_case.py runs one from the repository root.  Each is the
# ctest <command>.cli.<case>, label cli.  `gate` holds the cases of gate
# itself (--help, --version, unknown commands).
file(GLOB gate_cli_cases LIST_DIRECTORIES true CONFIGURE_DEPENDS
     ${CMAKE_CURRENT_SOURCE_DIR}/cli/*/*)
foreach(case ${gate_cli_cases})
  if(NOT IS_DIRECTORY ${case})
    continue()
  endif()
  get_filename_component(name ${case} NAME)
  get_filename_component(command ${case} DIRECTORY)
  get_filename_component(command ${command} NAME)
  add_test(NAME ${command}.cli.${name}
    COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/cli/run_case.py
            $<TARGET_FILE:gate> ${PROJECT_SOURCE_DIR} ${case})
  set_tests_properties(${command}.cli.${name} PROPERTIES LABELS cli)
endforeach()

# Untrusted bytes on every error path of hash --tar and policy come out
# escaped (issue 12 item 7).
add_test(NAME cli.escape
  COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/cli/escape.py $<TARGET_FILE:gate>)
set_tests_properties(cli.escape PROPERTIES LABELS cli)
