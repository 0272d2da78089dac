# Shell helpers for guest tests (busybox sh). Source it:  . svm-test.sh
#
# The region helpers here drive the kernel's CXL sysfs ABI directly. They are the tests'
# independent reference for what cxl-glue does in C: do not "simplify" tests by calling
# the code under test to set up what that same code is then checked against.

CXL=/sys/bus/cxl/devices
ROOT_DECODER=${ROOT_DECODER:-decoder0.0}

log() { echo "# $*"; }
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

# uptime_ms: the guest's clock in ms (/proc/uptime)
uptime_ms() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; }

# wait_until SECONDS WHAT EXPR: evaluate the shell expression EXPR every 0.1 s until it
# holds; fail with WHAT after SECONDS.
# The limit is time, read from /proc/uptime, not a count of 0.1 s sleeps: under TCG on
# a debug kernel one evaluation of EXPR (svm-cxlctl, jq) can take a second, and a
# count made "60 s" last ten minutes, so the test was killed as hung instead of failing
# here with its condition named. SVM_CXL_TIMEOUT_SCALE (the host's, for a slower
# kernel) stretches it as it does the test's own timeout.
wait_until() {
	local limit=$(($1 * 1000 * ${SVM_CXL_TIMEOUT_SCALE:-1})) what=$2 t0
	t0=$(uptime_ms)
	while ! eval "$3"; do
		[ $(($(uptime_ms) - t0)) -gt "$limit" ] &&
			fail "$what: not within $(($limit / 1000)) s"
		sleep 0.1
	done
}

# holder_check PID DIR WHAT: the svm-test-numa holder PID (started with DIR) is alive;
# told to go on, it checks its pattern and must find every byte intact.
holder_check() {
	local rc
	kill -0 "$1" 2>/dev/null || { cat "$2/out"; fail "$3: the holder died"; }
	touch "$2/go"
	wait "$1"
	rc=$?
	cat "$2/out"
	check_eq "$3: the holder's data intact, byte for byte" 0 $rc
	grep -q "pattern: intact" "$2/out" || fail "$3: no intact pattern reported"
}

# cxl_mib FULL SMALL: the size in MiB of a buffer a test keeps on CXL memory where the
# amount is not what it proves: SMALL where the lane's QEMU emulates every access to the
# window (SVM_TEST_SLOW_CXL=1, set by the plan: tests/meson.build), else FULL.
cxl_mib() { if [ "${SVM_TEST_SLOW_CXL:-}" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	echo "ok - $1 = $3"
}

# check_cmd WHAT COMMAND...: the command must succeed
check_cmd() {
	local what=$1
	shift
	"$@" || fail "$what: '$*' failed with status $?"
	echo "ok - $what"
}

# qmp JSON: run a QMP command on this guest's QEMU (through the host harness), print
# the "return" member.
qmp() {
	local reply
	reply=$(svm-vm-qmp "$1") || fail "QMP $1: $reply"
	echo "$reply" | jq -c '.return'
}

qom_get() { qmp "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"$1\",\"property\":\"$2\"}}"; }

# Parse sizes such as 256M, 4G, 268435456 into bytes.
to_bytes() {
	case "$1" in
	*K) echo $((${1%K} << 10)) ;;
	*M) echo $((${1%M} << 20)) ;;
	*G) echo $((${1%G} << 30)) ;;
	*) echo $(($1)) ;;
	esac
}

memdevs() { ls -d $CXL/mem* 2>/dev/null | sed 's|.*/||'; }

# The PCI host bridge a memdev sits under, as a sysfs path (/sys/devices/pci0000:0c).
memdev_host_bridge() { readlink -f "$CXL/$1" | cut -d/ -f1-4; }

# The endpoint port of a memdev (its uport link points back at the memdev).
memdev_endpoint() {
	local ep
	for ep in $CXL/endpoint*; do
		[ "$(basename "$(readlink "$ep/uport")")" = "$1" ] && { echo "${ep##*/}"; return 0; }
	done
	return 1
}

# The endpoint decoder of a memdev that no region uses yet.
memdev_free_decoder() {
	local ep d
	ep=$(memdev_endpoint "$1") || return 1
	for d in $(ls -d $CXL/decoder${ep#endpoint}.* | sort -V); do
		[ -z "$(cat "$d/region" 2>/dev/null)" ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}

# Order memdevs by the root decoder's target list (interleave position): a region
# accepts targets only in that order.
memdevs_in_window_order() {
	local id hb m
	for id in $(tr ',' ' ' <"$CXL/$ROOT_DECODER/target_list"); do
		hb=$(readlink -f "$CXL/root0/dport$id")
		for m in "$@"; do
			[ "$(memdev_host_bridge "$m")" = "$hb" ] && echo "$m"
		done
	done
}

# cxl_ram_region_create MEMDEV... : assemble, commit and enable a ram region over the
# memdevs (whole capacity, 4 KiB granularity). Prints the region name.
cxl_ram_region_create() {
	local rd=$CXL/$ROOT_DECODER region r ways size=0 per m dec i=0 ordered
	ways=$#
	for m in "$@"; do
		size=$((size + $(cat "$CXL/$m/ram/size")))
	done
	per=$((size / ways))
	ordered=$(memdevs_in_window_order "$@")
	region=$(cat "$rd/create_ram_region")
	echo "$region" >"$rd/create_ram_region" || return 1
	r=$CXL/$region
	echo 4096 >"$r/interleave_granularity" || return 1
	echo "$ways" >"$r/interleave_ways" || return 1
	for m in $ordered; do
		dec=$(memdev_free_decoder "$m") || return 1
		echo ram >"$CXL/$dec/mode" || return 1
		echo "$per" >"$CXL/$dec/dpa_size" || return 1
	done
	echo "$size" >"$r/size" || return 1
	for m in $ordered; do
		dec=$(memdev_free_decoder_reserved "$m") || return 1
		echo "$dec" >"$r/target$i" || return 1
		i=$((i + 1))
	done
	echo 1 >"$r/commit" || return 1
	echo "$region" >/sys/bus/cxl/drivers/cxl_region/bind || return 1
	echo "$region"
}

# The endpoint decoder of a memdev that has DPA reserved but no region yet.
memdev_free_decoder_reserved() {
	local ep d
	ep=$(memdev_endpoint "$1") || return 1
	for d in $(ls -d $CXL/decoder${ep#endpoint}.* | sort -V); do
		[ -z "$(cat "$d/region" 2>/dev/null)" ] && [ "$(cat "$d/dpa_size")" != 0 ] &&
			{ echo "${d##*/}"; return 0; }
	done
	return 1
}

# cxl_region_destroy REGION: disable, decommit, release DPA and delete the region.
cxl_region_destroy() {
	local r=$CXL/$1 t dec
	[ -e "$r" ] || return 0
	[ -e "$r/driver" ] && echo "$1" >/sys/bus/cxl/drivers/cxl_region/unbind
	echo 0 >"$r/commit"
	for t in $r/target*; do
		dec=$(cat "$t")
		[ -n "$dec" ] || continue
		echo "" >"$t"
		echo 0 >"$CXL/$dec/dpa_size"
	done
	echo "$1" >"$CXL/$ROOT_DECODER/delete_region"
}

# The dax device of a region (daxR.0), once the dax_cxl driver has created it.
region_dax() {
	local i=0 d
	while [ $i -lt 50 ]; do
		d=$(ls -d "$CXL/$1"/dax_region*/dax*.* 2>/dev/null | head -n1)
		[ -n "$d" ] && { echo "${d##*/}"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# kernel_log_clean: no warning, oops or trace since the test started (the harness checks
# this too; tests call it at their own checkpoints). The one report of the core kernel
# that the harness's verdict drops (vm-run.py's KNOWN_CORE_REPORTS, the authority: it
# also checks the locks) is dropped here as a whole too: lockdep's pciehp
# reset_lock/pci_rescan_remove_lock inversion, task irq/N-pciehp, no svm_cxl frame.
# A debug kernel logs it at every boot's first hot-add.
kernel_log_clean() {
	! dmesg | awk '
		/possible circular locking dependency detected/ { inrep = 1; n = 0; ours = 0; pciehp = 0 }
		inrep {
			rep[n++] = $0
			if (/svm_cxl/) ours = 1
			if (/irq\/[0-9]+-pciehp\/[0-9]+ is trying to acquire lock:/) pciehp = 1
			if (/<\/TASK>/) {
				if (ours || !pciehp)
					for (i = 0; i < n; i++) print rep[i]
				inrep = 0
			}
			next
		}
		{ print }
		END { if (inrep) for (i = 0; i < n; i++) print rep[i] }' |
		grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection' >/dev/null
}

# Called when a coherent online or convert failed. The module refuses a pool whose range
# has holes in the kernel's direct map (kernel/directmap.c): an earlier hot-remove of the
# same range as System RAM under debug_pagealloc leaves them, so only the debug kernel
# gets here. Then assert what the refusal promises (no pool, no RAM page retired as
# poisoned by a copy into a hole) and skip the rest; otherwise return to the caller's fail.
skip_if_directmap_holes() {
	dmesg | grep -q "pages are not in the kernel's direct map" || return 0
	dmesg | grep -q "recovery action for dirty LRU page" &&
		fail "a RAM page was retired as poisoned"
	[ -z "$(ls -d /sys/devices/virtual/misc/svm_cxl/pools/pool* 2>/dev/null)" ] ||
		fail "a refused pool is listed"
	skip "pool refused: direct-map holes left by an earlier hot-remove (debug_pagealloc; docs/kernel.md)"
}

# hotplug_type3 BACKEND_ID DEVICE_ID SERIAL: hot-add a 256 MiB type-3 device into the
# hotplug topology's empty root port rp1 (QMP), wait until it enumerates with an endpoint
# port, print its memdev name. A backend id cannot be reused after the device is removed.
hotplug_type3() {
	local i=0 m new=""
	qmp "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"$1\",\"share\":true,\"size\":268435456}}" >/dev/null
	qmp "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"cxl-type3\",\"bus\":\"rp1\",\"volatile-memdev\":\"$1\",\"id\":\"$2\",\"sn\":$3}}" >/dev/null
	while [ $i -lt 300 ]; do
		for m in $(memdevs); do
			[ $(($(cat $CXL/$m/serial))) = "$3" ] && memdev_endpoint $m >/dev/null && new=$m
		done
		[ -n "$new" ] && { echo "$new"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# hotunplug DEVICE_ID: device_del through the attention button (5 s), and wait until QEMU
# has dropped the device. QEMU 10.0.2 sends no DEVICE_DELETED, so poll its QOM tree.
hotunplug() {
	local i=0
	qmp "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"$1\"}}" >/dev/null
	while [ $i -lt 120 ]; do
		qmp '{"execute":"qom-list","arguments":{"path":"/machine/peripheral"}}' |
			jq -e ".[] | select(.name == \"$1\")" >/dev/null || return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}
