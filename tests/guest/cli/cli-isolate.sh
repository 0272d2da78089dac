#!/bin/sh
# CDM-style isolated numa nodes (online --isolated, grant, revoke; docs/cdm.md), with
# cgroup v2 mounted here and swap off:
#  - the hog: node 0 is filled with untouched hugetlb pages until its main zone has
#    about HEADROOM MiB above the low watermark, the hog is sized to end DEPTH MiB below
#    low (both kernels still serve 13-17 MiB from node 0 below low before they spill),
#    and vm.watermark_scale_factor widens the low-min gap, so the hog outside the
#    granted cgroup spills onto the CXL node
#    when the node is a plain one (the fast path skips a zone below low) and must not
#    when it is isolated (the slow path may use node 0 down to min). Both counts are
#    read with move_pages(2) and written to /results/isolation-spill. The same with
#    page cache: the hog writes a tmpfs file (the probe unlinks it at once: tmpfs pages
#    are not reclaimable without swap, none may outlive it).
#  - interactions (docs/cdm.md): granted MPOL_PREFERRED, THP collapse, NUMA balancing
#    (skipped with its reason when the kernel takes no hinting fault in the window),
#    demotion against doctor's verdict; /results/isolation-interactions.
#  - a granted cgroup's numactl --membind=NODE process gets every page there; others
#    get the kernel's refusal; status and doctor say so, and name root-cgroup processes
#    (which grant then moves).
#  - revoke at run time migrates a granted process's pages off the node (data checked
#    word for word); grant again at run time.
#  - offline of an isolated node with granted data on it, and offline + device_del of a
#    hot-added one: data intact, every cpuset back to the snapshot taken before.
#  - SIGKILL after the 2nd cpuset write (SVM_CXL_CPUSET_STOP_AT): the next svm-cxlctl
#    that takes the lock restores every cpuset, and so does svm-cxld's first pass.
#  - svm-cxld with a policy rule isolate = yes, grant = granted: it onlines the device
#    isolated at coldplug, and its offline on request puts every cpuset back.
# QEMU 10.0 (deb12) segfaults when the guest XSAVEs into a page of a per-access-emulated
# CXL window (target/i386 access_ptr() takes a NULL host pointer for MMIO as a base):
# a signal frame there, i.e. a process with a CXL stack page that takes a handled
# signal. Non-granted processes here get no CXL page after a hog has ended; only
# granted test programs (no signal handlers) do.
. svm-test.sh
. cli-lib.sh

CG=/sys/fs/cgroup
HP=/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages
HEADROOM=4 DEPTH=36
WSF_AT_START=$(cat /proc/sys/vm/watermark_scale_factor)
DEMOTION=/sys/kernel/mm/numa/demotion_enabled NUMAB=/proc/sys/kernel/numa_balancing
DEMOTION_AT_START=$(cat $DEMOTION 2>/dev/null) NUMAB_AT_START=$(cat $NUMAB 2>/dev/null)
# NUMA balancing's scan timing (debugfs since 5.13): lowered for the check, put back
NBDIR=/sys/kernel/debug/sched/numa_balancing
NB_DELAY_AT_START=$(cat $NBDIR/scan_delay_ms 2>/dev/null)
NB_MIN_AT_START=$(cat $NBDIR/scan_period_min_ms 2>/dev/null)
LRUGEN=/sys/kernel/mm/lru_gen/enabled LRUGEN_AT_START=$(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null)
# the per-CPU free lists kept at their floor: auto-tuned, they grow to tens of MiB when
# a hog or the huge pages are freed (pages "free" in zoneinfo does not count, served
# first): one hog then spilled nothing, the next, sized with them, ran into the OOM
# killer (CPU 1's list is no use to a task on CPU 0)
PCPF=/proc/sys/vm/percpu_pagelist_high_fraction PCPF_AT_START=$(cat /proc/sys/vm/percpu_pagelist_high_fraction)
MOUNTED="" PIDS=""

cleanup() {
	for p in $PIDS; do kill $p 2>/dev/null; done
	echo 0 >$HP
	echo "$WSF_AT_START" >/proc/sys/vm/watermark_scale_factor
	[ -n "$DEMOTION_AT_START" ] && echo "$DEMOTION_AT_START" >$DEMOTION
	[ -n "$NUMAB_AT_START" ] && echo "$NUMAB_AT_START" >$NUMAB
	[ -n "$NB_DELAY_AT_START" ] && echo "$NB_DELAY_AT_START" >$NBDIR/scan_delay_ms
	[ -n "$NB_MIN_AT_START" ] && echo "$NB_MIN_AT_START" >$NBDIR/scan_period_min_ms
	[ -n "$LRUGEN_AT_START" ] && echo "$LRUGEN_AT_START" >$LRUGEN
	echo "$PCPF_AT_START" >$PCPF
	rm -f /tmp/iso-cache
	clean_all
	# whatever the isolation left: processes back to the root, our cgroups removed
	for d in $CG/svm-cxl-default $CG/granted $CG/other; do
		[ -d $d ] || continue
		for p in $(cat $d/cgroup.procs); do echo $p >$CG/cgroup.procs 2>/dev/null; done
		rmdir $d
	done
	echo -memory >$CG/cgroup.subtree_control 2>/dev/null
	echo -cpuset >$CG/cgroup.subtree_control 2>/dev/null
	rm -f /run/svm-cxl/cpusets.json
	[ -n "$MOUNTED" ] && umount $CG
	return 0
}
trap cleanup EXIT

swapoff -a 2>/dev/null
[ -z "$(tail -n +2 /proc/swaps)" ] || fail "swap still on"
if ! grep -q "^cgroup2 $CG " /proc/mounts; then
	mount -t cgroup2 none $CG || skip "cannot mount cgroup2"
	MOUNTED=1
fi
grep -qw cpuset $CG/cgroup.controllers || skip "no cpuset controller in cgroup v2"
# granted: gets the node; other: a top-level cgroup that does not (the demotion check
# reclaims it alone: reclaim of svm-cxl-default would demote this shell's and init's own
# pages, and a signal frame on a per-access-emulated CXL page kills QEMU 10.0, below)
mkdir $CG/granted $CG/other

# the cgroup tree svm-cxlctl may change: every cgroup's cpuset.mems and subtree_control,
# and this shell's own cgroup
cg_snapshot() {
	for d in $(find $CG -type d | sort); do
		echo "$d mems='$(cat $d/cpuset.mems 2>/dev/null)' sub='$(cat $d/cgroup.subtree_control)'"
	done
	grep '^0::' /proc/$$/cgroup
}
before=$(cg_snapshot)
echo "$before" | grep -q "^0::/\$" || fail "this shell is not in the root cgroup: $before"
cg_same() {
	local now
	now=$(cg_snapshot)
	[ "$before" = "$now" ] || fail "$1: cgroups differ from before: $(echo "$before" >/tmp/cg.b; echo "$now" >/tmp/cg.a; diff /tmp/cg.b /tmp/cg.a)"
	echo "ok - $1: cgroups as before"
}
effective_has() { tr ',' '\n' <$CG/$1/cpuset.mems.effective | awk -v n=$2 -F- '{ if (n >= $1 && n <= ($2 == "" ? $1 : $2)) f = 1 } END { exit !f }'; }

# node 0's largest zone (the one user pages come from): field free, min, low or pcp
# (free pages on the per-CPU lists, which "free" leaves out), pages
zone_field() {
	awk -v want=$1 '
		/^Node / { z = ($2 == "0,") ? $4 : "" }
		z != "" && $1 == "managed" { m[z] = $2 }
		z != "" && $1 == "pages" && $2 == "free" { v["free", z] = $3 }
		z != "" && ($1 == "min" || $1 == "low") { v[$1, z] = $2 }
		z != "" && $1 == "count:" { v["pcp", z] += $2 }
		END { for (k in m) if (m[k] > best) { best = m[k]; bz = k }; print v[want, bz] }' /proc/zoneinfo
}
# Set node 0 aside in untouched huge pages (cheap: nothing is written) until about
# HEADROOM MiB stay above the low watermark, then run the hog in this shell's cgroup,
# sized from what node 0 has free to end DEPTH MiB below low: anonymous memory, or with
# "cache" a file written (page cache). Prints "PAGES_ON_NODE HOG_MIB", or what went
# wrong (then returns 1).
hog() {
	local free low min pcp n got out try mib
	echo 0 >$HP
	for try in 1 2 3; do
		free=$(zone_field free) low=$(zone_field low)
		n=$(( $(cat $HP) + (free - low - HEADROOM * 256) / 512 ))
		[ $n -gt 0 ] && echo $n >$HP
		got=$(cat $HP)
		free=$(zone_field free)
		[ $(( (free - low) / 256 )) -le $((HEADROOM + 8)) ] && break
		echo 1 >/proc/sys/vm/compact_memory	# fragmented: make 2 MiB blocks
	done
	min=$(zone_field min) pcp=$(zone_field pcp)
	mib=$(( (free - low) / 256 + DEPTH ))
	log "node 0: $got huge pages set aside; $(( (free - low) / 256 )) MiB above low and $((pcp / 256)) MiB on per-CPU lists, $(( (low - min) / 256 )) MiB from low to min; hog $mib MiB" >&2
	[ $(( (free - low) / 256 )) -le $((HEADROOM + 24)) ] ||
		{ echo 0 >$HP; echo "could not fill node 0 (free $free, low $low pages)"; return 1; }
	# an isolated hog is served from node 0 alone, down to min: it must fit there with
	# room to spare, or it would end in the OOM killer (no swap)
	[ $(( (free - min) / 256 )) -ge $((mib + 16)) ] ||
		{ echo 0 >$HP; echo "node 0 has $(( (free - min) / 256 )) MiB above min, too little for a $mib MiB hog"; return 1; }
	if [ "$1" = cache ]; then
		# page cache on tmpfs (this guest has no other writable fs): unreclaimable
		# with swap off, so the probe unlinks the file at once and its pages go with
		# it; no page of it outlives the probe, even if it is killed
		out=$(svm-test-numa cache $mib /tmp/iso-cache) || { rm -f /tmp/iso-cache; echo 0 >$HP; echo "svm-test-numa cache: $out"; return 1; }
		[ -e /tmp/iso-cache ] && { echo 0 >$HP; echo "the probe left /tmp/iso-cache"; return 1; }
	else
		out=$(svm-test-numa place $mib) || { echo 0 >$HP; echo "svm-test-numa place: $out"; return 1; }
	fi
	echo 0 >$HP
	log "hog: $out" >&2
	echo "$(echo "$out" | tr ' ' '\n' | awk -F= -v n=$node '$1 == n { c = $2 } END { print c + 0 }') $mib"
}

# held_start N NODE: svm-test-numa hold, 4 MiB under numactl --membind=NODE in the granted
# cgroup, filled and waiting for /tmp/iso-hN/go; every page on NODE; its pid in $held
held_start() {
	rm -rf /tmp/iso-h$1 && mkdir /tmp/iso-h$1
	sh -c "echo \$\$ >$CG/granted/cgroup.procs && exec numactl --membind=$2 svm-test-numa hold 4 /tmp/iso-h$1" >/tmp/iso-h$1.out &
	held=$!
	PIDS="$PIDS $held"
	while [ ! -e /tmp/iso-h$1/ready ]; do
		kill -0 $held 2>/dev/null || fail "hold $1: $(cat /tmp/iso-h$1.out)"
		sleep 0.1
	done
	check_eq "held pages $1 on node $2" "nodes: $2=1024" "$(head -n1 /tmp/iso-h$1.out)"
}
# held_check N PID WHEN: the buffer, read again, is intact (word for word) and on node 0
held_check() {
	touch /tmp/iso-h$1/go
	wait $2 || fail "held data $3: $(cat /tmp/iso-h$1.out)"
	check_eq "held pages $3" "nodes: 0=1024" "$(sed -n 2p /tmp/iso-h$1.out)"
	grep -q "pattern: intact" /tmp/iso-h$1.out || fail "pattern $3: $(cat /tmp/iso-h$1.out)"
}

# widen low..min so the isolated hog is served from node 0 without reclaim (no swap)
echo 400 >/proc/sys/vm/watermark_scale_factor
echo 1000000 >$PCPF
set -- $(memdevs)
$CTL create-region $1 >/tmp/r.json || fail "create-region $1"
region=$(jq -r .region /tmp/r.json)
dax=$(region_dax $region) || fail "no dax device"
node=$(cat $DAXBUS/devices/$dax/target_node)

# stamp STEP: the guest's uptime at each step, for the time each one costs
stamp() { log "step $1 at $(cut -d' ' -f1 /proc/uptime) s"; }
stamp "1 plain"
# 1. a plain numa node: the hog spills (what node 0 does not serve below low)
expect_rc 0 $CTL online $region --mode numa
r=$(hog) || fail "hog: $r"
spill_plain=${r% *} hog_plain=${r#* }
log "spill without isolation: $spill_plain pages of $((hog_plain * 256)) on node $node"
[ "$spill_plain" -gt 0 ] || fail "the hog did not spill onto plain node $node: the test cannot tell isolation from luck"
r=$(hog cache) || fail "page-cache hog: $r"
cache_plain=${r% *} cache_hog_plain=${r#* }
log "page cache without isolation: $cache_plain pages of $((cache_hog_plain * 256)) on node $node"
[ "$cache_plain" -gt 0 ] || fail "the page-cache hog did not spill onto plain node $node"
expect_rc 0 $CTL offline $region
cg_same "plain numa"

stamp "2 isolated"
# 2. isolated: nothing of the hog lands there
expect_rc 0 $CTL online $region --mode numa --isolated
expect_msg "moved [0-9]* process(es) of the root cgroup into svm-cxl-default"
check_eq "this shell's cgroup" "0::/svm-cxl-default" "$(grep '^0::' /proc/$$/cgroup)"
effective_has svm-cxl-default $node && fail "svm-cxl-default sees node $node"
effective_has granted $node && fail "granted sees node $node before the grant"
node_has_memory $node || fail "node $node has no memory"
expect_rc 0 $CTL online $region --mode numa --isolated
$CTL status $region | grep -q "isolated, granted to no cgroup" || fail "status: $($CTL status $region)"
echo "ok - status: isolated"
numactl --membind=$node true 2>/dev/null && fail "numactl --membind=$node worked outside a granted cgroup"
numactl --preferred=$node true 2>/dev/null && fail "numactl --preferred=$node worked outside a granted cgroup"
# the kernel's own refusal, not only libnuma's check of Mems_allowed
expect_rc 1 svm-test-numa mbind 1 $node
expect_msg "mbind: Invalid argument"
echo "ok - --membind, --preferred and mbind() to node $node refused outside the grant"
r=$(hog) || fail "hog: $r"
spill_iso=${r% *} hog_iso=${r#* }
log "spill with isolation: $spill_iso pages of $((hog_iso * 256)) on node $node"
check_eq "hog pages on isolated node $node" 0 "$spill_iso"
r=$(hog cache) || fail "page-cache hog: $r"
cache_iso=${r% *} cache_hog_iso=${r#* }
log "page cache with isolation: $cache_iso pages of $((cache_hog_iso * 256)) on node $node"
check_eq "page-cache hog pages on isolated node $node" 0 "$cache_iso"
echo "depth_mib $DEPTH spill_plain_pages $spill_plain/$((hog_plain * 256)) spill_isolated_pages $spill_iso/$((hog_iso * 256)) cache_plain_pages $cache_plain/$((cache_hog_plain * 256)) cache_isolated_pages $cache_iso/$((cache_hog_iso * 256))" >>/results/isolation-spill

stamp "3 grant"
# 3. grant: a membind process there gets every page on the node
expect_rc 2 $CTL grant $region /
expect_rc 3 $CTL grant $region $CG/nonexistent
expect_rc 0 $CTL grant $region $CG/granted
effective_has granted $node || fail "granted lacks node $node after the grant"
effective_has svm-cxl-default $node && fail "svm-cxl-default sees node $node after the grant"
out=$(sh -c "echo \$\$ >$CG/granted/cgroup.procs && exec numactl --membind=$node svm-test-numa place 4") ||
	fail "membind in the granted cgroup: $out"
check_eq "granted membind pages" "nodes: $node=1024" "$out"
$CTL status $region | grep -q "isolated, granted granted" || fail "status: $($CTL status $region)"

# 3a. interactions (docs/cdm.md), results in /results/isolation-interactions.
# in_cg CGROUP CMD...: run CMD in that top-level cgroup
in_cg() { local cg=$1; shift; sh -c "echo \$\$ >$CG/$cg/cgroup.procs && exec \"\$@\"" sh "$@"; }
# on_node LINE NODE: the count of NODE in a "nodes: N=COUNT ..." line
on_node() { echo "$1" | tr ' ' '\n' | awk -F= -v n=$2 '$1 == n { c = $2 } END { print c + 0 }'; }
MIX=/results/isolation-interactions
out=$(in_cg granted numactl --preferred=$node svm-test-numa place 4) || fail "granted --preferred: $out"
check_eq "granted --preferred=$node pages" "nodes: $node=1024" "$out"
stamp "3a thp"
# THP: MADV_COLLAPSE allocates the huge page in the calling task (khugepaged would do the
# same from its root-cgroup thread, onto the node holding the base pages)
out=$(svm-test-numa collapse 4) || fail "collapse outside the grant: $out"
echo "$out" | grep -q "^nodes: 0=1024$" || fail "collapse outside the grant: $out"
echo "thp non-granted $(echo $out)" >>$MIX
out=$(in_cg granted numactl --membind=$node svm-test-numa collapse 4) || fail "granted collapse: $out"
echo "$out" | grep -q "^collapse: ok" || fail "granted MADV_COLLAPSE: $out"
echo "$out" | grep -q "^nodes: $node=1024$" || fail "granted collapse: $out"
[ "$(echo "$out" | sed -n 's/^thp_kb: //p')" -ge 4096 ] || fail "granted collapse made no THP: $out"
echo "thp granted $(echo $out)" >>$MIX
echo "ok - THP collapse: on node 0 outside the grant, on node $node with the grant"
stamp "3a numa balancing"
# NUMA balancing: a running task outside the grant (default policy), then a granted one
# bound to the node with MPOL_F_NUMA_BALANCING (a plain bind is never scanned), both
# two-threaded (a single-threaded task's pages on its own node are skipped by the scan:
# change_pte_range()), 2 s each with the scan started 100 ms into the task instead of
# 1 s. Hinting faults move pages towards the faulting CPU's node, never onto a node
# without CPUs; the system's hinting faults while each ran alone say whether the kernel
# scanned it at all. Without faults the placement says nothing, and the check says so
# (a TAP skip) instead of passing.
if [ -w $NUMAB ]; then
	[ -n "$NB_DELAY_AT_START" ] && echo 100 >$NBDIR/scan_delay_ms
	[ -n "$NB_MIN_AT_START" ] && echo 100 >$NBDIR/scan_period_min_ms
	echo 1 >$NUMAB
	in_cg other svm-test-numa spin 4 2 >/tmp/iso-nb0.out || fail "spin: $(cat /tmp/iso-nb0.out)"
	in_cg granted svm-test-numa spin 4 2 $node >/tmp/iso-nb1.out || fail "granted spin: $(cat /tmp/iso-nb1.out)"
	echo 0 >$NUMAB
	[ -n "$NB_DELAY_AT_START" ] && echo "$NB_DELAY_AT_START" >$NBDIR/scan_delay_ms
	[ -n "$NB_MIN_AT_START" ] && echo "$NB_MIN_AT_START" >$NBDIR/scan_period_min_ms
	f0=$(sed -n 's/^vmstat_hint_faults: //p' /tmp/iso-nb0.out) f1=$(sed -n 's/^vmstat_hint_faults: //p' /tmp/iso-nb1.out)
	log "numa balancing, 2 s each: $f0 hinting faults outside the grant, $f1 in it (the tasks' own: $(sed -n 's/^numa_faults: //p' /tmp/iso-nb0.out), $(sed -n 's/^numa_faults: //p' /tmp/iso-nb1.out))"
	check_eq "non-granted pages under NUMA balancing" "nodes: 0=1024" "$(sed -n 2p /tmp/iso-nb0.out)"
	check_eq "granted bind pages under NUMA balancing" "nodes: $node=1024" "$(sed -n 2p /tmp/iso-nb1.out)"
	echo "numa_balancing hint_faults non-granted $f0 granted $f1 non-granted $(sed -n 2p /tmp/iso-nb0.out) granted $(sed -n 2p /tmp/iso-nb1.out)" >>$MIX
	# task_numa_work() skips a task whose cpuset allows one memory node (tracepoint
	# sched_skip_cpuset_numa, in 7.3, not in 6.12): outside the grant, with node 0 the
	# only other node, nothing is scanned at all
	if [ "${f0:--1}" -gt 0 ]; then
		echo "ok - NUMA balancing outside the grant: $f0 hinting faults, every page stayed on node 0"
	else
		echo "ok - # SKIP NUMA balancing outside the grant not measurable here: no hinting fault in 2 s (the kernel did not scan the task)"
	fi
	if [ "${f1:--1}" -gt 0 ]; then
		echo "ok - NUMA balancing in the grant: $f1 hinting faults, every page stayed on node $node"
	else
		echo "ok - # SKIP NUMA balancing in the grant not measurable here: no hinting fault in 2 s"
	fi
fi
stamp "3a demotion"
# demotion: memcg reclaim (memory.reclaim, swap off: only demotion frees anon pages) of
# a holder outside the grant (in other, alone) and one in it, both on node 0. Where the
# kernel's demotion ignores cpusets, the first moves to node $node too, and svm-cxlctl
# must say so. It runs on the classic LRU, MGLRU (on in Debian's kernels) switched back
# on after it: the first try, on MGLRU with memory.reclaim written from svm-cxl-default,
# demoted neither holder on deb12; the classic LRU demoted the granted one on deb13.
pgdemote() { awk '$1 ~ /^pgdemote_/ { n += $2 } END { print n + 0 }' /proc/vmstat; }
if [ -w $DEMOTION ] && grep -qw memory $CG/cgroup.controllers; then
	log "memory tiers: $(for t in /sys/devices/virtual/memory_tiering/memory_tier*; do echo "${t##*/}=$(cat $t/nodelist)"; done)"
	echo +memory >$CG/cgroup.subtree_control || fail "+memory"
	[ -n "$LRUGEN_AT_START" ] && echo n >$LRUGEN
	echo true >$DEMOTION
	pgd0=$(pgdemote)
	for h in 0 1; do
		rm -rf /tmp/iso-d$h && mkdir /tmp/iso-d$h
		cg=other; [ $h = 1 ] && cg=granted
		in_cg $cg svm-test-numa hold 4 /tmp/iso-d$h >/tmp/iso-d$h.out &
		eval d$h=$!
		PIDS="$PIDS $!"
		while [ ! -e /tmp/iso-d$h/ready ]; do
			kill -0 $! 2>/dev/null || fail "demotion holder $h: $(cat /tmp/iso-d$h.out)"
			sleep 0.1
		done
		check_eq "demotion holder $h before reclaim" "nodes: 0=1024" "$(head -n1 /tmp/iso-d$h.out)"
	done
	# written from the granted cgroup: the page a folio is demoted into is allocated
	# under the reclaimer's cpuset, and kswapd's (a kernel thread's) has every node.
	# 4M, the holder's size: more ends in 16 retries of nothing (seconds under TCG)
	for cg in granted other; do
		in_cg granted sh -c 'echo 4M >$1' sh $CG/$cg/memory.reclaim 2>/tmp/iso-reclaim.err ||
			log "memory.reclaim of $cg: $(cat /tmp/iso-reclaim.err)"
	done
	pgd=$(( $(pgdemote) - pgd0 ))
	log "after reclaim: $(grep ^pgdemote_ /proc/vmstat | tr '\n' ' '); pages of other's and granted's processes on node $node (numa_maps): $(for p in $(cat $CG/other/cgroup.procs $CG/granted/cgroup.procs); do tr ' ' '\n' </proc/$p/numa_maps | awk -F= -v n=N$node '$1 == n { c += $2 } END { printf "%d ", c }'; done)"
	bypass=no
	$CTL doctor | grep isolation | grep -q "demotion ignores cpusets" && bypass=yes
	echo false >$DEMOTION
	[ -n "$LRUGEN_AT_START" ] && echo "$LRUGEN_AT_START" >$LRUGEN
	touch /tmp/iso-d0/go /tmp/iso-d1/go
	wait $d0 || fail "demotion holder 0: $(cat /tmp/iso-d0.out)"
	wait $d1 || fail "demotion holder 1: $(cat /tmp/iso-d1.out)"
	echo -memory >$CG/cgroup.subtree_control || fail "-memory"
	dem0=$(on_node "$(sed -n 2p /tmp/iso-d0.out)" $node) dem1=$(on_node "$(sed -n 2p /tmp/iso-d1.out)" $node)
	log "demotion: $dem0 of 1024 pages outside the grant and $dem1 in it demoted to node $node ($pgd pgdemote in /proc/vmstat); doctor: bypass=$bypass"
	echo "demotion non-granted_pages_on_node $dem0 granted_pages_on_node $dem1 vmstat_pgdemote $pgd doctor_bypass $bypass" >>$MIX
	if [ "$dem0" -gt 0 ]; then
		[ $bypass = yes ] || fail "demotion put $dem0 pages outside the grant onto node $node and doctor did not say why"
		echo "ok - demotion: $dem0 non-granted pages demoted onto node $node, and doctor says this kernel's demotion ignores cpusets"
	elif [ "$dem1" -gt 0 ]; then
		[ $bypass = no ] || fail "doctor says demotion ignores cpusets, but of the two holders only the granted one was demoted ($dem1 pages)"
		echo "ok - demotion: $dem1 granted pages demoted onto node $node, none from outside the grant; doctor agrees"
	else
		echo "ok - # SKIP demotion not measurable here: memory.reclaim demoted neither holder ($pgd pgdemote in /proc/vmstat)"
	fi
fi

stamp "root processes"
# root-cgroup processes: reported by status and doctor, moved by the next grant/revoke
sh -c "echo \$\$ >$CG/cgroup.procs && exec sleep 60" &
stray=$!
PIDS="$PIDS $stray"
sleep 0.5
$CTL status $region | grep -q "warning: [0-9]* process(es) in the root cgroup.* $stray" ||
	fail "status names no root process: $($CTL status $region)"
$CTL doctor | grep isolation | grep -q "incomplete.*$stray" || fail "doctor: $($CTL doctor)"
echo "ok - status and doctor name root-cgroup process $stray"

stamp "4 revoke"
# 4. revoke at run time: the granted process's pages leave the node, data intact
held_start 1 $node
h1=$held
expect_rc 0 $CTL revoke $region $CG/granted
# 1024 held pages and the process's own (stack, heap) under the same membind
moved=$(echo "$OUT" | sed -n 's/.*revoked from granted; \([0-9]*\) page(s) of its processes migrated off the node, 0 left there/\1/p')
[ -n "$moved" ] && [ "$moved" -ge 1024 ] || fail "revoke output: $OUT"
log "revoke migrated $moved pages"
expect_msg "moved [0-9]* process(es) of the root cgroup"
check_eq "stray process moved" "0::/svm-cxl-default" "$(grep '^0::' /proc/$stray/cgroup)"
effective_has granted $node && fail "granted still sees node $node"
expect_rc 1 $CTL revoke $region $CG/granted
# 5. grant again at run time, to a cgroup with a process in it (the kernel refuses an
# empty cpuset.mems there: the parent's list is written out)
expect_rc 0 $CTL grant $region granted
effective_has granted $node || fail "granted lacks node $node after the second grant"
held_check 1 $h1 "after revoke"

# offline with granted data on the node: intact, cpusets as before
held_start 2 $node
h2=$held
kill $stray; wait $stray 2>/dev/null
expect_rc 0 $CTL offline $region
expect_msg "node $node is no longer isolated; every cpuset is as it was before"
cg_same "offline of an isolated node"
[ -e /run/svm-cxl/cpusets.json ] && fail "cpuset journal left: $(cat /run/svm-cxl/cpusets.json)"
held_check 2 $h2 "after offline"

stamp "6 crash"
# 6. a crash after the 2nd cpuset write; the next svm-cxlctl puts everything back
SVM_CXL_CPUSET_STOP_AT=2 $CTL online $region --mode numa --isolated >/dev/null 2>&1
check_eq "killed at the 2nd cpuset write" 137 "$?"
grep -q '"transaction"' /run/svm-cxl/cpusets.json || fail "no transaction journaled: $(cat /run/svm-cxl/cpusets.json)"
[ -d $CG/svm-cxl-default ] || fail "the crash left nothing to repair"
expect_rc 0 $CTL online $region --mode numa
expect_msg "cpusets repaired"
cg_same "after the crash and a plain online"
$CTL status $region | grep -q isolated && fail "status after recovery: $($CTL status $region)"
# the same crash, repaired by svm-cxld's first pass (its policy leaves every device alone)
expect_rc 0 $CTL offline $region
SVM_CXL_CPUSET_STOP_AT=2 $CTL online $region --mode numa --isolated >/dev/null 2>&1
check_eq "killed again at the 2nd cpuset write" 137 "$?"
printf '[defaults]\nexpander = ignore\naccelerator = ignore\n' >/tmp/iso-policy.conf
# svmd_start: svm-cxld with /tmp/iso-policy.conf, until it is ready (coldplug done)
svmd_start() {
	local i=0
	SVM_CXLD_STATE_DIR=/tmp/iso-svmd SVM_CXLD_SOCKET=/tmp/iso-svmd.sock SVM_CXLD_POLICY=/tmp/iso-policy.conf \
		svm-cxld -v >/tmp/iso-svmd.log 2>&1 &
	dpid=$!
	PIDS="$PIDS $dpid"
	while ! grep -q 'ready:' /tmp/iso-svmd.log; do
		i=$((i + 1))
		[ $i -lt 600 ] && kill -0 $dpid 2>/dev/null || fail "svm-cxld not ready: $(cat /tmp/iso-svmd.log)"
		sleep 0.1
	done
}
svmd_stop() { kill $dpid; wait $dpid 2>/dev/null; rm -rf /tmp/iso-svmd /tmp/iso-svmd.sock; }
svmd_start
svmd_stop
grep -q "cpusets of isolated nodes repaired" /tmp/iso-svmd.log || fail "svm-cxld: $(cat /tmp/iso-svmd.log)"
cg_same "after the crash and svm-cxld's start"
expect_rc 0 $CTL online $region --mode numa
expect_rc 0 $CTL offline $region
expect_rc 0 $CTL destroy-region $region

stamp "6b svm-cxld"
# 6b. svm-cxld, policy isolate = yes with a grant: at coldplug it assembles the device and
# onlines it isolated as online --isolated does; its offline on request puts every
# cpuset back
printf '[rule "isolated"]\nserial = %d\nmode = numa\nisolate = yes\ngrant = %s\n' \
	$(($(cat $CXL/$1/serial))) $CG/granted >/tmp/iso-policy.conf
svmd_start
region3=$(ls $CXL | grep '^region' | head -n1)
[ -n "$region3" ] || fail "svm-cxld made no region: $(cat /tmp/iso-svmd.log)"
node3=$(cat $DAXBUS/devices/$(region_dax $region3)/target_node)
grep -q "$region3: node $node3 isolated, granted to 1 cgroup(s)" /tmp/iso-svmd.log ||
	fail "svm-cxld did not isolate: $(cat /tmp/iso-svmd.log)"
check_eq "this shell's cgroup under svm-cxld's isolation" "0::/svm-cxl-default" "$(grep '^0::' /proc/$$/cgroup)"
effective_has granted $node3 || fail "granted lacks node $node3 under svm-cxld's isolation"
effective_has svm-cxl-default $node3 && fail "svm-cxl-default sees node $node3 under svm-cxld's isolation"
effective_has other $node3 && fail "other sees node $node3 under svm-cxld's isolation"
numactl --membind=$node3 true 2>/dev/null && fail "numactl --membind=$node3 worked outside the daemon's grant"
out=$(in_cg granted numactl --membind=$node3 svm-test-numa place 4) || fail "membind in the daemon's grant: $out"
check_eq "membind pages in the daemon's grant" "nodes: $node3=1024" "$out"
$CTL status $region3 | grep -q "isolated, granted granted" || fail "status: $($CTL status $region3)"
SVM_CXLD_SOCKET=/tmp/iso-svmd.sock svm-cxld --send "{\"cmd\":\"offline\",\"object\":\"$region3\"}" >/tmp/iso-off.out ||
	fail "svm-cxld offline $region3: $(cat /tmp/iso-off.out)"
grep -q "$region3: node $node3 no longer isolated; cpusets put back" /tmp/iso-svmd.log ||
	fail "svm-cxld did not release node $node3: $(cat /tmp/iso-svmd.log)"
svmd_stop
cg_same "svm-cxld's offline of the node it isolated"
[ -e /run/svm-cxl/cpusets.json ] && fail "cpuset journal left by svm-cxld: $(cat /run/svm-cxl/cpusets.json)"
expect_rc 0 $CTL destroy-region $region3

stamp "7 device_del"
# 7. a hot-added device, isolated, granted data on it: offline + device_del
ID=t3i SN=91
new=$(hotplug_type3 vmemi $ID $SN) || fail "hot-added device did not show up"
$CTL online $new --mode numa --isolated >/tmp/r2.json || fail "online $new --isolated"
region2=$(jq -r .region /tmp/r2.json)
node2=$(cat $DAXBUS/devices/$(region_dax $region2)/target_node)
expect_rc 0 $CTL grant $new $CG/granted
held_start 3 $node2
h3=$held
expect_rc 0 $CTL offline $new
hotunplug $ID || fail "$ID still present after device_del"
cg_same "offline + device_del of an isolated node"
held_check 3 $h3 "after device_del"
$CTL destroy-region stale >/dev/null 2>&1
stamp end
kernel_log_clean || fail "kernel log"
