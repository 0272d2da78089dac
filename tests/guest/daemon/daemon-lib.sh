# Helpers for the svm-cxld guest tests (source after svm-test.sh).
# The daemon runs with its journal, socket and lock in /tmp so that a test starts clean.
export SVM_CXLD_STATE_DIR=/tmp/svmd-state
export SVM_CXLD_SOCKET=/tmp/svmd.sock
export SVM_CXLD_POLICY=/tmp/svmd-policy.conf
export SVM_CXL_LOCK=/tmp/svm-cxl.lock
export SVM_CXL_KNOB_SAVE=/tmp/svm-cxl.auto_online_blocks
DLOG=/tmp/svmd.log
AOB=/sys/devices/system/memory/auto_online_blocks
AOB0=$(cat $AOB)	# what every test must leave it at (checked by daemon_cleanup)
: >$DLOG	# this test's daemon log only (tests of a topology share one boot)
CTL=svm-cxlctl

udevd_start() {
	/lib/systemd/systemd-udevd --daemon --resolve-names=never || fail "udevd did not start"
	sleep 0.5
}

udevd_stop() {
	udevadm control --exit 2>/dev/null
	sleep 0.3
}

# daemon_start [ENV=VALUE...]: start svm-cxld in the background, wait for "ready"
daemon_start() {
	local i=0 start
	touch $DLOG
	start=$(wc -l <$DLOG)
	env "$@" svm-cxld -v >>$DLOG 2>&1 &
	DPID=$!
	while ! tail -n +$((start + 1)) $DLOG 2>/dev/null | grep -q 'ready:'; do
		i=$((i + 1))
		# a daemon stopped by its test hook (SVM_CXLD_STOP_AT) never gets ready
		grep -q '^State:.*T' /proc/$DPID/status 2>/dev/null && return 0
		if [ $i -gt 600 ] || ! kill -0 $DPID 2>/dev/null; then
			cat $DLOG
			fail "svm-cxld not ready"
		fi
		sleep 0.1
	done
}

daemon_stop() {
	[ -n "$DPID" ] || return 0
	kill $DPID 2>/dev/null
	kill -CONT $DPID 2>/dev/null	# one stopped by its test hook
	wait $DPID 2>/dev/null
	DPID=
}

# daemon_state: the journal entries as JSON (from the daemon when it runs)
journal() { cat $SVM_CXLD_STATE_DIR/state.json 2>/dev/null; }
# journal_field SERIAL FIELD
journal_field() { journal | jq -r ".entries[]? | select(.serials == [$1]) | .$2"; }

memdev_with_serial() {
	local m
	for m in $(memdevs); do
		[ "$(($(cat $CXL/$m/serial)))" = "$1" ] && { echo "$m"; return 0; }
	done
	return 1
}

# qmp_q JSON: a QMP command whose reply does not matter (failures still fail the test)
qmp_q() {
	svm-vm-qmp "$1" >/tmp/qmp.out 2>&1 || fail "QMP $1: $(cat /tmp/qmp.out)"
}

# hot_add ID SERIAL: QMP object-add + device_add into rp1
hot_add() {
	qmp_q "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"vmem-$1\",\"share\":true,\"size\":268435456}}"
	qmp_q "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"cxl-type3\",\"bus\":\"rp1\",\"volatile-memdev\":\"vmem-$1\",\"id\":\"$1\",\"sn\":$2}}"
}

# hot_del ID: device_del, wait until QEMU dropped it
hot_del() {
	local i=0
	qmp_q "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"$1\"}}"
	while qmp '{"execute":"qom-list","arguments":{"path":"/machine/peripheral"}}' | grep -q "\"$1\""; do
		i=$((i + 1))
		[ $i -gt 240 ] && fail "$1 still present 120 s after device_del"
		sleep 0.5
	done
	# QEMU may still hold the backend for a while ("in use"): best effort; ids are
	# never reused anyway
	svm-vm-qmp "{\"execute\":\"object-del\",\"arguments\":{\"id\":\"vmem-$1\"}}" >/dev/null 2>&1 || true
}

# journal_phase SERIAL
journal_phase() { journal_field "$1" phase; }

# the region over a memdev (from sysfs: its endpoint decoder's region)
memdev_region() {
	local ep d r
	ep=$(memdev_endpoint "$1") || return 1
	for d in $CXL/decoder${ep#endpoint}.*; do
		r=$(cat $d/region 2>/dev/null)
		[ -n "$r" ] && { echo "$r"; return 0; }
	done
	return 1
}

# blocks_of REGION: "online:Movable" per memory block of its dax device
region_blocks() {
	local dax start size bs b st z
	dax=$(ls -d "$CXL/$1"/dax_region*/dax*.* 2>/dev/null | head -n1)
	[ -n "$dax" ] || return 1
	dax=${dax##*/}
	start=$(($(cat /sys/bus/dax/devices/$dax/resource)))
	size=$(($(cat /sys/bus/dax/devices/$dax/size)))
	bs=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
	b=$((start / bs))
	while [ $b -lt $(((start + size) / bs)) ]; do
		# valid_zones only of an online block (the zone it is in): on 6.12, reading it
		# for an offline block while its device goes away oopses in
		# zone_for_pfn_range() (seen in daemon-numa-unplug), and its zone is no state
		st=$(cat /sys/devices/system/memory/memory$b/state 2>/dev/null || echo gone)
		z=
		[ "$st" = online ] && z=$(cat /sys/devices/system/memory/memory$b/valid_zones 2>/dev/null | cut -d' ' -f1)
		echo "$st:$z"
		b=$((b + 1))
	done
}

# region_states REGION: the state of each block, space separated
region_states() { region_blocks "$1" | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//'; }

# numa_online_movable REGION: every block online in ZONE_MOVABLE
numa_online_movable() {
	local out
	out=$(region_blocks "$1") || return 1
	[ -n "$out" ] && ! echo "$out" | grep -qv '^online:Movable$'
}

# hot_online_numa SERIAL ID: device_add into rp1, wait (60 s) until the daemon has its
# region online movable; sets M (memdev), R (region)
hot_online_numa() {
	local deadline=$(($(uptime_ms) + 60000))
	hot_add "$2" "$1"
	while [ "$(uptime_ms)" -lt $deadline ]; do
		M=$(memdev_with_serial "$1") && R=$(memdev_region "$M") && numa_online_movable "$R" && break
		sleep 0.1
	done
	[ "$(uptime_ms)" -lt $deadline ] || { cat $DLOG; fail "serial $1 not online within 60 s"; }
}

regions_now() { ls -d $CXL/region* 2>/dev/null | sed 's|.*/||' | sort | tr '\n' ' '; }

# guest cleanup shared by all daemon tests: first in the EXIT trap, which ends with
# 'exit $DAEMON_RC'
daemon_cleanup() {
	local rc=$?
	[ $rc = 0 ] || { echo "# exit status $rc; daemon log:"; grep -v 'debug: uevent' $DLOG; }
	daemon_stop
	udevd_stop
	rm -rf $SVM_CXLD_STATE_DIR $SVM_CXLD_SOCKET
	# auto_online_blocks is system-wide: svm-cxld and svm-cxlctl must put it back, even
	# after a SIGKILL (the next start restores it). Not reset here: checked.
	if [ "$(cat $AOB)" != "$AOB0" ]; then
		echo "FAIL: auto_online_blocks left at '$(cat $AOB)' (was '$AOB0')"
		echo "$AOB0" >$AOB
		rm -f $SVM_CXL_KNOB_SAVE
		rc=1
	fi
	DAEMON_RC=$rc	# the trap ends with 'exit $DAEMON_RC'
}

# region_pool REGION: the svm_cxl pool whose start is the region's
region_pool() {
	local p start
	start=$(($(cat $CXL/$1/resource 2>/dev/null || echo -1)))
	for p in /sys/class/misc/svm_cxl/pools/pool*; do
		[ -e "$p/start" ] || continue
		[ "$(($(cat $p/start)))" = "$start" ] && { echo "${p##*/pool}"; return 0; }
	done
	return 1
}

region_has_pool() {
	local p
	p=$(region_pool "$1") || return 1
	[ "$(cat /sys/class/misc/svm_cxl/pools/pool$p/state)" = active ]
}
