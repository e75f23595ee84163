#!/usr/bin/env bash
# The test command (README "Run the tests"): installs what a fresh Debian 12
# machine lacks, builds gate, and runs every test, first in a normal build,
# then under AddressSanitizer and UndefinedBehaviorSanitizer with the
# libFuzzer targets.  Tests start what they need themselves (the local
# registry on 127.0.0.1) and stop it.  Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

tests/install-deps.sh

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs" "$@"

# The sanitizer pass skips the two largest vectors (label big): they only
# repeat, 600 MiB at a time, code paths the small vectors cover; and the
# container image (label container), whose gate is built inside the image,
# not by this build.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	-DGATE_SANITIZE=ON -DGATE_FUZZ=ON >/dev/null
cmake --build build-asan -j"$jobs"
# A sanitizer report exits 86: its default, 1, is also gate's "deny", and a
# test expecting a deny would take the report for one.
ASAN_OPTIONS=detect_leaks=1:exitcode=86 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86 \
	ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE "big|container" "$@"
