# The tar reader (label: unit).  fixtures/tar holds what Go 1.19's
# archive/tar makes of each input, in tardump's listing form:
#   NAME.list   every entry, with a sha256 of its data, read as tar2ext4
#               reads it; must match whatever the chunk size
#   NAME.trunc  "OFFSET STATUS ENTRIES" for the input cut at and inside
#               its first 64 blocks (see fixtures/tar/README.md)
# Inputs are the layer vectors and the hand-made corner cases in
# fixtures/tar/crafted.
add_executable(tardump tools/tardump.c)
target_link_libraries(tardump PRIVATE gate_registry gate_input gate_flags PkgConfig::ZLIB PkgConfig::CRYPTO)

set(gate_tar_dir ${PROJECT_SOURCE_DIR}/fixtures/tar)

# gate_tar_case(NAME INPUT SIZE): SIZE is the uncompressed tar size.
function(gate_tar_case name input size)
  set(chunks 65536 512)
  # 1- and 7-byte chunks cost a callback per byte: small inputs only.
  if(size LESS 1100000)
    list(APPEND chunks 7 1)
  endif()
  # Even the 600 MB vector takes a few seconds under sanitizers: no
  # test here needs the slow label.
  foreach(chunk ${chunks})
    add_test(NAME tar.${name}.c${chunk}
      COMMAND tardump -c ${chunk} -x ${gate_tar_dir}/${name}.list ${input})
    set_tests_properties(tar.${name}.c${chunk} PROPERTIES LABELS unit TIMEOUT 300)
  endforeach()
  add_test(NAME tar.${name}.truncated
    COMMAND tardump -T ${gate_tar_dir}/${name}.trunc ${input})
  set_tests_properties(tar.${name}.truncated PROPERTIES LABELS unit TIMEOUT 300)
endfunction()

file(READ ${PROJECT_SOURCE_DIR}/fixtures/vectors/index.json gate_tar_index)
string(JSON gate_tar_count LENGTH "${gate_tar_index}")
math(EXPR gate_tar_last "${gate_tar_count} - 1")
foreach(i RANGE ${gate_tar_last})
  string(JSON name GET "${gate_tar_index}" ${i} name)
  string(JSON size GET "${gate_tar_index}" ${i} tar_size)
  gate_tar_case(${name} ${PROJECT_SOURCE_DIR}/fixtures/vectors/${name}.tar.gz ${size})
endforeach()

file(GLOB gate_tar_crafted CONFIGURE_DEPENDS ${gate_tar_dir}/crafted/*.tar)
foreach(input ${gate_tar_crafted})
  get_filename_component(name ${input} NAME_WE)
  file(SIZE ${input} size)
  gate_tar_case(crafted_${name} ${input} ${size})
endforeach()
