#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the demo's traffic mix for config/sgtgw.example.yaml.

inside-in.pcap  frames arriving on the access side (port "inside", trusted:
                some carry a Cisco Meta Data tag set by an access switch)
outside-in.pcap frames arriving from the core (port "outside")

Every flow names the cell it exercises and the verdict the example policy
gives it, so the demo's counters can be read against this list.
"""
import argparse
import os
import sys

from scapy.all import ARP, Ether, ICMP, IP, IPv6, TCP, UDP, Raw, wrpcap
from scapy.layers.l2 import Dot1Q
from scapy.packet import Packet, bind_layers
from scapy.fields import ByteField, ShortField, XShortEnumField


class CiscoMetaData(Packet):
    """Cisco Meta Data inline tag (ethertype 0x8909) carrying one SGT."""
    name = "CMD"
    fields_desc = [ByteField("version", 1), ByteField("length", 1),
                   ShortField("option", 0x0001), ShortField("sgt", 0),
                   XShortEnumField("type", 0x0800, {0x0800: "IPv4", 0x86DD: "IPv6"})]


bind_layers(Ether, CiscoMetaData, type=0x8909)
bind_layers(Dot1Q, CiscoMetaData, type=0x8909)
bind_layers(CiscoMetaData, IP, type=0x0800)
bind_layers(CiscoMetaData, IPv6, type=0x86DD)

MAC_IN = "02:00:00:00:00:01"
MAC_OUT = "02:00:00:00:00:02"

# (description, verdict, frame builder)
FLOWS = [
    ("Employees -> Web_Servers https", "permit",
     lambda i: IP(src="10.10.1.5", dst="10.100.1.10") / TCP(sport=40000 + i, dport=443)),
    ("Employees -> Web_Servers ssh (catch-all deny)", "deny",
     lambda i: IP(src="10.10.1.5", dst="10.100.1.10") / TCP(sport=40000 + i, dport=22)),
    ("Employees -> Database postgres (logged permit)", "permit",
     lambda i: IP(src="10.10.2.7", dst="10.100.2.20") / TCP(sport=41000 + i, dport=5432)),
    ("Contractors -> Database (Deny_Log)", "deny",
     lambda i: IP(src="10.20.1.7", dst="10.100.2.20") / TCP(sport=42000 + i, dport=5432)),
    ("Contractors -> Web_Servers http", "permit",
     lambda i: IP(src="10.20.1.7", dst="10.100.1.11") / TCP(sport=43000 + i, dport=80)),
    ("Guests -> Web_Servers ssh (monitor mode: counted, forwarded)", "monitor",
     lambda i: IP(src="10.30.0.9", dst="10.100.1.10") / TCP(sport=44000 + i, dport=22)),
    ("Quarantine host inside Employees' /16 -> Web_Servers", "deny",
     lambda i: IP(src="10.10.66.6", dst="10.100.1.10") / TCP(sport=45000 + i, dport=443)),
    ("Employees -> Printers jetdirect", "permit",
     lambda i: IP(src="10.10.3.3", dst="10.100.3.5") / TCP(sport=46000 + i, dport=9100)),
    ("Employees -> Printers telnet", "deny",
     lambda i: IP(src="10.10.3.3", dst="10.100.3.5") / TCP(sport=46000 + i, dport=23)),
    ("unknown -> unknown (default permit)", "permit",
     lambda i: IP(src="192.0.2.1", dst="198.51.100.1") / UDP(sport=5000 + i, dport=9999)),
    ("IPv6 Employees -> Web_Servers https", "permit",
     lambda i: IPv6(src="2001:db8:10::5", dst="2001:db8:100::10") / TCP(sport=47000 + i, dport=443)),
    ("IPv6 Employees -> Web_Servers smtp", "deny",
     lambda i: IPv6(src="2001:db8:10::5", dst="2001:db8:100::10") / TCP(sport=47000 + i, dport=25)),
    ("Employees -> Web_Servers ping", "permit",
     lambda i: IP(src="10.10.1.5", dst="10.100.1.10") / ICMP(id=i)),
]

# Frames tagged by the access switch: the trusted tag wins over the lookup.
TAGGED = [
    ("tagged SGT 5 (Contractors) from an Employees address -> Database", "deny", 5,
     lambda i: IP(src="10.10.2.7", dst="10.100.2.20") / TCP(sport=48000 + i, dport=5432)),
    ("tagged SGT 4 (Employees) -> Web_Servers https", "permit", 4,
     lambda i: IP(src="10.10.1.5", dst="10.100.1.10") / TCP(sport=49000 + i, dport=443)),
]


def inside_frames(copies):
    frames, expect = [], []
    for i in range(copies):
        for desc, verdict, build in FLOWS:
            frames.append(Ether(src=MAC_IN, dst=MAC_OUT) / build(i) / Raw(b"x" * 18))
            expect.append((desc, verdict))
        for desc, verdict, sgt, build in TAGGED:
            inner = build(i)
            etype = 0x86DD if inner.haslayer(IPv6) else 0x0800
            frames.append(Ether(src=MAC_IN, dst=MAC_OUT, type=0x8909) /
                          CiscoMetaData(sgt=sgt, type=etype) / inner / Raw(b"t" * 18))
            expect.append((desc, verdict))
    frames.append(Ether(src=MAC_IN, dst="ff:ff:ff:ff:ff:ff") /
                  ARP(psrc="10.10.1.5", pdst="10.10.1.1"))
    expect.append(("ARP request (non-IP rule: forward)", "permit"))
    # A frame cut inside its IPv4 header: counted as bad_ipv4 and dropped.
    frames.append(Ether(bytes(Ether(src=MAC_IN, dst=MAC_OUT) / IP(src="10.10.1.5",
                                                                dst="10.100.1.10"))[:24]))
    expect.append(("truncated IPv4 header (malformed)", "malformed"))
    return frames, expect


def outside_frames(copies):
    frames, expect = [], []
    for i in range(copies):
        frames.append(Ether(src=MAC_OUT, dst=MAC_IN) /
                      IP(src="10.100.1.10", dst="10.10.1.5") / TCP(sport=443, dport=40000 + i, flags="SA"))
        expect.append(("Web_Servers -> Employees reply (default permit)", "permit"))
        frames.append(Ether(src=MAC_OUT, dst=MAC_IN) / Dot1Q(vlan=100) /
                      IP(src="10.100.2.20", dst="10.20.1.7") / TCP(sport=5432, dport=42000 + i, flags="SA"))
        expect.append(("802.1Q Database -> Contractors reply (default permit)", "permit"))
    return frames, expect


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="directory for the pcap files")
    ap.add_argument("--copies", type=int, default=20, help="copies of each flow")
    ap.add_argument("--list", action="store_true", help="print the flows and verdicts")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    fin, ein = inside_frames(args.copies)
    fout, eout = outside_frames(args.copies)
    wrpcap(os.path.join(args.out, "inside-in.pcap"), fin)
    wrpcap(os.path.join(args.out, "outside-in.pcap"), fout)
    if args.list:
        seen = {}
        for desc, verdict in ein + eout:
            seen.setdefault((desc, verdict), 0)
            seen[(desc, verdict)] += 1
        for (desc, verdict), n in seen.items():
            print(f"  {n:4d} x {verdict:9s} {desc}")
    print(len(fin) + len(fout))


if __name__ == "__main__":
    sys.exit(main())
