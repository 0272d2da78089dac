#!/usr/bin/env bash
# README command 3: the benchmark. Installs what it needs, builds, boots the ramspeed
# topology (one CXL device plus a RAM-speed control) under QEMU, runs svm-cxl-bench in
# the guest on both memories, and renders the raw samples on the host into
# docs/benchmarks.json, docs/benchmarks.md and docs/benchmarks.png.
#   harness/bench.sh [--lane LANE] [--runs N] [--ab-runs N] [--targets] [--keep-docs]
# --lane: deb12 or deb13 (harness/lane.sh; default SVM_CXL_LANE, else the newest lane set
# up). Build directories as in harness/test.sh. The yardstick, lib/test_hmm.c, is built
# from the lane's linux-source (bench/yardstick.sh) and measured in the same guest.
# --runs: runs per measurement of the detailed tables on the RAM-speed control (default 5;
# CXL uses 3). --ab-runs: repetitions of the A/B loop of the targets (default 15).
# --targets: only that loop (a minute or two; implies --keep-docs).
# --keep-docs: leave docs/ alone; the rendered files go to BUILD/bench/ only.
# --kit [MIB]: only the user kit's rows (issue 12; tests/guest/bench/svm-kit-bench.c) on
# the RAM-speed control: MIGRATE_PID of another process against self-migration and
# migratepages(8) to node 1, pool to pool against pool -> RAM -> pool; default 16 MiB,
# --ab-runs repetitions (default 9); JSON lines in BUILD/bench/kit.json.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
lane=${SVM_CXL_LANE:-}
runs=5
ab_runs=15
targets=0
kit=0
docs=$src/docs
while [ $# -gt 0 ]; do
	case "$1" in
	--lane) lane=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--ab-runs) ab_runs=$2; shift 2 ;;
	--targets) targets=1; docs=; shift ;;
	--keep-docs) docs=; shift ;;
	--kit) kit_mib=16; shift
		case "${1:-}" in [0-9]*) kit_mib=$1; shift ;; esac
		kit=1 ;;
	-h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown option '$1' (try --lane LANE, --runs N, --ab-runs N, --targets or --keep-docs)" >&2; exit 2 ;;
	esac
done
lane=${lane:-$("$src/harness/lane.sh" default)}
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
python3 "$src/harness/vm-run.py" --build "$build" --topology ramspeed --results "$results" \
	--test "bench:1800:BENCH_RUNS=$runs BENCH_AB_RUNS=$ab_runs BENCH_TARGETS_ONLY=$targets BENCH_YARDSTICK=/results/yardstick svm-cxl-bench-run.sh /results/samples" &
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
if [ $rc -ne 0 ]; then
	echo "bench: the guest run failed (log above; console: $results/console.log)" >&2
	exit $rc
fi
qemu_version=$("$src/harness/lane.sh" exec "$lane" qemu-system-x86_64 --version | head -n1 | awk '{print $4}')
note="Host: $(nproc) CPUs, $(uname -r); lane $lane: guest kernel $("$src/harness/guest-kernel.sh" --lane "$lane" abi), QEMU $qemu_version TCG; $(date -u +%Y-%m-%d)."
python3 "$src/bench/render.py" "$results/samples" "$out" --note "$note"
if [ -n "$docs" ]; then
	cp "$out/benchmarks.md" "$out/benchmarks.png" "$out/benchmarks.json" "$docs/"
	echo "bench: wrote docs/benchmarks.md, docs/benchmarks.png, docs/benchmarks.json" >&2
else
	echo "bench: wrote $out/benchmarks.{md,png,json}" >&2
fi
