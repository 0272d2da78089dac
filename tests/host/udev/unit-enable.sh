#!/bin/sh
# Who starts svm-cxld: the udev rules ask for svm-cxl.target, never for the service, and
# the service is wanted by that target only through its [Install] section. So
# `systemctl enable` makes hotplug (and boot) start it, `disable` stops both, `mask`
# refuses every start. Checked on the real rules and units, with systemctl --root over a
# throwaway root (no running systemd needed). Skipped (77) only without systemctl.
#   unit-enable.sh RULES SERVICE TARGET
rules=$1 service=$2 target=$3
command -v systemctl >/dev/null || { echo "SKIP: no systemctl"; exit 77; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }

# The rules: every SYSTEMD_WANTS names the target; none names the service.
wants=$(sed -n 's/.*ENV{SYSTEMD_WANTS}+="\([^"]*\)".*/\1/p' "$rules" | sort -u)
[ "$wants" = svm-cxl.target ] && ok "rules want svm-cxl.target only" ||
	fail "SYSTEMD_WANTS in $rules: '$wants' (want only svm-cxl.target)"
grep -v '^#' "$rules" | grep -q 'svm-cxld' && fail "$rules names svm-cxld outside comments"
if udevadm verify --help >/dev/null 2>&1; then
	out=$(udevadm verify --resolve-names=never "$rules" 2>&1) && ok "udevadm verify" ||
		fail "udevadm verify $rules: $out"
fi
grep -q '^StopWhenUnneeded=yes' "$target" && ok "target stops when no device needs it" ||
	fail "$target lacks StopWhenUnneeded=yes (a later device would not start the daemon)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd/system" "$root/etc/systemd/system"
cp "$service" "$target" "$root/usr/lib/systemd/system/"
wdir=$root/etc/systemd/system
link_of() { readlink "$wdir/$1" 2>/dev/null; }

systemctl --root="$root" --quiet enable svm-cxld.service 2>&1 || fail "systemctl enable"
[ -n "$(link_of svm-cxl.target.wants/svm-cxld.service)" ] && ok "enabled: svm-cxl.target wants it (hotplug starts it)" ||
	fail "enabled, but svm-cxl.target.wants/svm-cxld.service is missing"
[ -n "$(link_of multi-user.target.wants/svm-cxld.service)" ] && ok "enabled: multi-user.target wants it (boot starts it)" ||
	fail "enabled, but multi-user.target.wants/svm-cxld.service is missing"
[ "$(systemctl --root="$root" is-enabled svm-cxld.service 2>&1)" = enabled ] || fail "is-enabled after enable"

systemctl --root="$root" --quiet disable svm-cxld.service 2>&1 || fail "systemctl disable"
left=$(find "$wdir" -name svm-cxld.service)
[ -z "$left" ] && ok "disabled: nothing wants it (neither hotplug nor boot starts it)" ||
	fail "disabled, but still wanted: $left"
[ "$(systemctl --root="$root" is-enabled svm-cxl.target 2>&1)" = static ] ||
	fail "svm-cxl.target is not static: $(systemctl --root="$root" is-enabled svm-cxl.target 2>&1)"

systemctl --root="$root" --quiet mask svm-cxld.service 2>&1 || fail "systemctl mask"
[ "$(link_of svm-cxld.service)" = /dev/null ] && ok "masked: the unit is /dev/null" ||
	fail "masked, but $wdir/svm-cxld.service -> '$(link_of svm-cxld.service)'"
[ "$(systemctl --root="$root" is-enabled svm-cxld.service 2>&1)" = masked ] || fail "is-enabled after mask"

[ $fails -eq 0 ] || exit 1
