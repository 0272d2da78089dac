#!/bin/sh
# svm-cxlctl migrate --pid: a process fills 4 MiB; the CLI moves it by --range to the
# region's pool and back over the whole process; the JSON counters add up to the pages
# and say what moved, and the process itself (its own QUERY) finds every page where
# they say, its data intact. Bad input (no such process, an unaligned or unmapped
# range, a region without a pool, an unknown option, no privilege) exits with its
# code and moves nothing.
. svm-test.sh
. cli-lib.sh
D=/tmp/cm
trap 'touch $D/exit; clean_all' EXIT

modinfo svm_cxl >/dev/null 2>&1 || skip "svm_cxl.ko not installed"
MIB=4
PAGES=$((MIB * 256))
region=$(cxl_ram_region_create $(memdevs)) || fail "reference region assembly failed"
$CTL online $region --mode coherent >/dev/null ||
	{ skip_if_directmap_holes; fail "online coherent failed"; }
pool=$($CTL list -r $region | jq -r '.[0].pool.pool')
id=${pool#pool}
[ -n "$id" ] && [ "$id" != null ] || fail "no pool for $region"

rm -rf $D; mkdir -p $D
svm-test-holder $MIB $D >$D/out 2>&1 &
pid=$!
i=0
while [ ! -e $D/ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -e $D/ready ] || fail "holder never got ready: $(cat $D/out)"
range=$(sed -n 's/^range: //p' $D/out)
# where N: what the holder's own QUERY says now (its Nth answer), e.g.
# "pool1=1024 system=0 none=0 pattern: intact"
where() {
	touch $D/ask$1
	i=0
	while [ ! -e $D/done$1 ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	sed -n "s/^$1 where: //p" $D/out
}
# sum of the page counters of a migrate JSON equals its pages
counted_once() {
	echo "$1" | jq -e '.moved + .already + .absent + .busy + .no_memory + .other_pool + .unsupported == .pages' >/dev/null
}

timed $CTL migrate --pid $pid --range $range --to $region >$D/to.json || fail "migrate --to $region failed"
log "migrate $MIB MiB to $pool by --range: $MS ms"
cat $D/to.json
j=$(cat $D/to.json)
check_eq "to: pid" $pid "$(echo "$j" | jq .pid)"
check_eq "to: to" $region "$(echo "$j" | jq -r .to)"
check_eq "to: pool" $id "$(echo "$j" | jq .pool)"
check_eq "to: ranges" "$range" "$(echo "$j" | jq -r '.ranges[0].start + "-" + .ranges[0].end')"
check_eq "to: pages" $PAGES "$(echo "$j" | jq .pages)"
check_eq "to: moved" $PAGES "$(echo "$j" | jq .moved)"
counted_once "$j" || fail "to: counters do not add up to pages"
check_eq "holder's pages after --to $region" "$pool=$PAGES system=0 none=0 pattern: intact" "$(where 1)"
check_eq "$pool used" $PAGES "$(cat /sys/devices/virtual/misc/svm_cxl/pools/$pool/used)"

expect_rc 0 $CTL migrate --pid $pid --range $range --to $region
check_eq "again: already" $PAGES "$(echo "$OUT" | jq .already)"

# bad input: the exit code, and nothing moved (the holder's pages, read back below;
# one full sysfs snapshot too: it costs seconds under TCG, reading every valid_zones)
expect_rc 3 $CTL migrate --pid 999999 --to system
expect_msg "no such process"
expect_rc 2 $CTL migrate --pid $pid --range 0x1001-0x3000 --to system
expect_msg "page aligned"
expect_rc 2 $CTL migrate --pid $pid --range 0x3000-0x1000 --to system
expect_rc 2 $CTL migrate --pid $pid --to system --frobnicate
expect_rc 2 $CTL migrate --pid $pid
expect_msg "--to"
expect_rc 2 $CTL migrate --to system
expect_rc 3 $CTL migrate --pid $pid --to region99
expect_rc 1 $CTL migrate --pid $pid --range $range --range 0x1000-0x2000 --to system
expect_msg "not (wholly) mapped"
fails_unchanged 5 $SVM_TEST_NUMA nobody $CTL migrate --pid $pid --to system
check_eq "after the refusals the holder's pages stayed" "$pool=$PAGES system=0 none=0 pattern: intact" "$(where 2)"
check_eq "$pool used after the refusals" $PAGES "$(cat /sys/devices/virtual/misc/svm_cxl/pools/$pool/used)"

timed $CTL migrate --pid $pid --to system >$D/back.json || fail "migrate --to system failed"
log "migrate the whole process back: $MS ms"
cat $D/back.json
j=$(cat $D/back.json)
check_eq "back: to" system "$(echo "$j" | jq -r .to)"
check_eq "back: no pool key" null "$(echo "$j" | jq .pool)"
[ "$(echo "$j" | jq .moved)" -ge $PAGES ] || fail "back: moved $(echo "$j" | jq .moved) < $PAGES"
[ "$(echo "$j" | jq .unsupported)" -gt 0 ] || fail "back: no unsupported mapping in a whole process?"
counted_once "$j" || fail "back: counters do not add up to pages"
check_eq "holder's pages after --to system" "system=$PAGES none=0 pattern: intact" "$(where 3)"
check_eq "$pool used" 0 "$(cat /sys/devices/virtual/misc/svm_cxl/pools/$pool/used)"

touch $D/exit
wait $pid || fail "holder: pattern corrupt: $(cat $D/out)"
expect_rc 0 $CTL offline $region
expect_rc 0 $CTL destroy-region $region
kernel_log_clean || fail "kernel log"
