#!/bin/sh
# Every interleave the kernel can program assembles (topologies interleave4, switch,
# switch2: ways across host bridges, root ports and switch downstream ports).
# create-region over every memdev, given in reverse: the kernel commits it, position P
# sits under the window's target P % ways, every memdev is used once. online numa with
# auto_online_blocks=online: every block online in ZONE_MOVABLE on the dax device's
# node; a pattern written there through numactl --membind is read back intact. offline,
# online coherent: a buffer migrated into the pool comes back intact after the drain.
# destroy: no region and no DPA left. On interleave4, a create-region that fails at its
# last step (no dax device) changes nothing (before/after snapshot).
. svm-test.sh
. cli-lib.sh
trap 'touch /tmp/h/go /tmp/c1/go; clean_all' EXIT

set -- $(memdevs)
[ $# -ge 2 ] || skip "needs an interleaving topology (got $# memdev(s))"
MIB=8
pages=$((MIB * 256))
rev=""
for m in "$@"; do rev="$m $rev"; done

timed $CTL create-region $rev >/tmp/create.json || fail "create-region $rev: $(cat /tmp/create.json)"
log "create-region over $# memdevs: $MS ms"
region=$(jq -r .region /tmp/create.json)
r=$CXL/$region
check_eq "$region commit" 1 "$(cat $r/commit)"
check_eq "$region ways" "$#" "$(cat $r/interleave_ways)"
check_eq "$region bound" cxl_region "$(basename "$(readlink $r/driver)")"
# the root decoder's rule (independent of the library): position P is below the
# window's target P % ways; the rest of the order the kernel checked at commit
tl=$(cat $CXL/$ROOT_DECODER/target_list)
wways=$(echo "$tl" | tr ',' '\n' | wc -l)
i=0
used=""
while [ -e $r/target$i ]; do
	dec=$(cat $r/target$i)
	m=""
	for c in $(memdevs); do
		[ "$(memdev_endpoint $c)" = "endpoint$(echo ${dec#decoder} | cut -d. -f1)" ] && m=$c
	done
	[ -n "$m" ] || fail "target$i $dec belongs to no memdev"
	echo " $used " | grep -q " $m " && fail "$m used twice"
	used="$used $m"
	want=$(readlink -f $CXL/root0/dport$(echo "$tl" | cut -d, -f$((i % wways + 1))))
	check_eq "target$i ($m) host bridge" "$want" "$(memdev_host_bridge $m)"
	i=$((i + 1))
done
check_eq "targets" "$(memdevs | wc -l)" "$i"
dax=$(region_dax $region) || fail "no dax device"

# numa, with the kernel default that would online ZONE_NORMAL
echo online >$MEMSYS/auto_online_blocks
timed $CTL online $region --mode numa >/tmp/on.json || fail "online numa: $(cat /tmp/on.json)"
log "online numa: $MS ms"
node=$(cat $DAXBUS/devices/$dax/target_node)
n=0
for b in $(dax_blocks $dax); do
	check_eq "memory$b" "online Movable node$node" \
		"$(cat $MEMSYS/memory$b/state) $(cat $MEMSYS/memory$b/valid_zones) $(basename $(ls -d $MEMSYS/memory$b/node*))"
	n=$((n + 1))
done
check_eq "blocks of $dax" $(($(cat $DAXBUS/devices/$dax/size) / $((0x$(cat $MEMSYS/block_size_bytes))))) $n
check_eq "list mode" numa "$($CTL list -r $region | jq -r '.[0].mode')"
mkdir -p /tmp/h
numactl --membind=$node $SVM_TEST_NUMA hold $MIB /tmp/h >/tmp/h/out 2>&1 &
pid=$!
i=0
while [ ! -e /tmp/h/ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/h/ready ] || fail "holder never got ready: $(cat /tmp/h/out)"
check_eq "pattern on node $node" "nodes: $node=$pages" "$(grep '^nodes:' /tmp/h/out | head -n1)"
touch /tmp/h/go
wait $pid || fail "pattern on the CXL node corrupt: $(cat /tmp/h/out)"
grep -q "pattern: intact" /tmp/h/out || fail "no intact pattern: $(cat /tmp/h/out)"
echo "ok - $MIB MiB written and read back on node $node"
timed $CTL offline $region >/dev/null || fail "offline numa"
log "offline numa: $MS ms"
check_eq "mode after offline" offline "$($CTL list -r $region | jq -r '.[0].mode')"

# coherent
if modinfo svm_cxl >/dev/null 2>&1; then
	$CTL online $region --mode coherent >/tmp/on.json || fail "online coherent: $(cat /tmp/on.json)"
	pool=$($CTL list -r $region | jq -r '.[0].pool.pool')
	[ -e /sys/devices/virtual/misc/svm_cxl/pools/$pool ] || fail "no pool for $region"
	mkdir -p /tmp/c1
	$SVM_TEST_NUMA migrate $MIB ${pool#pool} /tmp/c1 >/tmp/c1/out 2>&1 &
	pid=$!
	i=0
	while [ ! -e /tmp/c1/ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e /tmp/c1/ready ] || fail "migrating process never got ready: $(cat /tmp/c1/out)"
	check_eq "pages in $pool" "pool: $pages" "$(grep '^pool:' /tmp/c1/out)"
	$CTL offline $region >/dev/null || fail "offline coherent"
	touch /tmp/c1/go
	wait $pid || fail "buffer corrupt after the drain: $(cat /tmp/c1/out)"
	grep -q "pattern: intact" /tmp/c1/out || fail "no intact pattern: $(cat /tmp/c1/out)"
	echo "ok - $MIB MiB through $pool and back intact"
fi

expect_rc 0 $CTL destroy-region $region
check_eq "regions left" 0 "$(ls $CXL | grep -c '^region')"
for d in $CXL/decoder*; do
	[ -e $d/dpa_size ] && [ "$(($(cat $d/dpa_size)))" != 0 ] && fail "${d##*/} still holds DPA"
done
echo "ok - no DPA left"

# A failed assembly leaves the system as it found it (interleave4: DPA on four memdevs
# under two host bridges, targets at both levels). Without dax_cxl no dax device appears
# after the commit and enable, the last step, so every step is undone. The endpoint
# decoders keep mode ram from the assembly above: the kernel has no store for "none".
case $SVM_CXL_TOPOLOGY in
interleave4*)
	mkdir -p /etc/modprobe.d
	echo "install dax_cxl /bin/false" >/etc/modprobe.d/svm-test-nodaxcxl.conf
	rmmod dax_cxl || fail "cannot unload dax_cxl"
	timed fails_unchanged 7 $CTL create-region $rev
	log "failed create-region and its snapshots: $MS ms"
	expect_msg "no dax device appeared"
	expect_msg "nothing was kept"
	rm /etc/modprobe.d/svm-test-nodaxcxl.conf
	modprobe dax_cxl || fail "cannot load dax_cxl again"
	;;
esac
kernel_log_clean || fail "kernel log"
