# The container image (labels: container, slow): tests/container/build.sh
# builds the Dockerfile with buildah on a base it makes with debootstrap, no
# Docker daemon, and runs gate --version, gate hash --tar and gate verify in
# the image.  Where buildah cannot run it exits 77, saying so loudly, and
# ctest reports the test as skipped.  The first run debootstraps and builds
# from nothing (minutes); later runs reuse the cached base and layers.
add_test(NAME container.image
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/container/build.sh --gate $<TARGET_FILE:gate>)
set_tests_properties(container.image PROPERTIES
  LABELS "container;slow" SKIP_RETURN_CODE 77 TIMEOUT 3600)
