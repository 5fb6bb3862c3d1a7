# SPDX-License-Identifier: BSD-3-Clause
"""Updates applied while traffic flows (issue 3), packet by packet.

test_million_updates_and_policy_swaps_under_traffic: a managed dataplane
with one worker (frames keep their order) reads its traffic from a FIFO
that this test writes as it goes (net_pcap rx_pcap on a named pipe), so
traffic flows for the whole run and every frame is unique: frame s carries
s in its payload and belongs to flow s % 4:

    x  10.1.0.5 -> 10.2.0.5   cell U -> W     A: permit  B: deny
    y  10.1.0.5 -> 10.3.0.5   cell U -> DV    A: deny    B: permit
    z  10.1.0.5 -> 10.4.0.5   cell U -> ZS    permit in both
    d  10.1.0.5 -> 10.9.0.5   default cell    deny in both (unbound)

The dataplane starts from a cache holding policy A (so its first frame is
already judged by A), fake_cp resyncs it, then pushes 1,000,000 binding
updates (fake_cp's churn: adds, replaces and deletes of IPv4 hosts, IPv4
/24s and IPv6 hosts, 48,000 slots, and every 16th message a "neutral"
toggle of a host or prefix the probe flows are looked up in, bound to the
SGT that already covers it), with a policy swap B, A, B, ... after each
of the first 50 of 51 equal slices. Before each swap the test reads the
inside port's rx count (R0), after its ACK again (R1); then it waits for
256 more frames.

Afterwards:
- accounting: inside rx = every frame written = forwarded + dropped by
  policy; no other drop reason counts; the output pcap holds exactly the
  forwarded frames, in order, each once; the per-cell counters (carried
  over the swaps: both policies have the same cells) equal the per-flow
  verdicts exactly;
- verdicts: no z frame dropped, no d frame forwarded; the x/y verdicts
  name one policy per frame (x forwarded or y dropped: A; the opposite:
  B), and read in frame order they switch exactly once per swap, A, B,
  A, ..., the k-th switch at a frame in [R0 - 32, R1 + 2] (a burst of at
  most 32 frames may be counted before it loads the policy; the next x or
  y frame after a switch is at most 2 frames on), and at a burst's first
  frame (reading a pipe, net_pcap fills every burst: bursts are frames
  [32 i, 32 i + 32), so a switch elsewhere is a burst judged by two
  policies);
- the bindings: the dataplane holds exactly the base bindings plus the
  churn's and the toggles' final state (computed here from the same
  pattern), every update applied (updates_refused 0, no resync request).

The ASan build runs the same 1,000,000 updates and 50 swaps: its control
lcore applies them in about 1.3 s (0.8 s otherwise) and the test takes
about 3 s there, 2 s in the normal build, on a 2-CPU machine.

With the real sgtgw-controlplane (skipped without it):
- test_killed_dataplane_restarts_from_cache: the dataplane is killed with
  SIGKILL; while it is down a binding is removed from the file and the
  controlplane reloads. A new dataplane (the controlplane held back with
  SIGSTOP until its finite pcap is through) forwards every frame by its
  cache, the fail_closed rule never deciding; once the controlplane goes
  on, its full resync removes the stale binding (logged "1 stale
  removed") and the looping flow to it falls to the default deny.
- test_ring_full_burst: with the dataplane stopped (SIGSTOP), reloads
  queue more binding changes than the 65,535-message ring holds (the
  controlplane counts a ring wait and keeps a backlog); once it goes on,
  nothing is lost: the dataplane holds exactly the controlplane's state,
  every generation acknowledged, no resync asked for, and traffic never
  stopped being judged by the right bindings.
"""
import ipaddress
import os
import signal
import struct
import threading
import time
from pathlib import Path

import pytest
import yaml
from scapy.layers.inet import IP, TCP, UDP
from scapy.packet import Raw

from sgtgw_lib import DATAPLANE, SGTGWCTL, Dataplane, Port, eth
from test_managed_dp import FAKE_CP, FakeCp, write_policy
from test_two_processes import CONTROLPLANE, Controlplane

WAIT = 20.0


def _sanitized(exe):
    try:
        return b"__asan_init" in Path(exe).read_bytes()
    except (OSError, TypeError):
        return False


# ---- the probe flows and the two policies -----------------------------------------

U, W, DV, ZS = 10, 20, 30, 40
SRC = "10.1.0.5"
DSTS = ["10.2.0.5", "10.3.0.5", "10.4.0.5", "10.9.0.5"]      # x, y, z, d
X, Y, Z, D = range(4)
SEQ_OFF = 14 + 20 + 8       # the UDP payload: seq (4 bytes, network order)
FRAME_LEN = 60

# (SGT, DGT) of each flow's counters row; (-1, -1): the default cell.
FLOW_CELL = {X: (U, W), Y: (U, DV), Z: (U, ZS), D: (-1, -1)}


def policy(x_permit):
    """A (x_permit) or B: opposite verdicts for x and y, the same cells."""
    allow, deny = ("Permit", "Deny") if x_permit else ("Deny", "Permit")
    return {
        "sgts": [{"value": U, "name": "U"}, {"value": W, "name": "W"},
                 {"value": DV, "name": "DV"}, {"value": ZS, "name": "ZS"}],
        "sgacls": [{"name": "Permit", "aces": ["permit ip"]},
                   {"name": "Deny", "aces": ["deny ip"]}],
        "policy": {"default": {"catch_all": "deny"},
                   "cells": [{"src": "U", "dst": "W", "sgacls": [allow]},
                             {"src": "U", "dst": "DV", "sgacls": [deny]},
                             {"src": "U", "dst": "ZS", "sgacls": ["Permit"]}]},
    }


# The probes' bindings. The neutral toggles add and delete prefixes inside
# these with the same SGT: no verdict may change.
BASE = [("10.1.0.0/16", U), ("10.2.0.0/16", W), ("10.3.0.0/16", DV), ("10.4.0.0/16", ZS)]
NEUTRAL = [("10.1.0.5/32", U), ("10.1.0.0/24", U), ("10.2.0.5/32", W),
           ("10.3.0.5/32", DV), ("10.4.0.5/32", ZS)]
CHURN_HOSTS, CHURN_SGT0, CHURN_SGTS = 48000, 100, 50
SOURCES = {1: "CLI", 2: "SXP", 3: "LOCAL", 4: "INTERNAL"}


def churn_prefix(h):
    """fake_cp's churn slot h (fake_cp.c, churn_slot)."""
    if h % 8 == 7:
        return f"{ipaddress.IPv6Address((0x20010db80100 << 80) | h)}/128"
    if h % 8 == 6:
        return f"11.{(h >> 8) & 255}.{h & 255}.0/24"
    return f"10.{100 + (h >> 16)}.{(h >> 8) & 255}.{h & 255}/32"


def churn_final(n_total, neutral):
    """{prefix: (sgt, source)} after n_total churn messages (fake_cp.c's
    pattern), for the churn slots and the neutral toggles."""
    n_neutral = n_total // 16 if neutral else 0
    n_churn = n_total - n_neutral
    state = {}
    for h in range(min(CHURN_HOSTS, n_churn)):
        r = (h + CHURN_HOSTS * ((n_churn - 1 - h) // CHURN_HOSTS)) // CHURN_HOSTS
        if r % 3 != 2:
            state[churn_prefix(h)] = (CHURN_SGT0 + (h + r) % CHURN_SGTS,
                                      SOURCES[1 + (h + r) % 4])
    p = len(neutral)
    for k in range(min(p, n_neutral)):
        last = k + p * ((n_neutral - 1 - k) // p)
        if (last // p) % 2 == 0:
            prefix, sgt = neutral[k]
            state[prefix] = (sgt, "CLI")
    return state


def host_prefix(p):
    net = ipaddress.ip_network(p)
    return f"{net.network_address}/{net.prefixlen}"


# ---- traffic through a FIFO ---------------------------------------------------------

def frame_parts():
    """Per flow: the frame's bytes before and after the 4-byte seq."""
    parts = []
    for flow, dst in enumerate(DSTS):
        f = bytes(eth() / IP(src=SRC, dst=dst) /
                  UDP(sport=5000 + flow, dport=6000, chksum=0) /
                  Raw(b"\0" * (FRAME_LEN - SEQ_OFF)))
        assert len(f) == FRAME_LEN
        parts.append((struct.pack("<IIII", 0, 0, FRAME_LEN, FRAME_LEN) + f[:SEQ_OFF],
                      f[SEQ_OFF + 4:]))
    return parts


class Feeder(threading.Thread):
    """Writes a pcap into a FIFO: the header, then frame s = 0, 1, ... of
    flow s % 4 with s in its payload, about `rate` frames a second, until
    stop(); `sent` is how many went in."""

    CHUNK = 512

    def __init__(self, path, rate):
        super().__init__(daemon=True)
        self.path = path
        self.rate = rate
        self.sent = 0
        self.error = None
        self._halt = threading.Event()
        self._parts = frame_parts()

    def _chunk(self, start, n):
        parts = self._parts
        return b"".join(parts[s & 3][0] + s.to_bytes(4, "big") + parts[s & 3][1]
                        for s in range(start, start + n))

    def run(self):
        try:
            fd = os.open(self.path, os.O_WRONLY)
        except OSError as e:
            self.error = e
            return
        try:
            os.write(fd, struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            t0 = time.monotonic()
            while not self._halt.is_set():
                buf = memoryview(self._chunk(self.sent, self.CHUNK))
                while buf:
                    buf = buf[os.write(fd, buf):]
                self.sent += self.CHUNK
                ahead = self.sent / self.rate - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)
        except OSError as e:        # the dataplane went away
            self.error = e
        finally:
            os.close(fd)

    def stop(self):
        self._halt.set()
        self.join(timeout=WAIT)

    def unblock(self):
        """A dataplane that never opened the FIFO leaves the writer
        waiting in open(): open the other end to let it go."""
        if self.is_alive():
            try:
                os.close(os.open(self.path, os.O_RDONLY | os.O_NONBLOCK))
            except OSError:
                pass
            self.stop()


def cp_section(tmp_path, hold_time=None):
    section = {"socket": str(Path(tmp_path) / "run" / "dp.sock"),
               "cache": str(Path(tmp_path) / "state" / "dp.cache"),
               "no_cache": "fail_closed"}
    if hold_time is not None:
        section["hold_time"] = hold_time
    return section


class FifoDataplane(Dataplane):
    """Port 0 reads the FIFO; every port writes its own output pcap."""

    def __init__(self, tmp_path, name, fifo, **kw):
        self.fifo = fifo
        super().__init__(tmp_path, name, [Port("inside"), Port("outside")],
                         {"controlplane": cp_section(tmp_path)}, **kw)

    def device(self, i, p):
        dev = super().device(i, p)
        if i == 0:
            dev = dev.replace(f"rx_pcap={self._rx_file(p, 0)}", f"rx_pcap={self.fifo}")
        return dev


class LoopDataplane(Dataplane):
    """Each port with frames replays them forever; nothing is written out."""

    def device(self, i, p):
        loop = ",infinite_rx=1" if p.frames else ""
        return f"net_pcap{i},rx_pcap={self._rx_file(p, 0)}{loop}"


def rx_inside(dp):
    return dp.port_rows()["inside"]["rx_packets"]


def wait_rx(dp, at_least, feeder):
    deadline = time.monotonic() + WAIT
    while rx_inside(dp) < at_least:
        assert feeder.error is None and feeder.is_alive(), feeder.error
        assert dp.alive(), dp.log()
        assert time.monotonic() < deadline, f"rx stayed below {at_least}"
        time.sleep(0.005)


def wait_acks(cp, bindings_gen=None, policy_gen=None):
    """Until fake_cp has printed ACKs of at least these generations, all
    "applied". Lines read already count too: FakeCp.send reads (and
    keeps in cp.seen) everything up to each "done", ACKs included, so
    FakeCp.wait_acks misses an ACK that came before the last "done"."""
    def have(stream, gen):
        acks = [l.split() for l in cp.seen if l.startswith(f"ack {stream} ")]
        assert all(a[3] == "applied" for a in acks), cp.seen
        return gen is None or any(int(a[2][2:]) >= gen for a in acks)
    deadline = time.monotonic() + WAIT
    while not (have("bindings", bindings_gen) and have("policy", policy_gen)):
        cp.expect("ack ", timeout=max(0.0, deadline - time.monotonic()))


def seed_cache(tmp_path, pol_a):
    """A first dataplane gets the base bindings and policy A and writes its
    cache: the measured one starts from it, judging by A from frame 0."""
    probe = [bytes(eth() / IP(src=SRC, dst=DSTS[0]) / UDP(sport=1, dport=2))]
    dp = LoopDataplane(tmp_path, "seed", [Port("inside", frames=probe), Port("outside")],
                       {"controlplane": cp_section(tmp_path)})
    cache = Path(cp_section(tmp_path)["cache"])
    with dp:
        cp = FakeCp(Path(tmp_path) / "run" / "dp.sock")
        try:
            cp.resync([(p, s, "cli") for p, s in BASE], pol_a)
            wait_acks(cp, bindings_gen=len(BASE) + 2, policy_gen=1)
            deadline = time.monotonic() + WAIT
            while not cache.exists():
                assert time.monotonic() < deadline, "no cache written"
                time.sleep(0.02)
        finally:
            cp.close()
    assert dp.rc == 0, dp.log()


def sgt_map(dp):
    return {r["prefix"]: (r["sgt"], r["source"]) for r in dp.tel.paged("/sgtgw/sgt_map")}


@pytest.mark.skipif(not (DATAPLANE and FAKE_CP), reason="needs the dataplane and fake_cp")
def test_million_updates_and_policy_swaps_under_traffic(tmp_path):
    n_updates, n_swaps = 1_000_000, 50
    # About as fast as this process writes (700,000 frames a second on a
    # 2-CPU test machine), so the worker is busy while the tables and the
    # policy change under it; capped, to bound the output pcap (76 bytes a
    # forwarded frame) and the time to check it.
    rate = 500_000
    started = time.monotonic()
    pol = [write_policy(tmp_path, "A", policy(True)), write_policy(tmp_path, "B", policy(False))]
    seed_cache(tmp_path, pol[0])

    fifo = Path(tmp_path) / "traffic.fifo"
    os.mkfifo(fifo)
    feeder = Feeder(fifo, rate)
    feeder.start()
    dp = FifoDataplane(tmp_path, "live", fifo)
    bounds = []         # (R0, R1) of each swap
    try:
        with dp:
            info = dp.info()
            assert (info["cache_state"], info["policy_generation"]) == ("loaded", 1), info
            cp = FakeCp(Path(tmp_path) / "run" / "dp.sock")
            try:
                b0 = int(cp.welcome_field("bindings"))
                p0 = int(cp.welcome_field("policy"))
                cp.resync([(p, s, "cli") for p, s in BASE], pol[0])
                wait_acks(cp, bindings_gen=b0 + len(BASE) + 2, policy_gen=p0 + 1)
                bgen, pgen = b0 + len(BASE) + 2, p0 + 1
                wait_rx(dp, 256, feeder)        # traffic before the first swap
                neutral = " ".join(f"{p}={s}" for p, s in NEUTRAL)
                slices = [n_updates // (n_swaps + 1)] * (n_swaps + 1)
                slices[-1] += n_updates - sum(slices)
                t_updates = time.monotonic()
                for k, n in enumerate(slices):
                    cp.send(f"churn {n} {CHURN_HOSTS} {CHURN_SGT0} {CHURN_SGTS} {neutral}")
                    bgen += n
                    if k == n_swaps:
                        break
                    r0 = rx_inside(dp)
                    cp.send(f"policy {pol[(k + 1) % 2]}")
                    pgen += 1
                    wait_acks(cp, policy_gen=pgen)
                    r1 = rx_inside(dp)
                    bounds.append((r0, r1))
                    # Some traffic under this policy before the next swap.
                    wait_rx(dp, r1 + 256, feeder)
                wait_acks(cp, bindings_gen=bgen)
                t_updates = time.monotonic() - t_updates
                wait_rx(dp, rx_inside(dp) + 256, feeder)
                feeder.stop()
                assert feeder.error is None, feeder.error
                total = feeder.sent
                rows = dp.wait_done(expected=total, timeout=WAIT)
                info = dp.info()
                held = sgt_map(dp)
                counters = dp.counters()
                assert not [l for l in cp.seen if l.startswith(("resync-request", "error"))], \
                    cp.seen
            finally:
                cp.close()
    finally:
        feeder.unblock()
    assert dp.rc == 0, dp.log()

    # Every update applied, the bindings exactly what was pushed.
    assert (info["bindings_generation"], info["policy_generation"]) == (bgen, pgen), info
    assert info["updates_refused"] == 0, info
    want = {host_prefix(p): (s, "CLI") for p, s in BASE}
    want.update({host_prefix(p): v for p, v in churn_final(n_updates, NEUTRAL).items()})
    assert held == want, (len(held), len(want),
                          sorted(set(held.items()) ^ set(want.items()))[:10])

    # Accounting: received = forwarded + dropped by policy, nothing else.
    inside, outside = rows["inside"], rows["outside"]
    out = dp.out["outside"]
    assert inside["rx_packets"] == total, (inside, total)
    assert outside["tx_packets"] == len(out), (outside, len(out))
    assert inside["drop_policy"] == total - len(out), inside
    for row in (inside, outside):
        others = {k: v for k, v in row.items()
                  if k.startswith("drop_") and k not in ("drop_policy", "drop_total") and v}
        assert not others, (row["port"], others)
    assert inside["drop_total"] == inside["drop_policy"] and outside["drop_total"] == 0
    assert outside["rx_packets"] == 0 and not dp.out["inside"]

    # Forwarded frames: unique, in order, unchanged.
    parts = frame_parts()
    fwd = bytearray(total)
    last = -1
    for f in out:
        s = int.from_bytes(f[SEQ_OFF:SEQ_OFF + 4], "big")
        assert last < s < total, f"frame {s} after {last}"
        assert f == parts[s & 3][0][16:] + f[SEQ_OFF:SEQ_OFF + 4] + parts[s & 3][1], s
        fwd[s] = 1
        last = s

    # Per-cell counters equal the per-flow verdicts.
    per_flow = [[0, 0] for _ in range(4)]       # [forwarded, dropped]
    for s in range(total):
        per_flow[s & 3][0 if fwd[s] else 1] += 1
    for flow, (sgt, dgt) in FLOW_CELL.items():
        row = counters[(sgt, dgt, "ipv4")]
        assert (row["sw_permitted"], row["sw_denied"]) == tuple(per_flow[flow]), \
            (flow, row, per_flow)
    assert sum(r["sw_permitted"] for r in counters.values()) == len(out)
    assert sum(r["sw_denied"] for r in counters.values()) == total - len(out)

    # Verdicts: z always forwarded, d always dropped; x and y name the
    # policy, which switches once per swap, alternately, within bounds.
    assert per_flow[Z][1] == 0 and per_flow[D][0] == 0, per_flow
    epoch, switches = 0, []
    for s in range(total):
        flow = s & 3
        if flow > Y:
            continue
        is_a = bool(fwd[s]) == (flow == X)
        if is_a != (epoch % 2 == 0):
            epoch += 1
            switches.append(s)
    assert len(switches) == n_swaps, (switches, bounds)
    for k, (s, (r0, r1)) in enumerate(zip(switches, bounds)):
        assert r0 - 32 <= s <= r1 + 2, \
            f"swap {k + 1}: first frame judged by it {s}, not in [{r0 - 32}, {r1 + 2}]"
        # net_pcap reading a pipe waits for all 32 frames a burst asks
        # for, so bursts are frames [32 i, 32 i + 32), and a switch is at
        # an x frame: one elsewhere is a burst judged by two policies.
        assert s % 32 == 0, f"swap {k + 1}: policies switch inside a burst at frame {s}"
    # Traffic ran through every phase (the test waited for 256 more frames
    # after each swap's ACK, and the next switch may come 34 before the
    # bound read then), and before the first swap.
    assert switches[0] >= 256 - 32 and \
        all(b - a >= 256 - 34 for a, b in zip(switches, switches[1:])), switches
    print(f"{n_updates} updates and {n_swaps} swaps applied in {t_updates:.2f} s "
          f"under {total} frames ({len(out)} forwarded); test {time.monotonic() - started:.1f} s")
    for f in Path(tmp_path).glob("*-out*.pcap"):
        f.unlink()      # tens of MB: not kept for pytest's last runs


# ---- with the real controlplane -----------------------------------------------------

USERS, WEB, DB = 30, 10, 20
F_WEB = eth() / IP(src="10.1.0.5", dst="10.2.0.5") / TCP(sport=4000, dport=443)
F_DB = eth() / IP(src="10.1.0.5", dst="10.3.0.5") / TCP(sport=4001, dport=443)
CP_BINDINGS = {"10.1.0.0/16": USERS, "10.2.0.5/32": WEB, "10.3.0.0/16": DB}

needs_cp = pytest.mark.skipif(not (CONTROLPLANE and DATAPLANE and SGTGWCTL),
                              reason="needs both daemons and sgtgwctl built")


def cp_config_text(tmp_path, bindings, hold_time=None):
    """The controlplane's file: Users may reach Web and Db on 443, the
    default denies; the dataplane's own file names the same sockets. The
    bindings are written as text: PyYAML takes seconds for 10,000."""
    cfg = {
        "ports": [{"name": "inside", "device": "x"}, {"name": "outside", "device": "y"}],
        "controlplane": dict(cp_section(tmp_path, hold_time),
                             admin_socket=str(Path(tmp_path) / "run" / "cp.sock")),
        "sgts": [{"value": WEB, "name": "Web"}, {"value": DB, "name": "Db"},
                 {"value": USERS, "name": "Users"}],
        "sgacls": [{"name": "Tls", "aces": ["permit tcp dst eq 443"]}],
        "policy": {"default": {"catch_all": "deny"},
                   "cells": [{"src": "Users", "dst": "Web", "sgacls": ["Tls"],
                              "catch_all": "deny"},
                             {"src": "Users", "dst": "Db", "sgacls": ["Tls"],
                              "catch_all": "deny"}]},
    }
    return yaml.safe_dump(cfg, sort_keys=False) + "bindings:\n" + "".join(
        f"  - {{ prefix: {p}, sgt: {s} }}\n" for p, s in bindings.items())


def cp_config(tmp_path, bindings, hold_time=None):
    path = Path(tmp_path) / "cp.yaml"
    path.write_text(cp_config_text(tmp_path, bindings, hold_time))
    return path


class MixedDataplane(Dataplane):
    """loop_in replays its frames forever (to loop_out, which drops what it
    is given); the other ports replay theirs once into output pcaps."""

    def device(self, i, p):
        if p.name == "loop_in":
            return f"net_pcap{i},rx_pcap={self._rx_file(p, 0)},infinite_rx=1"
        if p.name == "loop_out":
            return f"net_pcap{i},rx_pcap={self._rx_file(p, 0)}"
        return super().device(i, p)


def mixed_dp(tmp_path, name, finite=(), hold_time=None):
    ports = [Port("inside", frames=list(finite)), Port("outside"),
             Port("loop_in", frames=[F_WEB, F_DB]), Port("loop_out")]
    return MixedDataplane(tmp_path, name, ports,
                          {"controlplane": cp_section(tmp_path, hold_time),
                           "port_pairs": [["inside", "outside"], ["loop_in", "loop_out"]]})


def wait(pred, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def settled(dp, cp, bindings):
    """The dataplane holds exactly `bindings` and acknowledged all sent."""
    want = {p: (s, "CLI") for p, s in bindings.items()}

    def ok():
        if dp.info()["controlplane"] != "connected" or sgt_map(dp) != want:
            return False
        st = cp.status()
        return (st["bindings_generation_sent"] == st["bindings_generation_acked"] and
                st["policy_generation_sent"] == st["policy_generation_acked"] and
                st["backlog"] == "0")
    wait(ok, f"the dataplane to hold {len(want)} bindings, all acknowledged", timeout=60)
    return cp.status()


def cell_deltas(dp, window=0.4):
    def totals():
        return {(r["src"], r["dst"]): (r["sw_permitted"], r["sw_denied"])
                for r in dp.tel.paged("/sgtgw/counters") if r["af"] == "ipv4"}
    c0 = totals()
    time.sleep(window)
    c1 = totals()
    return {k: (c1[k][0] - c0.get(k, (0, 0))[0], c1[k][1] - c0.get(k, (0, 0))[1]) for k in c1}


@needs_cp
def test_killed_dataplane_restarts_from_cache(tmp_path):
    cfg = cp_config(tmp_path, CP_BINDINGS)
    cache = Path(cp_section(tmp_path)["cache"])
    cp = Controlplane(tmp_path, cfg)
    try:
        dp1 = mixed_dp(tmp_path, "dp1")
        with dp1:
            settled(dp1, cp, CP_BINDINGS)
            wait(cache.exists, "the cache")
            v = cell_deltas(dp1)
            assert v[(USERS, WEB)][0] > 0 and v[(USERS, DB)][0] > 0, v
            assert v[(USERS, WEB)][1] == 0 and v[(USERS, DB)][1] == 0, v
            dp1.kill()                              # SIGKILL: no goodbye, no cache flush
        assert dp1.rc is None and dp1.proc.returncode == -signal.SIGKILL
        wait(lambda: cp.status()["connected"] == "no", "the controlplane to see it go")

        # While no dataplane runs, 10.3.0.0/16 leaves the file: the
        # controlplane's state changes, the cache does not.
        now = {p: s for p, s in CP_BINDINGS.items() if p != "10.3.0.0/16"}
        cp_config(tmp_path, now)
        res = cp.ctl("reload")
        assert res.returncode == 0 and "0 added, 0 changed, 1 removed" in res.stdout, \
            (res.stdout, res.stderr)

        # The new dataplane runs its finite traffic with the controlplane
        # held back: every frame is judged by the cache (fail_closed would
        # deny them all; without the stale binding F_DB would be denied).
        finite = [F_WEB, F_DB] * 50
        dp2 = mixed_dp(tmp_path, "dp2", finite)
        cp.proc.send_signal(signal.SIGSTOP)
        try:
            with dp2:
                def finite_done():
                    rows = dp2.port_rows()
                    return (rows["inside"]["rx_packets"] == len(finite) and
                            rows["outside"]["tx_packets"] + rows["inside"]["drop_total"]
                            == len(finite))
                wait(finite_done, "the finite pcap")
                info = dp2.info()
                assert (info["cache_state"], info["controlplane"], info["bindings"]) == \
                    ("loaded", "disconnected", 3), info
                rows = dp2.port_rows()
                assert rows["outside"]["tx_packets"] == len(finite), rows
                assert rows["inside"]["drop_total"] == 0, rows
                cp.proc.send_signal(signal.SIGCONT)

                # The controlplane reconnects: its full resync sweeps the
                # binding it no longer has, and F_DB falls to the default.
                st = settled(dp2, cp, now)
                assert st["sessions"] == "2" and st["resync_requests"] == "0", st
                v = cell_deltas(dp2)
                assert v[(USERS, WEB)][0] > 0 and v[(USERS, WEB)][1] == 0, v
                assert v.get((USERS, DB), (0, 0)) == (0, 0), v
                assert v[(-1, -1)][1] > 0 and v[(-1, -1)][0] == 0, v
            assert dp2.rc == 0, dp2.log()
        finally:
            cp.proc.send_signal(signal.SIGCONT)
        assert dp2.out["outside"] == [bytes(f) for f in finite]
        assert "1 stale removed" in dp2.log(), dp2.log()
        assert "enforcing from its cache" in cp.log()
    finally:
        cp.stop()


@needs_cp
def test_ring_full_burst(tmp_path):
    # Reloads flip the SGT of `n` bindings, each a BINDING_ADD, until more
    # are queued than the ring's 65,535 messages, with the dataplane
    # stopped meanwhile. The controlplane would drop a dataplane silent for
    # its hold time; the reloads take seconds under ASan (4.6 s on one CI
    # run), so both processes here hold on for `hold` s (the dataplane, in
    # case it was stopped between its poll and its clock). Small files keep
    # each reload short all the same, and glibc's MALLOC_PERTURB_ (which
    # meson sets) is left out: libcyaml grows a sequence one realloc at a
    # time, and where the heap lets a realloc grow in place, glibc then
    # fills the free MiBs after it, once per binding: seconds per reload.
    ring = 65535
    hold = 120
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_PERTURB_"}
    n = 4096 if _sanitized(CONTROLPLANE) else 16384
    reloads = ring // n + 2
    burst = {f"10.50.{i >> 8}.{i & 255}/32": 40 for i in range(n)}
    cfg = cp_config(tmp_path, dict(CP_BINDINGS, **burst), hold)
    cp = Controlplane(tmp_path, cfg, env=env)
    try:
        with mixed_dp(tmp_path, "ring", hold_time=hold) as dp:
            st0 = settled(dp, cp, dict(CP_BINDINGS, **burst))
            assert st0["ring_waits"] == "0", st0
            flips = [cp_config_text(tmp_path, dict(CP_BINDINGS, **{p: sgt for p in burst}),
                                    hold)
                     for sgt in (41, 40)]
            os.kill(dp.proc.pid, signal.SIGSTOP)
            stopped = time.monotonic()
            try:
                for r in range(reloads):
                    cfg.write_text(flips[r % 2])
                    res = cp.ctl("reload")
                    assert f"0 added, {n} changed, 0 removed" in res.stdout, \
                        (res.stdout, res.stderr)
                st = cp.status()
                held_for = time.monotonic() - stopped
            finally:
                os.kill(dp.proc.pid, signal.SIGCONT)
            assert held_for < hold - 10, f"the dataplane was stopped {held_for:.1f} s"
            # The ring is full, the rest waits in the controlplane's backlog.
            sent = int(st["messages_sent"]) - int(st0["messages_sent"])
            assert sent == ring, st
            assert int(st["backlog"]) == reloads * n - ring, st
            assert int(st["ring_waits"]) >= 1, st

            # Nothing lost: every change applied, in order, no resync.
            final = dict(CP_BINDINGS, **{p: 41 if reloads % 2 else 40 for p in burst})
            st = settled(dp, cp, final)
            assert int(st["messages_sent"]) - int(st0["messages_sent"]) == reloads * n, st
            assert (st["resync_requests"], st["resyncs"], st["sessions"]) == ("0", "1", "1"), st
            info = dp.info()
            assert info["updates_refused"] == 0 and info["resync_count"] == 1, info
            assert info["bindings_generation"] == int(st["bindings_generation_acked"]), info
            v = cell_deltas(dp)
            assert v[(USERS, WEB)][0] > 0 and v[(USERS, DB)][0] > 0, v
            assert v[(USERS, WEB)][1] == 0 and v[(USERS, DB)][1] == 0, v
        assert dp.rc == 0, dp.log()
    finally:
        cp.stop()
