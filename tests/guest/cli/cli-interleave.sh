#!/bin/sh
# numactl --interleave across node 0 and the CXL node: half of the pages on each, read
# back with move_pages(2). Runs in a boot of its own (TOPOLOGY@fresh), so no earlier test
# has left ZONE_NORMAL CXL memory online; it skips if one has.
. svm-test.sh
. cli-lib.sh
MIB=16
node=""
# cli-offline's ZONE_NORMAL half may leave its CXL node online until reboot. Kernel
# allocations (page tables) can land there under --interleave, and QEMU 10.0.2 TCG has
# been seen to segfault with page tables in emulated CXL memory: do not interleave over it.
for n in /sys/devices/system/node/node[1-9]*; do
	[ -e "$n" ] && node_has_memory ${n##*node} &&
		skip "CXL node ${n##*node} is still online in ZONE_NORMAL (left by cli-offline); no movable node to interleave over in this boot"
done
if [ -z "$node" ]; then
	trap clean_all EXIT
	out=$($CTL online $(memdevs) --mode numa 2>&1)
	rc=$?
	# ZONE_NORMAL memory that could not be removed keeps the range reserved until reboot
	[ $rc = 4 ] && grep -q "System RAM (kmem)" /proc/iomem &&
		skip "the CXL range is still reserved by unremovable ZONE_NORMAL memory from cli-offline: $out"
	[ $rc = 0 ] || fail "online numa: $out"
	node=$(echo "$out" | jq '.dax.target_node')
fi
log "interleaving over nodes 0 and $node"
pages=$((MIB * 256))
# LD_BIND_NOW: with --interleave, neighbouring stack pages alternate between RAM and
# emulated CXL memory, and QEMU 10.0.2 TCG has segfaulted (access_stq) when glibc's
# lazy-binding trampoline xsaves across such a page pair. Binding at load time keeps
# that trampoline out of the run; what is measured (page placement) is unchanged.
out=$(LD_BIND_NOW=1 numactl --interleave=0,$node $SVM_TEST_NUMA place $MIB) || fail "interleave run: $out"
check_eq "interleave=0,$node" "nodes: 0=$((pages / 2)) $node=$((pages / 2))" "$out"
kernel_log_clean || fail "kernel log"
