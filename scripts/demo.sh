#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The built-in demo: sets up the machine, builds sgtgw, writes a traffic mix
# for config/sgtgw.example.yaml, runs sgtgw-dataplane on two virtual pcap
# ports (no NIC is touched), shows bindings, policy and counters with
# sgtgwctl, then decodes what came out with tshark.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${SGTGW_BUILD:-$top/build}
prefix=sgtgw-demo-$$
work=$build/demo
copies=${SGTGW_DEMO_COPIES:-20}

"$top/scripts/setup.sh"
"$top/scripts/build.sh" "$build"

rm -rf "$work" && mkdir -p "$work/demo"
cd "$work"
echo
echo "== Traffic mix (frames per flow, and what the example policy does with them)"
mix=$(/usr/bin/python3 "$top/scripts/demo_traffic.py" --out demo --copies "$copies" --list)
total=$(tail -n 1 <<<"$mix")
head -n -1 <<<"$mix"
echo "  $total frames in all"

# The demo uses hugepages (set up above); without them it falls back to
# ordinary memory so that it still runs in a restricted container.
mem=(--huge-dir=/dev/hugepages)
if [ "$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)" -lt 128 ]; then
	echo "(no hugepages reserved: running with --no-huge)"
	mem=(--no-huge -m 512)
fi

lcores=0,1
[ "$(nproc)" -ge 2 ] || lcores=0@0,1@0

echo
echo "== Starting sgtgw-dataplane on net_pcap ports inside/outside"
"$build/dataplane/sgtgw-dataplane" -l "$lcores" --no-pci "${mem[@]}" \
	--file-prefix "$prefix" --log-level=lib.*:warning -- \
	--config "$top/config/sgtgw.example.yaml" 2> dataplane.log &
pid=$!
stop() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap stop EXIT

ctl=("$build/controlplane/sgtgwctl" -p "$prefix")
# Wait (bounded) until every frame of the mix has been received.
for _ in $(seq 1 300); do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "sgtgw-dataplane exited early:"; cat dataplane.log; exit 1
	fi
	rx=$("${ctl[@]}" --json ports 2>/dev/null |
	     /usr/bin/python3 -c 'import json,sys; print(sum(p["rx_packets"] for p in json.load(sys.stdin)))' 2>/dev/null || echo 0)
	[ "$rx" -ge "$total" ] && break
	sleep 0.1
done
sleep 0.2

for cmd in sgt-map permissions rbacl counters ports; do
	echo
	echo "== sgtgwctl $cmd"
	"${ctl[@]}" "$cmd"
done

stop
trap - EXIT
echo
echo "== SGACL log records (syslog RBM-6-SGACLHIT, first 5)"
grep -m 5 SGACLHIT dataplane.log || echo "(none)"
echo
echo "== What left on 'outside' (tshark: frames per source, destination, SGT tag)"
tshark -r demo/outside-out.pcap -T fields -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst \
	-e cmd.sgt -e _ws.col.Protocol 2>/dev/null | sort | uniq -c | sort -rn
echo
echo "Files: $work/demo/*.pcap, log: $work/dataplane.log"
