#!/usr/bin/env bash
# README command 1: build everything, boot the default QEMU CXL topology and show, step by
# step, what svm-cxl does there.
#   harness/demo.sh [--topology NAME] [--shell]
# --shell leaves you in a root shell in the same guest after the demo ('poweroff -f' or
# Ctrl-A X to leave).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${SVM_CXL_BUILD:-$src/build}
topology=single
shell=()
while [ $# -gt 0 ]; do
	case "$1" in
	--topology) topology=$2; shift 2 ;;
	--shell) shell=(--shell); shift ;;
	-h | --help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown option '$1' (try --topology NAME or --shell)" >&2; exit 2 ;;
	esac
done

"$src/harness/build.sh" "$src" "$build"

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
