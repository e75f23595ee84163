#!/usr/bin/env bash
# The demo (README "Two commands"): installs what a fresh Debian/Ubuntu
# machine lacks, builds gate, then replays the story gate exists for on a
# real registry it starts on 127.0.0.1 and stops at the end (also on
# Ctrl-C): simpleapp:v1 verifies, is rebuilt with a hacked page and pushed
# over the same tag, and gate catches the drift (exit 1) before a deploy.
set -euo pipefail
cd "$(dirname "$0")"
tests/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target gate >/dev/null
exec python3 demo/demo.py --gate build/gate
