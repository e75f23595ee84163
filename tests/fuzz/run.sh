#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS [BUILD_DIR [TARGET...]]
#
# Runs every libFuzzer target (or the TARGETs named, e.g. fuzz_ref) for
# SECONDS each, one after the other, and prints a table: target, seconds,
# executions, coverage (cov: and ft: of libFuzzer's final status line),
# CPU seconds (user + system) and findings.  A crash, a leak, an input
# slower than -timeout= or one that needs more than -rss_limit_mb= is a
# finding: its input is written to BUILD_DIR/fuzz-findings/TARGET/, and
# the exit status is 1.
#
# BUILD_DIR defaults to build-fuzz, configured here with GATE_FUZZ,
# sanitizers and clang if it has not been.  Each target runs the command
# the suite registers for it (ctest label fuzz: the same seeds, dictionary,
# -timeout= and -rss_limit_mb=), with -max_total_time=SECONDS, and keeps
# what it finds in the corpus under BUILD_DIR, so runs add up.  On a
# shared machine, run it under nice -n 19.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ $# -lt 1 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
	echo "usage: tests/fuzz/run.sh SECONDS [BUILD_DIR [TARGET...]]" >&2
	exit 2
fi
seconds=$1
build=${2:-build-fuzz}
shift $(($# < 2 ? $# : 2))

if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
		-DGATE_SANITIZE=ON -DGATE_FUZZ=ON >/dev/null
fi
if ! grep -q '^GATE_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then
	echo "run.sh: $build is not configured with -DGATE_FUZZ=ON" >&2
	exit 2
fi
cmake --build "$build" -j"$(nproc)" >/dev/null

# One line per target: its name, then its command, tab-separated.
commands=$(ctest --test-dir "$build" -L fuzz --show-only=json-v1 | python3 -c '
import json, sys
for t in json.load(sys.stdin)["tests"]:
    print("\t".join([t["name"].removeprefix("fuzz.")] + t["command"]))')

findings_dir=$build/fuzz-findings
logs=$build/fuzz-logs
mkdir -p "$logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
TIMEFORMAT='%U %S'
failed=0
printf '%-20s %8s %12s %7s %8s %8s  %s\n' target seconds execs cov ft cpu_s findings
while IFS= read -r line; do
	IFS=$'\t' read -ra argv <<<"$line"
	name=${argv[0]}
	exe=${argv[1]}
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then
		continue
	fi
	argv=("${argv[@]:2}")
	argv=("${argv[@]/#-max_total_time=*/-max_total_time=$seconds}")
	mkdir -p "$findings_dir/$name"
	start=$findings_dir/$name/.start        # what an earlier run found is not counted again
	touch "$start"
	log=$logs/$name.log
	cpu=$( { time "$exe" "${argv[@]}" -print_final_stats=1 \
		-artifact_prefix="$findings_dir/$name/" >"$log" 2>&1; } 2>&1 ) || true
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	status=$(grep -E '^#[0-9]+[[:space:]].*cov: ' "$log" | tail -1 || true)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
	found=$(find "$findings_dir/$name" -type f -newer "$start" | wc -l)
	[ "$found" -eq 0 ] || failed=1
	printf '%-20s %8s %12s %7s %8s %8.1f  %s\n' "$name" "$seconds" "${execs:-?}" "${cov:-?}" \
		"${ft:-?}" "$(awk '{ print $1 + $2 }' <<<"$cpu")" "$found"
done <<<"$commands"
if [ "$failed" -ne 0 ]; then
	echo "findings (inputs) are in $findings_dir; logs in $logs" >&2
fi
exit "$failed"
