#!/usr/bin/env bash
# Benchmark of `gate hash --tar` against the machine's physical limit, all
# measured in this one run (best of $REPEAT):
#   limit = time(igzip -dc LAYER.tar.gz > /dev/null) + time(openssl dgst -sha256 LAYER.tar)
# and peak RSS on the largest vector.  Not a test: nothing here is asserted.
# usage: bench/run.sh [BUILD_DIR]   (default: build)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gate=$(cd "${1:-$here/build}" && pwd)/gate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
REPEAT=${REPEAT:-5}
# Without igzip the limit would be the time of a failed exec, and the ratio meaningless.
command -v igzip >/dev/null || { echo "bench/run.sh: needs igzip (apt-get install isal)" >&2; exit 2; }

best() {        # best() CMD...: the fastest of $REPEAT runs, in seconds
	local t best=
	for _ in $(seq "$REPEAT"); do
		/usr/bin/time -o "$work/time" -f %e "$@" >/dev/null 2>&1
		t=$(tail -1 "$work/time")
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
	done
	echo "$best"
}

python3 "$here/bench/make_layer.py" --vectors "$here/fixtures/vectors" --out "$work/layer.tar.gz"
gzip -dc "$work/layer.tar.gz" > "$work/layer.tar"
tar_mib=$(( $(stat -c %s "$work/layer.tar") >> 20 ))

t_gate=$(best "$gate" hash --tar "$work/layer.tar.gz")
t_gate_tar=$(best "$gate" hash --tar "$work/layer.tar")
t_igzip=$(best igzip -dc "$work/layer.tar.gz")
t_sha=$(best openssl dgst -sha256 "$work/layer.tar")
t_zlib=$(best env GATE_GZIP=zlib "$gate" hash --tar "$work/layer.tar.gz")
huge="$here/fixtures/vectors/huge_file_index_extents.tar.gz"
/usr/bin/time -o "$work/rss" -f %M "$gate" hash --tar "$huge" >/dev/null
rss_kib=$(tail -1 "$work/rss")
ext4_size=$(python3 -c "import json,sys; print(next(v['ext4_size'] for v in json.load(open(sys.argv[1])) if v['name']=='huge_file_index_extents'))" "$here/fixtures/vectors/index.json")

awk -v g="$t_gate" -v gt="$t_gate_tar" -v i="$t_igzip" -v s="$t_sha" -v z="$t_zlib" \
    -v mib="$tar_mib" -v rss="$rss_kib" -v e4="$ext4_size" -v cores="$(nproc)" 'BEGIN {
	printf "layer: %d MiB tar (gzip -6), %d cores, best of %d runs\n", mib, cores, '"$REPEAT"'
	printf "gate hash --tar LAYER.tar.gz          %6.2f s  %6.0f MiB/s\n", g, mib / g
	printf "gate hash --tar LAYER.tar (no gzip)   %6.2f s  %6.0f MiB/s\n", gt, mib / gt
	printf "  same, gzip via zlib (GATE_GZIP=zlib) %5.2f s\n", z
	printf "igzip -dc LAYER.tar.gz                %6.2f s\n", i
	printf "openssl dgst -sha256 LAYER.tar        %6.2f s\n", s
	printf "limit (igzip + sha256)                %6.2f s\n", i + s
	printf "ratio gate / limit                    %6.2f\n", g / (i + s)
	printf "peak RSS, huge_file_index_extents     %6.1f MiB (budget 64 MiB + 1%% of %d MiB ext4 = %.1f MiB)\n", rss / 1024, e4 / 1048576, 64 + e4 / 1048576 / 100
}'
