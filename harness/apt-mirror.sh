#!/usr/bin/env bash
# Print the machine's own Debian mirror and its keyring ("URI KEYRING"), read from its apt
# sources, so that setup.sh (bookworm-backports) and setup-lane-deb13.sh (the trixie
# chroot) never name a mirror host of their own.
set -euo pipefail
src=/etc/apt/sources.list.d/debian.sources
uris="" signed=""
if [ -f "$src" ]; then
	uris=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$src")
	signed=$(awk '/^Signed-By:/ {print $2; exit}' "$src")
elif [ -f /etc/apt/sources.list ]; then
	uris=$(awk '$1=="deb" && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
fi
[ -n "$uris" ] || { echo "apt-mirror: cannot find the Debian mirror in the apt sources" >&2; exit 1; }
echo "$uris ${signed:-/usr/share/keyrings/debian-archive-keyring.gpg}"
