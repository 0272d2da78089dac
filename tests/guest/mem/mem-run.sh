#!/bin/sh
# svm-cxlctl run: an unmodified program (svm-run-prog) started under 'run' has its large
# allocations on the pool (the module's holders line for its pid and the frames of its
# page tables in /proc/PID/pagemap say so, not the program), computes the same checksum as in RAM, and keeps its data; with the
# pool "full" (user_page_limit) it falls back to RAM with one warning and the same data;
# svm-cxlctl top shows the program's pages (as root; totals only for users without
# /dev/svm_cxl; a user with it sees its own program's pages, not root's);
# --all takes its own mmap() too; the exit codes before and after the exec.
. svm-test.sh
. cli-lib.sh
LIMIT=/sys/module/svm_cxl/parameters/user_page_limit
DEVMODE=
dev_restore() {
	[ -z "$DEVMODE" ] || { chgrp ${DEVMODE#* } /dev/svm_cxl && chmod ${DEVMODE% *} /dev/svm_cxl; }
}
trap 'touch /tmp/run1/go /tmp/run2/go /tmp/run3/go; [ -w $LIMIT ] && echo 0 >$LIMIT
	dev_restore; clean_all' EXIT

modinfo svm_cxl >/dev/null 2>&1 || skip "svm_cxl.ko not installed"
MIB=8
# malloc(8 MiB) + calloc(1 MiB) + realloc to 2 MiB, in pages
PAGES=$(((MIB + 1 + 2) * 256))

region=$(cxl_ram_region_create $(memdevs)) || fail "reference region assembly failed"
start=$(($(cat $CXL/$region/resource)))
size=$(($(cat $CXL/$region/size)))
$CTL online $region --mode coherent >/dev/null || fail "online $region --mode coherent"
pool=""
for p in /sys/devices/virtual/misc/svm_cxl/pools/pool*; do
	[ "$(($(cat $p/start)))" = "$start" ] && pool=${p##*/pool}
done
[ -n "$pool" ] || fail "no pool starts at $(printf %#x $start)"
P=/sys/devices/virtual/misc/svm_cxl/pools/pool$pool

# the reference: the same program in RAM
ram=$(svm-run-prog $MIB) || fail "svm-run-prog in RAM"
log "in RAM: $ram"

# on the pool, held while we look at it
used0=$(cat $P/used)
rm -rf /tmp/run1 /tmp/run.rep && mkdir -p /tmp/run1
timed_start=$(cut -d' ' -f1 /proc/uptime)
$CTL run --on $region --report /tmp/run.rep -v -- svm-run-prog $MIB /tmp/run1 \
	>/tmp/run1/out 2>/tmp/run1/err &
job=$!
i=0
while [ ! -e /tmp/run1/ready ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/run1/ready ] || fail "program under run never got ready: $(cat /tmp/run1/out /tmp/run1/err)"
pid=$(cat /tmp/run1/pid)
check_eq "run execs the program in place (same pid)" "$job" "$pid"
check_eq "run -v: pool" "pool$pool" "$(head -n1 /tmp/run1/err | jq -r .pool)"
check_eq "run -v: scope" heap "$(head -n1 /tmp/run1/err | jq -r .scope)"
check_eq "holders of pool$pool: $pid holds its $PAGES pages" "$PAGES" \
	"$(awk -v p=$pid '$1 == p { print $3 }' $P/holders)"
check_eq "pool$pool used grew by $PAGES" "$PAGES" "$(($(cat $P/used) - used0))"
# top reports the same per-process number, as root; other users get the totals only
$CTL top --json --count 1 pool$pool >/tmp/top.json || fail "top --json --count 1"
check_eq "top: $pid holds $PAGES pages of pool$pool" "$PAGES true" \
	"$(jq -r ".[0].processes[] | select(.pid == $pid) | \"\(.pages) \(.alive)\"" /tmp/top.json)"
check_eq "top: pool$pool is in $region" "$region" "$(jq -r '.[0].region' /tmp/top.json)"
check_eq "top: used pages = sysfs" "$(cat $P/used)" "$(jq -r '.[0].used_pages' /tmp/top.json)"
$CTL top --count 1 $region | grep -q "^ *$pid .* svm-run-prog$" || fail "top text: no line for $pid"
svm-test-numa nobody $CTL top --json --count 1 >/tmp/top.json 2>/tmp/top.err ||
	fail "top as nobody: $(cat /tmp/top.err)"
check_eq "top as nobody: totals, no processes" "$(cat $P/used) null" \
	"$(jq -r '.[0] | "\(.used_pages) \(.processes)"' /tmp/top.json)"
grep -q "needs root" /tmp/top.err || fail "top as nobody: no note"
# a user given /dev/svm_cxl (group svm-cxl, as udev/90-svm-cxl.rules does): its own
# program under run is in its top, with the pages holders charges it; root's is not
DEVMODE=$(stat -c '%a %g' /dev/svm_cxl) || fail "no /dev/svm_cxl"
chgrp 65534 /dev/svm_cxl && chmod 0660 /dev/svm_cxl || fail "chgrp /dev/svm_cxl"
rm -rf /tmp/run3 && mkdir -p /tmp/run3 && chmod 0777 /tmp/run3
svm-test-numa nobody $CTL run --on $region -- svm-run-prog 1 /tmp/run3 \
	>/tmp/run3/out 2>/tmp/run3/err &
job3=$!
i=0
while [ ! -e /tmp/run3/ready ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/run3/ready ] || fail "run as nobody: never ready: $(cat /tmp/run3/err)"
pid3=$(cat /tmp/run3/pid)
PAGES3=$(((1 + 1 + 2) * 256))
check_eq "holders: nobody's $pid3 holds $PAGES3 pages, uid 65534" "65534 $PAGES3" \
	"$(awk -v p=$pid3 '$1 == p { print $2, $3 }' $P/holders)"
svm-test-numa nobody $CTL top --json --count 1 pool$pool >/tmp/top.json 2>/tmp/top.err ||
	fail "top as nobody with /dev/svm_cxl: $(cat /tmp/top.err)"
check_eq "top as nobody: its own $pid3 with $PAGES3 pages, alive" "$PAGES3 true svm-run-prog" \
	"$(jq -r ".[0].processes[] | select(.pid == $pid3) | \"\(.pages) \(.alive) \(.comm)\"" /tmp/top.json)"
check_eq "top as nobody: not root's $pid, only uid 65534" "1 65534" \
	"$(jq -r '.[0] | "\(.processes | length) \(.processes_uid)"' /tmp/top.json)"
check_eq "top as nobody: the region" "$region" "$(jq -r '.[0].region' /tmp/top.json)"
grep -q "other users' processes need root" /tmp/top.err || fail "top as nobody: no note: $(cat /tmp/top.err)"
svm-test-numa nobody $CTL top --count 1 $region | grep -q "^ *$pid3 .* svm-run-prog$" ||
	fail "top text as nobody: no line for $pid3"
touch /tmp/run3/go
wait $job3 || fail "run as nobody failed: $(cat /tmp/run3/err)"
dev_restore || fail "restoring /dev/svm_cxl's group and mode"
set -- $(cat /tmp/run1/addrs)
check_eq "pagemap: malloc($MIB MiB) block" "pool $((MIB * 256)) ram 0 absent 0" \
	"$(svm-mem-test pagemap $pid $1 $((MIB << 20)) $start $size)"
check_eq "pagemap: calloc(1 MiB) block" "pool 256 ram 0 absent 0" \
	"$(svm-mem-test pagemap $pid $2 $((1 << 20)) $start $size)"
check_eq "pagemap: realloc()ed 2 MiB block" "pool 512 ram 0 absent 0" \
	"$(svm-mem-test pagemap $pid $3 $((2 << 20)) $start $size)"
touch /tmp/run1/go
wait $job || fail "program under run failed: $(cat /tmp/run1/err)"
log "run on the pool: $(awk -v s=$timed_start '{ printf "%d", ($1 - s) * 1000 }' /proc/uptime) ms"
check_eq "checksum on the pool = in RAM" "$ram" "$(cat /tmp/run1/out)"
grep -q "stay in system RAM" /tmp/run1/err && fail "a fallback warning without a full pool"
# cumulative: the 256 KiB block that realloc() replaced counts too
check_eq "report: pool pages" "$((PAGES + 64))" "$(jq -r .pool_pages /tmp/run.rep)"
check_eq "report: RAM pages" 0 "$(jq -r .ram_pages /tmp/run.rep)"
check_eq "report: allocations (malloc, calloc, 256K, realloc)" 4 "$(jq -r .allocations /tmp/run.rep)"
check_eq "pool$pool used back to $used0 after exit" "$used0" "$(cat $P/used)"

# a "full" pool: the user's limit leaves room for 2 MiB of a 4 MiB program; the rest
# falls back to RAM
ram4=$(svm-run-prog 4) || fail "svm-run-prog 4 in RAM"
echo 512 >$LIMIT
rm -f /tmp/run.rep
out=$($CTL run --on pool$pool --report /tmp/run.rep -- svm-run-prog 4 2>/tmp/run.err) ||
	fail "run with a full pool failed: $(cat /tmp/run.err)"
echo 0 >$LIMIT
cat /tmp/run.err
check_eq "checksum with the fallback = in RAM" "$ram4" "$out"
check_eq "one fallback warning" 1 "$(grep -c "stay in system RAM" /tmp/run.err)"
rep_pool=$(jq -r .pool_pages /tmp/run.rep) rep_ram=$(jq -r .ram_pages /tmp/run.rep)
[ "$rep_pool" -le 512 ] && [ "$rep_ram" -gt 0 ] || fail "report: $(cat /tmp/run.rep)"
check_eq "report: every page counted once" "$(((4 + 1 + 2) * 256 + 64))" "$((rep_pool + rep_ram))"
log "fallback: $rep_pool pages on the pool, $rep_ram in RAM"

# --all: the program's own 2 MiB mmap() too
rm -rf /tmp/run2 /tmp/run.rep && mkdir -p /tmp/run2
$CTL run --on $region --all --report /tmp/run.rep -- svm-run-prog 1 --mmap /tmp/run2 \
	>/tmp/run2/out 2>/tmp/run2/err &
job=$!
i=0
while [ ! -e /tmp/run2/ready ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/run2/ready ] || fail "--all: never ready: $(cat /tmp/run2/err)"
check_eq "--all: pagemap: the program's own mmap()" "pool 512 ram 0 absent 0" \
	"$(svm-mem-test pagemap $job $(tail -n1 /tmp/run2/addrs) $((2 << 20)) $start $size)"
check_eq "--all: holders count the mmap() too" $(((1 + 1 + 2 + 2) * 256)) \
	"$(awk -v p=$job '$1 == p { print $3 }' $P/holders)"
touch /tmp/run2/go
wait $job || fail "--all: program failed: $(cat /tmp/run2/err)"
check_eq "--all: report mmaps" 1 "$(jq -r .mmaps /tmp/run.rep)"
check_eq "--all: checksum" "$(svm-run-prog 1 --mmap)" "$(cat /tmp/run2/out)"

# exit codes: before the exec run's own, after it the program's
expect_rc 7 $CTL run --on $region -- sh -c 'exit 7'
expect_rc 127 $CTL run --on $region -- no-such-program
expect_msg "no-such-program"
expect_rc 3 $CTL run --on pool$((pool + 1)) -- true
expect_rc 3 $CTL run --on region$(( ${region#region} + 1 )) -- true
expect_rc 2 $CTL run --on $region
expect_rc 2 $CTL run -- true
expect_rc 5 svm-test-numa nobody $CTL run --on $region -- true
expect_msg "/dev/svm_cxl"
SVM_CXL_RUN_PRELOAD=/nonexistent.so expect_rc 6 $CTL run --on $region -- true

$CTL offline $region >/dev/null || fail "offline $region"
expect_rc 3 $CTL run --on $region -- true
expect_msg "not online in coherent mode"
kernel_log_clean || fail "kernel log"
