# SPDX-License-Identifier: BSD-3-Clause
"""Cisco Meta Data inline tags: a trusted ingress port takes the SGT of a
frame's tag, an untrusted one ignores it and classifies by the source
address; the egress port adds (or rewrites) the tag with the packet's SGT,
strips it, or keeps the frame as received. The tag goes after the MAC
addresses and any 802.1Q tag. What leaves is decoded independently with
tshark (cmd.sgt) and compared byte for byte with the frame we expect."""
import shutil
import subprocess

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q
from scapy.packet import Raw

from sgtgw_lib import CMD, Port, eth, run_frames

EMP, WEB, TAGGED, OTHER = 10, 20, 77, 99
EMP4, WEB4, UNK4 = "10.1.0.1", "10.2.0.10", "192.0.2.1"
EMP6, WEB6 = "2001:db8:1::1", "2001:db8:2::10"

CONFIG = {
    "sgts": [{"value": EMP, "name": "Employees"}, {"value": WEB, "name": "Web"},
             {"value": TAGGED, "name": "Tagged"}, {"value": OTHER, "name": "Other"}],
    "policy": {
        "default": {"catch_all": "permit"},
        # Cells only to tell by the counters which SGT a packet was given.
        "cells": [{"src": "Employees", "dst": "Web", "catch_all": "permit"},
                  {"src": "Tagged", "dst": "Web", "catch_all": "permit"},
                  {"src": "Other", "dst": "Web", "catch_all": "permit"}],
    },
    "bindings": [{"prefix": "10.1.0.0/16", "sgt": "Employees"},
                 {"prefix": WEB4, "sgt": "Web"},
                 {"prefix": "2001:db8:1::/48", "sgt": "Employees"},
                 {"prefix": WEB6, "sgt": "Web"}],
}


def build(l3, vlan=None, tag=None):
    """Ether [/ 802.1Q] [/ CMD(tag)] / l3, as bytes."""
    f = eth()
    if vlan is not None:
        f = f / Dot1Q(vlan=vlan)
    if tag is not None:
        f = f / CMD(sgt=tag, type=0x86DD if l3.haslayer(IPv6) else 0x0800)
    return bytes(f / l3)


def v4(src=EMP4, dport=443):
    return IP(src=src, dst=WEB4) / TCP(sport=40000, dport=dport) / Raw(b"t" * 8)


def v6(src=EMP6, dport=443):
    return IPv6(src=src, dst=WEB6) / UDP(sport=40000, dport=dport) / Raw(b"t" * 8)


# (what, l3, vlan, tag SGT in the frame, SGT from the source address)
CASES = [
    ("untagged IPv4", v4(dport=1), None, None, EMP),
    ("tagged IPv4", v4(dport=2), None, TAGGED, EMP),
    ("untagged IPv6", v6(dport=3), None, None, EMP),
    ("tagged IPv6", v6(dport=4), None, TAGGED, EMP),
    ("802.1Q untagged", v4(dport=5), 100, None, EMP),
    ("802.1Q then tag", v4(dport=6), 100, OTHER, EMP),
    ("tag from an unbound source", v4(src=UNK4, dport=7), None, TAGGED, 0),
    ("tag SGT 0", v4(dport=8), None, 0, EMP),
]


def tshark_fields(path):
    res = subprocess.run(["tshark", "-r", str(path), "-T", "fields", "-E", "separator=|",
                          "-e", "cmd.sgt", "-e", "vlan.id", "-e", "ip.src", "-e", "ipv6.src",
                          "-e", "tcp.dstport", "-e", "udp.dstport"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return [line.split("|") for line in res.stdout.splitlines()]


@pytest.mark.parametrize("trust", ["trusted", "untrusted"])
@pytest.mark.parametrize("egress", ["add", "keep", "strip"])
def test_inline_tag(tmp_path, trust, egress):
    frames = [build(l3, vlan, tag) for _, l3, vlan, tag, _ in CASES]
    ports = [Port("a", frames, trust=trust), Port("b", egress_tag=egress)]
    dp, rows, counters = run_frames(tmp_path, f"tag_{trust}_{egress}", ports, CONFIG)

    sgts = [tag if trust == "trusted" and tag is not None else by_ip
            for _, _, _, tag, by_ip in CASES]
    want = []
    for (what, l3, vlan, tag, _), sgt in zip(CASES, sgts):
        if egress == "add":
            want.append(build(l3, vlan, sgt))
        elif egress == "keep":
            want.append(build(l3, vlan, tag))
        else:
            want.append(build(l3, vlan, None))
    got = dp.out["b"]
    assert len(got) == len(want)
    for (what, *_), g, w in zip(CASES, got, want):
        assert g == w, f"{what}: got {g.hex()} want {w.hex()}"

    # An independent decoder agrees: SGT in the tag, VLAN kept, tag after it.
    if shutil.which("tshark"):
        fields = tshark_fields(tmp_path / "b-out0.pcap")
        assert len(fields) == len(CASES)
        for (what, l3, vlan, tag, _), sgt, (cmd_sgt, vlan_id, src4, src6, tport, uport) \
                in zip(CASES, sgts, fields):
            want_tag = {"add": sgt, "keep": tag, "strip": None}[egress]
            assert cmd_sgt == ("" if want_tag is None else str(want_tag)), what
            assert vlan_id == ("" if vlan is None else str(vlan)), what
            assert (src4 or src6) == l3.src, what
            dport = l3[TCP].dport if l3.haslayer(TCP) else l3[UDP].dport
            assert (tport or uport) == str(dport), what

    # The counters say which SGT each packet was judged with.
    by_cell = {}
    for (_, l3, *_), sgt in zip(CASES, sgts):
        key = ((sgt, WEB) if sgt in (EMP, TAGGED, OTHER) else (-1, -1),
               "ipv6" if l3.haslayer(IPv6) else "ipv4")
        by_cell[key] = by_cell.get(key, 0) + 1
    for (src, dst, af), row in counters.items():
        assert row["sw_permitted"] == by_cell.get(((src, dst), af), 0), (src, dst, af)
    assert rows["a"]["drop_total"] == 0
    assert rows["b"]["tx_packets"] == len(CASES)
    grown = sum(len(w) - len(f) for w, f in zip(want, frames))
    assert rows["b"]["tx_bytes"] == sum(len(f) for f in frames) + grown


def test_tag_both_directions_and_bad_tag_untrusted(tmp_path):
    """Port b (untrusted, egress add toward a) tags what it sends to a with
    the classified SGT, while frames from a are stripped toward b; a bad tag
    is dropped even on an untrusted port (the frame cannot be parsed)."""
    a_frames = [build(v4(dport=1), tag=TAGGED), build(v4(dport=2))]
    b_frames = [build(IP(src=WEB4, dst=EMP4) / TCP(sport=443, dport=40000)),
                build(IP(src=WEB4, dst=EMP4) / TCP(sport=443, dport=40001), tag=OTHER),
                build(IP(src=WEB4, dst=EMP4) / TCP(sport=443, dport=40002), tag=0xFFFF)]
    ports = [Port("a", a_frames, trust="trusted", egress_tag="add"),
             Port("b", b_frames, trust="untrusted", egress_tag="strip")]
    dp, rows, _ = run_frames(tmp_path, "tag_both", ports, CONFIG)
    assert dp.out["b"] == [build(v4(dport=1)), build(v4(dport=2))]
    assert dp.out["a"] == [
        build(IP(src=WEB4, dst=EMP4) / TCP(sport=443, dport=40000), tag=WEB),
        build(IP(src=WEB4, dst=EMP4) / TCP(sport=443, dport=40001), tag=WEB),
    ]
    assert rows["b"]["drop_bad_cmd"] == 1
    assert rows["b"]["drop_total"] == 1
