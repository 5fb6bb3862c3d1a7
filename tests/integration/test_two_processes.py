# SPDX-License-Identifier: BSD-3-Clause
"""The real sgtgw-dataplane (managed mode, pcap ports replaying frames
forever) with the real sgtgw-controlplane, both reading one YAML file: the
controlplane's full resync makes the dataplane enforce the file's policy
and bindings; `sgtgwctl reload` changes one binding and the verdict
follows; the controlplane restarting leaves the dataplane enforcing and
resyncs it; the dataplane restarting starts from its cache and gets a
resync when the controlplane reconnects. Either process starts first.

The controlplane's finer behaviour is tested against fake_dp
(test_controlplane.py), the dataplane's against fake_cp
(test_managed_dp.py); this file checks that the two real ones agree.
"""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from scapy.layers.inet import IP, TCP

from sgtgw_lib import DATAPLANE, SGTGWCTL, Dataplane, Port, eth

CONTROLPLANE = os.environ.get("SGTGW_CONTROLPLANE") or next(
    (str(p) for p in (Path(__file__).resolve().parents[2] / b /
                      "controlplane/sgtgw-controlplane"
                      for b in ("build-cpl", "build-it", "build"))
     if p.is_file()), None)

pytestmark = pytest.mark.skipif(not (CONTROLPLANE and DATAPLANE and SGTGWCTL),
                                reason="needs both daemons and sgtgwctl built")

WEB, DB, USERS = 10, 20, 30
F_TO_WEB = eth() / IP(src="10.1.0.5", dst="10.2.0.5") / TCP(sport=4000, dport=443)
F_TO_DB = eth() / IP(src="10.1.0.5", dst="10.3.0.5") / TCP(sport=4001, dport=443)
WAIT = 10.0
WINDOW = 0.4

CONFIG = {
    "sgts": [{"value": WEB, "name": "Web"}, {"value": DB, "name": "Db"},
             {"value": USERS, "name": "Users"}],
    "sgacls": [{"name": "Tls", "aces": ["permit tcp dst eq 443"]}],
    "policy": {"default": {"catch_all": "deny"},
               "cells": [{"src": "Users", "dst": "Web", "sgacls": ["Tls"],
                          "catch_all": "deny"}]},
    "bindings": [{"prefix": "10.1.0.0/16", "sgt": "Users"},
                 {"prefix": "10.2.0.5", "sgt": "Web"},
                 {"prefix": "10.3.0.0/16", "sgt": "Db"}],
}


class LoopDataplane(Dataplane):
    """Each port with frames replays them forever."""

    def device(self, i, p):
        loop = ",infinite_rx=1" if p.frames else ""
        return f"net_pcap{i},rx_pcap={self._rx_file(p, 0)}{loop}"


def dataplane(tmp_path, name):
    cfg = dict(CONFIG, controlplane={
        "socket": str(tmp_path / "run" / "dp.sock"),
        "admin_socket": str(tmp_path / "run" / "cp.sock"),
        "cache": str(tmp_path / "state" / "dp.cache")})
    ports = [Port("inside", frames=[F_TO_WEB, F_TO_DB]), Port("outside")]
    return LoopDataplane(tmp_path, name, ports, cfg,
                         config_path=None if name == "dp1" else tmp_path / "dp1.yaml")


class Controlplane:
    def __init__(self, tmp_path, config_path, env=None):
        self.admin = tmp_path / "run" / "cp.sock"
        self.err = open(tmp_path / f"cp-{time.monotonic_ns()}.log", "w+")
        self.proc = subprocess.Popen([CONTROLPLANE, "--config", str(config_path)],
                                     stdin=subprocess.DEVNULL, stdout=self.err,
                                     stderr=subprocess.STDOUT, env=env)
        wait(lambda: self.admin.exists(), "the admin socket")

    def ctl(self, *args):
        return subprocess.run([SGTGWCTL, "-a", str(self.admin), *args],
                              capture_output=True, text=True, timeout=60)

    def status(self):
        res = self.ctl("cp-status")
        assert res.returncode == 0, res.stderr
        return dict(l.split("=", 1) for l in res.stdout.splitlines())

    def log(self):
        self.err.seek(0)
        return self.err.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            assert self.proc.wait(timeout=10) == 0, self.log()


def wait(pred, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def sgt_map(dp):
    return {r["prefix"]: (r["sgt"], r["source"]) for r in dp.tel.paged("/sgtgw/sgt_map")}


def cell_totals(dp):
    return {(r["src"], r["dst"]): (r["sw_permitted"], r["sw_denied"])
            for r in dp.tel.paged("/sgtgw/counters") if r["af"] == "ipv4"}


def verdicts(dp):
    """Growth of each cell's (permitted, denied) over a short window."""
    c0 = cell_totals(dp)
    time.sleep(WINDOW)
    c1 = cell_totals(dp)
    return {k: (c1[k][0] - c0.get(k, (0, 0))[0], c1[k][1] - c0.get(k, (0, 0))[1])
            for k in c1}


def in_step(dp, cp, bindings):
    """The dataplane holds exactly these bindings from the controlplane,
    and everything sent is acknowledged."""
    want = {p: (s, "CLI") for p, s in bindings.items()}
    wait(lambda: dp.info()["controlplane"] == "connected" and sgt_map(dp) == want,
         f"the dataplane to hold {want}")
    st = cp.status()
    wait(lambda: (lambda s: s["bindings_generation_sent"] == s["bindings_generation_acked"]
                  and s["policy_generation_sent"] == s["policy_generation_acked"])(cp.status()),
         "acks")
    return st


BINDINGS = {"10.1.0.0/16": USERS, "10.2.0.5/32": WEB, "10.3.0.0/16": DB}


def test_resync_reload_and_controlplane_restart(tmp_path):
    with dataplane(tmp_path, "dp1") as dp:
        cp = Controlplane(tmp_path, dp.config_path)
        try:
            in_step(dp, cp, BINDINGS)
            v = verdicts(dp)
            assert v[(USERS, WEB)][0] > 0 and v[(USERS, WEB)][1] == 0, v
            assert v[(-1, -1)][1] > 0, v          # Users -> Db: the default, deny

            # 10.3.0.0/16 becomes Web: one message, and Users -> it is permitted.
            text = dp.config_path.read_text()
            dp.config_path.write_text(text.replace("prefix: 10.3.0.0/16\n  sgt: Db",
                                                   "prefix: 10.3.0.0/16\n  sgt: Web"))
            sent = int(cp.status()["messages_sent"])
            res = cp.ctl("reload")
            assert "0 added, 1 changed, 0 removed; policy unchanged" in res.stdout, \
                (res.stdout, res.stderr, dp.config_path.read_text())
            in_step(dp, cp, dict(BINDINGS, **{"10.3.0.0/16": WEB}))
            assert int(cp.status()["messages_sent"]) == sent + 1
            v = verdicts(dp)
            assert v.get((-1, -1), (0, 0))[1] == 0, v

            # The controlplane restarts: the dataplane keeps enforcing, then
            # gets a resync numbered above what it applied.
            applied = dp.info()["bindings_generation"]
            cp.stop()
            wait(lambda: dp.info()["controlplane"] == "disconnected", "the session's end")
            v = verdicts(dp)
            assert v[(USERS, WEB)][0] > 0 and v[(USERS, WEB)][1] == 0, v
            cp = Controlplane(tmp_path, dp.config_path)
            in_step(dp, cp, dict(BINDINGS, **{"10.3.0.0/16": WEB}))
            assert dp.info()["bindings_generation"] > applied
        finally:
            cp.stop()


def test_controlplane_first_and_dataplane_restart(tmp_path):
    first = dataplane(tmp_path, "dp1")      # writes the file; not started yet
    cp = Controlplane(tmp_path, first.config_path)
    try:
        assert cp.status()["connected"] == "no"
        with first as dp:
            in_step(dp, cp, BINDINGS)
        wait(lambda: "the dataplane closed the connection" in cp.log(), "the session's end")
        # The dataplane comes back from its cache; the controlplane reconnects.
        with dataplane(tmp_path, "dp2") as dp:
            info = dp.info()
            assert info["cache_state"] == "loaded", info
            st = in_step(dp, cp, BINDINGS)
            assert cp.status()["sessions"] == "2", st
            assert "enforcing from its cache" in cp.log()
    finally:
        cp.stop()
