#!/usr/bin/env bash
# Hostile layers against `gate hash --tar` (gate issue 12): 65,536 names
# colliding under FNV-1a, one file under 40,000 missing parents, one 1 MiB
# PAX path.  Each must hash in under $LIMIT seconds (best of $REPEAT runs);
# the exit status says whether all did.  A benchmark, not a test: the
# timing depends on the machine and its load.
# usage: bench/hostile.sh [BUILD_DIR]   (default: build; GATE=path overrides the binary,
#        TIMEOUT=s cuts off a run, e.g. to time an old gate)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gate=${GATE:-$(cd "${1:-$here/build}" && pwd)/gate}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
REPEAT=${REPEAT:-3}
LIMIT=${LIMIT:-2}
TIMEOUT=${TIMEOUT:-600}

python3 "$here/bench/make_hostile.py" collide --pairs 16 "$work/collide_65536.tar.gz"
python3 "$here/bench/make_hostile.py" deep --levels 40000 "$work/deep_40000.tar.gz"
python3 "$here/bench/make_hostile.py" longpath "$work/longpath_1mib.tar.gz"

status=0
# cpu s (user + sys of that run) shows what a busy machine adds to best s
printf "%-22s %9s %8s %7s %10s  %s\n" layer "gz bytes" "best s" "cpu s" "peak MiB" verdict
for name in collide_65536 deep_40000 longpath_1mib; do
	f="$work/$name.tar.gz"
	best= cpu= rss=0
	for _ in $(seq "$REPEAT"); do
		if ! /usr/bin/time -o "$work/time" -f "%e %U %S %M" timeout "$TIMEOUT" "$gate" hash --tar "$f" \
			>/dev/null 2>"$work/err"; then
			best=">$TIMEOUT"
			break
		fi
		read -r t u sy m < <(tail -1 "$work/time")
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then
			best=$t
			cpu=$(awk "BEGIN{print $u + $sy}")
		fi
		[ "$m" -gt "$rss" ] && rss=$m
	done
	verdict=ok
	if [ "${best#>}" != "$best" ] || awk "BEGIN{exit !($best >= $LIMIT)}"; then
		verdict="over ${LIMIT} s"
		status=1
	fi
	printf "%-22s %9d %8s %7s %10.0f  %s\n" "$name" "$(stat -c %s "$f")" "$best" "${cpu:--}" \
		"$((rss / 1024))" "$verdict"
done
exit $status
