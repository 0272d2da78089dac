#!/usr/bin/env bash
# Print facts about the guest kernel: the newest installed Debian kernel that has both its
# image and its headers. Resolved each time, never hard-coded.
#   guest-kernel.sh abi|image|headers|modules
set -euo pipefail
pick_abi() {
	local v
	for v in $(ls -1 /boot/vmlinuz-* 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -rV); do
		if [ -d "/usr/src/linux-headers-$v" ] && [ -d "/lib/modules/$v/kernel" ]; then
			echo "$v"
			return 0
		fi
	done
	echo "guest-kernel: no kernel with image, headers and modules installed (run harness/setup.sh)" >&2
	return 1
}
abi=${SVM_CXL_GUEST_ABI:-$(pick_abi)}
case "${1:-abi}" in
abi) echo "$abi" ;;
image) echo "/boot/vmlinuz-$abi" ;;
headers) echo "/usr/src/linux-headers-$abi" ;;
modules) echo "/lib/modules/$abi" ;;
*) echo "usage: guest-kernel.sh abi|image|headers|modules" >&2; exit 2 ;;
esac
