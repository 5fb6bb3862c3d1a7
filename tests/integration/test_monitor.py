# SPDX-License-Identifier: BSD-3-Clause
"""Monitor mode: traffic a cell would deny is forwarded and counted as
sw_monitor, never as sw_denied or drop_policy; permitted traffic is still
counted as permitted. Globally (policy.monitor_mode) and per cell
(mode: monitor) next to enforcing cells."""
import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Raw

from sgtgw_lib import Dataplane, Port, eth, run_frames

EMP, WEB, GUEST = 10, 20, 30
EMP4, WEB4, GUEST4, UNK4 = "10.1.0.1", "10.2.0.10", "10.3.0.1", "192.0.2.1"
EMP6, WEB6 = "2001:db8:1::1", "2001:db8:2::10"


def config(monitor_all, guest_mode):
    return {
        "sgts": [{"value": EMP, "name": "Employees"}, {"value": WEB, "name": "Web"},
                 {"value": GUEST, "name": "Guests"}],
        "sgacls": [{"name": "Web_Only", "aces": ["permit tcp dst eq 443", "deny udp log"]}],
        "policy": {
            "monitor_mode": monitor_all,
            "default": {"catch_all": "deny"},
            "cells": [
                {"src": "Employees", "dst": "Web", "sgacls": ["Web_Only"], "catch_all": "deny"},
                {"src": "Guests", "dst": "Web", "sgacls": ["Web_Only"], "catch_all": "deny",
                 "mode": guest_mode},
            ],
        },
        "bindings": [{"prefix": "10.1.0.0/16", "sgt": "Employees"},
                     {"prefix": WEB4, "sgt": "Web"},
                     {"prefix": "10.3.0.0/16", "sgt": "Guests"},
                     {"prefix": "2001:db8:1::/48", "sgt": "Employees"},
                     {"prefix": WEB6, "sgt": "Web"}],
    }


def tcp(src, dst, dport, v6=False):
    l3 = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)
    return bytes(eth() / l3 / TCP(sport=40000, dport=dport) / Raw(b"m" * 10))


def udp(src, dst, dport):
    return bytes(eth() / IP(src=src, dst=dst) / UDP(sport=40000, dport=dport) / Raw(b"u" * 10))


# (frame, cell, af, would-be verdict: "permit" or "deny")
FRAMES = [
    (tcp(EMP4, WEB4, 443), (EMP, WEB), "ipv4", "permit"),
    (tcp(EMP4, WEB4, 22), (EMP, WEB), "ipv4", "deny"),
    (udp(EMP4, WEB4, 53), (EMP, WEB), "ipv4", "deny"),
    (tcp(EMP6, WEB6, 22, v6=True), (EMP, WEB), "ipv6", "deny"),
    (tcp(GUEST4, WEB4, 443), (GUEST, WEB), "ipv4", "permit"),
    (tcp(GUEST4, WEB4, 22), (GUEST, WEB), "ipv4", "deny"),
    (udp(GUEST4, WEB4, 53), (GUEST, WEB), "ipv4", "deny"),
    (tcp(GUEST4, WEB4, 80), (GUEST, WEB), "ipv4", "deny"),
    (tcp(UNK4, WEB4, 443), (-1, -1), "ipv4", "deny"),       # default cell: deny
]


@pytest.mark.parametrize("monitor_all,guest_mode", [
    (True, "enforce"),     # global monitor mode: nothing is dropped
    (False, "monitor"),    # only Guests -> Web is monitored
    (True, "monitor"),     # both
    (False, "enforce"),    # control: nothing monitored
])
def test_monitor(tmp_path, monitor_all, guest_mode):
    name = f"monitor_{int(monitor_all)}_{guest_mode}"
    ports = [Port("a", [f[0] for f in FRAMES]), Port("b")]
    dp, rows, counters = run_frames(tmp_path, name, ports, config(monitor_all, guest_mode))

    def monitored(cell):
        return monitor_all or (cell == (GUEST, WEB) and guest_mode == "monitor")

    forwarded = [f for f, cell, _, v in FRAMES if v == "permit" or monitored(cell)]
    assert dp.out["b"] == forwarded
    want = {}
    for frame, cell, af, verdict in FRAMES:
        c = want.setdefault(cell + (af,), {"sw_permitted": 0, "sw_denied": 0, "sw_monitor": 0,
                                           "permitted_bytes": 0, "denied_bytes": 0,
                                           "monitor_bytes": 0})
        kind = "permitted" if verdict == "permit" else \
            "monitor" if monitored(cell) else "denied"
        c["sw_" + kind] += 1
        c[kind + "_bytes"] += len(frame)
    for key, row in counters.items():
        exp = want.get(key, dict.fromkeys(["sw_permitted", "sw_denied", "sw_monitor",
                                           "permitted_bytes", "denied_bytes",
                                           "monitor_bytes"], 0))
        assert {k: row[k] for k in exp} == exp, f"cell {key}"
    assert set(want) <= set(counters)
    assert rows["a"]["rx_packets"] == len(FRAMES)
    assert rows["b"]["tx_packets"] == len(forwarded)
    assert rows["a"]["drop_policy"] == len(FRAMES) - len(forwarded)
    if monitor_all:
        assert rows["a"]["drop_total"] == 0
    # The "deny udp log" hits are logged as monitor records where monitored.
    hits = [line for line in dp.log().splitlines() if "SGACLHIT" in line]
    assert len(hits) == 2
    for line in hits:
        mon = monitor_all or ("src-ip='10.3.0.1'" in line and guest_mode == "monitor")
        assert ("action='Deny (monitor)'" in line) == mon, line


def test_monitor_info_and_permissions(tmp_path):
    """/sgtgw/info says monitor_mode 1 and /sgtgw/permissions marks cells."""
    with Dataplane(tmp_path, "monitor_info", [Port("a"), Port("b")],
                   config(False, "monitor")) as dp:
        info = dp.info()
        perms = dp.tel.paged("/sgtgw/permissions")
    assert info["monitor_mode"] == 0
    modes = {(r["src"], r["dst"]): r["mode"] for r in perms}
    assert modes == {(-1, -1): "enforce", (EMP, WEB): "enforce", (GUEST, WEB): "monitor"}
    with Dataplane(tmp_path / "g", "monitor_info_g", [Port("a"), Port("b")],
                   config(True, "enforce")) as dp:
        assert dp.info()["monitor_mode"] == 1
        modes = {(r["src"], r["dst"]): r["mode"] for r in dp.tel.paged("/sgtgw/permissions")}
    assert modes[(-1, -1)] == "monitor"
