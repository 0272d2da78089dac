#!/bin/sh
# The offline request's stall limit counts from the last progress, and a range the agent
# newly names is progress (numa_unplug.c, step 4): an agent that offlines a device's
# regions one after the other may spend longer than numa_stall_ms in all without the
# module giving up on it. Topology single; a shell process plays svm-cxld's part, so the
# module's request protocol is what is tested, not the daemon.
#   The region online as a movable node, 4 MiB of a process there, numa_stall_ms 8000.
#   The region is unbound from cxl_region. The agent names its first half at tA, its
#   second half at tA+5 s, and starts offlining at tA+10 s: 2 s after a stall limit
#   counted from tA would have given up, 3 s before the one counted from the second
#   name does. Asserted:
#   - the request names the region; a wrong sequence number is refused (ESRCH), a
#     malformed or unaligned answer too (EINVAL);
#   - the unbind waited for the agent (at least 10 s) and the module never gave up:
#     no "made no progress", no abandon, no "cannot be hotremoved";
#   - the module logged both named ranges offline, the region's blocks are gone (kmem
#     removed them), and the request is over ("none");
#   - nothing lost: the process is alive and its 4 MiB are intact, byte for byte.
. svm-test.sh
. ktest-lib.sh
MEM=/sys/devices/system/memory
MISC=/sys/class/misc/svm_cxl
STALL=/sys/module/svm_cxl/parameters/numa_stall_ms
STALL_MS=8000
GAP=5

ktest_setup
AOB=$MEM/auto_online_blocks
aob0=$(cat $AOB)
kmem0=$(grep -c '^kmem ' /proc/modules)
# daxctl's reconfigure gives kmem the device's name as a dynamic id (new_id): left in
# place, the next test's daxN.0 would bind to kmem at once and be onlined as the
# kernel's default (ZONE_NORMAL on deb13), and slab there makes it unremovable.
# kmem_forget drops the id and unloads kmem if this test loaded it.
kmem_forget() {
	[ -e /sys/bus/dax/drivers/kmem/remove_id ] && echo "$DAX" >/sys/bus/dax/drivers/kmem/remove_id 2>/dev/null
	[ "$kmem0" = 0 ] && rmmod kmem 2>/dev/null
	return 0
}
# ktest_cleanup exits with the status it is entered with
trap 'rc=$?; kill $holder $agent 2>/dev/null; echo unregister >$MISC/offline_agent 2>/dev/null; echo $aob0 >$AOB; kmem_forget; (exit $rc); ktest_cleanup' EXIT
echo $STALL_MS >$STALL || fail "set numa_stall_ms"
# daxctl refuses --no-online while the kernel would online new blocks itself
echo offline >$AOB || fail "set auto_online_blocks offline"
daxctl reconfigure-device --mode=system-ram --no-online "$DAX" >/tmp/na-daxctl 2>&1 ||
	fail "daxctl reconfigure-device --mode=system-ram --no-online $DAX: $(cat /tmp/na-daxctl)"
bs=$((0x$(cat $MEM/block_size_bytes)))
BLOCKS=
b=$((START / bs))
while [ $b -lt $(((START + SIZE) / bs)) ]; do BLOCKS="$BLOCKS $b"; b=$((b + 1)); done
for b in $BLOCKS; do
	echo online_movable >$MEM/memory$b/state || fail "online memory$b movable"
done
echo $aob0 >$AOB || fail "restore auto_online_blocks"
log "$REGION online movable on node $NODE: blocks$BLOCKS"

rm -rf /tmp/na && mkdir -p /tmp/na
numactl --membind=$NODE svm-test-numa hold 4 /tmp/na >/tmp/na/out 2>&1 &
holder=$!
wait_until 120 "holder ready" '[ -e /tmp/na/ready ]'
check_eq "holder's pages on node $NODE" "nodes: $NODE=1024" "$(head -n1 /tmp/na/out)"

HALF=$((SIZE / 2))
A="$(printf '%#x %#x' $START $HALF)"
B="$(printf '%#x %#x' $((START + HALF)) $((SIZE - HALF)))"
# answer WHAT TEXT: write TEXT to offline_request, WHAT the error message if it fails
answer() { echo "$2" >$MISC/offline_request 2>/tmp/na/err || { echo "$1: $(cat /tmp/na/err)"; exit 1; }; }
# refused ERRTEXT TEXT: the write must fail with that error
refused() {
	echo "$2" >$MISC/offline_request 2>/tmp/na/err && { echo "'$2' accepted"; exit 1; }
	grep -q "$1" /tmp/na/err || { echo "'$2': $(cat /tmp/na/err), not $1"; exit 1; }
}
(
	echo register >$MISC/offline_agent || exit 1
	: >/tmp/na/registered
	until read -r seq dev <$MISC/offline_request && [ "$seq" != none ]; do sleep 0.1; done
	echo "$seq $dev" >/tmp/na/request
	refused "No such process" "$((seq + 1)) offlining x $A"
	refused "Invalid argument" "$seq offlining"
	refused "Invalid argument" "$seq offlining x $(printf %#x $((START + 512))) 0x1000"
	refused "Invalid argument" "$seq finished"
	answer "name the first half" "$seq offlining ${REGION}lo $A"
	uptime_ms >/tmp/na/t-a
	sleep $GAP
	answer "name the second half" "$seq offlining ${REGION}hi $B"
	sleep $GAP
	uptime_ms >/tmp/na/t-offline
	for b in $BLOCKS; do
		echo offline >$MEM/memory$b/state || { echo "offline memory$b failed"; exit 1; }
	done
	answer "done" "$seq done"
	: >/tmp/na/done
) >/tmp/na/agent 2>&1 &
agent=$!
wait_until 30 "the agent registered" '[ -e /tmp/na/registered ] || ! kill -0 $agent 2>/dev/null'
[ -e /tmp/na/registered ] || { cat /tmp/na/agent; fail "the agent did not register"; }
check_eq "the shell is svm_cxl's offline agent" "$agent" "$(cat $MISC/offline_agent)"

kmark=$(dmesg | wc -l)
t0=$(uptime_ms)
echo "$REGION" >/sys/bus/cxl/drivers/cxl_region/unbind || fail "unbind $REGION"
t1=$(uptime_ms)
wait $agent
rc=$?
agent=
cat /tmp/na/agent
check_eq "the agent's answers and offline" 0 $rc
dmesg | tail -n +$((kmark + 1)) >/tmp/na/dmesg
grep svm_cxl /tmp/na/dmesg
read -r seq dev </tmp/na/request
check_eq "the request names the region" "$REGION" "$dev"
ms=$((t1 - t0))
paused=$(($(cat /tmp/na/t-offline) - $(cat /tmp/na/t-a)))
log "unbind returned after $ms ms; $paused ms from the first name to the first offline (numa_stall_ms $STALL_MS)"
[ "$paused" -gt $STALL_MS ] || fail "the agent paused $paused ms, not more than numa_stall_ms: the test proves nothing"
[ "$ms" -ge "$paused" ] || fail "the unbind returned after $ms ms, before the agent's offline"
grep -q "offline request $seq to the agent" /tmp/na/dmesg || fail "no 'offline request $seq' line"
grep -E "made no progress|did not answer|offline-abandon|giving up" /tmp/na/dmesg &&
	fail "the module gave up, though the agent named a new range ${GAP} s into the wait"
grep -qE "svm_cxl: $REGION: ${REGION}lo \[mem [0-9a-fx-]+\] is offline" /tmp/na/dmesg ||
	fail "no 'is offline' line for the first half"
grep -qE "svm_cxl: $REGION: ${REGION}hi \[mem [0-9a-fx-]+\] is offline" /tmp/na/dmesg ||
	fail "no 'is offline' line for the second half"
grep -q "cannot be hotremoved" /tmp/na/dmesg && fail "the kernel kept online memory of the region"
check_eq "no request in flight" none "$(cat $MISC/offline_request)"
for b in $BLOCKS; do
	[ -e $MEM/memory$b ] && fail "memory$b of the unbound region is still there ($(cat $MEM/memory$b/state))"
done
holder_check $holder /tmp/na "the holder's 4 MiB"
holder=
# where its pages are now (the holder's last "nodes:" line): all 1024, none on the CXL node
after=$(grep '^nodes:' /tmp/na/out | tail -n1)
total=0
for e in ${after#nodes: }; do
	[ "${e%=*}" = "$NODE" ] && fail "pages still on node $NODE after the offline: $after"
	total=$((total + ${e#*=}))
done
check_eq "the holder's pages, all in RAM after the offline ($after)" 1024 $total
kmem_forget
grep -q '^kmem ' /proc/modules && [ "$kmem0" = 0 ] && fail "kmem still loaded after the test"
echo "ok - the second range named ${GAP} s in restarted the stall count: no give-up in $ms ms, blocks gone, data intact"
kernel_log_clean || fail "kernel log shows a problem"
