#!/bin/sh
# uapi-layout-compare.sh NATIVE M32: the uapi layout as an x86-64 and an i386 caller
# see it (tests/host/uapi_layout.c built twice) must be the same, field by field.
set -e
"$1" | grep -v '^pointer ' >"${TMPDIR:-/tmp}/uapi-layout.$$.64"
"$2" | grep -v '^pointer ' >"${TMPDIR:-/tmp}/uapi-layout.$$.32"
trap 'rm -f "${TMPDIR:-/tmp}"/uapi-layout.$$.*' EXIT
"$2" | grep '^pointer 4 ' >/dev/null || { echo "FAIL: $2 is not a 32-bit program"; exit 1; }
if diff -u "${TMPDIR:-/tmp}/uapi-layout.$$.64" "${TMPDIR:-/tmp}/uapi-layout.$$.32"; then
	echo "ok - $(wc -l <"${TMPDIR:-/tmp}/uapi-layout.$$.64") lines (sizes, offsets, ioctl numbers) identical on i386 and x86-64"
else
	echo "FAIL: the uapi layout differs between i386 and x86-64 callers"
	exit 1
fi
