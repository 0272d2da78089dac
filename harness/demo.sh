#!/usr/bin/env bash
# README command 1: build everything, boot the default QEMU CXL topology and show, step by
# step, what svm-cxl does there.
#   harness/demo.sh [--lane LANE] [--topology NAME] [--shell]
# --shell leaves you in a root shell in the same guest after the demo ('poweroff -f' or
# Ctrl-A X to leave).
# --lane: deb12 or deb13 (harness/lane.sh; default SVM_CXL_LANE, else the newest lane set
# up here).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
lane=${SVM_CXL_LANE:-}
topology=single
shell=()
while [ $# -gt 0 ]; do
	case "$1" in
	--lane) lane=$2; shift 2 ;;
	--topology) topology=$2; shift 2 ;;
	--shell) shell=(--shell); shift ;;
	-h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown option '$1' (try --lane LANE, --topology NAME or --shell)" >&2; exit 2 ;;
	esac
done
if [ -z "$lane" ]; then
	"$src/harness/setup.sh"
	lane=$("$src/harness/lane.sh" default)
fi
build=$("$src/harness/lane.sh" build "$lane" "$src")

"$src/harness/build.sh" --lane "$lane" "$src" "$build"

results=$build/vm/demo-$topology
rc=0
if [ ${#shell[@]} -gt 0 ]; then
	# The demo prints on the guest console, then the shell takes this terminal.
	python3 "$src/harness/vm-run.py" --build "$build" --topology "$topology" \
		--results "$results" --test "demo:600:svm-demo" --shell || rc=$?
else
	python3 "$src/harness/vm-run.py" --build "$build" --topology "$topology" \
		--results "$results" --test "demo:600:svm-demo" >/dev/null || rc=$?
	cat "$results/demo.log"
fi
[ $rc -eq 0 ] || echo "demo: failed (guest console: $results/console.log)" >&2
exit $rc
