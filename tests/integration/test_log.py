# SPDX-License-Identifier: BSD-3-Clause
"""ACEs marked `log` produce %RBM-6-SGACLHIT-style lines on the dataplane's
log (stderr here), naming the SGACL, the ACE, the action, the flow and the
groups; ACEs without `log` and catch-alls produce none; and each worker
rate-limits the records with a token bucket that starts full with one
second's worth (log_rate records)."""
import time

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Raw

from sgtgw_lib import Dataplane, Port, eth, parse_sgaclhit, run_frames, sgaclhit_lines

EMP, WEB, DB = 10, 20, 30
E4, WEB4, DB4 = "10.1.0.1", "10.2.0.10", "10.3.0.1"
E6, WEB6 = "2001:db8:1::1", "2001:db8:2::10"


def config(log_rate=None):
    cfg = {
        "sgts": [{"value": EMP, "name": "Employees"}, {"value": WEB, "name": "Web"},
                 {"value": DB, "name": "Database"}],
        "sgacls": [
            {"name": "Logged", "aces": ["permit tcp dst eq 443 log", "deny tcp dst eq 22 log",
                                        "permit tcp dst eq 80", "permit udp src eq 5353 log",
                                        "permit icmp log"]},
            {"name": "Deny_All_Log", "aces": ["deny ip log"]},
        ],
        "policy": {"default": {"catch_all": "permit"},
                   "cells": [{"src": "Employees", "dst": "Web", "sgacls": ["Logged"],
                              "catch_all": "deny"},
                             {"src": "Employees", "dst": "Database",
                              "sgacls": ["Deny_All_Log"]}]},
        "bindings": [{"prefix": "10.1.0.0/16", "sgt": "Employees"},
                     {"prefix": WEB4, "sgt": "Web"}, {"prefix": DB4, "sgt": "Database"},
                     {"prefix": "2001:db8:1::/48", "sgt": "Employees"},
                     {"prefix": WEB6, "sgt": "Web"}],
    }
    if log_rate is not None:
        cfg["dataplane"] = {"log_rate": log_rate}
    return cfg


def f4(dst, l4):
    return bytes(eth() / IP(src=E4, dst=dst) / l4 / Raw(b"l" * 4))


# (frame, expected fields of its line, or None for no line)
CASES = [
    (f4(WEB4, TCP(sport=40001, dport=443)),
     {"sgacl_name": "Logged", "action": "Permit", "protocol": "tcp", "src-ip": E4,
      "src-port": "40001", "dest-ip": WEB4, "dest-port": "443", "sgt": "10", "dgt": "20",
      "ace": "permit tcp dst eq 443 log", "ingress_interface": "a"}),
    (f4(WEB4, TCP(sport=40002, dport=22)),
     {"sgacl_name": "Logged", "action": "Deny", "protocol": "tcp", "src-ip": E4,
      "src-port": "40002", "dest-ip": WEB4, "dest-port": "22", "sgt": "10", "dgt": "20",
      "ace": "deny tcp dst eq 22 log"}),
    (f4(WEB4, TCP(sport=40003, dport=80)), None),          # ACE without log
    (f4(WEB4, TCP(sport=40004, dport=8080)), None),        # catch-all deny
    (f4(WEB4, UDP(sport=5353, dport=5353)),
     {"sgacl_name": "Logged", "action": "Permit", "protocol": "udp", "src-port": "5353",
      "dest-port": "5353"}),
    (f4(WEB4, ICMP()), {"sgacl_name": "Logged", "action": "Permit", "protocol": "icmp",
                        "src-ip": E4, "dest-ip": WEB4}),
    (bytes(eth() / IPv6(src=E6, dst=WEB6) / TCP(sport=40005, dport=22)),
     {"sgacl_name": "Logged", "action": "Deny", "src-ip": E6, "dest-ip": WEB6,
      "src-port": "40005", "dest-port": "22", "sgt": "10", "dgt": "20"}),
    # "deny ip log" ends its list: the line still names its SGACL and ACE.
    (f4(DB4, TCP(sport=40006, dport=1521)),
     {"sgacl_name": "Deny_All_Log", "action": "Deny", "ace": "deny ip log", "sgt": "10",
      "dgt": "30", "dest-port": "1521"}),
    (f4("192.0.2.9", TCP(sport=40007, dport=22)), None),   # default cell, no log
]


def test_log_lines_name_the_hit(tmp_path):
    ports = [Port("a", [c[0] for c in CASES]), Port("b")]
    dp, rows, _ = run_frames(tmp_path, "log", ports, config())
    lines = [parse_sgaclhit(line) for line in sgaclhit_lines(dp.log())]
    want = [w for _, w in CASES if w is not None]
    assert len(lines) == len(want), "\n".join(sgaclhit_lines(dp.log()))
    for got, exp in zip(lines, want):
        assert {k: got.get(k) for k in exp} == exp, got
    assert rows["a"]["drop_policy"] == 4


def hits(n, sport0):
    return [f4(WEB4, TCP(sport=sport0 + i, dport=22)) for i in range(n)]


def test_log_rate_limit(tmp_path):
    """log_rate 5, 300 logged hits at once: the full bucket lets the first 5
    through, and over the run's duration at most 5 more per second."""
    rate, n = 5, 300
    ports = [Port("a", hits(n, 50000)), Port("b")]
    t0 = time.monotonic()
    dp = Dataplane(tmp_path, "lograte", ports, config(rate))
    with dp:
        dp.wait_done()
        elapsed = time.monotonic() - t0
        assert dp.port_rows()["a"]["drop_policy"] == n
        # A hit's log decision precedes its drop count: every hit is in.
        info = dp.info()
    assert dp.rc == 0
    lines = [parse_sgaclhit(line) for line in sgaclhit_lines(dp.log())]
    assert rate <= len(lines) <= rate + int(rate * elapsed) + 1, len(lines)
    # The bucket was full: the first hits are the ones logged.
    assert [line["src-port"] for line in lines[:rate]] == \
        [str(50000 + i) for i in range(rate)]
    # Every hit is either written or counted as suppressed (the ring of
    # 300 hits' few records never fills).
    assert info["acl_log_ring_full"] == 0
    assert info["acl_log_suppressed"] == n - len(lines)


def test_log_rate_zero_logs_nothing(tmp_path):
    ports = [Port("a", hits(20, 51000)), Port("b")]
    dp, rows, _ = run_frames(tmp_path, "lograte0", ports, config(0))
    assert sgaclhit_lines(dp.log()) == []
    assert rows["a"]["drop_policy"] == 20
