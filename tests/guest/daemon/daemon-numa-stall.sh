#!/bin/sh
# When numa-mode memory of a departing device cannot be offlined, svm_cxl stops waiting
# after numa_stall_ms without progress (60 s by default, 10 s here), tells svm-cxld to
# stop, and names what is left and who holds it (topology
# hotplug, a boot of its own: the block that stays online can never be removed in
# this boot, so no test may run after it).
#   The boot device online as a movable node (svm-cxld's default rule, at its start:
#   no hotplug needed in a boot of its own); a process there with 4 MiB, 16 pages
#   of it spliced into a pipe (vmsplice: references no migration can move, so the
#   offline of their block makes no progress). Its region is unbound from cxl_region
#   (the memory stays decoded: the data can be checked afterwards). Asserted:
#   - numa_stall_ms: 60000 by default, out-of-range values refused (EINVAL, value
#     unchanged), set to 10000 for the test;
#   - the module asked, then gave up after the 10 s stall: the unbind returned in
#     10-60 s, "offlining REGION made no progress in 10000 ms (numa_stall_ms): ...
#     still online in 1 memory block(s), 16 page(s) in use";
#   - it named the block of the pinned pages, with exactly their count in use, dumped
#     the first page, and named the holder process (comm[pid]) of its pages;
#   - the daemon got the abandon and killed its offline child ("stopping the offline",
#     "did not finish (stopped)", no child left), and the block is still online;
#   - one stuck block does not hold up the rest: the pinned block is not the region's
#     last, and by the time the unbind returns, with the pin still held, every other
#     block of the region is offline, and svm-cxld's log named the stuck block;
#   - the module's progress lines count the pinned pages ("16 page(s) in use", not
#     "0 MiB");
#   - nothing was lost: the holder is alive, its 4 MiB and the spliced copy are intact;
#     with the pin released every block of the region offlines.
. svm-test.sh
. daemon-lib.sh
MEM=/sys/devices/system/memory

grep -q '^svm_cxl ' /proc/modules && fail "svm_cxl loaded before the test"
trap 'daemon_cleanup; kill $holder 2>/dev/null; rmmod svm_cxl 2>/dev/null; rmmod kmem 2>/dev/null; exit $DAEMON_RC' EXIT
# no rule: the default (numa, movable) for the boot device
: >$SVM_CXLD_POLICY
modprobe svm_cxl || fail "modprobe svm_cxl"
STALL=/sys/module/svm_cxl/parameters/numa_stall_ms
check_eq "numa_stall_ms default" 60000 "$(cat $STALL)"
for bad in 999 3600001 -1 x; do
	echo $bad 2>/dev/null >$STALL && fail "numa_stall_ms took $bad"
done
check_eq "numa_stall_ms unchanged by the refused values" 60000 "$(cat $STALL)"
echo 10000 >$STALL || fail "set numa_stall_ms"
udevd_start
daemon_start
check_eq "svm-cxld is svm_cxl's offline agent" "$DPID" "$(cat /sys/class/misc/svm_cxl/offline_agent)"

wait_until 60 "the boot device online as a movable node" \
	'M=$(memdev_with_serial 1) && R=$(memdev_region "$M") && numa_online_movable "$R"'
dax=$(region_dax "$R")
node=$(cat /sys/bus/dax/devices/$dax/target_node)
rm -rf /tmp/np && mkdir -p /tmp/np
numactl --membind=$node svm-test-numa pinhold 4 16 /tmp/np >/tmp/np/out 2>&1 &
holder=$!
wait_until 120 "holder ready" '[ -e /tmp/np/ready ]'
cat /tmp/np/out
check_eq "holder's pages on node $node" "nodes: $node=1024" "$(head -n1 /tmp/np/out)"
# the first block (in offline order, ascending) with pinned pages is where the offline
# sticks, with only the pinned pages left in use once the others have moved
pinned=$(grep '^pinned:' /tmp/np/out | tr ' ' '\n' | grep '^memory' | sort -t= -k1.7n | head -n1)
[ -n "$pinned" ] || fail "the holder did not say where its pinned pages are"
blk=${pinned%=*}
npin=${pinned#*=}
# the region's blocks (the node is the region's alone), in offline order
blocks=$(for b in $MEM/memory*/node$node; do b=${b%/node*}; echo ${b##*/memory}; done | sort -n | sed 's/^/memory/')
last=$(echo "$blocks" | tail -n1)
echo "# blocks of $R: $(echo $blocks); pinned: $blk"
[ "$(echo "$blocks" | wc -l)" -ge 2 ] || fail "$R has fewer than 2 memory blocks"
[ "$blk" != "$last" ] || fail "the pinned pages are in the last block ($last): the test cannot show that it holds up none after it"

kmark=$(dmesg | wc -l)
lines=$(wc -l <$DLOG)
t0=$(uptime_ms)
echo "$R" >/sys/bus/cxl/drivers/cxl_region/unbind || fail "unbind $R"
ms=$(($(uptime_ms) - t0))
echo "# $R unbind with 16 pinned pages in $blk: returned after $ms ms"
dmesg | tail -n +$((kmark + 1)) >/tmp/np/dmesg
tail -n +$((lines + 1)) $DLOG >/tmp/np/dlog
grep -E "svm_cxl|hotremoved|migrating pfn" /tmp/np/dmesg | grep -v '^\s*$' | head -n 20

grep -qE "svm_cxl: $R is being unbound with [0-9]+ MiB of CXL memory online: offline request [0-9]+ to the agent" /tmp/np/dmesg ||
	fail "no offline request for $R"
grep -qE "svm_cxl: $R: offlining $R made no progress in 10000 ms \(numa_stall_ms\): [0-9]+ page\(s\)( \([0-9]+ MiB\))? still online in 1 memory block\(s\), $npin page\(s\) in use; giving up on request [0-9]+" /tmp/np/dmesg ||
	fail "the module did not give up after the 10 s stall, naming what is left"
[ "$ms" -ge 10000 ] && [ "$ms" -lt 60000 ] || fail "the unbind took $ms ms (the stall limit is 10 s)"
grep -qE "svm_cxl: $R: $R: $blk \[mem 0x[0-9a-f]+-0x[0-9a-f]+\] is still online, $npin page\(s\) in use \(the first below\)" /tmp/np/dmesg ||
	fail "the module did not name $blk with its $npin page(s) in use"
grep -q "page dumped because: svm_cxl: in use on departing CXL memory" /tmp/np/dmesg ||
	fail "no dump_page of the first page in use"
grep -qE "svm_cxl: $R: $R: $blk: busy page 0x[0-9a-f]+ is mapped by svm-test-numa\[$holder\] at 0x[0-9a-f]+" /tmp/np/dmesg ||
	fail "the module did not name the holder svm-test-numa[$holder] of the pages in $blk"
echo "ok - the module gave up after the stall and named $blk with its $npin pinned page(s) and their holder"

# one stuck block holds up no other: with the pin still held, the rest are offline
for b in $blocks; do
	[ "$b" = "$blk" ] && continue
	[ ! -e $MEM/$b ] || check_eq "$b offline while $blk is stuck" offline "$(cat $MEM/$b/state)"
done
grep -qE "libsvmcxl: $R: $blk still in use after a first pass over $(echo "$blocks" | wc -l) block\(s\)" /tmp/np/dlog ||
	fail "svm-cxld's log does not name $blk as still in use after the first pass"
# the progress lines count pages: the pinned ones are not "0 MiB in use"
progress=$(grep -E "svm_cxl: $R: offline in progress: " /tmp/np/dmesg | tail -n1)
[ -n "$progress" ] || fail "no progress line of the offline"
echo "$progress" | grep -qE "offline in progress: [0-9]+ page\(s\) \([0-9]+ MiB\) still online, $npin page\(s\) in use\$" ||
	fail "the last progress line does not count the $npin pinned page(s): $progress"
echo "ok - every block of $R but $blk offline while the pin is held; the progress line counts $npin page(s)"

# the daemon: acted on the request, got the abandon, killed its child
grep -q "$R: $R is being unbound: offlining its numa memory" /tmp/np/dlog || fail "the daemon did not act on the request"
wait_until 30 "the daemon reaps its offline child" \
	'tail -n +$((lines + 1)) $DLOG | grep -q "$R: the offline before unbind did not finish (stopped)"'
tail -n +$((lines + 1)) $DLOG | grep -q "$R: svm_cxl saw no progress offlining its memory and lets the unbind go on: stopping the offline" ||
	fail "the daemon did not stop its offline on the abandon"
children=$(awk -v p=$DPID '$4 == p { print $1 }' /proc/[0-9]*/stat 2>/dev/null)
[ -z "$children" ] || fail "svm-cxld still has children: $children"
check_eq "$blk is still online (it could not move)" online "$(cat $MEM/$blk/state)"
echo "ok - svm-cxld killed its offline child on the abandon"

# nothing lost: the memory is still decoded (a region unbind resets no decoder)
holder_check $holder /tmp/np "the holder's 4 MiB and the spliced copy"
holder=
grep -q "spliced copy: intact" /tmp/np/out || fail "no intact spliced copy reported"

# what is left: the blocks stay (kmem could not remove them) until the next boot; with
# the pins gone they offline
for b in $blocks; do
	[ -e $MEM/$b ] && [ "$(cat $MEM/$b/state)" = online ] || continue
	echo offline >$MEM/$b/state || fail "offline $b once the pins went"
done
for b in $blocks; do
	[ ! -e $MEM/$b ] || check_eq "$b offline once the pins went" offline "$(cat $MEM/$b/state)"
done
echo "ok - the blocks of $R offline once the pins went"
