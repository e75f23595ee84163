#!/bin/sh
# Records a CLI case from the gate's current behaviour:
#   tests/cli/new_case.sh GATE COMMAND/NAME ARG...     (e.g. policy/show-aci)
# Review the recorded stdout and stderr before committing: a case states
# what the output must be, not what it happens to be.
set -eu
gate=$1 name=$2
shift 2
dir=tests/cli/$name
mkdir -p "$dir"
printf '%s\n' "$@" > "$dir/cmd"
set +e
"$gate" "$@" > "$dir/stdout" 2> "$dir/stderr" < /dev/null
echo $? > "$dir/status"
set -e
[ -s "$dir/stderr" ] || rm "$dir/stderr"
[ -s "$dir/stdout" ] || rm "$dir/stdout"
