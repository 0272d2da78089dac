#!/usr/bin/env bash
# README command 2: the whole test suite (host unit tests, harness self-test, every guest
# suite), after installing what it needs. Extra arguments go to `meson test`, e.g.
#   harness/test.sh --suite vm-single
#   harness/test.sh smoke-region
# SVM_CXL_BUILD picks the build directory (default: build/ in the source tree).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${SVM_CXL_BUILD:-$src/build}

t0=$(date +%s)
"$src/harness/setup.sh"
t1=$(date +%s)
"$src/harness/build.sh" "$src" "$build"
t2=$(date +%s)

rc=0
meson test -C "$build" --print-errorlogs "$@" || rc=$?
t3=$(date +%s)

# Per-suite counts and wall time, then one closing line any CI reads.
python3 - "$build/meson-logs/testlog.json" "$((t1 - t0))" "$((t2 - t1))" "$((t3 - t2))" <<'PY'
import json, sys
from collections import defaultdict
suites = defaultdict(lambda: {"n": 0, "pass": 0, "fail": 0, "skip": 0, "time": 0.0})
totals = {"pass": 0, "fail": 0, "skip": 0}
for line in open(sys.argv[1]):
    t = json.loads(line)
    # "project:suite / test"
    suite = t["name"].split(" / ")[0].split(":", 1)[-1] if " / " in t["name"] else "-"
    verdict = {"OK": "pass", "SKIP": "skip", "EXPECTEDFAIL": "pass"}.get(t["result"], "fail")
    s = suites[suite]
    s["n"] += 1; s[verdict] += 1; s["time"] += t["duration"]
    totals[verdict] += 1
print(f"\nsetup {sys.argv[2]}s, build {sys.argv[3]}s, tests {sys.argv[4]}s")
for name, s in sorted(suites.items()):
    print(f"  {name:16} {s['n']:3} tests  {s['pass']:3} pass  {s['fail']:3} fail  {s['skip']:3} skip  {s['time']:7.1f}s")
print(f"{totals['pass']} passed, {totals['fail']} failed, {totals['skip']} skipped")
PY
exit $rc
