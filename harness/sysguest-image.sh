#!/usr/bin/env bash
# The systemd guest's root, in two layers, stacked by overlayfs:
#   base   an installed Debian with systemd, udev, ndctl, dkms and the guest kernel's
#          modules and headers. deb12: made with mmdebstrap (bookworm, systemd and udev
#          from bookworm-backports), cached, keyed on its package list, the kernel ABI and
#          the code that makes it. deb13: the lane's own trixie chroot (setup-lane-deb13.sh
#          made it with mmdebstrap; it has systemd 257, udev, dkms and the 7.x headers),
#          keyed on the lane's stamp.
#   layer  the freshly built packages installed on top the way an admin does,
#          `apt-get install ./*.deb` (svm-cxl-dkms's postinst builds svm_cxl.ko for the
#          guest kernel), plus the guest's test plan service; an overlay upper directory
#          over the base, keyed on the packages, the base and the scripts it installs.
# New packages make only a new layer (seconds plus the DKMS build); older layers and
# bases of the lane are removed. Cached under SVM_CXL_SYSGUEST_CACHE (default
# /var/cache/svm-cxl/sysguest). Prints the overlay lowerdir list, top first
# (sysguest.sh mounts it read-only for QEMU's 9p share).
# Runs on the host for deb12 and inside the lane (harness/lane.sh exec) for deb13.
# Phase times go to stderr and to LAYER/phases.
#   sysguest-image.sh LANE DEB_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lane=$1
debs=$(cd "$2" && pwd)
cache=${SVM_CXL_SYSGUEST_CACHE:-/var/cache/svm-cxl/sysguest}
abi=$("$here/guest-kernel.sh" abi)
log() { printf 'sysguest-image: %s\n' "$*" >&2; }
t_last=$(date +%s)
phase() {
	local now
	now=$(date +%s)
	log "phase $1: $((now - t_last))s"
	printf '%s %s\n' "$1" "$((now - t_last))" >>"$phases"
	t_last=$now
}

ls "$debs"/*.deb >/dev/null 2>&1 || { log "no .deb in $debs"; exit 1; }
[ "$(id -u)" -eq 0 ] || { log "the image needs root (mmdebstrap, overlay mounts, chroot)"; exit 1; }
mkdir -p "$cache"
phases=$(mktemp)
trap 'rm -f "$phases"' EXIT

# deb12's base: systemd, udev, what the tests use, the guest kernel's headers for DKMS,
# and whatever the packages depend on (their Depends, without ours: so the layer's apt
# needs no download, and a new dependency makes a new base). The host's apt archive
# cache is offered to mmdebstrap first (hard links; apt only reads them): on a machine
# that ran setup.sh most of these are there, the rest is downloaded.
own=$(for f in "$debs"/*.deb; do dpkg-deb -f "$f" Package; done)
DEB12_PKGS=(systemd-sysv udev kmod procps jq daxctl ndctl dkms "linux-headers-$abi"
	$(for f in "$debs"/*.deb; do dpkg-deb -f "$f" Depends; done | tr ',' '\n' |
		sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' | grep -v -x -F -e '' -e "$own" | sort -u))
deb12_base() {
	local out=$1 mirror keyring
	read -r mirror keyring <<<"$("$here/apt-mirror.sh")"
	# systemd and udev from bookworm-backports, as on the host that built the packages:
	# the unit is Type=notify-reload there (systemd >= 253, debian/rules), bookworm has 252.
	# linux-headers-ABI depends on linux-image-ABI: the same package the host's guest
	# kernel comes from, so its modules are the guest's. Its initramfs is never used (the
	# guest boots harness/mksysinitrd.sh's): update-initramfs is diverted to a no-op, which
	# saves minutes of the image build.
	local pin='Package: systemd* libsystemd* udev libudev* libnss-systemd libpam-systemd\nPin: release n=bookworm-backports\nPin-Priority: 990\n'
	mmdebstrap --quiet --variant=apt --aptopt='APT::Install-Recommends "false"' \
		--skip=essential/unlink --skip=cleanup/apt/lists \
		--setup-hook="mkdir -p \"\$1/etc/apt/preferences.d\" && printf '$pin' >\"\$1/etc/apt/preferences.d/systemd-backports\"" \
		--setup-hook="mkdir -p \"\$1/var/cache/apt/archives\" && find /var/cache/apt/archives -maxdepth 1 -name '*.deb' -exec cp -l -t \"\$1/var/cache/apt/archives/\" {} + 2>/dev/null || true" \
		--setup-hook="date +%s >\"$out.t-setup\"" \
		--essential-hook="date +%s >\"$out.t-essential\"" \
		--essential-hook="chroot \"\$1\" dpkg-divert --local --rename --add /usr/sbin/update-initramfs && printf '#!/bin/sh\n# the systemd guest boots its own initramfs (harness/mksysinitrd.sh)\nexit 0\n' >\"\$1/usr/sbin/update-initramfs\" && chmod 0755 \"\$1/usr/sbin/update-initramfs\"" \
		--include="$(IFS=,; echo "${DEB12_PKGS[*]}")" \
		--customize-hook="date +%s >\"$out.t-include\"" \
		bookworm "$out" \
		"deb [signed-by=$keyring] $mirror bookworm main" \
		"deb [signed-by=$keyring] $mirror bookworm-backports main"
}

case "$lane" in
deb12)
	bkey=$({ declare -f deb12_base; echo "${DEB12_PKGS[*]}" "$abi"; } | sha256sum | cut -c1-16)
	base=$cache/deb12-base-$bkey
	if [ ! -f "$base/root/.svm-cxl-sysguest-base" ]; then
		rm -rf "$base"
		mkdir -p "$base"
		t0=$(date +%s)
		deb12_base "$base/root" >"$base/mmdebstrap.log" 2>&1 ||
			{ tail -n 30 "$base/mmdebstrap.log"; log "mmdebstrap failed ($base/mmdebstrap.log)"; exit 1; }
		[ -d "$base/root/lib/modules/$abi/kernel" ] || { log "the base has no modules of $abi"; exit 1; }
		# where the minutes go: download + essential, the included packages
		s=$(cat "$base/root.t-setup") e=$(cat "$base/root.t-essential") i=$(cat "$base/root.t-include")
		log "base built in $(($(date +%s) - t0))s: essential (download, extract, install) $((e - s))s, packages (download, install) $((i - e))s"
		printf 'base-essential %s\nbase-packages %s\n' $((e - s)) $((i - e)) >>"$phases"
		rm -f "$base"/root.t-*
		touch "$base/root/.svm-cxl-sysguest-base"
		t_last=$(date +%s)
	fi
	lowers=$base/root
	bstamp=$bkey
	;;
deb13)
	[ -n "${SVM_CXL_LANE_INSIDE:-}" ] || { log "deb13: run this inside the lane (harness/lane.sh exec deb13)"; exit 1; }
	# the lane's root is / here; overlayfs does not descend into the mounts on it
	# (/dev, /proc, /sys, /tmp, the binds): the guest sees them as the empty directories
	# they are in the chroot
	lowers=/
	bstamp=$(sha256sum </.svm-cxl-lane | cut -c1-16)
	base=
	;;
*) log "unknown lane '$lane'"; exit 2 ;;
esac

key=$({ (cd "$debs" && sha256sum ./*.deb); sha256sum "$0" "$here/sysguest-plan.sh" "$here/guest-qmp.sh"; echo "$lane $bstamp"; } |
	sed 's,  .*/,  ,' | sha256sum | cut -c1-16)
layer=$cache/$lane-layer-$key
if [ -f "$layer/upper/.svm-cxl-sysguest" ]; then
	log "cached: $layer over ${base:-the lane root}"
	echo "$layer/upper:$lowers"
	exit 0
fi
rm -rf "$layer"
# a private mount namespace; inside a chroot lane (already private, and / is no mount
# point there) unshare cannot set the propagation of /, nor needs to
propagation=private
[ -z "${SVM_CXL_LANE_INSIDE:-}" ] || propagation=unchanged
mkdir -p "$layer/upper" "$layer/work" "$layer/mnt"
# The layer: an overlay upper over the base, written in a private mount namespace (the
# mounts go with it, whatever way this ends).
units_off="apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer
	fstrim.timer man-db.timer e2scrub_reap.service getty@tty1.service serial-getty@ttyS0.service
	getty-static.service systemd-pstore.service remote-fs.target"
if ! unshare --mount --propagation "$propagation" -- /bin/bash -c '
	set -e
	lowers=$1 layer=$2 debs=$3 here=$4 units_off=$5
	m=$layer/mnt
	mount -t overlay -o "lowerdir=$lowers,upperdir=$layer/upper,workdir=$layer/work" overlay "$m"
	mount --rbind /dev "$m/dev"
	mount -t proc proc "$m/proc"
	mount --rbind /sys "$m/sys"
	mount -t tmpfs tmpfs "$m/tmp"
	mkdir -p "$m/tmp/debs"
	cp "$debs"/*.deb "$m/tmp/debs/"
	t0=$(date +%s)
	chroot "$m" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		sh -c "cd /tmp/debs && apt-get install -y -q --no-install-recommends ./*.deb" >"$layer/apt.log" 2>&1 ||
		{ tail -n 30 "$layer/apt.log"; exit 1; }
	echo "apt-install $(($(date +%s) - t0))" >"$layer/t-apt"
	install -D -m 0755 "$here/sysguest-plan.sh" "$m/usr/local/sbin/svm-sysguest-plan"
	install -D -m 0755 "$here/guest-qmp.sh" "$m/usr/local/bin/svm-vm-qmp"
	# Type=exec, not oneshot: the boot is finished once the plan has started, so
	# systemd-analyze can tell where the boot went while the plan runs
	printf "%s\n" "[Unit]" "Description=svm-cxl systemd guest: the host test plan" \
		"After=multi-user.target" "[Service]" "Type=exec" \
		"ExecStart=/usr/local/sbin/svm-sysguest-plan" >"$m/etc/systemd/system/svm-sysguest-plan.service"
	echo svm-sysguest >"$m/etc/hostname"
	# What a test guest has no use for and waits on at boot: timers, gettys (the console
	# is the host log), the pstore import. Masked, not removed, as an admin would.
	for u in $units_off; do ln -sf /dev/null "$m/etc/systemd/system/$u"; done
	# /usr changed under /etc: record it as systemd-update-done would at the first boot,
	# so ldconfig.service, the journal catalog update and update-done itself (11 s of
	# every boot under TCG) have nothing to do; ldconfig already ran in the install
	chroot "$m" /lib/systemd/systemd-update-done
' sysguest-layer "$lowers" "$layer" "$debs" "$here" "$units_off"; then
	log "installing the packages failed ($layer/apt.log)"
	exit 1
fi
read -r _ secs <"$layer/t-apt"
printf 'layer-apt-install %s\n' "$secs" >>"$phases"
phase layer
find "$layer/upper" -path "*/modules/$abi/updates/dkms/svm_cxl.ko*" | grep . >/dev/null ||
	{ log "the svm-cxl-dkms postinst did not build svm_cxl.ko for $abi ($layer/apt.log)"; exit 1; }
rmdir "$layer/mnt"
cp "$phases" "$layer/phases"
date -u +%FT%TZ >"$layer/upper/.svm-cxl-sysguest"
# and the images of the one-layer layout before this one (named by a bare key)
find "$cache" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended -regex '.*/[0-9a-f]{16}' -exec rm -rf {} +
find "$cache" -mindepth 1 -maxdepth 1 -type d -name "$lane-*" ! -name "$lane-layer-$key" ${base:+! -path "$base"} -exec rm -rf {} +
log "layer built: $layer ($(du -sh "$layer/upper" | cut -f1)) over ${base:-the lane root}; apt-get install ./*.deb ${secs}s"
echo "$layer/upper:$lowers"
