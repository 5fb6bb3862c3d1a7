# SPDX-License-Identifier: BSD-3-Clause
"""The limits: section (docs/configuration.md): each table's limit and
fill in /sgtgw/info and `sgtgwctl info`; a managed dataplane refusing the
binding past its limit with a log line naming the limit and the key to
raise; a cache holding more than the limit raising it, with a warning,
rather than keeping the gateway down."""
import subprocess
import time
from pathlib import Path

from sgtgw_lib import SGTGWCTL, Dataplane, Port
from test_managed_dp import (FakeCp, POLICY_1, WAIT, cache_path, cp_section, sock_path,
                             write_policy)

KEYS = ["ipv4_hosts", "ipv4_prefixes", "ipv6_hosts", "ipv6_prefixes"]
HOSTS = [(f"10.0.0.{i}", 10, "sxp") for i in range(1, 6)]


def ports():
    return [Port("inside"), Port("outside")]


def limits(info):
    return {k: (info[k], info[k + "_limit"]) for k in KEYS}


def ctl_info(dp):
    assert SGTGWCTL, "SGTGWCTL must name the built sgtgwctl"
    res = subprocess.run([SGTGWCTL, "-p", dp.prefix, "info"], capture_output=True,
                         text=True, timeout=30, check=True)
    return res.stdout.splitlines()


def resync(tmp_path, cp, bindings):
    """A full resync of bindings and a policy; returns after both acks."""
    cp.resync(bindings, write_policy(tmp_path, "p1", POLICY_1))
    b0, p0 = int(cp.welcome_field("bindings")), int(cp.welcome_field("policy"))
    cp.wait_acks(bindings_gen=b0 + len(bindings) + 2, policy_gen=p0 + 1)


def test_standalone_limits_shown(tmp_path):
    cfg = {"limits": {"ipv4_hosts": 4, "ipv6_hosts": 200000},
           "bindings": [{"prefix": "10.0.0.1", "sgt": 10},
                        {"prefix": "10.0.0.2", "sgt": 10},
                        {"prefix": "10.1.0.0/16", "sgt": 10}]}
    with Dataplane(tmp_path, "shown", ports(), cfg) as dp:
        # Written: exact; not written: the automatic sizes.
        assert limits(dp.info()) == {"ipv4_hosts": (2, 4), "ipv4_prefixes": (1, 16384),
                                     "ipv6_hosts": (0, 200000), "ipv6_prefixes": (0, 4096)}
        lines = ctl_info(dp)
        assert "  IPv4 hosts          : 2 of 4" in lines, lines
        assert "  IPv4 prefixes       : 1 of 16384" in lines, lines
        assert "  IPv6 hosts          : 0 of 200000" in lines, lines
        assert "  IPv6 prefixes       : 0 of 4096" in lines, lines
        # Both hosts share 10.0.0.0/24: one group, in the first 2 MiB chunk
        # of groups (4,096 groups: 2 MiB of entries and the writer's notes).
        info = dp.info()
        assert info["ipv4_groups"] == 1, info
        assert info["ipv4_group_bytes"] > 2 << 20, info
        assert any(l.startswith("  IPv4 /24 groups     : 1 (") for l in lines), lines


def test_automatic_ipv4_hosts(tmp_path):
    with Dataplane(tmp_path, "auto", ports(), {}) as dp:
        assert limits(dp.info())["ipv4_hosts"] == (0, 1048576)


def test_managed_refuses_past_the_limit(tmp_path):
    cfg = {"controlplane": cp_section(tmp_path), "limits": {"ipv4_hosts": 4}}
    with Dataplane(tmp_path, "full", ports(), cfg) as dp:
        cp = FakeCp(sock_path(dp))
        try:
            resync(tmp_path, cp, HOSTS)
            info = dp.info()
            assert limits(info)["ipv4_hosts"] == (4, 4), info
            assert (info["bindings"], info["updates_refused"]) == (4, 1), info
            assert "  IPv4 hosts          : 4 of 4" in ctl_info(dp)
        finally:
            cp.close()
    assert ("binding 10.0.0.5/32 -> SGT 10 (generation 6) cannot be applied: the "
            "table of IPv4 hosts is full (limit 4): raise limits.ipv4_hosts") in dp.log()


def test_cache_above_the_limit_raises_it(tmp_path):
    cfg = {"controlplane": cp_section(tmp_path)}
    with Dataplane(tmp_path, "before", ports(), cfg) as dp:
        cp = FakeCp(sock_path(dp))
        try:
            resync(tmp_path, cp, HOSTS)
            deadline = time.monotonic() + WAIT
            while not cache_path(dp).exists():
                assert time.monotonic() < deadline, "no cache written"
                time.sleep(0.05)
        finally:
            cp.close()

    # The operator lowered the limit below what the cache holds: the
    # dataplane starts with every cached binding, and says so.
    cfg["limits"] = {"ipv4_hosts": 4}
    with Dataplane(Path(tmp_path), "after", ports(), cfg) as dp:
        info = dp.info()
        assert info["cache_state"] == "loaded", info
        assert limits(info)["ipv4_hosts"] == (5, 5), info
    assert ("limits.ipv4_hosts is 4 but the cache holds 5 IPv4 hosts: starting "
            "with room for 5 so that none is lost; set limits.ipv4_hosts to 5 or "
            "more") in dp.log()
