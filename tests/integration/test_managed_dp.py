# SPDX-License-Identifier: BSD-3-Clause
"""The dataplane in managed mode (docs/sync.md), against fake_cp, a small
stand-in for the controlplane that pushes the update messages each test
writes: the no-cache rule (fail_closed / fail_open), a full resync of
bindings and policy, deltas, policy swaps with counters carried over, the
cache written and enforced from the first packet after a restart, a
cache written after live updates and a resync's sweep read back exactly, a
corrupt cache refused, generation gaps and malformed messages answered by
RESYNC_REQUEST, a second controlplane refused BUSY, a silent one dropped,
and a controlplane killed with SIGKILL: the dataplane keeps enforcing and
the next one's resync removes stale bindings.

Two kinds of traffic. "Loop" runs replay three frames forever (net_pcap
infinite_rx, transmitted frames dropped by the PMD and counted), so the
dataplane keeps deciding while the test changes its state: a phase's
verdicts are the growth of the per-cell counters over a short window, and
each frame is alone in its cell. "Finite" runs replay a pcap once into
output pcaps and give exact per-packet verdicts, for start-up from the
cache.
"""
import os
import queue
import signal
import socket
import stat
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest
from scapy.layers.inet import IP, TCP

from sgtgw_lib import Dataplane, Port, eth

FAKE_CP = os.environ.get("FAKE_CP") or next(
    (str(p) for p in (Path(__file__).resolve().parents[2] / b / "tests/integration/fake_cp"
                      for b in ("build-dpm", "build-it", "build"))
     if p.is_file()), None)

A, B, C = 10, 20, 30          # SGTs
F_AB = eth() / IP(src="10.1.0.5", dst="10.2.0.5") / TCP(sport=4000, dport=80)
F_AC = eth() / IP(src="10.1.0.5", dst="10.3.0.5") / TCP(sport=4001, dport=80)
F_XB = eth() / IP(src="10.9.0.5", dst="10.2.0.5") / TCP(sport=4002, dport=80)
FRAMES = [F_AB, F_AC, F_XB]
WINDOW = 0.4                  # seconds of traffic per phase measurement
WAIT = 10.0                   # seconds for anything the test waits for

# A -> B permitted, A -> C denied, anything else denied by default.
POLICY_1 = {
    "sgts": [{"value": A, "name": "A"}, {"value": B, "name": "B"},
             {"value": C, "name": "C"}],
    "sgacls": [{"name": "Web", "aces": ["permit tcp dst eq 80"]},
               {"name": "None", "aces": ["deny ip"]}],
    "policy": {"default": {"catch_all": "deny"},
               "cells": [{"src": "A", "dst": "B", "sgacls": ["Web"], "catch_all": "deny"},
                         {"src": "A", "dst": "C", "sgacls": ["None"]}]},
}
# A -> B now denied; the default permits.
POLICY_2 = {
    "sgts": POLICY_1["sgts"],
    "sgacls": [{"name": "None", "aces": ["deny ip"]}],
    "policy": {"default": {"catch_all": "permit"},
               "cells": [{"src": "A", "dst": "B", "sgacls": ["None"]}]},
}
BINDINGS = [("10.1.0.0/16", A, "cli"), ("10.2.0.5", B, "sxp"), ("10.3.0.0/16", C, "local")]


def write_policy(tmp_path, name, policy):
    import yaml
    path = Path(tmp_path) / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"ports": [{"name": "x", "device": "y"}], **policy}))
    return path


# ---- the stand-in controlplane ----------------------------------------------------

class FakeCp:
    """fake_cp on the dataplane's socket; its output lines in a queue."""

    def __init__(self, socket_path):
        assert FAKE_CP, "FAKE_CP must name the built tests/integration/fake_cp"
        self.proc = subprocess.Popen([FAKE_CP, "--socket", str(socket_path)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines = queue.Queue()
        self.seen = []
        self.acks_seen = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.welcome = self.expect("welcome")

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def send(self, *commands):
        for c in commands:
            self.proc.stdin.write(c + "\n")
        self.proc.stdin.flush()
        for c in commands:
            self.expect("done " + c.split()[0])

    def expect(self, prefix, timeout=WAIT):
        """The next line starting with prefix (others are kept in seen)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"fake_cp: no '{prefix}' in {timeout} s; "
                                     f"saw {self.seen}") from None
            if line is None:
                raise AssertionError(f"fake_cp ended before '{prefix}'; saw {self.seen}")
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def welcome_field(self, key):
        return dict(w.split("=", 1) for w in self.welcome.split()[1:])[key]

    def resync(self, bindings, policy_path):
        cmds = ["resync-begin"] + [f"add {p} {s} {src}" for p, s, src in bindings]
        if policy_path is not None:
            cmds.append(f"policy {policy_path}")
        self.send(*cmds, "resync-end")

    def wait_acks(self, bindings_gen=None, policy_gen=None):
        """Until the dataplane acknowledges these generations. An ack may
        already have arrived while send() waited for its "done" lines: those
        are in seen, so they are looked at first."""
        want = {"bindings": bindings_gen, "policy": policy_gen}

        def take(line):
            words = line.split()
            stream, gen, result = words[1], int(words[2][2:]), words[3]
            if want[stream] is not None and gen >= want[stream]:
                assert result == "applied", self.seen
                want[stream] = None

        for line in self.seen[self.acks_seen:]:
            if line.startswith("ack "):
                take(line)
        while any(v is not None for v in want.values()):
            take(self.expect("ack "))
        self.acks_seen = len(self.seen)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


# ---- the dataplane ---------------------------------------------------------------

class LoopDataplane(Dataplane):
    """Each port with frames replays them forever; nothing is written out."""

    def device(self, i, p):
        loop = ",infinite_rx=1" if p.frames else ""
        return f"net_pcap{i},rx_pcap={self._rx_file(p, 0)}{loop}"


def cp_section(tmp_path, no_cache="fail_closed", **extra):
    return {"socket": str(Path(tmp_path) / "run" / "dp.sock"),
            "cache": str(Path(tmp_path) / "state" / "dp.cache"),
            "no_cache": no_cache, **extra}


def loop_dp(tmp_path, name, no_cache="fail_closed", **extra):
    ports = [Port("inside", frames=list(FRAMES)), Port("outside")]
    return LoopDataplane(tmp_path, name, ports,
                         {"controlplane": cp_section(tmp_path, no_cache, **extra)})


def finite_dp(tmp_path, name, no_cache="fail_closed", copies=5):
    ports = [Port("inside", frames=list(FRAMES) * copies), Port("outside")]
    return Dataplane(tmp_path, name, ports, {"controlplane": cp_section(tmp_path, no_cache)})


def sock_path(dp):
    return Path(dp.dir) / "run" / "dp.sock"


def listening_sock(dp):
    """The control socket, once the dataplane has made it: telemetry (what
    the harness waits for) comes up first, and under ASan the socket can
    take a moment longer."""
    deadline = time.monotonic() + WAIT
    while not sock_path(dp).exists():
        assert time.monotonic() < deadline, "no control socket"
        time.sleep(0.02)
    return sock_path(dp)


def ctl_connect(dp):
    """A raw connection to the control socket. The file appears at bind(),
    just before listen(): until then a connect is refused, so retry."""
    deadline = time.monotonic() + WAIT
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(WAIT)
        try:
            s.connect(str(listening_sock(dp)))
            return s
        except ConnectionRefusedError:
            s.close()
            assert time.monotonic() < deadline, "the control socket refuses"
            time.sleep(0.02)


def cache_path(dp):
    return Path(dp.dir) / "state" / "dp.cache"


def cell_totals(dp):
    """{(src, dst): (permitted, denied)} over IPv4, -1 for the default."""
    return {(r["src"], r["dst"]): (r["sw_permitted"], r["sw_denied"])
            for r in dp.tel.paged("/sgtgw/counters") if r["af"] == "ipv4"}


def port_totals(dp):
    rows = dp.port_rows()
    return {"tx": rows["outside"]["tx_packets"], "rx": rows["inside"]["rx_packets"],
            "policy": rows["inside"]["drop_policy"]}


def deltas(dp, window=WINDOW):
    """Growth of the cell and port counters over window seconds. Cells
    missing from either reading are left out."""
    c0, p0 = cell_totals(dp), port_totals(dp)
    time.sleep(window)
    c1, p1 = cell_totals(dp), port_totals(dp)
    cells = {k: (c1[k][0] - c0[k][0], c1[k][1] - c0[k][1]) for k in c1 if k in c0}
    return cells, {k: p1[k] - p0[k] for k in p1}


def assert_verdicts(dp, permitted=(), denied=(), idle=()):
    """Over a window, the cells in permitted only permit, those in denied
    only deny, those in idle see nothing."""
    cells, _ = deltas(dp)
    for cell in permitted:
        assert cells[cell][0] > 0 and cells[cell][1] == 0, (cell, cells)
    for cell in denied:
        assert cells[cell][1] > 0 and cells[cell][0] == 0, (cell, cells)
    for cell in idle:
        assert cells.get(cell, (0, 0)) == (0, 0), (cell, cells)


def sgt_map(dp):
    return {r["prefix"]: (r["sgt"], r["source"]) for r in dp.tel.paged("/sgtgw/sgt_map")}


def wait_info(dp, key, value, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while dp.info()[key] != value:
        assert time.monotonic() < deadline, (key, value, dp.info())
        time.sleep(0.05)


def resync_p1(tmp_path, cp, bindings=BINDINGS):
    """A full resync of bindings and POLICY_1; returns after both acks."""
    cp.resync(bindings, write_policy(tmp_path, "p1", POLICY_1))
    b0, p0 = int(cp.welcome_field("bindings")), int(cp.welcome_field("policy"))
    cp.wait_acks(bindings_gen=b0 + len(bindings) + 2, policy_gen=p0 + 1)


# ---- no cache: the fail rule -----------------------------------------------------------

def test_no_cache_fail_closed(tmp_path):
    with loop_dp(tmp_path, "closed") as dp:
        info = dp.info()
        assert (info["mode"], info["controlplane"], info["cache_state"]) == \
            ("managed", "disconnected", "none")
        assert (info["policy_generation"], info["bindings_generation"], info["bindings"]) == (0, 0, 0)
        assert info["cells"] == 1
        _, ports = deltas(dp)
        assert ports["rx"] > 0 and ports["tx"] == 0 and ports["policy"] > 0, ports
        assert_verdicts(dp, denied=[(-1, -1)])
        mode = stat.S_IMODE(os.stat(listening_sock(dp)).st_mode)
        assert stat.S_ISSOCK(os.stat(sock_path(dp)).st_mode) and mode == 0o660, oct(mode)
    assert "denying every IP packet until the controlplane's first full resync" in dp.log()
    assert not sock_path(dp).exists(), "the socket is removed at exit"


def test_no_cache_fail_open(tmp_path):
    with loop_dp(tmp_path, "open", no_cache="fail_open") as dp:
        assert dp.info()["cache_state"] == "none"
        _, ports = deltas(dp)
        assert ports["tx"] > 0 and ports["policy"] == 0, ports
        assert_verdicts(dp, permitted=[(-1, -1)])


# ---- a session ------------------------------------------------------------------------------

def test_resync_deltas_and_policy_swaps(tmp_path):
    with loop_dp(tmp_path, "resync") as dp:
        cp = FakeCp(sock_path(dp))
        try:
            assert cp.welcome_field("cache") == "none"
            assert (cp.welcome_field("bindings"), cp.welcome_field("policy")) == ("0", "0")
            info = dp.info()
            assert info["controlplane"] == "connected"
            assert cp.welcome.split()[1] == f"session={info['session_id']}"

            resync_p1(tmp_path, cp)
            info = dp.info()
            assert (info["bindings_generation"], info["policy_generation"]) == (5, 1), info
            assert (info["resync_count"], info["updates_refused"]) == (1, 0), info
            assert info["updates_applied"] == 6 and info["bindings"] == 3, info
            assert (info["sgts"], info["sgacls"], info["cells"]) == (3, 2, 3), info
            assert sgt_map(dp) == {"10.1.0.0/16": (A, "CLI"), "10.2.0.5/32": (B, "SXP"),
                                   "10.3.0.0/16": (C, "LOCAL")}
            perms = dp.tel.paged("/sgtgw/permissions")
            assert [(r["src"], r["dst"], r["catch_all"]) for r in perms] == \
                [(-1, -1, "deny"), (A, B, "deny"), (A, C, "none")]
            assert [r["sgacl"] for r in dp.tel.paged("/sgtgw/sgacls")] == ["Web", "None"]
            assert_verdicts(dp, permitted=[(A, B)], denied=[(A, C), (-1, -1)])

            # A delta moves 10.3/16 into B: F_AC joins cell A -> B.
            cp.send("add 10.3.0.0/16 20 cli")
            cp.wait_acks(bindings_gen=6)
            assert sgt_map(dp)["10.3.0.0/16"] == (B, "CLI")
            assert_verdicts(dp, permitted=[(A, B)], denied=[(-1, -1)], idle=[(A, C)])

            # A new policy: A -> B denied, default permits. Counters of the
            # cell that stays carry over: they never go down.
            before = cell_totals(dp)[(A, B)]
            cp.send(f"policy {write_policy(tmp_path, 'p2', POLICY_2)}")
            cp.wait_acks(policy_gen=2)
            assert dp.info()["policy_generation"] == 2
            after = cell_totals(dp)
            assert after[(A, B)][0] >= before[0] and (A, C) not in after, after
            assert_verdicts(dp, permitted=[(-1, -1)], denied=[(A, B)])

            # A deletion: F_AB's destination is unbound, the default permits.
            cp.send("del 10.2.0.5")
            cp.wait_acks(bindings_gen=7)
            assert "10.2.0.5/32" not in sgt_map(dp)
            assert_verdicts(dp, permitted=[(-1, -1)], denied=[(A, B)])
            info = dp.info()
            assert (info["bindings_generation"], info["bindings"]) == (7, 2), info
        finally:
            cp.close()
        wait_info(dp, "controlplane", "disconnected")
        assert dp.info()["policy_generation"] == 2, "enforcing what it has"


def test_refused_policy_keeps_the_old_one(tmp_path):
    with loop_dp(tmp_path, "refused") as dp:
        cp = FakeCp(sock_path(dp))
        try:
            resync_p1(tmp_path, cp)
            # Intact in the region, but not a policy: refused on its own,
            # the stream goes on.
            cp.send("policy-junk")
            assert cp.expect("ack policy") == "ack policy g=2 refused"
            info = dp.info()
            assert (info["policy_generation"], info["updates_refused"]) == (1, 1), info
            assert_verdicts(dp, permitted=[(A, B)], denied=[(A, C), (-1, -1)])
            cp.send(f"policy {write_policy(tmp_path, 'p2', POLICY_2)}")
            cp.wait_acks(policy_gen=3)
            assert dp.info()["policy_generation"] == 3
            assert "resync-request" not in " ".join(cp.seen)
        finally:
            cp.close()
    assert "policy snapshot generation 2 refused" in dp.log()


# ---- the cache ---------------------------------------------------------------------------

def test_cache_enforced_from_the_first_packet(tmp_path):
    with loop_dp(tmp_path, "first") as dp:
        cp = FakeCp(sock_path(dp))
        resync_p1(tmp_path, cp)
        # Written once the resync ended.
        deadline = time.monotonic() + WAIT
        while not cache_path(dp).exists():
            assert time.monotonic() < deadline, "no cache written"
            time.sleep(0.05)
        cp.close()
    assert stat.S_IMODE(os.stat(cache_path(dp)).st_mode) & 0o007 == 0

    # A restart replays 5 copies of the three frames once: every F_AB is
    # forwarded, no F_AC or F_XB; the fail rule (deny) never decided.
    dp2 = finite_dp(tmp_path, "second")
    with dp2:
        dp2.wait_done()
        info = dp2.info()
        assert (info["cache_state"], info["policy_generation"], info["bindings_generation"],
                info["bindings"]) == ("loaded", 1, 5, 3), info
        cells = cell_totals(dp2)
        assert cells[(A, B)] == (5, 0) and cells[(A, C)] == (0, 5) and cells[(-1, -1)] == (0, 5)
        assert sgt_map(dp2)["10.2.0.5/32"] == (B, "SXP")
        cp = FakeCp(sock_path(dp2))
        try:
            assert (cp.welcome_field("cache"), cp.welcome_field("bindings"),
                    cp.welcome_field("policy")) == ("loaded", "5", "1")
        finally:
            cp.close()
    assert dp2.out["outside"] == [bytes(F_AB)] * 5


def cache_generations(path):
    """(bindings generation, policy generation) of the cache file's header
    (common/cache_file.h), or None while there is none."""
    try:
        head = path.read_bytes()[:24]
    except FileNotFoundError:
        return None
    return struct.unpack("<IHHQQ", head)[3:] if len(head) == 24 else None


def test_cache_after_live_updates_round_trips(tmp_path):
    """The cache the writer writes from its own copy, fed by the change log
    (bulk churn, single changes, a resync's sweep, a policy), is exactly
    what was applied when it was written."""
    path = Path(tmp_path) / "state" / "dp.cache"
    with loop_dp(tmp_path, "live") as dp:
        cp = FakeCp(sock_path(dp))
        try:
            resync_p1(tmp_path, cp)                             # g 5
            cp.send("churn 6000 2000 100 50")                   # g 6005
            # A resync that repeats only BINDINGS: the churn is swept.
            cp.send("resync-begin", *(f"add {p} {s} {src}" for p, s, src in BINDINGS),
                    f"policy {write_policy(tmp_path, 'p2', POLICY_2)}",
                    "resync-end")                               # g 6010, policy 2
            cp.send("churn 5000 2000 100 50",                   # g 11010
                    "add 10.3.0.0/16 20 sxp", "del 10.2.0.5")  # g 11012
            cp.wait_acks(bindings_gen=11012, policy_gen=2)
            applied = sgt_map(dp)
            assert len(applied) > 1000 and "10.2.0.5/32" not in applied
            deadline = time.monotonic() + WAIT
            while cache_generations(path) != (11012, 2):
                assert time.monotonic() < deadline, cache_generations(path)
                time.sleep(0.05)
            written = path.read_bytes()
        finally:
            cp.close()
    assert "stale removed" in dp.log()
    # Started from that file, the next dataplane holds the same.
    path.write_bytes(written)
    with loop_dp(tmp_path, "restored") as dp2:
        info = dp2.info()
        assert (info["cache_state"], info["bindings_generation"],
                info["policy_generation"], info["bindings"]) == \
            ("loaded", 11012, 2, len(applied)), info
        assert sgt_map(dp2) == applied


@pytest.mark.parametrize("no_cache", ["fail_closed", "fail_open"])
def test_corrupt_cache_refused(tmp_path, no_cache):
    path = Path(tmp_path) / "state" / "dp.cache"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"SGCF\x01\x00\x01\x00" + bytes(range(200)))
    dp = finite_dp(tmp_path, "corrupt", no_cache=no_cache)
    with dp:
        dp.wait_done()
        info = dp.info()
        assert (info["cache_state"], info["policy_generation"], info["bindings"]) == \
            ("refused", 0, 0), info
        cp = FakeCp(sock_path(dp))
        try:
            assert cp.welcome_field("cache") == "refused"
        finally:
            cp.close()
    assert f"cache {path} refused" in dp.log()
    fed = len(FRAMES) * 5
    assert len(dp.out["outside"]) == (fed if no_cache == "fail_open" else 0)


# ---- the stream's rules ------------------------------------------------------------------

def test_generation_gap_and_bad_message_ask_for_a_resync(tmp_path):
    with loop_dp(tmp_path, "gap") as dp:
        cp = FakeCp(sock_path(dp))
        try:
            # Before the session's RESYNC_BEGIN nothing is applied.
            cp.send("add 10.1.0.0/16 10")
            assert cp.expect("resync-request").startswith("resync-request reason=2 ")
            assert dp.info()["bindings"] == 0
            resync_p1(tmp_path, cp)

            # The early add took generation 1, the resync 2..6: 7 is next.
            cp.send("skip 3", "add 10.4.0.0/16 10", "add 10.5.0.0/16 10")
            line = cp.expect("resync-request")
            assert line == ("resync-request reason=2 binding-add has bindings "
                            "generation 10, the next is 7"), line
            time.sleep(WINDOW)
            assert set(sgt_map(dp)) == {"10.1.0.0/16", "10.2.0.5/32", "10.3.0.0/16"}
            assert dp.info()["updates_refused"] == 2
            assert_verdicts(dp, permitted=[(A, B)], denied=[(A, C)])

            # The resync it asked for repairs the stream.
            cp.send("resync-begin", "add 10.4.0.0/16 10 sxp", "resync-end")
            cp.expect("ack bindings")
            wait_info(dp, "resync_count", 2)
            assert set(sgt_map(dp)) == {"10.4.0.0/16"}

            # A message that fails its checks: the same answer.
            cp.send("bad")
            assert cp.expect("resync-request").startswith("resync-request reason=3 ")
            assert dp.info()["updates_refused"] == 3
        finally:
            cp.close()
    assert "discarding updates until a full resync" in dp.log()


def test_second_controlplane_is_refused(tmp_path):
    with loop_dp(tmp_path, "busy") as dp:
        first = FakeCp(sock_path(dp))
        try:
            session = dp.info()["session_id"]
            second = subprocess.run([FAKE_CP, "--socket", str(sock_path(dp))],
                                    input="", capture_output=True, text=True, timeout=WAIT)
            assert second.returncode == 3, second.stdout
            error = second.stdout.splitlines()[-1]
            assert error.startswith("error code=4 a controlplane (pid "), second.stdout
            info = dp.info()
            assert (info["controlplane"], info["session_id"]) == ("connected", session)
            first.send("resync-begin", "resync-end")
            first.expect("ack bindings")
        finally:
            first.close()
    assert "controlplane connection from pid" in dp.log()


def ctl_datagram(version, mtype, body, session=0, seq=1):
    """common/ctl_proto.h: a 24-byte little-endian header, then the body."""
    return struct.pack("<HHIQQ", version, mtype, len(body), session, seq) + body


def test_handshake_of_another_version_is_refused(tmp_path):
    with loop_dp(tmp_path, "version") as dp:
        with ctl_connect(dp) as s:
            s.send(ctl_datagram(2, 1, struct.pack("<I", os.getpid())))
            reply = s.recv(4096)
            version, mtype, length, _, _ = struct.unpack("<HHIQQ", reply[:24])
            code, text_len = struct.unpack("<II", reply[24:32])
            assert (version, mtype, length, code) == (1, 6, 8 + text_len, 1), reply
            assert b"version 2 is not spoken here" in reply[32:]
            assert s.recv(4096) == b"", "then the dataplane hangs up"
        # A HELLO that does not decode: ERROR(MALFORMED).
        with ctl_connect(dp) as s:
            s.send(ctl_datagram(1, 1, b"\x00\x00"))
            reply = s.recv(4096)
            assert struct.unpack("<HHIQQI", reply[:28])[1::4] == (6, 2), reply
        # And the next controlplane is welcome.
        cp = FakeCp(sock_path(dp))
        cp.close()
    assert "protocol version 2, this side speaks 1" in dp.log()


def test_silent_controlplane_is_dropped(tmp_path):
    # controlplane.hold_time sets the silence the dataplane waits out (the
    # controlplane's side keeps its default in test_controlplane.py).
    with loop_dp(tmp_path, "silent", hold_time=3) as dp:
        cp = FakeCp(sock_path(dp))
        try:
            muted = time.monotonic()
            cp.send("mute")
            assert cp.expect("closed", timeout=8.0) == "closed"
            waited = time.monotonic() - muted
            assert dp.info()["controlplane"] == "disconnected"
        finally:
            cp.close()
    assert "silent for 3000 ms" in dp.log()
    assert waited >= 2.0, f"dropped after {waited:.1f} s"


def test_killed_controlplane_then_resync_removes_stale(tmp_path):
    with loop_dp(tmp_path, "kill9") as dp:
        cp = FakeCp(sock_path(dp))
        resync_p1(tmp_path, cp)
        cp.kill9()
        wait_info(dp, "controlplane", "disconnected")
        # Still enforcing what it had.
        assert_verdicts(dp, permitted=[(A, B)], denied=[(A, C), (-1, -1)])
        assert dp.info()["bindings"] == 3

        # The next controlplane resyncs without 10.3/16: it is swept and
        # F_AC falls to the default cell.
        cp = FakeCp(sock_path(dp))
        try:
            assert cp.welcome_field("bindings") == "5"
            cp.send("resync-begin", "add 10.1.0.0/16 10 cli", "add 10.2.0.5 20 sxp",
                    f"policy {write_policy(tmp_path, 'p1', POLICY_1)}", "resync-end")
            cp.wait_acks(bindings_gen=9, policy_gen=2)
            assert sgt_map(dp) == {"10.1.0.0/16": (A, "CLI"), "10.2.0.5/32": (B, "SXP")}
            info = dp.info()
            assert (info["resync_count"], info["bindings_generation"]) == (2, 9), info
            assert_verdicts(dp, permitted=[(A, B)], denied=[(-1, -1)], idle=[(A, C)])
        finally:
            cp.close()
    assert "1 stale removed" in dp.log()
