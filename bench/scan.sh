#!/usr/bin/env bash
# Scale figures of `gate verify` over a directory of templates (issue 11),
# all from this one run against Debian's docker-registry on 127.0.0.1:
# for each size (images; 4 templates per image, 1-3 containers each; every
# image has one of 3 base layers, one of 4 runtime layers and 1-3 layers
# of its own): a cold and a warm scan into one --cache (images per second,
# peak RSS by /usr/bin/time -f %M), --no-cache scans at each --jobs, and
# cold seconds per distinct layer.  If `gate verify --help` lists
# --shard, the fleet is also scanned as 4 shards into one cache and the
# union of the shard reports must equal the unsharded report.
# Not a test: only the shard union is asserted.
#
# usage: bench/scan.sh [BUILD_DIR] [--sizes 50,100,200] [--jobs 1,2,4,8]
#                      [--templates-per-image 4]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then build=$1; shift; fi
exec python3 "$here/tests/verify/scantest.py" bench --gate "$(cd "$build" && pwd)/gate" \
	--vectors "$here/fixtures/vectors" --fixtures "$here/fixtures" \
	--schema "$here/docs/verify-report.schema.json" "$@"
