# SPDX-License-Identifier: BSD-3-Clause
"""sgtgwctl against a fake DPDK telemetry socket.

The fake speaks the v2 protocol the way DPDK 22.11 does (SOCK_SEQPACKET,
a greeting on connect, one {"<command>": value} reply per command, the key
being the command without its parameter) and answers with canned rows shaped
as docs/telemetry.md says. Every table is paged the way the dataplane pages
it: a page holds a varying number of rows (here cut at the sizes a test
gives, irregular by default), the next page starts after its last row, and
an empty page ends the table. A page comes as rows keyed by row number
({"57": row, "58": row, ...}: DPDK 22.11 can nest dicts in a dict only) or
as an array of rows, which sgtgwctl accepts too.
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading

import pytest

SGTGWCTL = os.environ.get("SGTGWCTL")


class FakeTelemetry:
    """One listening socket, served by a thread, one client at a time."""

    def __init__(self, path, tables=None, singles=None, mute=False, shape="array",
                 pages=(50, 7, 33)):
        self.path = path
        self.shape = shape              # "array" or "dict" for table replies
        self.tables = tables or {}      # paged: command -> rows, or start -> value
        self.singles = singles or {}    # unpaged: command -> value
        self.mute = mute                # greet, then never answer
        self.pages = pages              # page sizes in turn, the last repeated
        self.requests = []
        self.stop = threading.Event()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.bind(path)
        self.sock.listen(4)
        self.sock.settimeout(0.1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def page_end(self, start):
        """Where the page that holds row `start` ends: pages are cut at the
        running sums of self.pages."""
        end, i = 0, 0
        while end <= start:
            end += self.pages[min(i, len(self.pages) - 1)]
            i += 1
        return end

    def _reply(self, request):
        cmd, _, param = request.partition(",")
        start = 0
        if cmd in self.tables:
            start = int(param or 0)
            table = self.tables[cmd]
            value = table(start) if callable(table) else table[start:self.page_end(start)]
        else:
            value = self.singles.get(cmd)   # None: DPDK's unknown command
        if self.shape == "dict" and isinstance(value, list):
            value = {str(start + i): row for i, row in enumerate(value)}
        return cmd, value

    def _client(self, conn):
        conn.settimeout(0.1)
        conn.send(json.dumps({"version": "DPDK 22.11.11", "pid": os.getpid(),
                              "max_output_len": 16384}).encode())
        while not self.stop.is_set():
            try:
                data = conn.recv(1024)
            except socket.timeout:
                continue
            if not data:
                return
            request = data.decode()
            self.requests.append(request)
            if self.mute:
                continue
            cmd, value = self._reply(request)
            conn.send(json.dumps({cmd: value}).encode())

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with conn:
                try:
                    self._client(conn)
                except OSError:
                    pass    # the client went away mid-reply: next one

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def sockdir():
    # Short path: sun_path holds 108 bytes, pytest's tmp_path can be longer.
    d = tempfile.mkdtemp(prefix="sgtgwctl-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def fake(sockdir):
    servers = []

    def start(**kw):
        srv = FakeTelemetry(os.path.join(sockdir, "tel.sock"), **kw)
        servers.append(srv)
        return srv
    yield start
    for srv in servers:
        srv.close()


def ctl(*args, check=True):
    assert SGTGWCTL, "SGTGWCTL must name the built sgtgwctl (meson test sets it)"
    res = subprocess.run([SGTGWCTL, *args], capture_output=True, text=True, timeout=30)
    if check:
        assert res.returncode == 0, f"sgtgwctl {args} failed: {res.stderr}"
        assert res.stderr == ""
    return res


def bindings(n):
    rows = []
    for i in range(n):
        rows.append({"prefix": f"10.{i // 250}.{i % 250}.1/32", "sgt": 10 + i % 3,
                     "name": ["Web_Servers", "Employees", ""][i % 3], "source": "CLI"})
    return rows


def requests_for(cmd, *starts):
    return [f"{cmd},{s}" for s in starts]


@pytest.mark.parametrize("shape", ["array", "dict"])
def test_sgt_map_pages_through_120_bindings(fake, shape):
    rows = bindings(120)
    srv = fake(tables={"/sgtgw/sgt_map": rows}, shape=shape)
    out = ctl("--socket", srv.path, "sgt-map").stdout
    # Pages of 50, 7, 33, then 30 rows; the empty page at 120 ends it.
    assert srv.requests == requests_for("/sgtgw/sgt_map", 0, 50, 57, 90, 120)
    lines = out.splitlines()
    assert lines[0] == "Active IPv4-SGT Bindings Information"
    assert lines[2].split() == ["IP", "Address", "SGT", "Name", "Source"]
    table = [line.split() for line in lines[4:4 + 120]]
    assert table[0] == ["10.0.0.1", "10", "Web_Servers", "CLI"]
    assert table[2] == ["10.0.2.1", "12", "-", "CLI"]
    assert table[56:58] == [["10.0.56.1", "12", "-", "CLI"], ["10.0.57.1", "10", "Web_Servers", "CLI"]]
    assert table[118] == ["10.0.118.1", "11", "Employees", "CLI"]
    assert table[119] == ["10.0.119.1", "12", "-", "CLI"]
    assert lines[4 + 120] == ""
    assert lines[-1] == "Total number of active bindings = 120"
    assert lines[-2] == "Total number of CLI    bindings = 120"


@pytest.mark.parametrize("shape", ["array", "dict"])
def test_short_page_is_not_the_end(fake, shape):
    # A one-row page amid full ones: only the empty page ends the table.
    srv = fake(tables={"/sgtgw/sgt_map": bindings(100)}, shape=shape, pages=(50, 1, 3, 50))
    out = ctl("-s", srv.path, "show", "cts", "role-based", "sgt-map", "all").stdout
    assert srv.requests == requests_for("/sgtgw/sgt_map", 0, 50, 51, 54, 100)
    assert out.splitlines()[-1] == "Total number of active bindings = 100"
    assert json.loads(ctl("-s", srv.path, "--json", "sgt-map").stdout) == bindings(100)


def test_one_row_per_page(fake):
    srv = fake(tables={"/sgtgw/sgt_map": bindings(5)}, shape="dict", pages=(1,))
    out = ctl("-s", srv.path, "sgt-map").stdout
    assert srv.requests == requests_for("/sgtgw/sgt_map", 0, 1, 2, 3, 4, 5)
    assert out.splitlines()[-1] == "Total number of active bindings = 5"


def test_empty_table_is_one_request(fake):
    srv = fake(tables={"/sgtgw/sgt_map": []}, shape="dict")
    out = ctl("-s", srv.path, "sgt-map").stdout
    assert srv.requests == ["/sgtgw/sgt_map,0"]
    assert out.splitlines()[-1] == "Total number of active bindings = 0"


@pytest.mark.parametrize("shape", ["array", "dict"])
def test_json_joins_pages_in_order(fake, shape):
    rows = bindings(120)
    srv = fake(tables={"/sgtgw/sgt_map": rows}, shape=shape, pages=(13, 40, 2))
    out = ctl("--socket", srv.path, "--json", "sgt-map").stdout
    assert json.loads(out) == rows
    assert out.startswith("[\n  {\n    \"prefix\": \"10.0.0.1/32\",\n")
    # Stable: the same rows give the same bytes.
    assert ctl("--socket", srv.path, "sgt-map", "--json").stdout == out


COUNTERS = [
    {"src": -1, "dst": -1, "af": "ipv4", "sw_denied": 0, "sw_permitted": 223613,
     "sw_monitor": 0, "denied_bytes": 0, "permitted_bytes": 987654, "monitor_bytes": 0},
    {"src": -1, "dst": -1, "af": "ipv6", "sw_denied": 0, "sw_permitted": 12,
     "sw_monitor": 0, "denied_bytes": 0, "permitted_bytes": 1200, "monitor_bytes": 0},
    {"src": 4, "dst": 10, "af": "ipv4", "sw_denied": 5, "sw_permitted": 4973,
     "sw_monitor": 0, "denied_bytes": 320, "permitted_bytes": 5000, "monitor_bytes": 0},
]


def test_counters_table_and_json_bytes(fake):
    srv = fake(tables={"/sgtgw/counters": COUNTERS})
    out = ctl("-s", srv.path, "show", "cts", "role-based", "counters").stdout
    assert out == (
        "Role-based IP traffic policy counters\n"
        "From  To  SW-Denied  HW-Denied  SW-Permitted  HW-Permitted  SW-Monitor  HW-Monitor\n"
        "*     *   0          0          223613        0             0           0\n"
        "4     10  5          0          4973          0             0           0\n"
        "\n"
        "Role-based IPv6 traffic policy counters\n"
        "From  To  SW-Denied  HW-Denied  SW-Permitted  HW-Permitted  SW-Monitor  HW-Monitor\n"
        "*     *   0          0          12            0             0           0\n")
    assert "987654" not in out
    doc = json.loads(ctl("-s", srv.path, "--json", "counters").stdout)
    assert doc[0]["permitted_bytes"] == 987654


def test_permissions_alias_matches_command(fake):
    rows = [
        {"src": -1, "dst": -1, "src_name": "*", "dst_name": "*", "sgacl_count": 0,
         "catch_all": "permit", "mode": "enforce"},
        {"src": 4, "dst": 10, "src_name": "Employees", "dst_name": "Web_Servers",
         "sgacl_count": 1, "catch_all": "deny", "mode": "monitor", "sgacl_0": "Allow_Web"},
    ]
    srv = fake(tables={"/sgtgw/permissions": rows}, shape="dict")
    out = ctl("-s", srv.path, "permissions").stdout
    assert out == (
        "IPv4 Role-based permissions default:\n"
        "        Permit IP-00\n"
        "IPv4 Role-based permissions from group 4:Employees to group 10:Web_Servers"
        " (monitored):\n"
        "        Allow_Web\n"
        "        Deny IP-00\n")
    assert ctl("-s", srv.path, "show", "cts", "role-based", "permissions").stdout == out


def cell(src, dst, names, **kw):
    row = {"src": src, "dst": dst, "src_name": "", "dst_name": "",
           "sgacl_count": len(names), "catch_all": "none", "mode": "enforce"}
    row.update(kw)
    row.update({f"sgacl_{i}": n for i, n in enumerate(names)})
    return row


def test_permissions_long_names_and_json_list(fake):
    # Eight names of 63 characters, 500 joined: each arrives whole.
    names = [f"S{i}_" + "n" * 60 for i in range(8)]
    rows = [cell(-1, -1, [], catch_all="deny"), cell(4, 10, names)]
    srv = fake(tables={"/sgtgw/permissions": rows}, shape="dict", pages=(1,))
    out = ctl("-s", srv.path, "permissions").stdout
    assert out.splitlines()[3:] == [f"        {n}" for n in names]
    doc = json.loads(ctl("-s", srv.path, "--json", "permissions").stdout)
    assert doc[1] == {"src": 4, "dst": 10, "src_name": "", "dst_name": "", "sgacls": names,
                      "catch_all": "none", "mode": "enforce"}
    assert list(doc[1]) == ["src", "dst", "src_name", "dst_name", "sgacls", "catch_all", "mode"]
    assert doc[0]["sgacls"] == []


def test_permissions_missing_name_is_an_error(fake):
    row = cell(4, 10, ["A", "B", "C"])
    del row["sgacl_1"]
    srv = fake(tables={"/sgtgw/permissions": [cell(-1, -1, []), row]})
    for args in (["permissions"], ["--json", "permissions"]):
        res = ctl("-s", srv.path, *args, check=False)
        assert res.returncode == 1
        assert res.stdout == ""
        assert res.stderr == ("sgtgwctl: unexpected reply from the dataplane: permissions: "
                              "row 1: 'sgacl_1' missing or not a string\n")


def test_rbacl(fake):
    rows = [{"sgacl": "Allow_Web", "seq": 1, "ace": "permit tcp dst eq 443"},
            {"sgacl": "Allow_Web", "seq": 2, "ace": "deny ip"}]
    srv = fake(tables={"/sgtgw/sgacls": rows})
    out = ctl("-s", srv.path, "show", "cts", "rbacl").stdout
    assert out == ("CTS RBACL Policy\n================\n  name   = Allow_Web\n"
                   "  RBACL ACEs:\n    permit tcp dst eq 443\n    deny ip\n")


def port(i, drops=None):
    row = {"port": f"port{i}", "device": f"net_pcap{i}", "peer": f"port{i ^ 1}",
           "trust": "untrusted", "egress_tag": "keep", "default_sgt": 0, "link": "up",
           "rx_packets": 1000 + i, "rx_bytes": 64000, "tx_packets": 990, "tx_bytes": 63360}
    reasons = ["runt", "bad_vlan", "bad_cmd", "bad_ipv4", "bad_ipv6", "bad_l4",
               "non_ip", "policy", "no_peer", "tag_room", "tx_full"]
    drops = drops or {}
    row["drop_total"] = sum(drops.values())
    for r in reasons:
        row[f"drop_{r}"] = drops.get(r, 0)
    return row


@pytest.mark.parametrize("shape", ["array", "dict"])
def test_ports_over_several_pages(fake, shape):
    # 60 ports is about 27 KiB: more than one DPDK reply holds.
    rows = [port(i, {"policy": 7} if i == 3 else None) for i in range(60)]
    assert len(json.dumps({"/sgtgw/ports": rows})) > 16384
    srv = fake(tables={"/sgtgw/ports": rows}, shape=shape, pages=(3, 25, 11))
    lines = ctl("-s", srv.path, "ports").stdout.splitlines()
    assert srv.requests == requests_for("/sgtgw/ports", 0, 3, 28, 39, 50, 60)
    assert lines[0].split() == ["Port", "Device", "Link", "Peer", "RX-Packets", "RX-Bytes",
                                "TX-Packets", "TX-Bytes", "Drops"]
    assert [line.split()[0] for line in lines[1:61]] == [f"port{i}" for i in range(60)]
    assert lines[4].split() == ["port3", "net_pcap3", "up", "port2", "1003", "64000",
                                "990", "63360", "7"]
    assert lines[-3:] == ["Drops by reason", "Port   Reason  Packets", "port3  policy  7"]
    assert json.loads(ctl("-s", srv.path, "ports", "--json").stdout) == rows


def test_reply_over_64k_is_an_error(fake):
    rows = [port(i) for i in range(200)]
    srv = fake(tables={"/sgtgw/ports": rows}, pages=(200,))
    res = ctl("-s", srv.path, "ports", check=False)
    assert res.returncode == 1
    assert "reply larger than 65535 bytes" in res.stderr
    assert res.stdout == ""


def test_info_shows_greeting(fake):
    info = {"version": "0.1.0", "workers": 2, "ports": 2, "policy_generation": 5,
            "bindings_generation": 12, "bindings": 100, "sgts": 4, "sgacls": 3,
            "cells": 5, "monitor_mode": 0, "non_ip": "drop", "uptime_s": 59,
            "acl_log_suppressed": 1234, "acl_log_ring_full": 5}
    srv = fake(singles={"/sgtgw/info": info})
    lines = ctl("-s", srv.path, "info").stdout.splitlines()
    assert lines[0] == f"sgtgw-dataplane 0.1.0 (DPDK 22.11.11, pid {os.getpid()})"
    assert "  Uptime              : 0d 00:00:59" in lines
    assert "  Non-IP frames       : drop" in lines
    assert lines[-2:] == ["  ACL log suppressed  : 1234", "  ACL log ring full   : 5"]
    assert json.loads(ctl("-s", srv.path, "--json", "info").stdout) == info


def test_unknown_to_the_dataplane(fake):
    srv = fake()   # every command answers null, as DPDK does for unknown ones
    res = ctl("-s", srv.path, "info", check=False)
    assert res.returncode == 1
    assert res.stderr == ("sgtgwctl: /sgtgw/info: the dataplane has no such command"
                          " or rejected its parameter\n")


@pytest.mark.parametrize("shape", ["array", "dict"])
def test_dataplane_ignoring_start_is_caught(fake, shape):
    page = bindings(20)
    if shape == "dict":
        page = {str(i): row for i, row in enumerate(page)}   # always rows 0..19
    srv = fake(tables={"/sgtgw/sgt_map": lambda start: page}, shape=shape)
    res = ctl("-s", srv.path, "sgt-map", check=False)
    assert res.returncode == 1
    assert res.stdout == ""
    assert "(dataplane ignores the start row?)" in res.stderr
    assert srv.requests == requests_for("/sgtgw/sgt_map", 0, 20)


@pytest.mark.parametrize("keys,missing", [(["0", "1", "3"], 2), (["1", "2"], 0),
                                          (["0", "1", "2", "4", "5"], 3)])
def test_gap_in_row_numbers_is_an_error(fake, keys, missing):
    # A row left out of a reply (as DPDK does when one does not fit) must
    # not pass unnoticed.
    rows = bindings(6)
    srv = fake(tables={"/sgtgw/sgt_map": lambda start: {k: rows[int(k)] for k in keys}
                       if start == 0 else {}})
    res = ctl("-s", srv.path, "sgt-map", check=False)
    assert res.returncode == 1
    assert res.stdout == ""
    assert res.stderr == f"sgtgwctl: /sgtgw/sgt_map,0: row {missing} missing from the reply\n"


def test_malformed_rows_print_nothing(fake):
    rows = bindings(3)
    del rows[2]["sgt"]
    srv = fake(tables={"/sgtgw/sgt_map": rows})
    res = ctl("-s", srv.path, "sgt-map", check=False)
    assert res.returncode == 1
    assert res.stdout == ""
    assert res.stderr == ("sgtgwctl: unexpected reply from the dataplane: "
                          "sgt_map: row 2: 'sgt' missing or not an integer\n")


def test_silent_dataplane_times_out(fake):
    srv = fake(mute=True)
    res = ctl("-s", srv.path, "info", check=False)
    assert res.returncode == 1
    assert res.stderr == "sgtgwctl: /sgtgw/info: no reply within 5000 ms\n"


def test_missing_socket_names_path_and_prefix(sockdir):
    path = os.path.join(sockdir, "none.sock")
    res = ctl("--socket", path, "info", check=False)
    assert res.returncode == 1
    assert res.stderr == (f"sgtgwctl: cannot reach sgtgw-dataplane telemetry at {path}: "
                          "No such file or directory (is it running?)\n")
    prefix = "sgtgw-test-absent-" + os.path.basename(sockdir)
    res = ctl("--file-prefix", prefix, "counters", check=False)
    assert res.returncode == 1
    assert f"/dpdk/{prefix}/dpdk_telemetry.v2: No such file or directory" in res.stderr
    assert res.stderr.endswith(f"(is it running with --file-prefix {prefix}?)\n")


def test_usage_errors():
    res = ctl("show", "cts", "nonsense", check=False)
    assert res.returncode == 1
    assert res.stderr == ("sgtgwctl: unknown command 'show cts nonsense'; "
                          "see sgtgwctl --help\n")
    res = ctl(check=False)
    assert res.returncode == 1 and res.stderr.startswith("Usage: sgtgwctl")
    out = ctl("--help").stdout
    for word in ["sgt-map", "permissions", "rbacl", "counters", "ports", "info",
                 "--file-prefix", "--socket", "--json", "HW-*"]:
        assert word in out


def test_rows_follow_their_numbers(fake):
    # Numeric order, not the order of the text (and not "10" < "9").
    order = [10, 9, 1, 0, 2, 3, 4, 5, 6, 7, 8]
    srv = fake(tables={"/sgtgw/ports": lambda start: {str(i): port(i) for i in order}
                       if start == 0 else {}})
    lines = ctl("-s", srv.path, "ports").stdout.splitlines()
    assert [line.split()[0] for line in lines[1:12]] == [f"port{i}" for i in range(11)]
    assert srv.requests == requests_for("/sgtgw/ports", 0, 11)


@pytest.mark.parametrize("rows", [{"0": port(0), "1": 5}, {"0": port(0), "x": port(1)}])
def test_table_member_that_is_not_a_row(fake, rows):
    srv = fake(tables={"/sgtgw/ports": lambda start: rows})
    res = ctl("-s", srv.path, "ports", check=False)
    assert res.returncode == 1
    bad = [k for k in rows if k != "0"][0]
    assert res.stderr == f"sgtgwctl: /sgtgw/ports,0: member '{bad}' is not a numbered row\n"
