#!/usr/bin/env bash
# Build the Debian packages from a copy of the tree, the way a distribution does
# (dpkg-buildpackage -b with debian/), and check what comes out: lintian (any error, or a
# warning not overridden with its reason in debian/*.lintian-overrides, fails), the
# package set, the paths, no RUNPATH, no test programs, the symbols file against the
# library, the DKMS tree against Kbuild, the -dev package by compiling against it, and
# installability (apt's resolver against this system, the maintainer scripts' steps on
# an unpacked root, the binaries run from it).
#   package-check.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
work=$2
log() { printf 'package-check: %s\n' "$*" >&2; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }

for t in dpkg-buildpackage dh lintian readelf apt-get; do
	command -v $t >/dev/null || { log "$t is missing (harness/setup.sh installs it)"; exit 1; }
done
rm -rf "$work"
mkdir -p "$work/src"
# absolute: apt-get takes a .deb only as a path, never as a bare relative name
work=$(cd "$work" && pwd)
# The tree as committed plus what is not ignored: never a build directory.
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$src" ls-files -co --exclude-standard -z | tar -C "$src" --null -T - -cf - | tar -C "$work/src" -xf -
else
	tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$work/src" -xf -
fi

t0=$(date +%s)
if ! (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log"
	log "dpkg-buildpackage failed (log: $work/build.log)"
	exit 1
fi
t1=$(date +%s)
ok "dpkg-buildpackage -b in $((t1 - t0))s"
version=$(cd "$work/src" && dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
changes=$work/svm-cxl_${version}_$arch.changes

# lintian: errors and warnings fail; the kept warnings are overridden, with a reason,
# in debian/. --pedantic/info tags are shown, not failed.
if lintian --fail-on error,warning -I --tag-display-limit 0 "$changes" >"$work/lintian.txt" 2>&1; then
	ok "lintian: no errors, no warnings not overridden ($(grep -c '^[IP]:' "$work/lintian.txt" || true) info tags)"
else
	cat "$work/lintian.txt"
	fail "lintian"
fi
t2=$(date +%s)

# The package set: exactly these, nothing else (no -dbgsym here: noautodbgsym).
want="libsvmcxl-dev libsvmcxl-mem1 libsvmcxl1 svm-cxl svm-cxl-dkms"
have=$(cd "$work" && ls ./*.deb | sed 's,^\./,,; s,_.*,,' | sort | xargs)
[ "$have" = "$want" ] && ok "packages: $have" || fail "packages: '$have', want '$want'"

root=$work/root
for deb in "$work"/*.deb; do
	p=$(dpkg-deb -f "$deb" Package)
	mkdir -p "$work/x/$p"
	dpkg-deb -x "$deb" "$work/x/$p"
	dpkg-deb -e "$deb" "$work/x/$p/DEBIAN"
	dpkg-deb -x "$deb" "$root"
done
has() { # PACKAGE PATH...
	local p=$1 f
	shift
	for f in "$@"; do
		[ -e "$work/x/$p/$f" ] || [ -L "$work/x/$p/$f" ] || fail "$p lacks /$f"
	done
}

# No RUNPATH or RPATH in any ELF file of any package; no test program, module or
# libexec test tree anywhere.
elves=0
while IFS= read -r -d '' f; do
	if readelf -h "$f" >/dev/null 2>&1; then
		elves=$((elves + 1))
		readelf -d "$f" | grep -E '\((RUNPATH|RPATH)\)' && fail "${f#"$work/x/"} has a RUNPATH"
	fi
done < <(find "$work/x" -path '*/DEBIAN' -prune -o -type f -print0)
[ $elves -ge 3 ] && ok "$elves ELF files, none with a RUNPATH" || fail "only $elves ELF files found"
tests=$(cd "$work/x" && find . \( -path '*/tests/*' -o -path '*/libexec/*' -o -name '*.ko' \
	-o -name 'svm-ktest*' -o -name 'svm-kpool*' -o -name 'svm-test-*' -o -name 'svm-cxl-bench*' \) -print)
[ -z "$tests" ] && ok "no test programs, modules or libexec trees" || fail "test files packaged: $tests"

# Paths: the ones this distribution's udev.pc and systemd.pc name.
udevdir=$(pkg-config --variable=udevdir udev)
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
has svm-cxl usr/sbin/svm-cxlctl usr/sbin/svm-cxld "${udevdir#/}/rules.d/90-svm-cxl.rules" \
	"${unitdir#/}/svm-cxld.service" "${unitdir#/}/svm-cxl.target" usr/lib/sysusers.d/svm-cxl.conf \
	usr/share/bash-completion/completions/svm-cxlctl usr/share/doc/svm-cxl/policy.conf.example \
	usr/share/man/man8/svm-cxld.8.gz usr/share/man/man5/svm-cxl-policy.conf.5.gz \
	usr/share/man/man1/svm-cxlctl.1.gz
cmds=$(sed -n 's/^SVM_CMD("\([^"]*\)".*/\1/p' "$src/cli/commands.h")
for c in $cmds; do has svm-cxl "usr/share/man/man1/svm-cxlctl-$c.1.gz"; done
has libsvmcxl1 "usr/lib/$ma/libsvmcxl.so.1"
has libsvmcxl-mem1 "usr/lib/$ma/libsvmcxl-mem.so.1"
has svm-cxl "usr/lib/$ma/svm-cxl/libsvmcxl-run.so"
has libsvmcxl-dev usr/include/svmcxl/libsvmcxl.h usr/include/svmcxl/linux/svm_cxl.h \
	"usr/lib/$ma/libsvmcxl.so" "usr/lib/$ma/pkgconfig/libsvmcxl.pc" \
	usr/include/svmcxl/mem.h "usr/lib/$ma/libsvmcxl-mem.so" "usr/lib/$ma/pkgconfig/libsvmcxl-mem.pc" \
	usr/share/man/man3/libsvmcxl-mem.3.gz
ok "paths checked ($(echo $cmds | wc -w) command pages; rules in $udevdir, units in $unitdir)"
grep -q 'systemd-sysusers.*svm-cxl.conf' "$work/x/svm-cxl/DEBIAN/postinst" ||
	fail "svm-cxl's postinst does not create group svm-cxl (systemd-sysusers)"
grep -q "deb-systemd-helper enable 'svm-cxld.service'" "$work/x/svm-cxl/DEBIAN/postinst" ||
	fail "svm-cxl's postinst does not enable svm-cxld.service"

# The symbols files: every symbol each library exports, at a version, and nothing else.
check_symbols() { # PACKAGE SONAME
	local lib soname exported listed
	lib=$(readlink -f "$work/x/$1/usr/lib/$ma/$2")
	soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	[ "$soname" = "$2" ] || fail "$1: SONAME $soname, not $2"
	# nm: "sym@@NODE" for a symbol, "NODE" for a version node; the symbols file: "sym@NODE"
	exported=$(nm -D --defined-only "$lib" | awk '{ s = $3; if (s !~ /@/) s = s "@" s; sub("@@", "@", s); print s }' | sort)
	listed=$(sed -n 's/^ \([^ ]*\) .*/\1/p' "$work/x/$1/DEBIAN/symbols" | sort)
	[ -n "$listed" ] && [ "$exported" = "$listed" ] &&
		ok "$1 symbols file: the $(echo "$listed" | grep -vc '^LIBSVMCXL[A-Z_]*_[0-9]*@') exported symbols, each at its version node" ||
		fail "$1: DEBIAN/symbols and the library's exports differ: $(diff <(echo "$exported") <(echo "$listed") | grep '^[<>]' | xargs)"
}
check_symbols libsvmcxl1 libsvmcxl.so.1
check_symbols libsvmcxl-mem1 libsvmcxl-mem.so.1

# -dev: a program builds against the unpacked headers, the uapi included, and links.
cat >"$work/use.c" <<'EOC'
#include <libsvmcxl.h>
#include <linux/svm_cxl.h>
int main(void)
{
	struct svm_cxl_version v = { 0 };
	struct svm_ctx *ctx;

	if (svm_new(&ctx) < 0)
		return 1;
	svm_unref(ctx);
	return (int)v.size;
}
EOC
export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$root/usr/lib/$ma/pkgconfig
if cc -Wall -Werror $(pkg-config --cflags libsvmcxl) "$work/use.c" -o "$work/use" \
	$(pkg-config --libs libsvmcxl) 2>"$work/use.log"; then
	ok "a program builds against libsvmcxl-dev (pkg-config, <libsvmcxl.h>, <linux/svm_cxl.h>)"
else
	cat "$work/use.log"
	fail "building against libsvmcxl-dev"
fi
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR

# DKMS: dkms.conf as in the tree, and every source Kbuild names.
dsrc=$work/x/svm-cxl-dkms/usr/src/svm-cxl-$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$src/kernel/dkms.conf")
cmp -s "$dsrc/dkms.conf" "$src/kernel/dkms.conf" || fail "svm-cxl-dkms: dkms.conf missing or changed in $dsrc"
# (a composite object, svm_cxl.o of svm_cxl-y, has no source of its own)
composite=$(sed -n 's/^\([a-z_]*\)-y[ +:]*=.*/\1/p' "$src/kernel/Kbuild" | sort -u)
objs=$(sed -n 's/^[a-z_-]*-y[ +:]*=//p; s/^obj-m += //p' "$src/kernel/Kbuild" | tr ' ' '\n' |
	sed -n 's/\.o$//p' | grep -vxF -e "$composite" | sort -u)
for o in $objs; do [ -f "$dsrc/$o.c" ] || fail "svm-cxl-dkms lacks $o.c (Kbuild names it)"; done
has svm-cxl-dkms "${dsrc#"$work/x/svm-cxl-dkms/"}/include/uapi/linux/svm_cxl.h"
ok "svm-cxl-dkms: dkms.conf and the $(echo $objs | wc -w) Kbuild objects' sources"
case "$(dpkg-deb -f "$work/svm-cxl-dkms_${version}_all.deb" Depends)" in
*dkms*) ;;
*) fail "svm-cxl-dkms does not depend on dkms" ;;
esac

# Installable here: apt resolves the four packages against this system (a simulation,
# nothing is installed), and the maintainer scripts parse.
if apt-get install -s -q -o Debug::NoLocking=1 "$work"/*.deb >"$work/apt.txt" 2>&1; then
	ok "apt-get install -s ./*.deb: resolvable ($(grep -c '^Inst ' "$work/apt.txt") to install)"
else
	cat "$work/apt.txt"
	fail "apt-get cannot install the packages here"
fi
for s in "$work"/x/*/DEBIAN/{pre,post}{inst,rm}; do
	[ -f "$s" ] && { sh -n "$s" || fail "syntax: $s"; }
done

# What the postinst does, on the unpacked root: the group, the enablement.
mkdir -p "$root/etc"
: >"$root/etc/group"
: >"$root/etc/passwd"
systemd-sysusers --root="$root" svm-cxl.conf >/dev/null 2>&1 &&
	grep -q '^svm-cxl:' "$root/etc/group" && ok "systemd-sysusers --root creates group svm-cxl" ||
	fail "systemd-sysusers did not create group svm-cxl"
systemctl --root="$root" --quiet enable svm-cxld.service 2>/dev/null &&
	[ -L "$root/etc/systemd/system/svm-cxl.target.wants/svm-cxld.service" ] &&
	ok "systemctl --root enable: wanted by svm-cxl.target and multi-user.target" ||
	fail "systemctl --root enable svm-cxld.service"

# The binaries from the unpacked root, its own library (no RUNPATH: LD_LIBRARY_PATH).
export LD_LIBRARY_PATH=$root/usr/lib/$ma
ldd "$root/usr/sbin/svm-cxld" | grep "libsvmcxl.so.1 => $root/usr/lib/$ma/" >/dev/null ||
	fail "svm-cxld does not load the packaged libsvmcxl: $(ldd "$root/usr/sbin/svm-cxld" | grep svmcxl)"
v=$("$root/usr/sbin/svm-cxlctl" --version 2>&1) && [ "$v" != "${v#*"${version%%-*}"}" ] &&
	ok "svm-cxlctl --version: $v" || fail "svm-cxlctl --version: $v"
# help reads the gzipped page (man -l), not only the synopsis
h=$(SVM_CXL_MANDIR=$root/usr/share/man "$root/usr/sbin/svm-cxlctl" help list 2>&1)
printf '%s\n' "$h" | grep 'DESCRIPTION' >/dev/null && ok "svm-cxlctl help list: the packaged, gzipped page" ||
	fail "svm-cxlctl help list does not show the packaged page: $(printf '%s\n' "$h" | head -n3)"
unset LD_LIBRARY_PATH
t3=$(date +%s)
echo "times: build $((t1 - t0))s, lintian $((t2 - t1))s, checks $((t3 - t2))s"
[ $fails -eq 0 ] || { log "$fails failure(s)"; exit 1; }
