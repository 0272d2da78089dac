#!/bin/sh
# svm-sysguest-plan: in the systemd guest, the host's test plan, as harness/guest-init.sh
# runs it in the initramfs guest (same share, same files: NAME.log, NAME.dmesg, NAME.rc),
# but as a systemd service once the system is up. The test programs come over 9p from
# the build (tag tests), the packages under test are installed in the image.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
say() { echo "svm-sysguest: $*" >/dev/console; }
halt() { sync; umount /results 2>/dev/null; systemctl poweroff -ff; }
mkdir -p /results /usr/local/libexec/svm-cxl/tests
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none host0 /results ||
	{ say "cannot mount results"; halt; }
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144 tests /usr/local/libexec/svm-cxl/tests ||
	{ say "cannot mount the tests"; halt; }
. /results/run.env
dmesg -c >/results/boot.dmesg
# Where the boot went: systemd-analyze critical-chain and blame, only when asked
# (SVM_CXL_SYSGUEST_ANALYZE=1 on the host: under TCG they take ~50 s). The unit is
# Type=exec, so the boot is finished once this has started.
if [ "${SVM_CXL_SYSGUEST_ANALYZE:-}" = 1 ]; then
	timeout 60 systemctl is-system-running --wait >/dev/null 2>&1
	{ systemd-analyze time; systemd-analyze critical-chain multi-user.target
		systemd-analyze blame | head -n 15; } >/results/boot-analyze.txt 2>&1
fi
export SVM_CXL_RESULTS=/results SVM_CXL_TOPOLOGY SVM_CXL_MEMDEVS SVM_CXL_TIMEOUT_SCALE
export SVM_CXL_TESTDIR=/usr/local/libexec/svm-cxl/tests
export PATH=$PATH:$SVM_CXL_TESTDIR
while read -r name timeout cmd; do
	case "$name" in '' | '#'*) continue ;; esac
	echo "$name" >/results/current
	say "test $name"
	(cd /tmp && exec timeout -s KILL "$timeout" sh -c "$cmd") >"/results/$name.log" 2>&1 </dev/null
	rc=$?
	dmesg -c >"/results/$name.dmesg"
	echo $rc >"/results/$name.rc.tmp" && mv "/results/$name.rc.tmp" "/results/$name.rc"
	say "test $name rc=$rc"
done </results/plan
rm -f /results/current
journalctl -b --no-pager >/results/journal.txt 2>&1
# systemd's own line, always (free: it is in the journal)
grep -m1 'Startup finished' /results/journal.txt >>/results/boot-analyze.txt
echo done >/results/finished
halt
