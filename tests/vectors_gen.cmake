# One ctest per generated layer vector of fixtures/vectors-gen/index.json
# (label: vectors). The tars come from tests/vectors/gen_layers.py (curated
# cases); root hashes, errors and ext4 images were produced by the reference.
set(gate_vectors_gen_dir ${PROJECT_SOURCE_DIR}/fixtures/vectors-gen)
file(READ ${gate_vectors_gen_dir}/index.json gate_vectors_gen_json)
string(JSON gate_vector_gen_count LENGTH "${gate_vectors_gen_json}")
math(EXPR gate_vector_gen_last "${gate_vector_gen_count} - 1")
foreach(i RANGE ${gate_vector_gen_last})
  string(JSON name GET "${gate_vectors_gen_json}" ${i} name)
  add_test(NAME vector_gen.${name}
    COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/vectors/check_vector.py
            --gate $<TARGET_FILE:gate> --vectors ${gate_vectors_gen_dir} --name ${name})
  set_tests_properties(vector_gen.${name} PROPERTIES LABELS vectors TIMEOUT 120)
endforeach()

# Hostile layers (fixtures/vectors-hostile): hash flooding and deep paths.
set(gate_vectors_hostile_dir ${PROJECT_SOURCE_DIR}/fixtures/vectors-hostile)
foreach(name collide_4096 deep_40000 longpath_1mib)
  add_test(NAME vector_hostile.${name}
    COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/vectors/check_vector.py
            --gate $<TARGET_FILE:gate> --vectors ${gate_vectors_hostile_dir} --name ${name})
  set_tests_properties(vector_hostile.${name} PROPERTIES LABELS vectors TIMEOUT 600)
endforeach()
