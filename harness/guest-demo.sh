#!/bin/sh
# svm-demo: what svm-cxl does on this guest's CXL topology, step by step, with the same
# tools a user has: svm-cxlctl, numactl, and a small probe (svm-test-numa) that fills a
# buffer, reports where its pages live (move_pages) and checks the data afterwards.
set -u
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
die() { echo "demo: $*"; exit 1; }
# wait_for FILE: a helper process signals readiness by creating FILE
wait_for() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -gt 600 ] && die "timed out waiting for $1"
		sleep 0.1
	done
}
probe=svm-test-numa

step "1. The CXL topology QEMU built: memdevs, windows (root decoders)"
run svm-cxlctl list -M -X -u
run svm-cxlctl doctor

step "2. numa mode: assemble a region over every memdev and online it as a movable NUMA node"
memdevs=$(ls /sys/bus/cxl/devices | grep '^mem' | tr '\n' ' ')
echo "\$ svm-cxlctl online $memdevs--mode numa"
svm-cxlctl online $memdevs --mode numa >/tmp/online.json || die "online numa failed"
cat /tmp/online.json
region=$(jq -r '.region' /tmp/online.json)
node=$(jq -r '.dax.target_node' /tmp/online.json)
run svm-cxlctl status
run numactl -H

step "3. Place a program's memory on the CXL node (numactl --membind=$node)"
run numactl --membind="$node" $probe place 8

step "4. Offline the node while a process keeps 8 MiB there: pages move to node 0, data intact"
mkdir -p /tmp/numa-hold
numactl --membind="$node" $probe hold 8 /tmp/numa-hold >/tmp/numa-hold/out 2>&1 &
holder=$!
wait_for /tmp/numa-hold/ready
echo "holder before offline: $(grep nodes /tmp/numa-hold/out | head -n1)"
run svm-cxlctl offline "$region" -v || die "offline numa failed"
touch /tmp/numa-hold/go
wait $holder && echo "holder after offline: $(grep nodes /tmp/numa-hold/out | tail -n1), data intact" ||
	die "holder lost data: $(cat /tmp/numa-hold/out)"

step "5. coherent mode: the same region as a MEMORY_DEVICE_COHERENT pool of svm_cxl.ko"
run svm-cxlctl online "$region" --mode coherent || die "online coherent failed"
pool=$(svm-cxlctl list -r "$region" | jq -r '.[0].pool.pool')
run svm-cxlctl list -r "$region" -v -u

step "6. A process migrates 8 MiB into $pool (ioctl on /dev/svm_cxl); the CPU keeps using it"
mkdir -p /tmp/pool-hold
$probe migrate 8 "${pool#pool}" /tmp/pool-hold >/tmp/pool-hold/out 2>&1 &
holder=$!
wait_for /tmp/pool-hold/ready
cat /tmp/pool-hold/out
run svm-cxlctl list -P

step "7. Offline for hot-unplug: the pool is drained to system RAM first, data intact"
run svm-cxlctl offline "$region" -v || die "offline coherent failed"
touch /tmp/pool-hold/go
wait $holder && echo "holder after drain: $(tail -n1 /tmp/pool-hold/out), data intact" ||
	die "holder lost data: $(cat /tmp/pool-hold/out)"

step "8. Tear the region down: the memdevs could now be removed"
run svm-cxlctl destroy-region "$region"
run svm-cxlctl list -R
echo
echo "demo finished"
