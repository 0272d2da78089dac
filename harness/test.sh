#!/usr/bin/env bash
# README command 2: the whole test suite, after installing what it needs, on every lane
# (harness/lane.sh): deb12 runs the host unit tests, the harness self-test and every guest
# suite (vm-TOPOLOGY); deb13 runs them all again in its chroot, against its own build,
# kernel 7.3 and QEMU 11.1 (suites vm-TOPOLOGY-deb13, harness-deb13, host-deb13).
#   harness/test.sh [--lane LANE]... [meson test arguments]
#   harness/test.sh --suite vm-single          deb12's single topology only
#   harness/test.sh --suite vm-single-deb13    deb13's
#   harness/test.sh smoke-region               that test on every lane
#   harness/test.sh --lane deb13 smoke-region  on deb13 only
#   harness/test.sh --kernel debug --suite vm-single   deb12's guests on the debug kernel
# --kernel debug (not part of CI): the deb12 lane only, on harness/debug-kernel.sh's
# lockdep/KASAN/DEBUG_VM build (built first if it is not cached; about an hour on 2
# cores), in its own build directory build-debug/ (SVM_CXL_BUILD_DEBUG) with the module
# built against that tree, guest timeouts scaled by SVM_CXL_TIMEOUT_SCALE (default 4),
# and a boot per test (SVM_CXL_BOOT_PER_TEST, default 1; see harness/vm-test.py).
# Lanes: --lane (repeatable), else SVM_CXL_LANE (a list), else "deb12 deb13". Build
# directories: build/ (SVM_CXL_BUILD) and build-deb13/ (SVM_CXL_BUILD_DEB13).
# Exit status: non-zero if any test of any lane failed.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
lanes=()
kernel=
while [ $# -gt 0 ]; do
	case "$1" in
	--lane) lanes+=("$2"); shift 2 ;;
	--lane=*) lanes+=("${1#--lane=}"); shift ;;
	--kernel) kernel=$2; shift 2 ;;
	--kernel=*) kernel=${1#--kernel=}; shift ;;
	*) break ;;
	esac
done
meson_extra=()
case "$kernel" in
'') ;;
debug)
	for l in "${lanes[@]}"; do
		[ "$l" = deb12 ] || { echo "test.sh: the debug kernel exists for deb12 only" >&2; exit 2; }
	done
	lanes=(deb12)
	"$src/harness/debug-kernel.sh" build >/dev/null
	export SVM_CXL_KERNEL=debug
	export SVM_CXL_BUILD=${SVM_CXL_BUILD_DEBUG:-$src/build-debug}
	export SVM_CXL_TIMEOUT_SCALE=${SVM_CXL_TIMEOUT_SCALE:-4}
	# a boot per test: DEBUG_PAGEALLOC's direct-map holes outlive a hot-remove
	export SVM_CXL_BOOT_PER_TEST=${SVM_CXL_BOOT_PER_TEST:-1}
	meson_extra=(--timeout-multiplier "$SVM_CXL_TIMEOUT_SCALE")
	;;
*) echo "test.sh: --kernel takes 'debug' (the lane's own kernel is the default)" >&2; exit 2 ;;
esac
[ ${#lanes[@]} -gt 0 ] || read -r -a lanes <<<"${SVM_CXL_LANE:-deb12 deb13}"
for lane in "${lanes[@]}"; do
	"$src/harness/lane.sh" root "$lane" >/dev/null
done

t0=$(date +%s)
SVM_CXL_LANES="${lanes[*]}" "$src/harness/setup.sh"
t1=$(date +%s)
times=("setup $((t1 - t0))s")
logs=()
for lane in "${lanes[@]}"; do
	build=$("$src/harness/lane.sh" build "$lane" "$src")
	ts=$(date +%s)
	"$src/harness/build.sh" --lane "$lane" "$src" "$build"
	times+=("build $lane $(($(date +%s) - ts))s")
done

# The lanes' suites run side by side. Each lane boots one guest at a time (its guest
# tests are is_parallel: false; a guest has 2 vCPUs), but a guest leaves the host's cores
# idle while it boots, sleeps or waits on QEMU's I/O thread: vm-single of both lanes at
# once took 412 s, one lane after the other 572 s (2026-12-02). With more than one lane
# each output line is prefixed with its lane.
run_lane() { # LANE BUILD [meson test arguments]
	local lane=$1 build=$2 ts rc=0
	shift 2
	# A lane none of whose tests match the arguments writes no log: drop the last one.
	rm -f "$build/meson-logs/testlog.json"
	ts=$(date +%s)
	# the systemd guest's image cache (harness/sysguest-image.sh) is the host's on every lane
	sysguest_cache=${SVM_CXL_SYSGUEST_CACHE:-/var/cache/svm-cxl/sysguest}
	mkdir -p "$sysguest_cache"
	SVM_CXL_LANE_BINDS=$build:$sysguest_cache "$src/harness/lane.sh" exec "$lane" \
		meson test -C "$build" --print-errorlogs "${meson_extra[@]}" "$@" || rc=$?
	echo "$rc $(($(date +%s) - ts))" >"$state/$lane"
}
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
pids=()
for lane in "${lanes[@]}"; do
	build=$("$src/harness/lane.sh" build "$lane" "$src")
	logs+=("$lane=$build/meson-logs/testlog.json")
	if [ ${#lanes[@]} -eq 1 ]; then
		run_lane "$lane" "$build" "$@"
	else
		{ run_lane "$lane" "$build" "$@" 2>&1 | sed -u "s/^/[$lane] /"; } &
		pids+=($!)
	fi
done
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
rc=0
for lane in "${lanes[@]}"; do
	read -r lane_rc lane_time <"$state/$lane" || { lane_rc=1 lane_time='?'; }
	[ "$lane_rc" -eq 0 ] || rc=$lane_rc
	times+=("tests $lane ${lane_time}s")
done

# Per-suite counts and wall time over every lane, then one closing line any CI reads.
python3 - "$(IFS=,; echo "${times[*]}")" "${logs[@]}" <<'PY'
import json, os, sys
from collections import defaultdict
suites = defaultdict(lambda: {"n": 0, "pass": 0, "fail": 0, "skip": 0, "time": 0.0})
totals = {"pass": 0, "fail": 0, "skip": 0}
for arg in sys.argv[2:]:
    lane, path = arg.split("=", 1)
    if not os.path.exists(path):
        continue
    for line in open(path):
        t = json.loads(line)
        # "project:suite / test"; a lane's suite names say the lane (deb12 is the default)
        suite = t["name"].split(" / ")[0].split(":", 1)[-1] if " / " in t["name"] else "-"
        if lane != "deb12" and not suite.endswith("-" + lane):
            suite += "-" + lane
        verdict = {"OK": "pass", "SKIP": "skip", "EXPECTEDFAIL": "pass"}.get(t["result"], "fail")
        s = suites[suite]
        s["n"] += 1; s[verdict] += 1; s["time"] += t["duration"]
        totals[verdict] += 1
print("\n" + ", ".join(sys.argv[1].split(",")))
for name, s in sorted(suites.items()):
    print(f"  {name:24} {s['n']:3} tests  {s['pass']:3} pass  {s['fail']:3} fail  {s['skip']:3} skip  {s['time']:7.1f}s")
print(f"{totals['pass']} passed, {totals['fail']} failed, {totals['skip']} skipped")
PY
exit $rc
