#!/usr/bin/env bash
# Prepare the deb13 lane: a trixie chroot (made with mmdebstrap) holding gcc-14, the
# trixie-backports kernel (image, headers, modules) and QEMU, trixie's ndctl/libcxl and
# everything the project's userspace build and guest initramfs take from it.
# Cached outside the source tree (SVM_CXL_DEB13_ROOT, default /var/cache/svm-cxl/deb13).
# Idempotent: a complete chroot with the same package lists is only checked.
# Called by harness/setup.sh; run as root on the Debian 12 host.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$("$here/lane.sh" root deb13)
stamp=$root/.svm-cxl-lane

log() { printf 'setup-lane-deb13: %s\n' "$*" >&2; }

# From trixie: the toolchain (kernel headers of 7.x need gcc-14), the project's build
# dependencies (mirror of BASE_PKGS in setup.sh), and the programs the guest initramfs
# copies (harness/mkinitramfs.sh). systemd-dev: udev.pc and systemd.pc, so the rules and
# units land where trixie's udevd and systemd read them (/usr/lib); libsystemd-dev:
# sd_notify in svm-cxld, as on deb12; build-essential, debhelper, dh-dkms and lintian:
# the Debian packages build and are checked here too (test package-deb-deb13).
TRIXIE_PKGS=(
	gcc-14 gcc make libc6-dev kmod bc bison flex libelf-dev libssl-dev
	xz-utils cpio gzip file python3 pkg-config meson ninja-build
	ndctl daxctl libcxl-dev libdaxctl-dev libndctl-dev
	numactl libnuma-dev libkmod-dev libjson-c-dev liburing-dev libudev-dev udev
	busybox-static jq strace util-linux dkms openssl asciidoctor
	systemd-dev libsystemd-dev build-essential debhelper dh-dkms gcc-multilib lintian
)
# From trixie-backports: the guest kernel and QEMU.
BACKPORTS_PKGS=(linux-image-amd64 linux-headers-amd64 qemu-system-x86)

# Also from trixie-backports, after the kernel: linux-source-SERIES of that kernel, the
# source of the benchmark's yardstick (lib/test_hmm.c, bench/yardstick.sh). It has no
# metapackage, so its name is resolved from the kernel installed.
want="$(printf '%s ' "${TRIXIE_PKGS[@]}") | $(printf '%s ' "${BACKPORTS_PKGS[@]}")linux-source"

if [ -f "$stamp" ] && [ "$(head -n1 "$stamp")" = "$want" ]; then
	log "present at $root ($(sed -n 2p "$stamp"))"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || { log "the deb13 chroot is missing or stale and this is not root: run 'sudo $0'"; exit 1; }

export DEBIAN_FRONTEND=noninteractive
if ! command -v mmdebstrap >/dev/null; then
	log "installing mmdebstrap"
	apt-get install -y -q --no-install-recommends mmdebstrap >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends mmdebstrap >/dev/null; }
fi

t0=$(date +%s)
if [ ! -f "$root/etc/debian_version" ] || [ ! -f "$root/.svm-cxl-bootstrapped" ]; then
	# the machine's own Debian mirror and keyring (never a host of ours)
	mk=$("$here/apt-mirror.sh") || exit 1
	read -r mirror key <<<"$mk"
	log "bootstrapping trixie into $root from $mirror"
	rm -rf "$root.tmp"
	mkdir -p "$(dirname "$root")"
	mmdebstrap --quiet --variant=apt --aptopt='APT::Install-Recommends "false"' \
		--include="$(IFS=,; echo "${TRIXIE_PKGS[*]}")" trixie "$root.tmp" \
		"deb [signed-by=$key] $mirror trixie main" \
		"deb [signed-by=$key] $mirror trixie-backports main"
	touch "$root.tmp/.svm-cxl-bootstrapped"
	rm -rf "$root"
	mv "$root.tmp" "$root"
fi
t1=$(date +%s)

# The rest goes through lane.sh exec, whose private mount namespace takes /proc, /dev
# and /sys away again however apt ends. The stamp is not there yet, so call the inner
# step directly.
in_chroot() {
	unshare --mount --propagation private -- /bin/bash -c '
		set -e
		root=$1; shift
		mount --rbind /dev "$root/dev"
		mount -t proc proc "$root/proc"
		mount --rbind /sys "$root/sys"
		exec chroot "$root" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
	' in-chroot "$root" "$@"
}
log "installing into the chroot: ${TRIXIE_PKGS[*]} and, from trixie-backports, ${BACKPORTS_PKGS[*]}"
in_chroot apt-get update -q >/dev/null
in_chroot apt-get install -y -q "${TRIXIE_PKGS[@]}" >/dev/null
in_chroot apt-get install -y -q -t trixie-backports "${BACKPORTS_PKGS[@]}" >/dev/null
abi=$(in_chroot /bin/sh -c 'ls /usr/src | sed -n "s/^linux-headers-\(.*-amd64\)$/\1/p" | sort -V | tail -n1')
[ -n "$abi" ] && [ -f "$root/boot/vmlinuz-$abi" ] && [ -d "$root/lib/modules/$abi/kernel" ] ||
	{ log "no complete guest kernel in the chroot after install"; exit 1; }
in_chroot apt-get install -y -q --no-install-recommends -t trixie-backports \
	"linux-source-$(echo "$abi" | cut -d. -f1-2)" >/dev/null
in_chroot apt-get clean
t2=$(date +%s)
qemu=$(in_chroot qemu-system-x86_64 --version | head -n1)
printf '%s\nkernel %s, %s, libcxl %s\n' "$want" "$abi" "$qemu" \
	"$(in_chroot dpkg-query -W -f='${Version}' libcxl1)" >"$stamp"
log "done in $((t2 - t0))s (bootstrap $((t1 - t0))s, packages $((t2 - t1))s): $(sed -n 2p "$stamp")"
