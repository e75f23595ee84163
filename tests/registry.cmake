# Registry client: unit tests of its parsers, and scenarios against a real
# registry (Debian's docker-registry) and Python servers on 127.0.0.1.
# Each scenario starts and stops its own servers in its own temporary
# directory, so the scenarios may run in parallel.

foreach(t ref auth cache http manifest)
  gate_add_unit_test(registry.unit.${t} SOURCES registry/test_${t}.c LIBS gate_registry)
endforeach()

set(gate_registry_scenarios
  http_oci docker_v2 compression zstd multiarch tls basic_auth token_auth token_registry faults cache
  hostile plain_http timeouts output large)
foreach(s ${gate_registry_scenarios})
  add_test(NAME registry.${s}
    COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/registry/regtest.py ${s}
            --gate $<TARGET_FILE:gate> --vectors ${PROJECT_SOURCE_DIR}/fixtures/vectors)
  set_tests_properties(registry.${s} PROPERTIES LABELS registry TIMEOUT 900)
  if(s STREQUAL large)
    # Its layers are the two big vectors, which the sanitizer pass skips.
    set_tests_properties(registry.${s} PROPERTIES LABELS "registry;slow;big")
  endif()
endforeach()
