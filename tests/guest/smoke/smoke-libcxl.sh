#!/bin/sh
# Region assembly takes libcxl's cxl_decoder_create_ram_region() (libcxl v77+) exactly
# when the guest's libcxl has it: libsvmcxl built against v76 writes create_ram_region
# through sysfs itself, one built against v77+ (the deb13 lane's v81) must call libcxl.
# The call is seen through the dynamic linker: with lazy binding, LD_DEBUG=bindings
# logs a symbol when it is first called.
. svm-test.sh

lib=$(find /usr -name libsvmcxl.so.1 | head -n1)
[ -n "$lib" ] || fail "no libsvmcxl.so.1 in the guest"
built=sysfs
grep -q cxl_decoder_create_ram_region "$lib" && built=libcxl
v=$(cxl --version)
echo "# libcxl $v in the guest; libsvmcxl builds regions through $built"
if [ "${v%%.*}" -ge 77 ]; then
	check_eq "libsvmcxl uses libcxl $v's region creation" libcxl $built
else
	check_eq "libsvmcxl creates regions through sysfs on libcxl $v" sysfs $built
fi

set -- $(memdevs)
rm -f /tmp/ld-bindings.*
LD_DEBUG=bindings LD_DEBUG_OUTPUT=/tmp/ld-bindings svm-cxlctl create-region "$@" >/tmp/create.json ||
	fail "create-region $* failed"
region=$(jq -r .region /tmp/create.json)
trap 'svm-cxlctl destroy-region $region' EXIT
check_eq "$region committed" 1 "$(cat $CXL/$region/commit)"
check_eq "$region bound" cxl_region "$(basename "$(readlink $CXL/$region/driver)")"
called=no
grep -q "symbol \`cxl_decoder_create_ram_region'" /tmp/ld-bindings.* && called=yes
if [ $built = libcxl ]; then
	check_eq "cxl_decoder_create_ram_region() was called" yes $called
else
	check_eq "cxl_decoder_create_ram_region() was not called" no $called
fi

trap - EXIT
svm-cxlctl destroy-region "$region" >/dev/null || fail "destroy-region $region failed"
[ -e "$CXL/$region" ] && fail "$region still exists after destroy-region"
echo "ok - $region destroyed"
