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

# A hostile registry: its challenges, tokens, manifests and configs.
gate_add_fuzzer(fuzz_challenge ${fuzz_src}/fuzz_challenge.c ${fuzz_seeds}/challenge 8
                DICT ${fuzz_dict}/www_authenticate.dict LIBS gate_registry)
gate_add_fuzzer(fuzz_token ${fuzz_src}/fuzz_token.c ${fuzz_seeds}/token 8
                DICT ${fuzz_dict}/token.dict LIBS gate_registry)
gate_add_fuzzer(fuzz_manifest ${fuzz_src}/fuzz_manifest.c ${fuzz_seeds}/manifest 8
                DICT ${fuzz_dict}/oci.dict LIBS gate_registry)
gate_add_fuzzer(fuzz_image_config ${fuzz_src}/fuzz_image_config.c ${fuzz_seeds}/image_config 8
                DICT ${fuzz_dict}/oci.dict LIBS gate_registry)
# What a user or a template names, and what the user's disk holds.
gate_add_fuzzer(fuzz_ref ${fuzz_src}/fuzz_ref.c ${fuzz_seeds}/ref 8
                DICT ${fuzz_dict}/ref.dict LIBS gate_registry)
gate_add_fuzzer(fuzz_authfile ${fuzz_src}/fuzz_authfile.c ${fuzz_seeds}/authfile 8
                DICT ${fuzz_dict}/docker_config.dict LIBS gate_registry)
gate_add_fuzzer(fuzz_cache ${fuzz_src}/fuzz_cache.c ${fuzz_seeds}/cache 8
                DICT ${fuzz_dict}/cache.dict LIBS gate_registry)

# A hostile template or rule file.
gate_add_fuzzer(fuzz_yaml ${fuzz_src}/fuzz_yaml.c ${PROJECT_SOURCE_DIR}/fixtures/templates 8
                DICT ${fuzz_dict}/yaml.dict LIBS gate_input)
gate_add_fuzzer(fuzz_arm_expr ${fuzz_src}/fuzz_arm_expr.c ${fuzz_seeds}/arm_expr 8
                DICT ${fuzz_dict}/arm_expr.dict LIBS gate_input PkgConfig::JANSSON)
gate_add_fuzzer(fuzz_ruleset ${fuzz_src}/fuzz_ruleset.c ${PROJECT_SOURCE_DIR}/fixtures/rules 8
                DICT ${fuzz_dict}/rules.dict LIBS gate_verify)
