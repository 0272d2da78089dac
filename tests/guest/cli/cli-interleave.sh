#!/bin/sh
# numactl --interleave across node 0 and the CXL node: half of the pages on each, read
# back with move_pages(2). Runs last in its topology: after the smoke and kernel suites
# have run in the same boot, QEMU 10.0.2 (TCG) has been seen to segfault in access_stq
# on the first interleaved allocation; alone or earlier it passes. Uses the CXL node
# cli-offline may have left online, or onlines the memdevs itself.
. svm-test.sh
. cli-lib.sh
MIB=16
node=""
for r in $(ls $CXL | grep '^region'); do
	d=$(region_dax $r) || continue
	[ "$(dax_driver $d)" = kmem ] && node_has_memory $(cat $DAXBUS/devices/$d/target_node) &&
		node=$(cat $DAXBUS/devices/$d/target_node)
done
if [ -z "$node" ]; then
	trap clean_all EXIT
	out=$($CTL online $(memdevs) --mode numa) || fail "online numa: $out"
	node=$(echo "$out" | jq '.dax.target_node')
fi
log "interleaving over nodes 0 and $node"
pages=$((MIB * 256))
out=$(numactl --interleave=0,$node $SVM_TEST_NUMA place $MIB) || fail "interleave run: $out"
check_eq "interleave=0,$node" "nodes: 0=$((pages / 2)) $node=$((pages / 2))" "$out"
kernel_log_clean || fail "kernel log"
