#!/bin/busybox sh
# /init of the svm-cxl test guest. The host shares a results directory over 9p; it holds
# run.env (mode, topology) and plan (one test per line: NAME TIMEOUT COMMAND...). Each test
# leaves NAME.log, NAME.dmesg (kernel log while it ran) and NAME.rc there; the host reads
# those files, never the console.
/bin/busybox --install -s /bin
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The project installs under /usr/local and the guest has no ld.so.cache.
export LD_LIBRARY_PATH=/usr/local/lib/x86_64-linux-gnu:/usr/local/lib
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ln -sf /proc/self/fd /dev/fd

say() { echo "svm-init: $*" >/dev/console; }
halt() { sync; umount /results 2>/dev/null; poweroff -f; }

modprobe -a 9pnet_virtio 9p || { say "cannot load 9p"; halt; }
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none host0 /results ||
	{ say "cannot mount results"; halt; }
. /results/run.env

# The CXL stack. kmem is left out on purpose: loading it binds every unbound CXL dax
# device, so the tests that want NUMA mode load it themselves.
modprobe -a cxl_acpi cxl_pci cxl_mem device_dax dax_cxl

# Enumeration is asynchronous: wait until every expected memdev has its endpoint port.
wait_cxl() {
	local i=0 n
	# 20 s, times the host's SVM_CXL_TIMEOUT_SCALE for a slower (debug) kernel
	while [ $i -lt $((200 * ${SVM_CXL_TIMEOUT_SCALE:-1})) ]; do
		n=$(ls -d /sys/bus/cxl/devices/endpoint* 2>/dev/null | wc -l)
		[ "$n" -ge "${SVM_CXL_MEMDEVS:-0}" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	say "only $n of ${SVM_CXL_MEMDEVS} CXL endpoints appeared"
	return 1
}
wait_cxl
dmesg -c >/results/boot.dmesg

export SVM_CXL_RESULTS=/results SVM_CXL_TOPOLOGY SVM_CXL_MEMDEVS SVM_CXL_TIMEOUT_SCALE
export SVM_CXL_TESTDIR=$(ls -d /usr/local/libexec/svm-cxl/tests /usr/libexec/svm-cxl/tests 2>/dev/null | head -n1)
export PATH=$PATH:$SVM_CXL_TESTDIR

run_plan() {
	local name timeout cmd rc
	while read -r name timeout cmd; do
		case "$name" in '' | '#'*) continue ;; esac
		echo "$name" >/results/current
		say "test $name"
		(cd /tmp && exec timeout -s KILL "$timeout" sh -c "$cmd") >"/results/$name.log" 2>&1 </dev/null
		rc=$?
		dmesg -c >"/results/$name.dmesg"
		[ "$SVM_CXL_MODE" = shell ] && cat "/results/$name.log" >/dev/console
		echo $rc >"/results/$name.rc.tmp" && mv "/results/$name.rc.tmp" "/results/$name.rc"
		say "test $name rc=$rc"
	done </results/plan
	rm -f /results/current
}

case "$SVM_CXL_MODE" in
tests)
	run_plan
	;;
shell)
	[ -s /results/plan ] && run_plan
	say "interactive shell; 'poweroff -f' or exit leaves the guest"
	# cttyhack gives the shell a controlling terminal, so Ctrl-C reaches its jobs.
	setsid cttyhack sh -l
	;;
esac
echo done >/results/finished
halt
