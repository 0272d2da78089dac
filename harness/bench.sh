#!/usr/bin/env bash
# README command 3: the benchmark. Installs what it needs, builds, boots the ramspeed
# topology (one CXL device plus a RAM-speed control) under QEMU, runs svm-cxl-bench in
# the guest on both memories, and renders the raw samples on the host into
# docs/benchmarks-LANE.json (every sample of that lane), docs/benchmarks-LANE.png and
# docs/benchmarks.md (one section per lane: a run of one lane leaves the other's alone).
#   harness/bench.sh [--lane LANE] [--runs N] [--ab-runs N] [--targets | --repeat]
#                    [--keep-docs] [--cpu-flags LIST] [--kit [MIB]]
# --lane: deb12 or deb13 (harness/lane.sh; default SVM_CXL_LANE, else the newest lane set
# up). Build directories as in harness/test.sh. The yardstick, lib/test_hmm.c, is built
# from the lane's linux-source (bench/yardstick.sh) and measured in the same guest.
# --runs: runs per measurement of the detailed tables on the RAM-speed control (default 5;
# CXL uses 3). --ab-runs: repetitions of the A/B loop of the targets (default 15).
# The full run also runs the user kit's loop (--kit below) in the same boot.
# --targets: only that loop (a few minutes; implies --keep-docs).
# --repeat: only that loop, stored as the second run beside the first in
# docs/benchmarks-LANE.json (the issue's "two runs agree within 15%"), page re-rendered.
# --keep-docs: leave docs/ alone; the rendered files go to BUILD/bench/ only.
# --cpu-flags LIST: appended to the guest's CPU model (-cpu max,hypervisor=off,LIST),
# default -erms,-fsrm: with ERMS or FSRM the guest's copy_mc_to_kernel() is a `rep movsb`
# that TCG runs byte by byte, test_hmm's copy_page a `rep movsq` (docs/benchmarks.md, "The
# guest CPU"); '' keeps QEMU's max CPU, as the tests have.
# --kit [MIB]: only the user kit's rows (issue 12; tests/guest/bench/svm-kit-bench.c) on
# the RAM-speed control: MIGRATE_PID of another process against self-migration and
# migratepages(8) to node 1, pool to pool against pool -> RAM -> pool; default 16 MiB,
# --ab-runs repetitions (default 15); JSON lines in BUILD/bench/kit.json.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
lane=${SVM_CXL_LANE:-}
runs=5
ab_runs=15
targets=0
kit=0
repeat=0
kit_mib=16
docs=$src/docs
cpu_flags=-erms,-fsrm
while [ $# -gt 0 ]; do
	case "$1" in
	--lane) lane=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--ab-runs) ab_runs=$2; shift 2 ;;
	--targets) targets=1; docs=; shift ;;
	--repeat) targets=1 repeat=1; shift ;;
	--keep-docs) docs=; shift ;;
	--cpu-flags) cpu_flags=$2; shift 2 ;;
	--kit) kit_mib=16; shift
		case "${1:-}" in [0-9]*) kit_mib=$1; shift ;; esac
		kit=1 ;;
	-h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown option '$1' (try --help)" >&2; exit 2 ;;
	esac
done
lane=${lane:-$("$src/harness/lane.sh" default)}
export SVM_CXL_CPU_FLAGS=$cpu_flags
build=$("$src/harness/lane.sh" build "$lane" "$src")

if [ "$kit" = 1 ]; then
	"$src/harness/build.sh" --lane "$lane" "$src" "$build"
	mkdir -p "$build/bench"
	rc=0
	python3 "$src/harness/vm-run.py" --build "$build" --topology ramspeed \
		--results "$build/bench/kit-run" \
		--test "kit:1200:BENCH_KIT_MIB=$kit_mib BENCH_KIT_REPS=$ab_runs svm-kit-bench-run.sh /results/kit.json" || rc=$?
	cat "$build/bench/kit-run/kit.log"
	[ $rc = 0 ] || { echo "bench: the kit run failed (console: $build/bench/kit-run/console.log)" >&2; exit $rc; }
	cp "$build/bench/kit-run/kit.json" "$build/bench/kit.json"
	echo "bench: wrote $build/bench/kit.json" >&2
	exit 0
fi

# The profile and the tune/batch_pages switches svm-cxl-bench uses are debug-only.
SVM_CXL_KERNEL_DEBUG=1 "$src/harness/build.sh" --lane "$lane" "$src" "$build"

results=$build/bench/run
out=$build/bench
rm -rf "$results"
mkdir -p "$out"
# The yardstick (lib/test_hmm.c, coherent mode) is built from the guest kernel's
# source; the benchmark runs without it if that fails.
yardstick=1
SVM_CXL_LANE_BINDS=$build "$src/harness/lane.sh" exec "$lane" "$src/bench/yardstick.sh" "$out/yardstick" || yardstick=

echo "bench: booting the ramspeed topology; this takes several minutes under TCG" >&2
rc=0
kit_test=()
[ "$targets" = 1 ] || kit_test=(--test "kit:1200:BENCH_KIT_MIB=$kit_mib BENCH_KIT_REPS=$ab_runs svm-kit-bench-run.sh /results/kit.json")
python3 "$src/harness/vm-run.py" --build "$build" --topology ramspeed --results "$results" \
	--test "bench:1800:BENCH_RUNS=$runs BENCH_AB_RUNS=$ab_runs BENCH_TARGETS_ONLY=$targets BENCH_YARDSTICK=/results/yardstick svm-cxl-bench-run.sh /results/samples" \
	"${kit_test[@]}" &
vm=$!
# vm-run empties the share before it boots: hand the yardstick over once the plan is
# there (the guest waits for "ready").
for _ in $(seq 600); do
	[ -f "$results/plan" ] && break
	sleep 0.2
done
mkdir -p "$results/yardstick"
[ -n "$yardstick" ] && cp "$out/yardstick/test_hmm.ko" "$results/yardstick/"
touch "$results/yardstick/ready"
wait $vm || rc=$?
cat "$results/bench.log"
[ "$targets" = 1 ] || cat "$results/kit.log"
if [ $rc -ne 0 ]; then
	echo "bench: the guest run failed (log above; console: $results/console.log)" >&2
	exit $rc
fi
kernel=$("$src/harness/guest-kernel.sh" --lane "$lane" abi)
qemu_version=$("$src/harness/lane.sh" exec "$lane" qemu-system-x86_64 --version | head -n1 | awk '{print $4}')
cpu="max,hypervisor=off${cpu_flags:+,$cpu_flags}"
note="Host: $(nproc) CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; lane $lane: guest kernel $kernel, QEMU $qemu_version TCG, -cpu $cpu; $(date -u '+%Y-%m-%d %H:%M UTC')."
lane_json=benchmarks-$lane.json
page=$out/page
render() { python3 "$src/bench/render.py" "$@"; }
if [ "$repeat" = 1 ]; then
	# run 2 of the targets loop goes beside run 1 (docs/, or BUILD/bench/page with --keep-docs)
	dir=${docs:-$page}
	render collect "$results/samples" "$dir/$lane_json" --lane "$lane" --repeat --note "$note"
	render page "$dir"
	echo "bench: run 2 stored in $dir/$lane_json; wrote $dir/benchmarks.md" >&2
	exit 0
fi
rm -rf "$page"
mkdir -p "$page"
kit_json=()
[ -f "$results/kit.json" ] && kit_json=(--kit "$results/kit.json")
render collect "$results/samples" "$page/$lane_json" --lane "$lane" --kernel "${kernel%%+*}" \
	--qemu "$qemu_version" --cpu "$cpu" --note "$note" "${kit_json[@]}"
if [ -n "$docs" ]; then
	cp "$page/$lane_json" "$docs/"
	render page "$docs"
	echo "bench: wrote docs/$lane_json, docs/benchmarks.md and the lane's png" >&2
else
	render page "$page"
	echo "bench: wrote $page/benchmarks.md" >&2
fi
