#!/usr/bin/env bash
# The systemd guest's root: Debian 12 made with mmdebstrap (systemd, udev, ndctl), the
# guest kernel's modules and headers, and the freshly built packages installed the way an
# admin does, `apt-get install ./*.deb` (svm-cxl-dkms builds svm_cxl.ko for the guest
# kernel in its postinst). Cached under SVM_CXL_SYSGUEST_CACHE (default
# /var/cache/svm-cxl/sysguest), keyed on the packages, this script and the kernel: the
# same .debs reuse the image, new ones make a new one (older ones are removed).
# Prints the root directory.
#   sysguest-image.sh DEB_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
debs=$(cd "$1" && pwd)
cache=${SVM_CXL_SYSGUEST_CACHE:-/var/cache/svm-cxl/sysguest}
abi=$("$here/guest-kernel.sh" abi)
moddir=$("$here/guest-kernel.sh" modules)
log() { printf 'sysguest-image: %s\n' "$*" >&2; }

ls "$debs"/*.deb >/dev/null 2>&1 || { log "no .deb in $debs"; exit 1; }
key=$({ (cd "$debs" && sha256sum ./*.deb); sha256sum "$0" "$here/sysguest-plan.sh" "$here/guest-qmp.sh"; echo "$abi"; } |
	sed 's,  .*/,  ,' | sha256sum | cut -c1-16)
dir=$cache/$key
if [ -f "$dir/root/.svm-cxl-sysguest" ]; then
	log "cached: $dir/root"
	echo "$dir/root"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || { log "building the image needs root"; exit 1; }
read -r mirror keyring <<<"$("$here/apt-mirror.sh")"
t0=$(date +%s)
rm -rf "$dir"
mkdir -p "$dir"
# The packages' own dependencies come from the archive; the kernel headers (for DKMS)
# and the modules are the guest kernel's, from bookworm-backports and from this host.
# systemd and udev from bookworm-backports, as on the host that built the packages: the
# unit is Type=notify-reload there (systemd >= 253, debian/rules), bookworm has 252.
pin='Package: systemd* libsystemd* udev libudev* libnss-systemd libpam-systemd\nPin: release n=bookworm-backports\nPin-Priority: 990\n'
mmdebstrap --quiet --variant=apt --aptopt='APT::Install-Recommends "false"' \
	--setup-hook="mkdir -p \"\$1/etc/apt/preferences.d\" && printf '$pin' >\"\$1/etc/apt/preferences.d/systemd-backports\"" \
	--include="systemd,systemd-sysv,udev,kmod,procps,jq,daxctl,ndctl,linux-headers-$abi" \
	--customize-hook="mkdir -p \"\$1/lib/modules\" && cp -a '$moddir' \"\$1/lib/modules/\"" \
	--customize-hook="mkdir -p \"\$1/tmp/debs\" && cp '$debs'/*.deb \"\$1/tmp/debs/\"" \
	--customize-hook="chroot \"\$1\" sh -c 'cd /tmp/debs && apt-get install -y -q ./*.deb' && rm -rf \"\$1/tmp/debs\"" \
	--customize-hook="install -m 0755 '$here/sysguest-plan.sh' \"\$1/usr/local/sbin/svm-sysguest-plan\"" \
	--customize-hook="install -m 0755 '$here/guest-qmp.sh' \"\$1/usr/local/bin/svm-vm-qmp\"" \
	--customize-hook="printf '%s\n' '[Unit]' 'Description=svm-cxl systemd guest: the host test plan' \
		'After=multi-user.target' '[Service]' 'Type=oneshot' \
		'ExecStart=/usr/local/sbin/svm-sysguest-plan' >\"\$1/etc/systemd/system/svm-sysguest-plan.service\"" \
	--customize-hook="echo svm-sysguest >\"\$1/etc/hostname\"" \
	bookworm "$dir/root" \
	"deb [signed-by=$keyring] $mirror bookworm main" \
	"deb [signed-by=$keyring] $mirror bookworm-backports main" >"$dir/mmdebstrap.log" 2>&1 ||
	{ tail -n 30 "$dir/mmdebstrap.log"; log "mmdebstrap failed ($dir/mmdebstrap.log)"; exit 1; }
ls "$dir/root/lib/modules/$abi/updates/dkms/"svm_cxl.ko* >/dev/null 2>&1 ||
	{ log "the svm-cxl-dkms postinst did not build svm_cxl.ko for $abi"; exit 1; }
date -u +%FT%TZ >"$dir/root/.svm-cxl-sysguest"
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
log "built in $(($(date +%s) - t0))s: $dir/root ($(du -sh "$dir/root" | cut -f1))"
echo "$dir/root"
