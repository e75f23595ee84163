#!/usr/bin/env bash
# Installs the Debian packages gate's build and tests need
# (tests/apt-packages.txt and tests/*/apt-packages.txt) that this machine
# lacks.  Shared by the two README commands: ./demo.sh and tests/run-all.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=$(cat tests/apt-packages.txt tests/*/apt-packages.txt 2>/dev/null | sed 's/#.*//' | sort -u)
missing=$(for p in $packages; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	echo "installing:" $missing
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
