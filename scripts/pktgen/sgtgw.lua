-- SPDX-License-Identifier: BSD-3-Clause
--
-- sgtgw traffic profiles for Pktgen-DPDK 23.06.1 (built with Lua), for the
-- two-port test bed of scripts/pktgen/README.md:
--
--   pktgen port 0 ---> inside  [sgtgw]  outside ---> pktgen port 1
--
-- with the gateway running scripts/pktgen/sgtgw-pktgen.yaml. Each profile
-- sends from port 0 for a while, then compares what port 1 received with
-- what the profile's cell should let through:
--
--   permit   Users -> Servers, Permit_IP: every packet forwarded
--   deny     Quarantine -> Servers, Deny_IP: none (drop_policy)
--   unknown  unbound addresses (SGT 0): the default cell, permit
--   acl      Users -> Printers, three port ACEs then deny: TCP to ports
--            9095..9104, of which 9100 is permitted: 10% forwarded
--   mix      the pcap given to pktgen with -s 0:FILE (see the README):
--            the benchmark's traffic mix, for the configuration written
--            with it
--
-- Run (one lcore per port's rx and tx, -P: promiscuous):
--   pktgen -l 0-4 -n 4 -a TX_PCI -a RX_PCI -- -P -m "[1:2].0,[3:4].1" \
--          -f scripts/pktgen/sgtgw.lua
-- Environment:
--   SGTGW_PROFILE  one profile name, or "all" (default: all but mix)
--   SGTGW_SECONDS  seconds per profile (10)
--   SGTGW_SIZE     frame size without FCS (64)
--   SGTGW_RATE     percent of line rate (100)
--   SGTGW_DST_MAC  destination MAC of the frames (02:00:00:00:00:02; sgtgw
--                  ports are promiscuous, so any unicast address will do)
--   SGTGW_QUIT     "1": quit pktgen when done

package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local TX, RX = "0", "1"
local seconds = tonumber(os.getenv("SGTGW_SECONDS") or "10")
local size = tonumber(os.getenv("SGTGW_SIZE") or "64")
local rate = tonumber(os.getenv("SGTGW_RATE") or "100")
local dst_mac = os.getenv("SGTGW_DST_MAC") or "02:00:00:00:00:02"
local only = os.getenv("SGTGW_PROFILE") or "all"

local profiles = {
	{ name = "permit", cell = "Users -> Servers (Permit_IP)", expect = 100,
	  proto = "udp", src = "10.1", dst = "10.2", dport = { 443, 443 } },
	{ name = "deny", cell = "Quarantine -> Servers (Deny_IP)", expect = 0,
	  proto = "udp", src = "10.3", dst = "10.2", dport = { 443, 443 } },
	{ name = "unknown", cell = "* -> * (default, permit)", expect = 100,
	  proto = "udp", src = "198.18", dst = "198.19", dport = { 53, 53 } },
	{ name = "acl", cell = "Users -> Printers (Printing)", expect = 10,
	  proto = "tcp", src = "10.1", dst = "10.4", dport = { 9095, 9104 } },
	{ name = "mix", cell = "pcap of port 0 (-s 0:FILE)", pcap = true },
}

-- An address range over a /16: NET.0.1 to NET.255.254, one step a frame.
local function range_ip(set, net)
	set(TX, "start", net .. ".0.1")
	set(TX, "min", net .. ".0.1")
	set(TX, "max", net .. ".255.254")
	set(TX, "inc", "0.0.0.1")
end

local function range_port(set, lo, hi)
	set(TX, "start", lo)
	set(TX, "min", lo)
	set(TX, "max", hi)
	set(TX, "inc", lo == hi and 0 or 1)
end

local function setup(p)
	pktgen.set(TX, "rate", rate)
	if p.pcap then
		pktgen.set_range(TX, "off")
		pktgen.pcap(TX, "on")
		return
	end
	pktgen.pcap(TX, "off")
	pktgen.range.dst_mac(TX, "start", dst_mac)
	pktgen.range.set_type(TX, "ipv4")
	pktgen.range.ip_proto(TX, p.proto)
	range_ip(pktgen.range.src_ip, p.src)
	range_ip(pktgen.range.dst_ip, p.dst)
	range_port(pktgen.range.src_port, 1024, 65535)
	range_port(pktgen.range.dst_port, p.dport[1], p.dport[2])
	pktgen.range.pkt_size(TX, "start", size)
	pktgen.range.pkt_size(TX, "min", size)
	pktgen.range.pkt_size(TX, "max", size)
	pktgen.range.pkt_size(TX, "inc", 0)
	pktgen.set_range(TX, "on")
end

local function run(p)
	setup(p)
	pktgen.clr()
	pktgen.delay(1000)
	pktgen.start(TX)
	pktgen.sleep(seconds)
	pktgen.stop(TX)
	-- pktgen refreshes its port counters once a second.
	pktgen.delay(2000)
	local st = pktgen.portStats("all", "port")
	local tx, rx = st[0].opackets, st[1].ipackets
	local delivered = tx > 0 and 100.0 * rx / tx or 0
	local expect = p.expect and string.format("%d%%", p.expect) or "see sgtgwctl counters"
	printf("%-8s %-32s tx %13d (%6.2f Mpps)  rx %13d (%6.2f Mpps)  delivered %6.2f%%  expected %s\n",
	       p.name, p.cell, tx, tx / seconds / 1e6, rx, rx / seconds / 1e6,
	       delivered, expect)
	if st[1].imissed > 0 or st[1].ierrors > 0 then
		printf("         pktgen port 1 missed %d, errors %d: pktgen itself lost frames\n",
		       st[1].imissed, st[1].ierrors)
	end
end

pktgen.screen("off")
printf("sgtgw profiles: %d s each, %d-byte frames, %d%% of line rate\n",
       seconds, size, rate)
for _, p in ipairs(profiles) do
	if only == p.name or (only == "all" and not p.pcap) then
		run(p)
	end
end
printf("Compare with the gateway: sgtgwctl ports (rx on inside, tx on outside, " ..
       "drops by reason), sgtgwctl counters (per cell), and ethstats.py " ..
       "(imissed: frames the NIC dropped because the gateway fell behind)\n")
if os.getenv("SGTGW_QUIT") == "1" then
	pktgen.quit()
end
