# SPDX-License-Identifier: BSD-3-Clause
"""Non-IP frames (ARP, LLDP, and the like, also behind 802.1Q or a Cisco
Meta Data tag) follow dataplane.non_ip: forwarded untouched with
`forward`, dropped and counted as drop_non_ip with `drop`. They never touch
the policy counters; IP traffic is unaffected either way, in the same
bursts: its permitted frames forwarded, its denied one counted as a policy
drop (a burst of IP frames only takes a loop of its own in the pipeline;
these bursts take the general one)."""
import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.packet import Raw

from sgtgw_lib import CMD, Dataplane, MAC_A, Port, eth, run_frames

LLDP = bytes(Ether(src=MAC_A, dst="01:80:c2:00:00:0e", type=0x88CC) /
             Raw(bytes.fromhex("020704020000000000") + bytes.fromhex("0403050061") +
                 bytes.fromhex("06020078") + b"\x00\x00"))
NON_IP = [
    ("ARP request", bytes(Ether(src=MAC_A, dst="ff:ff:ff:ff:ff:ff") /
                          ARP(psrc="10.1.0.1", pdst="10.1.0.2"))),
    ("ARP reply in 802.1Q", bytes(eth() / Dot1Q(vlan=7) / ARP(op=2, psrc="10.1.0.2",
                                                              pdst="10.1.0.1"))),
    ("LLDP", LLDP),
    ("ARP behind a CMD tag", bytes(eth() / CMD(sgt=10, type=0x0806) /
                                   ARP(psrc="10.1.0.1", pdst="10.1.0.2"))),
    ("unknown ethertype", bytes(eth() / Raw(b"\x88\xb5" + b"z" * 40))[:14 + 40]),
]
IP_FRAMES = [bytes(eth() / IP(src="10.1.0.1", dst="10.2.0.1") / TCP(sport=1, dport=i))
             for i in (80, 443, 23)]
PERMITTED = IP_FRAMES[:2]       # the third is telnet, which the policy denies


@pytest.mark.parametrize("rule", ["forward", "drop"])
def test_non_ip(tmp_path, rule):
    frames = []
    for i, (_, f) in enumerate(NON_IP):
        frames.append(f)
        if i < len(IP_FRAMES):
            frames.append(IP_FRAMES[i])
    ports = [Port("a", frames), Port("b", [NON_IP[0][1]])]
    cfg = {"dataplane": {"non_ip": rule},
           "sgacls": [{"name": "No_Telnet", "aces": ["deny tcp dst eq 23"]}],
           "policy": {"default": {"sgacls": ["No_Telnet"], "catch_all": "permit"}}}
    dp, rows, counters = run_frames(tmp_path, f"nonip_{rule}", ports, cfg)

    assert rows["a"]["drop_policy"] == len(IP_FRAMES) - len(PERMITTED)
    if rule == "forward":
        assert dp.out["b"] == [f for f in frames if f != IP_FRAMES[2]]
        assert dp.out["a"] == [NON_IP[0][1]]
        assert rows["a"]["drop_total"] == rows["a"]["drop_policy"]
    else:
        assert dp.out["b"] == PERMITTED
        assert dp.out["a"] == []
        assert rows["a"]["drop_non_ip"] == len(NON_IP)
        assert rows["b"]["drop_non_ip"] == 1
        assert rows["a"]["drop_total"] == len(NON_IP) + rows["a"]["drop_policy"]
    # Only the IP frames reach the policy.
    assert sum(r["sw_permitted"] for r in counters.values()) == len(PERMITTED)
    assert sum(r["sw_denied"] for r in counters.values()) == len(IP_FRAMES) - len(PERMITTED)
    assert sum(r["sw_monitor"] for r in counters.values()) == 0


def test_info_names_the_rule(tmp_path):
    with Dataplane(tmp_path, "nonip_info", [Port("a"), Port("b")],
                   {"dataplane": {"non_ip": "drop"}}) as dp:
        assert dp.info()["non_ip"] == "drop"
    with Dataplane(tmp_path / "d", "nonip_info_d", [Port("a"), Port("b")], {}) as dp:
        assert dp.info()["non_ip"] == "forward"   # the default
