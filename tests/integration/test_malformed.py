# SPDX-License-Identifier: BSD-3-Clause
"""Truncated and malformed frames, interleaved with good ones: each bad
frame is dropped and counted under its drop_<reason>, every good frame is
still forwarded in order, and the dataplane stays up and exits 0 on SIGTERM.
A few hundred seeded random frames are judged against a small reference
model of the parser (docs/telemetry.md's drop reasons)."""
import random
import struct

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop)
from scapy.packet import Raw

from sgtgw_lib import DROP_REASONS, Port, cmd_tag, eth, run_frames

MACS = bytes.fromhex("02000000000b02000000000a")   # dst, src


def good(i):
    if i % 2:
        return bytes(eth() / IP(src="10.1.0.1", dst="10.2.0.1") / TCP(sport=1000 + i, dport=80)
                     / Raw(b"g" * 6))
    return bytes(eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=1000 + i)
                 / Raw(b"g" * 6))


def ip4_bytes(**kw):
    return bytes(IP(src="10.1.0.1", dst="10.2.0.1", **kw))


TCP_HDR = bytes(TCP(sport=1, dport=2))
V4 = bytes(IP(src="10.1.0.1", dst="10.2.0.1") / TCP(sport=1, dport=2))
V6 = bytes(IPv6(src="2001:db8::1", dst="2001:db8::2") / TCP(sport=1, dport=2))


def with_ihl(ihl):
    b = bytearray(V4)
    b[0] = 0x40 | ihl
    return bytes(b)


def with_total(total):
    b = bytearray(V4)
    b[2:4] = struct.pack("!H", total)
    return bytes(b)


def v6_plen(plen):
    b = bytearray(V6)
    b[4:6] = struct.pack("!H", plen)
    return bytes(b)


BAD = [
    ("runt: 1 byte", b"\x01", "runt"),
    ("runt: 13 bytes", MACS + b"\x08", "runt"),
    ("802.1Q cut inside the tag", MACS + b"\x81\x00\x00\x64", "bad_vlan"),
    ("802.1Q without inner type", MACS + b"\x81\x00\x00\x64\x08", "bad_vlan"),
    ("QinQ cut after the outer tag", MACS + b"\x88\xa8\x00\x64\x81\x00\x00\xc8", "bad_vlan"),
    ("CMD cut short", MACS + cmd_tag(10)[:6], "bad_cmd"),
    ("CMD without inner type", MACS + cmd_tag(10)[:8], "bad_cmd"),
    ("CMD version 2", MACS + cmd_tag(10, version=2) + V4, "bad_cmd"),
    ("CMD length 2", MACS + cmd_tag(10, length=2) + V4, "bad_cmd"),
    ("CMD option type 2", MACS + cmd_tag(10, option=0x0002) + V4, "bad_cmd"),
    ("CMD option length 1", MACS + cmd_tag(10, option=0x2001) + V4, "bad_cmd"),
    ("CMD SGT 0xFFFF", MACS + cmd_tag(0xFFFF) + V4, "bad_cmd"),
    ("802.1Q then bad CMD", MACS + b"\x81\x00\x00\x64" + cmd_tag(10, version=0) + V4,
     "bad_cmd"),
    ("IPv4 header cut", MACS + b"\x08\x00" + V4[:19], "bad_ipv4"),
    ("IPv4 version 6", MACS + b"\x08\x00" + bytes([0x65]) + V4[1:], "bad_ipv4"),
    ("IPv4 IHL 4", MACS + b"\x08\x00" + with_ihl(4), "bad_ipv4"),
    ("IPv4 IHL 0", MACS + b"\x08\x00" + with_ihl(0), "bad_ipv4"),
    ("IPv4 IHL 15 beyond total", MACS + b"\x08\x00" + with_ihl(15), "bad_ipv4"),
    ("IPv4 total length beyond the frame", MACS + b"\x08\x00" + with_total(len(V4) + 1),
     "bad_ipv4"),
    ("IPv4 total length below IHL", MACS + b"\x08\x00" + with_total(19), "bad_ipv4"),
    ("IPv4 in 802.1Q, cut", MACS + b"\x81\x00\x00\x64\x08\x00" + V4[:12], "bad_ipv4"),
    ("IPv4 behind CMD, cut", MACS + cmd_tag(10) + V4[:16], "bad_ipv4"),
    ("IPv6 header cut", MACS + b"\x86\xdd" + V6[:39], "bad_ipv6"),
    ("IPv6 version 4", MACS + b"\x86\xdd" + bytes([0x40]) + V6[1:], "bad_ipv6"),
    ("IPv6 payload length beyond the frame", MACS + b"\x86\xdd" + v6_plen(21), "bad_ipv6"),
    ("IPv6 hop-by-hop cut", MACS + b"\x86\xdd" +
     bytes(IPv6(src="2001:db8::1", dst="2001:db8::2", nh=0, plen=4) / Raw(b"\x06\x00\x00\x00")),
     "bad_ipv6"),
    ("IPv6 ext header longer than the payload", MACS + b"\x86\xdd" +
     bytes(IPv6(src="2001:db8::1", dst="2001:db8::2") /
           IPv6ExtHdrDestOpt(nh=6, len=8, autopad=0) / Raw(b"\x00" * 6)), "bad_ipv6"),
    ("IPv6 nine extension headers", MACS + b"\x86\xdd" +
     bytes(IPv6(src="2001:db8::1", dst="2001:db8::2") /
           IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
           IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
           IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
           TCP(sport=1, dport=2)), "bad_ipv6"),
    ("TCP header cut (19 bytes)", MACS + b"\x08\x00" +
     bytes(IP(src="10.1.0.1", dst="10.2.0.1", proto=6) / Raw(TCP_HDR[:19])), "bad_l4"),
    ("TCP first fragment too short", MACS + b"\x08\x00" +
     bytes(IP(src="10.1.0.1", dst="10.2.0.1", proto=6, flags="MF", frag=0) /
           Raw(TCP_HDR[:8])), "bad_l4"),
    ("TCP data offset 4", MACS + b"\x08\x00" +
     bytes(IP(src="10.1.0.1", dst="10.2.0.1") / TCP(sport=1, dport=2, dataofs=4)), "bad_l4"),
    ("UDP header cut", MACS + b"\x08\x00" +
     bytes(IP(src="10.1.0.1", dst="10.2.0.1", proto=17) / Raw(b"\x00" * 7)), "bad_l4"),
    ("ICMP header cut", MACS + b"\x08\x00" +
     bytes(IP(src="10.1.0.1", dst="10.2.0.1", proto=1) / Raw(b"\x08\x00\x00")), "bad_l4"),
    ("IPv6 TCP cut", MACS + b"\x86\xdd" +
     bytes(IPv6(src="2001:db8::1", dst="2001:db8::2", nh=6) / Raw(TCP_HDR[:12])), "bad_l4"),
    ("IPv6 first fragment, TCP cut", MACS + b"\x86\xdd" +
     bytes(IPv6(src="2001:db8::1", dst="2001:db8::2") /
           IPv6ExtHdrFragment(nh=6, offset=0, m=1) / Raw(TCP_HDR[:10])), "bad_l4"),
    ("IPv6 ICMPv6 cut", MACS + b"\x86\xdd" +
     bytes(IPv6(src="2001:db8::1", dst="2001:db8::2", nh=58) / Raw(b"\x80\x00\x00")),
     "bad_l4"),
]

# Frames that look odd but are valid and must be forwarded.
ODD_BUT_GOOD = [
    ("Ethernet padding after the IPv4 packet",
     MACS + b"\x08\x00" + V4 + b"\x00" * 6),
    ("IPv4 with options (IHL 6)",
     bytes(eth() / IP(src="10.1.0.1", dst="10.2.0.1", options=[b"\x01\x01\x01\x00"]) /
           TCP(sport=1, dport=2))),
    ("later IPv4 fragment of 1 byte (no L4 header needed)",
     bytes(eth() / IP(src="10.1.0.1", dst="10.2.0.1", proto=6, frag=3) / Raw(b"x"))),
    ("IPv6 later fragment, 8 bytes", bytes(eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") /
                                           IPv6ExtHdrFragment(nh=6, offset=5) / Raw(b"y" * 8))),
    ("IPv6 no next header", bytes(eth() / IPv6(src="2001:db8::1", dst="2001:db8::2", nh=59))),
    ("IPv4 protocol 0 with no payload", bytes(eth() / IP(src="10.1.0.1", dst="10.2.0.1",
                                                        proto=0))),
    ("exactly 14 bytes, non-IP", MACS + b"\x88\xb5"),
    ("VLAN with a third tag: non-IP", MACS + b"\x81\x00\x00\x01\x81\x00\x00\x02\x81\x00\x00\x03"
     + b"\x08\x00" + V4),
    ("QinQ (0x9100) IPv4", MACS + b"\x91\x00\x00\x64\x81\x00\x00\xc8\x08\x00" + V4),
]


def test_malformed_frames_counted_and_dropped(tmp_path):
    frames, want_out, want_drop = [], [], dict.fromkeys(DROP_REASONS, 0)
    n = 0
    for what, frame, reason in BAD:
        g = good(n)
        frames += [g, frame]
        want_out.append(g)
        want_drop[reason] += 1
        n += 1
    for what, frame in ODD_BUT_GOOD:
        frames.append(frame)
        want_out.append(frame)
    frames.append(good(n))
    want_out.append(good(n))

    ports = [Port("a", frames), Port("b")]
    dp, rows, _ = run_frames(tmp_path, "malformed", ports,
                             {"policy": {"default": {"catch_all": "permit"}}})
    a = rows["a"]
    got = {r: a["drop_" + r] for r in DROP_REASONS}
    assert got == want_drop
    assert a["drop_total"] == len(BAD)
    assert a["rx_packets"] == len(frames)
    assert dp.out["b"] == want_out
    assert dp.rc == 0


# ---- random frames against a reference model ---------------------------------

def be16(b, off):
    return struct.unpack_from("!H", b, off)[0]


def model_l4(proto, later, l4):
    if later:
        return None
    if len(l4) < {6: 20, 17: 8, 1: 8, 58: 4}.get(proto, 0):
        return "bad_l4"
    if proto == 6 and (l4[12] >> 4) < 5:
        return "bad_l4"
    return None


def model_ipv4(ip):
    if len(ip) < 20 or ip[0] >> 4 != 4:
        return "bad_ipv4"
    ihl, total = (ip[0] & 15) * 4, be16(ip, 2)
    if ihl < 20 or total < ihl or total > len(ip):
        return "bad_ipv4"
    return model_l4(ip[9], (be16(ip, 6) & 0x1FFF) != 0, ip[ihl:total])


def model_ipv6(ip):
    if len(ip) < 40 or ip[0] >> 4 != 6:
        return "bad_ipv6"
    end = 40 + be16(ip, 4)
    if end > len(ip):
        return "bad_ipv6"
    off, nh, later, n = 40, ip[6], False, 0
    while nh in (0, 43, 44, 51, 60, 135, 139, 140):
        if n == 8 or off + 8 > end:
            return "bad_ipv6"
        if nh == 44:
            hlen = 8
            later = (be16(ip, off + 2) & 0xFFF8) != 0
        elif nh == 51:
            hlen = (ip[off + 1] + 2) * 4
        else:
            hlen = (ip[off + 1] + 1) * 8
        if off + hlen > end:
            return "bad_ipv6"
        nh = ip[off]
        off += hlen
        n += 1
        if later:
            break
    return model_l4(nh, later, ip[off:end])


def model(f):
    """The drop reason of a frame, or None when it is forwarded (default
    permit, non-IP forwarded)."""
    if len(f) < 14:
        return "runt"
    off = 12
    etype = be16(f, off)
    for _ in range(2):
        if etype not in (0x8100, 0x88A8, 0x9100):
            break
        off += 4
        if off + 2 > len(f):
            return "bad_vlan"
        etype = be16(f, off)
    if etype == 0x8909:
        if off + 10 > len(f):
            return "bad_cmd"
        if f[off + 2] != 1 or f[off + 3] != 1 or be16(f, off + 4) != 1 or \
                be16(f, off + 6) == 0xFFFF:
            return "bad_cmd"
        off += 8
        etype = be16(f, off)
    if etype == 0x0800:
        return model_ipv4(f[off + 2:])
    if etype == 0x86DD:
        return model_ipv6(f[off + 2:])
    return None


def random_frame(rng):
    """Mostly-plausible junk: a random L2 stack, then an IP header that is
    right often enough to get past the first checks, then random bytes."""
    out = bytearray(MACS)
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        out += struct.pack("!H", rng.choice([0x8100, 0x88A8, 0x9100])) + rng.randbytes(2)
    if rng.random() < 0.2:
        out += struct.pack("!HBB", 0x8909, rng.choice([1, 1, 1, 2]), rng.choice([1, 1, 1, 0])) + \
            struct.pack("!HH", rng.choice([1, 1, 1, 0x2001]),
                        rng.choice([10, 0xFFFF, rng.randrange(65536)]))
    etype = rng.choice([0x0800, 0x0800, 0x86DD, 0x86DD, 0x0806, rng.randrange(65536)])
    out += struct.pack("!H", etype)
    if etype == 0x0800 and rng.random() < 0.8:
        hdr = bytearray(ip4_bytes(proto=rng.choice([1, 6, 17, 47]),
                                  frag=rng.choice([0, 0, 0, 1]),
                                  ihl=rng.choice([5, 5, 5, 6, 4, 15])))
        total = rng.choice([None, None, rng.randrange(0, 120)])
        body = rng.randbytes(rng.randrange(0, 60))
        hdr[2:4] = struct.pack("!H", total if total is not None else len(hdr) + len(body))
        out += hdr + body
    elif etype == 0x86DD and rng.random() < 0.8:
        body = bytearray()
        nh = rng.choice([6, 17, 58, 0, 44, 60, 43, 51, 59])
        chain = nh
        for _ in range(rng.choice([0, 1, 2, 3])):
            if chain not in (0, 44, 60, 43, 51):
                break
            nxt = rng.choice([6, 17, 58, 0, 44, 60])
            if chain == 44:
                body += bytes([nxt, 0]) + struct.pack("!H", rng.choice([0, 1, 8, 0x10])) + \
                    rng.randbytes(4)
            elif chain == 51:
                body += bytes([nxt, 1]) + rng.randbytes(10)
            else:
                ln = rng.choice([0, 0, 1])
                body += bytes([nxt, ln]) + rng.randbytes(6 + 8 * ln)
            chain = nxt
        body += rng.randbytes(rng.randrange(0, 40))
        plen = rng.choice([len(body), len(body), rng.randrange(0, 100)])
        out += bytes(IPv6(src="2001:db8::1", dst="2001:db8::2", nh=nh, plen=plen)) + body
    else:
        out += rng.randbytes(rng.randrange(0, 80))
    cut = rng.choice([None, None, None, rng.randrange(1, len(out) + 1)])
    return bytes(out[:cut])


def test_random_frames_match_the_model(tmp_path):
    rng = random.Random(20241122)
    frames, want_out, want_drop = [], [], dict.fromkeys(DROP_REASONS, 0)
    for i in range(400):
        f = random_frame(rng)
        frames.append(f)
        reason = model(f)
        if reason is None:
            want_out.append(f)
        else:
            want_drop[reason] += 1
        if i % 10 == 0:
            frames.append(good(i))
            want_out.append(good(i))
    assert sum(want_drop.values()) > 100, "the generator should produce bad frames"
    assert sum(1 for r in want_drop.values() if r) >= 6, want_drop

    ports = [Port("a", frames), Port("b")]
    dp, rows, _ = run_frames(tmp_path, "random", ports,
                             {"policy": {"default": {"catch_all": "permit"}}})
    got = {r: rows["a"]["drop_" + r] for r in DROP_REASONS}
    if dp.out["b"] != want_out:
        out = set(dp.out["b"])
        diff = [(f.hex(), model(f)) for f in frames if (f in out) != (model(f) is None)]
        raise AssertionError(f"{len(diff)} frames judged unlike the model: {diff[:5]}")
    assert got == want_drop
    assert rows["a"]["rx_packets"] == len(frames)
    assert rows["b"]["tx_packets"] == len(want_out)


def test_unpaired_port_counts_no_peer(tmp_path):
    """A port in no pair forwards nothing: its frames count as no_peer
    (after policy: a denied frame counts as policy)."""
    frames = [good(1), good(2), bytes(eth() / IP(src="10.9.9.9", dst="10.2.0.1") /
                                      TCP(sport=1, dport=23))]
    ports = [Port("a"), Port("b"), Port("c", frames)]
    cfg = {"sgacls": [{"name": "No_Telnet", "aces": ["deny tcp dst eq 23"]}],
           "policy": {"default": {"sgacls": ["No_Telnet"], "catch_all": "permit"}}}
    dp, rows, _ = run_frames(tmp_path, "nopeer", ports, cfg)
    assert rows["c"]["peer"] == ""
    assert rows["c"]["drop_no_peer"] == 2
    assert rows["c"]["drop_policy"] == 1
    assert rows["c"]["drop_total"] == 3
    assert dp.out["a"] == [] and dp.out["b"] == [] and dp.out["c"] == []


def test_frames_longer_than_one_segment(tmp_path):
    """net_pcap hands frames over 2 KiB to the dataplane as multi-segment
    mbufs, as a NIC with scatter/jumbo frames would: they are not malformed."""
    frames = [bytes(eth() / IP(src="10.1.0.1", dst="10.2.0.1") / TCP(sport=1, dport=80) /
                    Raw(b"j" * n)) for n in (1400, 2100, 3000, 8900)]
    dp, rows, _ = run_frames(tmp_path, "jumbo", [Port("a", frames), Port("b")], {})
    assert rows["a"]["drop_total"] == 0
    assert dp.out["b"] == frames
