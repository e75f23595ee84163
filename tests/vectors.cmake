# One ctest per layer vector of fixtures/vectors/index.json (label: vectors).
set(gate_vectors_dir ${PROJECT_SOURCE_DIR}/fixtures/vectors)
file(READ ${gate_vectors_dir}/index.json gate_vectors_json)
string(JSON gate_vector_count LENGTH "${gate_vectors_json}")
math(EXPR gate_vector_last "${gate_vector_count} - 1")
foreach(i RANGE ${gate_vector_last})
  string(JSON name GET "${gate_vectors_json}" ${i} name)
  string(JSON tar_size GET "${gate_vectors_json}" ${i} tar_size)
  add_test(NAME vector.${name}
    COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/vectors/check_vector.py
            --gate $<TARGET_FILE:gate> --vectors ${gate_vectors_dir} --name ${name})
  set(labels vectors)
  if(tar_size GREATER 100000000)
    list(APPEND labels big)
  endif()
  set_tests_properties(vector.${name} PROPERTIES LABELS "${labels}" TIMEOUT 600)
endforeach()

add_test(NAME vectors.truncated
  COMMAND ${GATE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/vectors/truncate.py
          --gate $<TARGET_FILE:gate> --vectors ${gate_vectors_dir})
set_tests_properties(vectors.truncated PROPERTIES LABELS vectors TIMEOUT 900)
