#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Configure and build sgtgw with meson and ninja.
#
#   scripts/build.sh [BUILDDIR] [extra meson setup arguments]
#
# BUILDDIR defaults to "build" (relative to the repository root). A build
# directory that exists is reconfigured, keeping its options and applying
# the extra arguments, e.g.
#   scripts/build.sh build-san -Db_sanitize=address,undefined -Db_lundef=false
set -euo pipefail

script=$(readlink -f "${BASH_SOURCE[0]}")
case "${1:-}" in
-h|--help) sed -n '4,11s/^# \{0,1\}//p' "$script"; exit 0 ;;
esac
cd "$(dirname "$script")/.."

# A first argument that is not an option names the build directory.
builddir=build
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
	builddir=$1
	shift
fi

if [ -f "$builddir/meson-private/coredata.dat" ]; then
	meson setup --reconfigure "$builddir" "$@"
else
	meson setup "$builddir" "$@"
fi
ninja -C "$builddir"
