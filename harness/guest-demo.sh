#!/bin/sh
# svm-demo: what svm-cxl does on this guest's CXL topology, step by step.
. svm-test.sh

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "The CXL topology QEMU built: memdevs, host bridges, the root decoder (window)"
run cxl list -M -P -D -T -u

step "Assemble a RAM region over every memdev (window target order, 4 KiB interleave)"
region=$(cxl_ram_region_create $(memdevs)) || fail "region assembly failed"
run cxl list -R -r "$region" -u
dax=$(region_dax "$region")
run daxctl list -d "$dax"

step "Load svm_cxl.ko: /dev/svm_cxl and its ABI"
run modprobe svm_cxl
run ls -l /dev/svm_cxl
run svm-test-abi | grep VERSION

step "Tear it down again: unload, delete the region"
run rmmod svm_cxl
cxl_region_destroy "$region" && echo "$region deleted"
run cxl list -R
echo
echo "demo finished"
