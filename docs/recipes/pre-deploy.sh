#!/bin/sh
# pre-deploy.sh: run gate verify, and the deployment only if it passes.
#
#   pre-deploy.sh TEMPLATE PARAMETERS -- DEPLOY-COMMAND...
#   pre-deploy.sh app.json app.parameters.json -- \
#       az deployment group create -g my-rg --template-file app.json --parameters @app.parameters.json
#
# gate's exit code decides:
#   0  every container would be admitted: deploy.
#   1  a finding denies (a tag pushed over, a policy or config the guest
#      would refuse): do not deploy; read the report, then regenerate the
#      policy (az confcom acipolicygen) if the change is wanted, or pin the
#      image by digest if it is not.
#   2  bad input or usage: do not deploy; fix the template or the command.
#      Retrying cannot help.
#   3  gate could not verify (registry down, auth refused, a timeout, a
#      value known only at deployment): this is NOT a pass.  Retry later,
#      GATE_ATTEMPTS times (default 3), GATE_RETRY_DELAY seconds apart
#      (default 60), then fail closed.  Never deploy on 3.
# Anything else (gate killed, not found) fails closed as well.
#
# The reports are left in GATE_REPORT_DIR (default .): gate-report.txt for
# people and gate-report.json (docs/verify-report.schema.json) for tools.
# Registry credentials: GATE_USERNAME and GATE_PASSWORD, a docker or
# containers auth file, as gate verify --help says.
set -u

if [ $# -lt 4 ] || [ "$3" != "--" ]; then
	echo "usage: $0 TEMPLATE PARAMETERS -- DEPLOY-COMMAND..." >&2
	exit 2
fi
template=$1 parameters=$2
shift 3
reports=${GATE_REPORT_DIR:-.}
attempts=${GATE_ATTEMPTS:-3}
delay=${GATE_RETRY_DELAY:-60}

attempt=1
while :; do
	status=0
	gate verify "$template" -p "$parameters" -o text="$reports/gate-report.txt" -o json="$reports/gate-report.json" || status=$?
	cat "$reports/gate-report.txt" 2>/dev/null
	[ "$status" -eq 3 ] && [ "$attempt" -lt "$attempts" ] || break
	echo "gate: could not verify (attempt $attempt of $attempts); retrying in $delay s" >&2
	attempt=$((attempt + 1))
	sleep "$delay"
done

case $status in
0)
	echo "gate: pass; deploying" >&2
	exec "$@"
	;;
1)
	echo "gate: a finding denies: not deploying (report: $reports/gate-report.txt)" >&2
	;;
2)
	echo "gate: bad input or usage: not deploying" >&2
	;;
3)
	echo "gate: could not verify after $attempts attempts: not deploying (fail closed)" >&2
	;;
*)
	echo "gate: unexpected exit status $status: not deploying" >&2
	;;
esac
exit "$status"
