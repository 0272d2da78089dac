# Shell helpers of the svm_cxl.ko guest tests (busybox sh). Source after svm-test.sh.
# ktest_setup assembles a ram region over every memdev, loads svm_cxl and sets
# REGION, DAX, START, SIZE; ktest_cleanup (installed as the EXIT trap) removes every
# pool, unloads the module and destroys the region, so the next test finds a clean guest.
POOLS=/sys/class/misc/svm_cxl/pools

ktest_setup() {
	grep -q '^svm_cxl ' /proc/modules && fail "svm_cxl already loaded before the test"
	modprobe svm_cxl || fail "modprobe svm_cxl"
	REGION=$(cxl_ram_region_create $(memdevs)) || fail "region assembly failed"
	trap ktest_cleanup EXIT
	DAX=$(region_dax "$REGION") || fail "no dax device for $REGION"
	START=$(($(cat $CXL/$REGION/resource)))
	SIZE=$(($(cat $CXL/$REGION/size)))
	NODE=$(cat /sys/bus/dax/devices/$DAX/target_node)
	log "$REGION: start $(printf %#x $START) size $SIZE node $NODE dax $DAX"
}

# Make sure no driver holds the dax device (and so the range).
ktest_disable_dax() {
	[ -e /sys/bus/dax/devices/$DAX/driver ] || return 0
	daxctl disable-device "$DAX" >/dev/null 2>&1 || fail "daxctl disable-device $DAX"
}

ktest_cleanup() {
	local p rc=$?
	for p in $POOLS/pool*; do
		[ -e "$p" ] || continue
		svm-kpool remove "${p##*/pool}" >/dev/null || echo "cleanup: remove ${p##*/} failed"
	done
	grep -q '^svm_cxl ' /proc/modules && { rmmod svm_cxl || echo "cleanup: rmmod failed"; }
	[ -n "$REGION" ] && cxl_region_destroy "$REGION"
	exit $rc
}

# ktest_pool_add START LENGTH: prints the pool id
ktest_pool_add() {
	local out
	out=$(svm-kpool add "$1" "$2") || fail "pool add $1 $2 failed"
	echo "${out%% *}"
}

# expect_errno WHAT ERRNO COMMAND...: the command must exit with that errno
expect_errno() {
	local what=$1 want=$2 rc
	shift 2
	"$@" >/dev/null 2>&1
	rc=$?
	check_eq "$what" "$want" "$rc"
}
