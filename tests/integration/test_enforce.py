# SPDX-License-Identifier: BSD-3-Clause
"""Enforcement, packet by packet: every crafted frame has its expected
source group, destination group and verdict written here, and the run must
forward exactly the permitted frames, in order and byte for byte, with the
per-cell and per-port counters adding up to the same verdicts.

Covers every port operator (eq lt gt neq range, src and dst), protocol
numbers, icmp for IPv4 and IPv6, permit and deny ACEs, catch-alls none /
permit / deny, a disabled cell, the default cell as permit and as deny,
host-over-prefix and longest-prefix classification (IPv4 and IPv6), unknown
source (port default SGT) and unknown destination (0), IPv4 and IPv6
non-first fragments against permit- and deny-with-ports ACEs, IPv6 extension
headers before TCP, 802.1Q and QinQ, and both directions of a port pair.
"""
import pytest
from scapy.layers.inet import GRE, ICMP, IP, TCP, UDP
from scapy.layers.inet6 import (ICMPv6EchoRequest, IPv6, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                                IPv6ExtHdrRouting)
from scapy.layers.l2 import Dot1AD, Dot1Q
from scapy.packet import Raw

from sgtgw_lib import Port, eth, run_frames

PORT_DEF, EMP, WEB, DB, GUEST, QUAR, PRN, LAB = 5, 10, 20, 30, 40, 50, 60, 70

SGTS = [{"value": v, "name": n} for v, n in [
    (PORT_DEF, "PortDefault"), (EMP, "Employees"), (WEB, "Web"), (DB, "Database"),
    (GUEST, "Guests"), (QUAR, "Quarantine"), (PRN, "Printers"), (LAB, "Lab")]]

BINDINGS = [
    {"prefix": "10.1.0.0/16", "sgt": "Employees"},
    {"prefix": "10.1.5.0/24", "sgt": "Guests"},        # longer, inside Employees
    {"prefix": "10.1.5.66", "sgt": "Quarantine"},      # host inside both
    {"prefix": "10.2.0.0/16", "sgt": "Database"},
    {"prefix": "10.2.0.10", "sgt": str(WEB)},          # host inside Database /16
    {"prefix": "10.2.7.0/24", "sgt": "Lab"},
    {"prefix": "10.3.0.0/16", "sgt": "Printers"},
    {"prefix": "2001:db8:1::/48", "sgt": "Employees"},
    {"prefix": "2001:db8:1:5::/64", "sgt": "Guests"},
    {"prefix": "2001:db8:1:5::66", "sgt": "Quarantine"},
    {"prefix": "2001:db8:2::/48", "sgt": "Database"},
    {"prefix": "2001:db8:2::10/128", "sgt": "Web"},
]

SGACLS = [
    {"name": "Web_In", "aces": [
        "permit tcp dst eq 443",
        "permit tcp dst range 8000 8010",
        "permit tcp src neq 666 dst lt 100",
        "permit udp src gt 60000",
        "permit icmp",
        "permit 47",
    ]},
    {"name": "Db_Guard", "aces": [
        "deny tcp dst eq 5432",
        "deny udp dst range 5000 5100",
        "deny tcp src lt 1024",
        "deny udp dst neq 53",
        "deny 50",
        "deny icmp",
    ]},
    {"name": "Guest_Web", "aces": ["permit tcp dst eq 80", "deny tcp dst eq 25"]},
    {"name": "Default_Acl", "aces": ["deny tcp dst eq 23"]},
    {"name": "Frag_Permit", "aces": ["deny tcp dst eq 22", "permit tcp dst eq 80"]},
    {"name": "Frag_Deny", "aces": ["deny tcp dst eq 5432"]},
    {"name": "Frag_Deny_Udp", "aces": ["deny udp"]},
]

CELLS = [
    {"src": "Employees", "dst": "Web", "sgacls": ["Web_In"], "catch_all": "deny"},
    {"src": "Employees", "dst": "Database", "sgacls": ["Db_Guard"], "catch_all": "permit"},
    {"src": "Guests", "dst": "Web", "sgacls": ["Guest_Web"], "catch_all": "none"},
    {"src": "Quarantine", "dst": "Web", "catch_all": "deny"},
    {"src": "Employees", "dst": "Printers", "sgacls": ["Web_In"], "catch_all": "deny",
     "mode": "disabled"},
    {"src": "PortDefault", "dst": "Web", "catch_all": "permit"},
    {"src": "Employees", "dst": "0", "catch_all": "deny"},
    {"src": "Lab", "dst": "Web", "sgacls": ["Frag_Permit"], "catch_all": "deny"},
    {"src": "Lab", "dst": "Database", "sgacls": ["Frag_Deny"], "catch_all": "permit"},
    {"src": "Lab", "dst": "Printers", "sgacls": ["Frag_Deny_Udp"], "catch_all": "permit"},
    {"src": "Database", "dst": "Employees", "catch_all": "deny"},
    {"src": "Web", "dst": "Employees", "catch_all": "permit"},
]
# Enforcing cells (the disabled one is compiled away: the default applies).
ENABLED = {(EMP, WEB), (EMP, DB), (GUEST, WEB), (QUAR, WEB), (PORT_DEF, WEB), (EMP, 0),
           (LAB, WEB), (LAB, DB), (LAB, PRN), (DB, EMP), (WEB, EMP)}

E4, G4, Q4, L4 = "10.1.0.1", "10.1.5.7", "10.1.5.66", "10.2.7.5"
WEB4, DB4, PRN4, UNK4, UNK4_DST = "10.2.0.10", "10.2.9.9", "10.3.0.5", "192.0.2.1", "198.51.100.1"
E6, G6, Q6 = "2001:db8:1::1", "2001:db8:1:5::7", "2001:db8:1:5::66"
WEB6, DB6 = "2001:db8:2::10", "2001:db8:2::99"
PAY = Raw(b"p" * 12)


def ip4(src, dst, **kw):
    return eth() / IP(src=src, dst=dst, **kw)


def ip6(src, dst, **kw):
    return eth() / IPv6(src=src, dst=dst, **kw)


def tcp(sport=40000, dport=80):
    return TCP(sport=sport, dport=dport, flags="S") / PAY


def udp(sport=40000, dport=80):
    return UDP(sport=sport, dport=dport) / PAY


# "default": the default cell's catch-all decides (the parameter of the test).
P, D, DEF = "permit", "deny", "default"

# (what, frame, sgt, dgt, verdict) arriving on port a (default SGT 5)
A_FRAMES = [
    # Employees -> Web (host 10.2.0.10 beats the Database /16)
    ("tcp dst eq 443", ip4(E4, WEB4) / tcp(dport=443), EMP, WEB, P),
    ("tcp dst 444: catch-all deny", ip4(E4, WEB4) / tcp(dport=444), EMP, WEB, D),
    ("range low end", ip4(E4, WEB4) / tcp(dport=8000), EMP, WEB, P),
    ("range high end", ip4(E4, WEB4) / tcp(dport=8010), EMP, WEB, P),
    ("just above the range", ip4(E4, WEB4) / tcp(dport=8011), EMP, WEB, D),
    ("src neq 666, dst lt 100", ip4(E4, WEB4) / tcp(sport=1000, dport=99), EMP, WEB, P),
    ("src 666 fails neq", ip4(E4, WEB4) / tcp(sport=666, dport=99), EMP, WEB, D),
    ("dst 100 fails lt 100", ip4(E4, WEB4) / tcp(sport=1000, dport=100), EMP, WEB, D),
    ("udp src gt 60000", ip4(E4, WEB4) / udp(sport=60001, dport=1), EMP, WEB, P),
    ("udp src 60000 fails gt", ip4(E4, WEB4) / udp(sport=60000, dport=1), EMP, WEB, D),
    ("icmp echo", ip4(E4, WEB4) / ICMP(id=1) / PAY, EMP, WEB, P),
    ("protocol 47 (gre)", ip4(E4, WEB4) / GRE() / PAY, EMP, WEB, P),
    ("protocol 50 (esp): catch-all", ip4(E4, WEB4, proto=50) / PAY, EMP, WEB, D),
    ("802.1Q tcp 443", eth() / Dot1Q(vlan=10) / IP(src=E4, dst=WEB4) / tcp(dport=443),
     EMP, WEB, P),
    ("QinQ tcp 8005", eth() / Dot1AD(vlan=100) / Dot1Q(vlan=200) / IP(src=E4, dst=WEB4)
     / tcp(dport=8005), EMP, WEB, P),
    ("802.1Q tcp 3000", eth() / Dot1Q(vlan=10) / IP(src=E4, dst=WEB4) / tcp(dport=3000),
     EMP, WEB, D),
    # Employees -> Database (prefix), catch-all permit after deny ACEs
    ("deny tcp dst eq 5432", ip4(E4, DB4) / tcp(dport=5432), EMP, DB, D),
    ("tcp 5433: catch-all permit", ip4(E4, DB4) / tcp(dport=5433), EMP, DB, P),
    ("udp range low end", ip4(E4, DB4) / udp(sport=2000, dport=5000), EMP, DB, D),
    ("udp 5101: dst neq 53", ip4(E4, DB4) / udp(sport=2000, dport=5101), EMP, DB, D),
    ("udp 53 passes neq", ip4(E4, DB4) / udp(sport=2000, dport=53), EMP, DB, P),
    ("tcp src 1023 lt 1024", ip4(E4, DB4) / tcp(sport=1023, dport=80), EMP, DB, D),
    ("tcp src 1024 fails lt", ip4(E4, DB4) / tcp(sport=1024, dport=80), EMP, DB, P),
    ("deny 50 (esp)", ip4(E4, DB4, proto=50) / PAY, EMP, DB, D),
    ("deny icmp", ip4(E4, DB4) / ICMP() / PAY, EMP, DB, D),
    ("gre: catch-all permit", ip4(E4, DB4) / GRE() / PAY, EMP, DB, P),
    # Longest prefix and host bindings
    ("Guests /24 inside Employees /16", ip4(G4, WEB4) / tcp(dport=80), GUEST, WEB, P),
    ("Guests deny tcp 25", ip4(G4, WEB4) / tcp(dport=25), GUEST, WEB, D),
    ("catch-all none -> default ACE", ip4(G4, WEB4) / tcp(dport=23), GUEST, WEB, D),
    ("catch-all none -> default catch-all", ip4(G4, WEB4) / tcp(dport=9999), GUEST, WEB,
     DEF),
    ("Quarantine host inside Guests /24", ip4(Q4, WEB4) / tcp(dport=443), QUAR, WEB, D),
    # Disabled cell: the default cell decides
    ("disabled cell -> default catch-all", ip4(E4, PRN4) / tcp(dport=443), EMP, PRN, DEF),
    ("disabled cell -> default ACE", ip4(E4, PRN4) / tcp(dport=23), EMP, PRN, D),
    # Unknown source: the port's default SGT; unknown destination: 0
    ("unknown source -> default SGT 5", ip4(UNK4, WEB4) / tcp(dport=22), PORT_DEF, WEB, P),
    ("unknown destination -> 0", ip4(E4, UNK4_DST) / tcp(dport=443), EMP, 0, D),
    ("unknown both: no cell", ip4(UNK4, UNK4_DST) / tcp(dport=443), PORT_DEF, 0, DEF),
    # IPv6: host and prefixes
    ("v6 Employees -> Web host 443", ip6(E6, WEB6) / tcp(dport=443), EMP, WEB, P),
    ("v6 Employees -> Web host 3000", ip6(E6, WEB6) / tcp(dport=3000), EMP, WEB, D),
    ("v6 Employees -> Web src neq/dst lt", ip6(E6, WEB6) / tcp(dport=22), EMP, WEB, P),
    ("v6 Employees -> Database 5432", ip6(E6, DB6) / tcp(dport=5432), EMP, DB, D),
    ("v6 Employees -> Database 5433", ip6(E6, DB6) / tcp(dport=5433), EMP, DB, P),
    ("v6 Guests /64 inside Employees /48", ip6(G6, WEB6) / tcp(dport=80), GUEST, WEB, P),
    ("v6 Quarantine host", ip6(Q6, WEB6) / tcp(dport=80), QUAR, WEB, D),
    ("v6 icmp matches ICMPv6 (permit)", ip6(E6, WEB6) / ICMPv6EchoRequest() / PAY,
     EMP, WEB, P),
    ("v6 icmp matches ICMPv6 (deny)", ip6(E6, DB6) / ICMPv6EchoRequest() / PAY, EMP, DB, D),
    ("v6 unknown source -> default SGT 5", ip6("2001:db8:99::1", WEB6) / tcp(dport=22),
     PORT_DEF, WEB, P),
    # IPv6 extension headers before TCP: ports found behind them
    ("v6 hop-by-hop + routing, tcp 443",
     ip6(E6, WEB6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting(addresses=[WEB6])
     / tcp(dport=443), EMP, WEB, P),
    ("v6 hop-by-hop + routing + dest opts, tcp 5432",
     ip6(E6, DB6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting(addresses=[DB6])
     / IPv6ExtHdrDestOpt() / tcp(dport=5432), EMP, DB, D),
    ("v6 hop-by-hop + routing, tcp 5433",
     ip6(E6, DB6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting(addresses=[DB6])
     / tcp(dport=5433), EMP, DB, P),
    # IPv4 fragments (Lab): a later fragment has no ports; it matches a
    # permit ACE with ports, never a deny ACE with ports.
    ("first fragment tcp 80", ip4(L4, WEB4, flags="MF", frag=0) / tcp(dport=80),
     LAB, WEB, P),
    ("later fragment: skips deny-with-ports, matches permit-with-ports",
     ip4(L4, WEB4, proto=6, frag=185) / Raw(b"f" * 24), LAB, WEB, P),
    ("first fragment tcp 22", ip4(L4, WEB4, flags="MF", frag=0) / tcp(dport=22),
     LAB, WEB, D),
    ("later udp fragment: tcp ACEs do not match, catch-all deny",
     ip4(L4, WEB4, proto=17, frag=185) / Raw(b"f" * 24), LAB, WEB, D),
    ("later fragment vs deny-with-ports: catch-all permit",
     ip4(L4, DB4, proto=6, frag=64) / Raw(b"f" * 24), LAB, DB, P),
    ("first fragment tcp 5432", ip4(L4, DB4, flags="MF", frag=0) / tcp(dport=5432),
     LAB, DB, D),
    ("later udp fragment vs deny udp (no ports)",
     ip4(L4, PRN4, proto=17, frag=64) / Raw(b"f" * 24), LAB, PRN, D),
    ("later tcp fragment vs deny udp: catch-all permit",
     ip4(L4, PRN4, proto=6, frag=64) / Raw(b"f" * 24), LAB, PRN, P),
    # IPv6 fragments
    ("v6 later fragment vs permit-with-ports",
     ip6(E6, WEB6) / IPv6ExtHdrFragment(nh=6, offset=100, m=0, id=7) / Raw(b"f" * 24),
     EMP, WEB, P),
    ("v6 later fragment vs deny-with-ports: catch-all permit",
     ip6(E6, DB6) / IPv6ExtHdrFragment(nh=6, offset=100, m=1, id=8) / Raw(b"f" * 24),
     EMP, DB, P),
    ("v6 first fragment tcp 5432",
     ip6(E6, DB6) / IPv6ExtHdrFragment(nh=6, offset=0, m=1, id=9) / tcp(dport=5432),
     EMP, DB, D),
]

# Arriving on port b (no default SGT): the other direction of the pair
B_FRAMES = [
    ("Database -> Employees", ip4(DB4, E4) / tcp(sport=5432, dport=40000), DB, EMP, D),
    ("Web -> Employees", ip4(WEB4, E4) / tcp(sport=443, dport=40000), WEB, EMP, P),
    ("unknown -> Employees: SGT 0, no cell", ip4("192.0.2.7", E4) / tcp(), 0, EMP, DEF),
    ("v6 Web -> Employees", ip6(WEB6, E6) / tcp(sport=443, dport=40000), WEB, EMP, P),
    ("802.1Q Database -> Employees", eth() / Dot1Q(vlan=5) / IP(src=DB4, dst=E4) / tcp(),
     DB, EMP, D),
]


def config(default):
    return {
        "sgts": SGTS,
        "sgacls": SGACLS,
        "policy": {"default": {"sgacls": ["Default_Acl"], "catch_all": default},
                   "cells": CELLS},
        "bindings": BINDINGS,
    }


def is_v6(frame):
    return frame.haslayer(IPv6)


def expected(cases, default):
    """Per case: (forwarded?, counter key (src, dst, af), bytes)."""
    out = []
    for what, frame, sgt, dgt, verdict in cases:
        verdict = default if verdict == DEF else verdict
        cell = (sgt, dgt) if (sgt, dgt) in ENABLED else (-1, -1)
        out.append((what, verdict == P, cell + ("ipv6" if is_v6(frame) else "ipv4",),
                    len(bytes(frame))))
    return out


def v6_rotations(cases, n):
    """The IPv6 cases n times more, each time starting one case later, so
    that no chunk of 64 addresses of the host lookup repeats the one
    before it."""
    v6 = [c for c in cases if is_v6(c[1])]
    return [c for j in range(1, n + 1) for c in v6[j:] + v6[:j]]


# v6_again: port a sends its IPv6 frames that many times more after the
# rest. Four times put more than 64 IPv6 frames in the first rx burst (of up
# to 128), whose addresses the IPv6 host hash takes in three chunks of 64.
@pytest.mark.parametrize("default,v6_again", [("permit", 0), ("deny", 0), ("permit", 4)])
def test_enforce_packet_by_packet(tmp_path, default, v6_again):
    a_frames = A_FRAMES + v6_rotations(A_FRAMES, v6_again)
    assert v6_again == 0 or sum(1 for c in a_frames[:128] if is_v6(c[1])) > 64
    ports = [Port("a", [bytes(c[1]) for c in a_frames], default_sgt="PortDefault"),
             Port("b", [bytes(c[1]) for c in B_FRAMES])]
    dp, rows, counters = run_frames(tmp_path, f"enforce_{default}_{v6_again}", ports,
                                    config(default))

    exp_a, exp_b = expected(a_frames, default), expected(B_FRAMES, default)
    for port_in, port_out, exp in (("a", "b", exp_a), ("b", "a", exp_b)):
        sent = ports[0 if port_in == "a" else 1].frames
        want = [f for f, e in zip(sent, exp) if e[1]]
        got = dp.out[port_out]
        if got != want:
            # Name the first frame that went wrong.
            got_set = set(got)
            wrong = [(e[0], "forwarded" if f in got_set else "dropped",
                      "permit" if e[1] else "deny")
                     for f, e in zip(sent, exp) if (f in got_set) != e[1]]
            pytest.fail(f"{port_in} -> {port_out}: {len(got)} frames out, {len(want)} "
                        f"expected; wrong verdicts (what, got, want): {wrong}; "
                        "or order/bytes differ")

    # Ports: rx, tx, drop_policy, bytes, no other drops
    for name, exp, peer_exp, sent in (("a", exp_a, exp_b, ports[0].frames),
                                      ("b", exp_b, exp_a, ports[1].frames)):
        r = rows[name]
        assert r["rx_packets"] == len(exp)
        assert r["rx_bytes"] == sum(len(f) for f in sent)
        assert r["tx_packets"] == sum(1 for e in peer_exp if e[1])
        assert r["tx_bytes"] == sum(e[3] for e in peer_exp if e[1])
        assert r["drop_policy"] == sum(1 for e in exp if not e[1])
        assert r["drop_total"] == r["drop_policy"], r

    # Cells: every compiled cell and family, exactly
    want = {}
    for _, fwd, key, nbytes in exp_a + exp_b:
        c = want.setdefault(key, [0, 0, 0, 0])
        c[0 if fwd else 1] += 1
        c[2 if fwd else 3] += nbytes
    expected_keys = {(s, d, af) for s, d in ENABLED | {(-1, -1)} for af in ("ipv4", "ipv6")}
    assert set(counters) == expected_keys
    for key, row in counters.items():
        p, d, pb, db = want.get(key, [0, 0, 0, 0])
        got = (row["sw_permitted"], row["sw_denied"], row["sw_monitor"],
               row["permitted_bytes"], row["denied_bytes"], row["monitor_bytes"])
        assert got == (p, d, 0, pb, db, 0), f"cell {key}: got {got}"
