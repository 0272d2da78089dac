#!/bin/sh
# Guest side of harness/bench.sh (topology ramspeed): runs svm-cxl-bench on the
# RAM-speed control (pool on the e820 legacy pmem range, NUMA node 1) and on the CXL
# region (pool, then the same range onlined as a NUMA node through dax kmem), leaving
# one JSON file of raw samples per memory and mode in OUTDIR.
#   svm-cxl-bench-run.sh [--quick] OUTDIR
# --quick: tiny sizes, one run, no kmem (the guest test that keeps the program alive).
# BENCH_TARGETS_ONLY=1: only the A/B loop of the targets (svm-cxl-bench ab).
# BENCH_YARDSTICK=DIR: harness/bench.sh drops test_hmm.ko there (then DIR/ready) once the
# guest is booting; the yardstick (lib/test_hmm.c coherent mode) then runs on one half of
# the RAM-speed range while our pool has the other, alternating with ours and
# move_pages(2) in one loop (svm-cxl-bench ab: the targets' ratios).
. svm-test.sh
RAM_START=0x160000000 RAM_LEN=$((512 << 20))
quick=0
[ "$1" = --quick ] && { quick=1; shift; }
out=${1:?usage: svm-cxl-bench-run.sh [--quick] OUTDIR}
mkdir -p "$out" || fail "cannot create $out"
if [ $quick = 1 ]; then
	ram_sizes=1,2 cxl_sizes=1 ram_runs=1 cxl_runs=1 ablation= blocks= ab_size=2 ab_runs=1
else
	ram_sizes=4,8,16,32,64,128 cxl_sizes=4,8,16,32 ram_runs=${BENCH_RUNS:-5} cxl_runs=3
	ablation=--ablation blocks="--free-blocks 2" ab_size=64 ab_runs=${BENCH_AB_RUNS:-15}
fi
grep -q "Persistent Memory (legacy)" /proc/iomem || skip "no legacy pmem range (memmap=): topology ramspeed"
grep -q '^svm_cxl ' /proc/modules && fail "svm_cxl already loaded"

# NUMA balancing would unmap pages of the measured buffers behind our back (hinting
# faults) and move them: off while measuring, as it was found afterwards.
balancing=$(cat /proc/sys/kernel/numa_balancing 2>/dev/null)
[ -n "$balancing" ] && echo 0 >/proc/sys/kernel/numa_balancing

REGION= DAX= KMEM=
cleanup() {
	local rc=$? b
	[ -n "$balancing" ] && echo "$balancing" >/proc/sys/kernel/numa_balancing
	if [ -n "$KMEM" ]; then
		for b in /sys/devices/system/node/node$NODE/memory[0-9]*; do
			[ -e "$b" ] && echo offline >"$b/state" 2>/dev/null
		done
		daxctl reconfigure-device --mode=devdax -f "$DAX" >/dev/null 2>&1 ||
			echo "cleanup: $DAX back to devdax failed"
		echo online >/sys/devices/system/memory/auto_online_blocks
	fi
	grep -q '^svm_cxl ' /proc/modules && rmmod svm_cxl
	[ -n "$REGION" ] && cxl_region_destroy "$REGION"
	exit $rc
}
trap cleanup EXIT

log "RAM-speed control: pool on the legacy pmem range, NUMA node 1"
modprobe svm_cxl allow_any_range=1 || fail "modprobe svm_cxl allow_any_range=1"
targets=${BENCH_TARGETS_ONLY:-0}
if [ "$targets" != 1 ]; then
	svm-cxl-bench pool --memory ram --range $RAM_START:$RAM_LEN --sizes $ram_sizes \
		--runs $ram_runs $ablation --out "$out/ram-pool.json" || fail "ram pool"
	svm-cxl-bench numa --memory ram --node 1 --sizes $ram_sizes --runs $ram_runs $blocks \
		--out "$out/ram-numa.json" || fail "ram numa"
fi

log "CXL region: pool, then NUMA node (dax kmem)"
REGION=$(cxl_ram_region_create $(memdevs)) || fail "region assembly failed"
DAX=$(region_dax "$REGION") || fail "no dax device for $REGION"
daxctl disable-device "$DAX" >/dev/null 2>&1 || fail "daxctl disable-device $DAX"
START=$(($(cat $CXL/$REGION/resource)))
SIZE=$(($(cat $CXL/$REGION/size)))

# The targets: ours, the yardstick and move_pages(2) to node 1 (the RAM the legacy range
# is cut from) alternately in one loop, 4 KiB pages and, where the module has device THP
# (6.19+), THP-backed buffers as well. Our pool takes the upper half of the range,
# /dev/hmm_dmirror2 the lower half: test_hmm gives that device spm_addr_dev1 (minor 2
# takes dev1, minor 3 dev0). It wants two 256 MiB ranges and memremaps both at load, so
# dev0, never opened here, gets the CXL region.
hmm=
if [ -n "$BENCH_YARDSTICK" ]; then
	i=0
	while [ ! -e "$BENCH_YARDSTICK/ready" ] && [ $i -lt 120 ]; do
		sleep 1
		i=$((i + 1))
	done
	if [ -e "$BENCH_YARDSTICK/test_hmm.ko" ]; then
		log "yardstick: lib/test_hmm.c coherent mode on the lower half of the range"
		insmod "$BENCH_YARDSTICK/test_hmm.ko" spm_addr_dev0=$START spm_addr_dev1=$RAM_START ||
			fail "insmod test_hmm"
		hmm="--device /dev/hmm_dmirror2"
	else
		log "yardstick: no test_hmm.ko in $BENCH_YARDSTICK, skipped"
	fi
fi
thp=
[ -e /sys/module/svm_cxl/parameters/device_thp ] && thp=--thp
svm-cxl-bench ab --memory ram --range $((RAM_START + (256 << 20))):$((256 << 20)) $hmm \
	--node 1 $thp --sizes $ab_size --runs $ab_runs --out "$out/ram-ab.json" || fail "ram ab"
if [ -n "$hmm" ]; then
	rmmod test_hmm || fail "rmmod test_hmm"
fi
[ "$targets" = 1 ] && exit 0

svm-cxl-bench pool --memory cxl --range $START:$SIZE --sizes $cxl_sizes \
	--runs $cxl_runs --out "$out/cxl-pool.json" || fail "cxl pool"
rmmod svm_cxl || fail "rmmod svm_cxl"
[ $quick = 1 ] && exit 0

# NUMA mode: blocks stay offline when kmem adds them, the program onlines them movable.
echo offline >/sys/devices/system/memory/auto_online_blocks
modprobe kmem || fail "modprobe kmem"
KMEM=1
daxctl reconfigure-device --mode=system-ram --no-online "$DAX" >/dev/null ||
	fail "daxctl reconfigure-device $DAX system-ram"
NODE=$(cat /sys/bus/dax/devices/$DAX/target_node)
blocks=$(ls -d /sys/devices/system/node/node$NODE/memory[0-9]* | sed 's|.*memory||' | tr '\n' ',')
log "$DAX: node $NODE, blocks ${blocks%,}"
svm-cxl-bench numa --memory cxl --node "$NODE" --blocks "${blocks%,}" --sizes $cxl_sizes \
	--runs $cxl_runs --out "$out/cxl-numa.json" || fail "cxl numa"
