# SPDX-License-Identifier: BSD-3-Clause
"""sgtgwctl against a real sgtgw-dataplane (after test_enforce's traffic):
every view and its --json form agree with the dataplane's telemetry and
with what the configuration and the traffic should give."""
import ipaddress
import json
import subprocess

import pytest

from sgtgw_lib import SGTGWCTL, Dataplane, Port, telemetry_path
from test_enforce import (A_FRAMES, B_FRAMES, BINDINGS, CELLS, SGACLS, SGTS, config,
                          expected)

NAMES = {s["value"]: s["name"] for s in SGTS}
BY_NAME = {s["name"]: s["value"] for s in SGTS}


def sgt_of(text):
    return int(text) if text.isdigit() else BY_NAME[text]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    assert SGTGWCTL, "SGTGWCTL must name the built sgtgwctl"
    cfg = config("permit")
    # One monitored cell, for the views.
    cfg["policy"]["cells"] = [dict(c, mode="monitor") if (c["src"], c["dst"]) ==
                              ("Lab", "Printers") else c for c in CELLS]
    ports = [Port("a", [bytes(c[1]) for c in A_FRAMES], default_sgt="PortDefault"),
             Port("b", [bytes(c[1]) for c in B_FRAMES])]
    dp = Dataplane(tmp_path_factory.mktemp("ctl"), "ctl_live", ports, cfg)
    with dp:
        dp.wait_done()
        yield dp, cfg


def ctl(dp, *args, check=True):
    res = subprocess.run([SGTGWCTL, "-p", dp.prefix, *args], capture_output=True,
                         text=True, timeout=30)
    if check:
        assert res.returncode == 0, f"sgtgwctl {args}: {res.stderr}"
        assert res.stderr == ""
    return res


def ctl_json(dp, cmd):
    return json.loads(ctl(dp, "--json", cmd).stdout)


def test_sgt_map(live):
    dp, cfg = live
    out = ctl(dp, "sgt-map").stdout
    lines = out.splitlines()
    assert lines[0] == "Active IPv4-SGT Bindings Information"
    v6_at = lines.index("Active IPv6-SGT Bindings Information")
    rows = {}
    for i, line in enumerate(lines):
        f = line.split()
        if len(f) == 4 and f[3] == "CLI":
            net = ipaddress.ip_network(f[0])
            assert (net.version == 6) == (i > v6_at), line
            rows[net] = (int(f[1]), f[2])
    want = {}
    for b in BINDINGS:
        sgt = sgt_of(b["sgt"])
        want[ipaddress.ip_network(b["prefix"])] = (sgt, NAMES.get(sgt, "-"))
    assert rows == want
    # Hosts print without their length, as IOS does.
    assert any(line.split()[:1] == ["10.1.5.66"] for line in lines)
    assert lines[-1] == f"Total number of active bindings = {len(BINDINGS)}"
    assert lines[-2].split() == ["Total", "number", "of", "CLI", "bindings", "=",
                                 str(len(BINDINGS))]
    assert ctl_json(dp, "sgt-map") == dp.tel.paged("/sgtgw/sgt_map")


def permission_blocks(text):
    blocks, cur = [], None
    for line in text.splitlines():
        if line.startswith("IPv4 Role-based permissions"):
            cur = [line, []]
            blocks.append(cur)
        elif line.startswith("        ") and cur is not None:
            cur[1].append(line.strip())
        elif line.strip():
            raise AssertionError(f"unexpected line {line!r}")
    return blocks


def json_form(row):
    """A /sgtgw/permissions row as sgtgwctl --json shows it."""
    out = {}
    for k, v in row.items():
        if k == "sgacl_count":
            out["sgacls"] = [row[f"sgacl_{i}"] for i in range(v)]
        elif not (k.startswith("sgacl_") and k[6:].isdigit()):
            out[k] = v
    return out


def test_permissions(live):
    dp, cfg = live
    blocks = permission_blocks(ctl(dp, "permissions").stdout)
    catch = {"permit": ["Permit IP-00"], "deny": ["Deny IP-00"], "none": []}
    default = cfg["policy"]["default"]
    want = [["IPv4 Role-based permissions default:",
             default["sgacls"] + catch[default["catch_all"]]]]
    for c in cfg["policy"]["cells"]:
        s, d = sgt_of(c["src"]), sgt_of(c["dst"])
        mark = {"monitor": " (monitored)", "disabled": " (disabled)"}.get(c.get("mode"), "")
        sn, dn = NAMES.get(s, ""), NAMES.get(d, "")
        head = (f"IPv4 Role-based permissions from group {s}{':' + sn if sn else ''} "
                f"to group {d}{':' + dn if dn else ''}{mark}:")
        want.append([head, c.get("sgacls", []) + catch[c.get("catch_all", "none")]])
    assert blocks == want
    # --json: the sgacl_N members as one "sgacls" list where sgacl_count is.
    got = ctl_json(dp, "permissions")
    tel = dp.tel.paged("/sgtgw/permissions")
    assert got == [json_form(r) for r in tel]
    assert [list(r) for r in got] == [list(json_form(r)) for r in tel]
    assert got[0]["sgacls"] == default["sgacls"]
    assert [r["sgacls"] for r in got[1:]] == [c.get("sgacls", []) for c in cfg["policy"]["cells"]]


def test_rbacl(live):
    dp, cfg = live
    acls, cur = {}, None
    for line in ctl(dp, "rbacl").stdout.splitlines():
        if line.strip().startswith("name"):
            cur = line.split("=", 1)[1].strip()
            acls[cur] = []
        elif line.startswith("    ") and cur is not None:
            acls[cur].append(line.strip())
    tel = dp.tel.paged("/sgtgw/sgacls")
    want = {}
    for r in tel:
        want.setdefault(r["sgacl"], []).append(r["ace"])
    assert acls == want
    assert list(acls) == [s["name"] for s in SGACLS]
    # Canonical text: protocol numbers with a name are printed by name.
    assert acls["Web_In"][-1] == "permit gre" and acls["Db_Guard"][4] == "deny esp"
    assert ctl_json(dp, "rbacl") == tel


def counter_tables(text):
    tables, cur = [], None
    for line in text.splitlines():
        f = line.split()
        if f[:3] == ["From", "To", "SW-Denied"]:
            cur = []
            tables.append(cur)
        elif cur is not None and len(f) == 8:
            cur.append(f)
        elif not f:
            cur = None
    return tables


def test_counters(live):
    dp, cfg = live
    text = ctl(dp, "counters").stdout
    assert "IPv6" in text
    v4, v6 = counter_tables(text)
    tel = dp.tel.paged("/sgtgw/counters")
    for af, table in (("ipv4", v4), ("ipv6", v6)):
        rows = [r for r in tel if r["af"] == af]
        assert len(table) == len(rows)
        for f, r in zip(table, rows):
            frm = "*" if r["src"] == -1 else str(r["src"])
            to = "*" if r["dst"] == -1 else str(r["dst"])
            assert f == [frm, to, str(r["sw_denied"]), "0", str(r["sw_permitted"]), "0",
                         str(r["sw_monitor"]), "0"]
    # The traffic's own totals
    exp = expected(A_FRAMES, "permit") + expected(B_FRAMES, "permit")
    # Forwarded = permitted + monitored (Lab -> Printers is monitored here).
    assert sum(int(f[4]) + int(f[6]) for f in v4 + v6) == \
        sum(1 for e in exp if e[1]) + 1
    assert sum(int(f[2]) + int(f[4]) + int(f[6]) for f in v4 + v6) == len(exp)
    lab_prn = [f for f in v4 if f[:2] == ["70", "60"]][0]
    assert (lab_prn[2], lab_prn[6]) == ("0", "1")      # monitored: no denial
    assert ctl_json(dp, "counters") == tel


def test_ports(live):
    dp, cfg = live
    text = ctl(dp, "ports").stdout
    lines = text.splitlines()
    assert lines[0].split() == ["Port", "Device", "Link", "Peer", "RX-Packets", "RX-Bytes",
                                "TX-Packets", "TX-Bytes", "Drops"]
    rows = dp.port_rows()
    end = lines.index("Drops by reason")
    table = {f[0]: f for f in (line.split() for line in lines[1:end]) if f}
    assert set(table) == {"a", "b"}
    for name, f in table.items():
        r = rows[name]
        assert f[2:] == [r["link"], r["peer"], str(r["rx_packets"]), str(r["rx_bytes"]),
                         str(r["tx_packets"]), str(r["tx_bytes"]), str(r["drop_total"])]
        assert r["device"].startswith(f"net_pcap{'ab'.index(name)},rx_pcap=")
    reasons = lines[end:]
    want = [[n, k[5:], str(v)] for n, r in rows.items() for k, v in r.items()
            if k.startswith("drop_") and k != "drop_total" and v]
    assert [line.split() for line in reasons[2:] if line.strip()] == want
    assert ctl_json(dp, "ports") == dp.tel.paged("/sgtgw/ports")


def test_info(live):
    dp, cfg = live
    info = dp.info()
    j = ctl_json(dp, "info")
    assert {k: v for k, v in j.items() if k != "uptime_s"} == \
        {k: v for k, v in info.items() if k != "uptime_s"}
    assert (j["acl_log_suppressed"], j["acl_log_ring_full"]) == (0, 0)
    assert (j["ports"], j["bindings"], j["sgts"], j["sgacls"]) == \
        (2, len(BINDINGS), len(SGTS), len(SGACLS))
    text = ctl(dp, "info").stdout
    assert text.startswith(f"sgtgw-dataplane {info['version']} (DPDK ")
    assert f"pid {dp.proc.pid})" in text.splitlines()[0]
    assert "  ACL log suppressed  : 0" in text.splitlines()


@pytest.mark.parametrize("short,alias", [
    ("sgt-map", "show cts role-based sgt-map all"),
    ("permissions", "show cts role-based permissions"),
    ("rbacl", "show cts rbacl"),
    ("counters", "show cts role-based counters"),
])
def test_ios_aliases(live, short, alias):
    dp, _ = live
    assert ctl(dp, *alias.split()).stdout == ctl(dp, short).stdout


def test_socket_option_and_wrong_prefix(live):
    dp, _ = live
    res = subprocess.run([SGTGWCTL, "-s", telemetry_path(dp.prefix), "--json", "ports"],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0 and json.loads(res.stdout) == dp.tel.paged("/sgtgw/ports")
    res = subprocess.run([SGTGWCTL, "-p", dp.prefix + "_nope", "ports"],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 1
    assert dp.prefix + "_nope" in res.stderr and res.stdout == ""
