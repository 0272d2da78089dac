#!/usr/bin/env bash
# Install what the project needs (harness/setup.sh), then configure and build it.
#   build.sh SOURCE_DIR BUILD_DIR
# Shared by the README commands and the benchmark so they always build the same way.
set -euo pipefail
src=$1 build=$2
"$src/harness/setup.sh"
if [ -f "$build/build.ninja" ]; then
	meson setup --reconfigure "$build" "$src" >/dev/null
else
	meson setup "$build" "$src" >/dev/null
fi
ninja -C "$build" >/dev/null
