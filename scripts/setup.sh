#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepare a Debian 12 machine to build, test and run sgtgw: install the
# packages, reserve 2 MB hugepages and mount hugetlbfs. Safe to run again:
# each step checks first and only does what is missing, so a re-run on a
# ready machine takes about a second. Never touches NICs.
#
#   scripts/setup.sh [--skip-hugepages]
#
# Environment:
#   SGTGW_HUGEPAGES=N        2 MB pages to have reserved (default 1024)
#   SGTGW_SKIP_HUGEPAGES=1   packages only (image builds, where /sys is not
#                            the machine that will run the dataplane)
set -euo pipefail

PACKAGES=(
	build-essential gcc clang meson ninja-build pkg-config
	dpdk libdpdk-dev dpdk-doc
	libyaml-dev libcyaml-dev libcmocka-dev libjansson-dev zlib1g-dev libpcap-dev libssl-dev
	tshark python3 python3-scapy python3-pytest
	iproute2 procps
)
HUGEPAGES_WANTED="${SGTGW_HUGEPAGES:-1024}"
SKIP_HUGEPAGES="${SGTGW_SKIP_HUGEPAGES:-0}"
NR_HUGEPAGES=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
HUGE_MOUNT=/dev/hugepages

say() { echo "setup: $*"; }
warn() { echo "setup: warning: $*" >&2; }
die() { echo "setup: error: $*" >&2; exit 1; }

usage() {
	sed -n '4,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--skip-hugepages) SKIP_HUGEPAGES=1 ;;
		-h|--help) usage; exit 0 ;;
		*) die "unknown argument '$1' (see --help)" ;;
		esac
		shift
	done
	case "$HUGEPAGES_WANTED" in
	''|*[!0-9]*) die "SGTGW_HUGEPAGES must be a number, not '$HUGEPAGES_WANTED'" ;;
	esac
}

# Root is needed for apt, /sys and mount; re-run under sudo, carrying the
# settings across (sudo resets the environment).
become_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	command -v sudo >/dev/null 2>&1 || die "run as root (sudo is not installed)"
	exec sudo env "SGTGW_HUGEPAGES=$HUGEPAGES_WANTED" "SGTGW_SKIP_HUGEPAGES=$SKIP_HUGEPAGES" \
		bash "$(readlink -f "${BASH_SOURCE[0]}")" "$@"
}

# Prints the packages that are not fully installed, one per line. One
# dpkg-query call for all of them: packages dpkg has never heard of are
# simply absent from its output (and make it exit 1).
missing_packages() {
	local -A installed=()
	local p status
	while read -r p status; do
		[ "$status" = ii ] && installed[$p]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
	for p in "${PACKAGES[@]}"; do
		[ -n "${installed[$p]:-}" ] || echo "$p"
	done
}

install_packages() {
	local missing
	mapfile -t missing < <(missing_packages)
	if [ ${#missing[@]} -eq 0 ]; then
		say "packages: all ${#PACKAGES[@]} already installed"
		return 0
	fi
	say "packages: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark's package otherwise asks whether non-root users may capture.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
	mapfile -t missing < <(missing_packages)
	[ ${#missing[@]} -eq 0 ] || die "still missing after apt-get: ${missing[*]}"
	say "packages: installed"
}

reserve_hugepages() {
	local have
	if [ ! -e "$NR_HUGEPAGES" ]; then
		warn "this kernel offers no 2 MB hugepages ($NR_HUGEPAGES is missing)"
		return 0
	fi
	have=$(cat "$NR_HUGEPAGES")
	if [ "$have" -ge "$HUGEPAGES_WANTED" ]; then
		say "hugepages: $have x 2 MB reserved (wanted $HUGEPAGES_WANTED), left as is"
		return 0
	fi
	if ! { echo "$HUGEPAGES_WANTED" >"$NR_HUGEPAGES"; } 2>/dev/null; then
		warn "cannot write $NR_HUGEPAGES (read-only /sys: a container?);" \
			"the host must reserve them: echo $HUGEPAGES_WANTED > $NR_HUGEPAGES." \
			"Now $have x 2 MB."
		return 0
	fi
	have=$(cat "$NR_HUGEPAGES")
	if [ "$have" -lt "$HUGEPAGES_WANTED" ]; then
		warn "asked for $HUGEPAGES_WANTED x 2 MB hugepages, the kernel gave $have" \
			"(memory too fragmented or too small?)"
	else
		say "hugepages: reserved $have x 2 MB"
	fi
}

mount_hugetlbfs() {
	if awk -v m="$HUGE_MOUNT" '$2 == m && $3 == "hugetlbfs" { found = 1 } END { exit !found }' \
		/proc/mounts; then
		say "hugetlbfs: already mounted on $HUGE_MOUNT"
		return 0
	fi
	if mkdir -p "$HUGE_MOUNT" 2>/dev/null &&
		mount -t hugetlbfs -o pagesize=2M nodev "$HUGE_MOUNT" 2>/dev/null; then
		say "hugetlbfs: mounted on $HUGE_MOUNT"
	else
		warn "cannot mount hugetlbfs on $HUGE_MOUNT (a container without privileges?);" \
			"mount it on the host and pass it in (-v $HUGE_MOUNT:$HUGE_MOUNT)"
	fi
}

main() {
	parse_args "$@"
	become_root "$@"
	install_packages
	if [ "$SKIP_HUGEPAGES" = 1 ]; then
		say "hugepages: skipped (SGTGW_SKIP_HUGEPAGES=1 or --skip-hugepages)"
		return 0
	fi
	reserve_hugepages
	mount_hugetlbfs
}

main "$@"
