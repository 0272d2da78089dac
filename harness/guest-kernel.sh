#!/usr/bin/env bash
# Print facts about the guest kernel of a lane (harness/lane.sh): the newest Debian kernel
# installed there that has its image, headers and modules. Resolved each time, never
# hard-coded. Paths are as seen from where this runs: on the host, a chroot lane's
# paths carry its root; inside the lane (lane.sh exec) they do not.
#   guest-kernel.sh [--lane LANE] abi|image|headers|modules
# The lane is --lane, else SVM_CXL_LANE, else deb12.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lane=${SVM_CXL_LANE:-deb12}
if [ "${1:-}" = --lane ]; then
	lane=$2
	shift 2
fi
root=
if [ -z "${SVM_CXL_LANE_INSIDE:-}" ]; then
	root=$("$here/lane.sh" root "$lane")
	root=${root%/}
fi
pick_abi() {
	local v
	for v in $(ls -1 "$root"/boot/vmlinuz-* 2>/dev/null | sed "s|^$root/boot/vmlinuz-||" | sort -rV); do
		if [ -d "$root/usr/src/linux-headers-$v" ] && [ -d "$root/lib/modules/$v/kernel" ]; then
			echo "$v"
			return 0
		fi
	done
	echo "guest-kernel: no kernel with image, headers and modules installed in lane $lane (run harness/setup.sh)" >&2
	return 1
}
# SVM_CXL_KERNEL=debug: deb12's debug kernel (harness/debug-kernel.sh), once built.
if [ "${SVM_CXL_KERNEL:-}" = debug ]; then
	[ "$lane" = deb12 ] || { echo "guest-kernel: the debug kernel exists for deb12 only" >&2; exit 1; }
	exec "$here/debug-kernel.sh" "${1:-abi}"
fi
abi=${SVM_CXL_GUEST_ABI:-$(pick_abi)}
case "${1:-abi}" in
abi) echo "$abi" ;;
image) echo "$root/boot/vmlinuz-$abi" ;;
headers) echo "$root/usr/src/linux-headers-$abi" ;;
modules) echo "$root/lib/modules/$abi" ;;
*) echo "usage: guest-kernel.sh [--lane LANE] abi|image|headers|modules" >&2; exit 2 ;;
esac
