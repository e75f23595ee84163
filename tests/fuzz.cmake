# libFuzzer targets (GATE_FUZZ=ON; gate_add_fuzzer in tests/CMakeLists.txt),
# one per parser of outside bytes; the policy and template fuzzers are in
# policy.cmake.  The suite runs each for a few seconds; tests/fuzz/run.sh
# runs them all for as long as it is told.
set(fuzz_src ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
set(fuzz_dict ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/dict)
set(fuzz_seeds ${PROJECT_SOURCE_DIR}/fixtures/fuzz)

# The layer engine: a hostile layer.
gate_add_fuzzer(fuzz_layer ${fuzz_src}/fuzz_layer.c
                ${PROJECT_SOURCE_DIR}/fixtures/vectors 20 LIBS gate_engine)
gate_add_fuzzer(fuzz_tar ${fuzz_src}/fuzz_tar.c
                ${PROJECT_SOURCE_DIR}/fixtures/tar/crafted 20 DICT ${fuzz_dict}/tar.dict
                LIBS gate_engine)

# A hostile registry (its challenges, tokens, manifests and configs), what
# a user or a template names, and what the user's disk holds: registry
# parsers whose seeds are fixtures/fuzz/NAME, as TARGET:DICTIONARY.
foreach(t challenge:www_authenticate token:token manifest:oci image_config:oci ref:ref
          authfile:docker_config cache:cache)
  string(REPLACE ":" ";" t ${t})
  list(GET t 0 name)
  list(GET t 1 dict)
  gate_add_fuzzer(fuzz_${name} ${fuzz_src}/fuzz_${name}.c ${fuzz_seeds}/${name} 8
                  DICT ${fuzz_dict}/${dict}.dict LIBS gate_registry)
endforeach()

# A hostile template or rule file.
gate_add_fuzzer(fuzz_yaml ${fuzz_src}/fuzz_yaml.c ${PROJECT_SOURCE_DIR}/fixtures/templates 8
                DICT ${fuzz_dict}/yaml.dict LIBS gate_input)
gate_add_fuzzer(fuzz_arm_expr ${fuzz_src}/fuzz_arm_expr.c ${fuzz_seeds}/arm_expr 8
                DICT ${fuzz_dict}/arm_expr.dict LIBS gate_input PkgConfig::JANSSON)
gate_add_fuzzer(fuzz_ruleset ${fuzz_src}/fuzz_ruleset.c ${PROJECT_SOURCE_DIR}/fixtures/rules 8
                DICT ${fuzz_dict}/rules.dict LIBS gate_verify)
