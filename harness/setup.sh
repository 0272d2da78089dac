#!/usr/bin/env bash
# Install everything svm-cxl needs to build, boot its QEMU CXL guests and run its tests,
# on both lanes (harness/lane.sh): deb12 on this machine, deb13 in a cached trixie chroot
# (harness/setup-lane-deb13.sh). SVM_CXL_LANES=deb12 (or deb13) prepares only that one.
# Idempotent: when every package is present it only checks and returns in seconds.
# Debian 12 (bookworm) as root; QEMU 10, the guest kernel and meson come from backports.
set -euo pipefail

log() { printf 'setup: %s\n' "$*" >&2; }

BACKPORTS_SOURCES=/etc/apt/sources.list.d/svm-cxl-backports.sources

# Packages from bookworm itself. debhelper, dh-dkms, lintian: the package build and its
# check (harness/package-check.sh); man-db: svm-cxlctl help reads the gzipped pages;
# mmdebstrap: the systemd guest's image (harness/sysguest-image.sh).
BASE_PKGS=(
	build-essential pkg-config git cpio gzip xz-utils kmod file
	python3 jq busybox-static
	ndctl daxctl libcxl-dev libdaxctl-dev libndctl-dev
	numactl libnuma-dev libkmod-dev libjson-c-dev liburing-dev
	gnuplot-nox dkms openssl asciidoctor
	debhelper dh-dkms lintian man-db mmdebstrap
	gcc-multilib
)
# gcc-multilib: -m32 for the i386 uapi layout check (host test uapi-layout-i386) and the
# static 32-bit ioctl caller of the guest tests (svm-k32, compat_ptr_ioctl).
# Packages that must come from bookworm-backports (QEMU's libudev1 drags libudev-dev along;
# systemd-dev: udev.pc and systemd.pc, where the rules and units go).
BACKPORTS_PKGS=(
	qemu-system-x86 meson ninja-build libudev-dev udev
	linux-image-amd64 linux-headers-amd64
	libsystemd-dev systemd-dev
)

# Reuse the machine's own Debian mirror and keyring: never name a mirror host here.
enable_backports() {
	[ -f "$BACKPORTS_SOURCES" ] && return 0
	local mirror uris signed
	mirror=$("$(dirname "$0")/apt-mirror.sh") || exit 1
	read -r uris signed <<<"$mirror"
	[ "$(id -u)" -eq 0 ] || { log "must run as root to enable backports"; exit 1; }
	log "enabling bookworm-backports from $uris"
	cat >"$BACKPORTS_SOURCES" <<EOS
Types: deb
URIs: $uris
Suites: bookworm-backports
Components: main
Signed-By: ${signed:-/usr/share/keyrings/debian-archive-keyring.gpg}
EOS
}

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
	done
}

# The headers metapackage from backports names the guest ABI; the image and headers of
# exactly that ABI must both be present.
guest_abi_ok() {
	local abi
	abi=$(SVM_CXL_LANE=deb12 "$(dirname "$0")/guest-kernel.sh" abi 2>/dev/null) || return 1
	[ -n "$abi" ]
}

export DEBIAN_FRONTEND=noninteractive

mapfile -t need_base < <(missing "${BASE_PKGS[@]}")
mapfile -t need_bp < <(missing "${BACKPORTS_PKGS[@]}")
need_bp_ver=0
if ! dpkg --compare-versions "$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || echo 0)" ge 1:10; then
	need_bp_ver=1
fi

# The deb13 lane lives in its own chroot; it needs nothing from deb12's packages but
# mmdebstrap, which its script installs.
lane_deb13() {
	case " ${SVM_CXL_LANES:-deb12 deb13} " in
	*" deb13 "*) "$(dirname "$0")/setup-lane-deb13.sh" ;;
	esac
}

case " ${SVM_CXL_LANES:-deb12 deb13} " in
*" deb12 "*) ;;
*) lane_deb13; exit 0 ;;
esac

if [ ${#need_base[@]} -eq 0 ] && [ ${#need_bp[@]} -eq 0 ] && [ $need_bp_ver -eq 0 ] && guest_abi_ok; then
	log "all packages present"
	lane_deb13
	exit 0
fi
enable_backports

[ "$(id -u)" -eq 0 ] || { log "packages missing and not root: run 'sudo $0'"; exit 1; }
log "installing: ${need_base[*]} ${need_bp[*]}"
apt-get update -q >/dev/null
# Backports first: QEMU pulls backports libudev1, which the -dev package must match.
apt-get install -y -q --no-install-recommends -t bookworm-backports "${BACKPORTS_PKGS[@]}" >/dev/null
apt-get install -y -q --no-install-recommends "${BASE_PKGS[@]}" >/dev/null
guest_abi_ok || { log "guest kernel image/headers not usable after install"; exit 1; }
log "done; guest kernel $(SVM_CXL_LANE=deb12 "$(dirname "$0")/guest-kernel.sh" abi)"
lane_deb13
