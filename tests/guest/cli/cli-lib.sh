# Helpers for the svm-cxlctl guest tests (busybox sh). Source after svm-test.sh.
# Teardown here uses sysfs directly (not svm-cxlctl) so a broken CLI cannot leave the
# next test a dirty guest.

CTL=${SVM_CXLCTL:-svm-cxlctl}
MEMSYS=/sys/devices/system/memory
DAXBUS=/sys/bus/dax
AUTO_ONLINE_AT_START=$(cat $MEMSYS/auto_online_blocks)
SVM_TEST_NUMA=svm-test-numa

# run CMD..., expect exit status $1; output in $OUT
expect_rc() {
	local want=$1
	shift
	OUT=$("$@" 2>&1)
	local rc=$?
	[ "$rc" = "$want" ] || fail "'$*': exit $rc, expected $want; output: $OUT"
	echo "ok - '$*' -> $rc"
}

# the error text of the last expect_rc must mention WORD
expect_msg() {
	echo "$OUT" | grep -qi -- "$1" || fail "message does not mention '$1': $OUT"
}

# elapsed milliseconds of CMD (into $MS), its status is returned
timed() {
	local s e rc
	s=$(cut -d' ' -f1 /proc/uptime)
	"$@"
	rc=$?
	e=$(cut -d' ' -f1 /proc/uptime)
	MS=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%d", (e - s) * 1000 }')
	return $rc
}

region_dax_dir() { echo "$DAXBUS/devices/$(region_dax "$1")"; }

dax_driver() { basename "$(readlink "$DAXBUS/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }

# memory block numbers of a dax device's range
dax_blocks() {
	local d=$DAXBUS/devices/$1 bs start size
	bs=$((0x$(cat $MEMSYS/block_size_bytes)))
	start=$(($(cat $d/resource)))
	size=$(cat $d/size)
	local b=$((start / bs)) end=$(((start + size) / bs))
	while [ $b -lt $end ]; do
		echo $b
		b=$((b + 1))
	done
}

node_has_memory() { grep -q "Node $1 MemTotal: *[1-9]" /sys/devices/system/node/node$1/meminfo 2>/dev/null; }

# full teardown of every region, independent of svm-cxlctl
clean_all() {
	local r d b drv kept=""
	for r in $(ls $CXL | grep '^region'); do
		d=$(ls -d $CXL/$r/dax_region*/dax* 2>/dev/null | head -n1)
		d=${d##*/}
		if [ -n "$d" ]; then
			drv=$(dax_driver $d)
			if [ "$drv" = kmem ]; then
				for b in $(dax_blocks $d); do
					[ "$(cat $MEMSYS/memory$b/state 2>/dev/null)" = online ] &&
						echo offline >$MEMSYS/memory$b/state
				done
				# memory that cannot go offline (ZONE_NORMAL with kernel pages)
				# must never lose its region underneath: leave it
				for b in $(dax_blocks $d); do
					[ "$(cat $MEMSYS/memory$b/state 2>/dev/null)" = online ] && {
						log "clean_all: memory$b of $d stays online; $r kept"
						kept=1
						continue 2
					}
				done
			fi
			[ -n "$drv" ] && echo $d >$DAXBUS/drivers/$drv/unbind
		fi
		cxl_region_destroy $r
	done
	# DPA that endpoint decoders hold without a region, highest decoder first
	for d in $(ls -d $CXL/decoder* | sort -rV); do
		[ -e $d/dpa_size ] && [ -z "$(cat $d/region)" ] && [ "$(($(cat $d/dpa_size)))" != 0 ] &&
			echo 0 >$d/dpa_size
	done
	for p in /sys/devices/virtual/misc/svm_cxl/pools/pool*; do
		[ -e "$p" ] && log "pool ${p##*/} left behind"
	done
	lsmod | grep -q '^svm_cxl' && rmmod svm_cxl
	# unloading kmem under online memory would leak it ("cannot be hotremoved")
	[ -z "$kept" ] && lsmod | grep -q '^kmem' && rmmod kmem 2>/dev/null
	echo "$AUTO_ONLINE_AT_START" >$MEMSYS/auto_online_blocks
	rm -f /run/svm-cxl/lock
	rmdir /run/svm-cxl 2>/dev/null
	return 0
}

# state of the CXL world that bad commands must not change: regions (commit, size,
# ways, targets, dax), every decoder's DPA, mode and region, dax devices and drivers,
# every memory block's state and zone, auto_online_blocks, CXL ranges in /proc/iomem,
# svm_cxl pools and the loaded modules
snapshot() {
	local f
	{
		ls $CXL
		for r in $(ls $CXL | grep '^region'); do
			echo "$r $(cat $CXL/$r/commit $CXL/$r/size $CXL/$r/interleave_ways | tr '\n' ' ')"
			for f in $CXL/$r/target*; do echo "  ${f##*/} $(cat $f)"; done
			ls -d $CXL/$r/dax_region*/dax* 2>/dev/null
		done
		for d in $(ls $CXL | grep '^decoder'); do
			[ -e $CXL/$d/dpa_size ] &&
				echo "$d dpa $(cat $CXL/$d/dpa_size) $(cat $CXL/$d/mode) '$(cat $CXL/$d/region)'"
		done
		for d in $(ls $DAXBUS/devices 2>/dev/null); do echo "$d $(dax_driver $d)"; done
		for f in $MEMSYS/memory*; do
			echo "${f##*/} $(cat $f/state) $(cat $f/valid_zones)"
		done
		cat $MEMSYS/auto_online_blocks
		grep -i "cxl\|kmem\|region" /proc/iomem
		ls /sys/devices/virtual/misc/svm_cxl/pools 2>/dev/null
		lsmod | awk '{print $1}' | sort
	} 2>&1
}

# fails_unchanged RC CMD...: CMD must fail with RC and change nothing (snapshot before
# and after); its output is in $OUT
fails_unchanged() {
	local before
	before=$(snapshot)
	expect_rc "$@"
	shift
	check_same "failed '$*' changed nothing" "$before"
}

# check_same WHAT BEFORE: the snapshot now equals BEFORE
check_same() {
	local now
	now=$(snapshot)
	[ "$2" = "$now" ] || {
		echo "$2" >/tmp/snap.before
		echo "$now" >/tmp/snap.after
		fail "$1: $(diff /tmp/snap.before /tmp/snap.after)"
	}
	echo "ok - $1"
}

