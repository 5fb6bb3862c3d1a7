# SPDX-License-Identifier: BSD-3-Clause
"""The telemetry tables are complete and agree with the configuration:
paged tables across page boundaries (0, 50, 100), rows in order, and no row
or field silently lost when names are long (DPDK 22.11 replies are at most
16 KiB and strings at most 127 characters)."""
import ipaddress

from sgtgw_lib import PAGE, Dataplane, Port


def big_config(n_cells=70, long_names=True):
    pad = (lambda s: s + "_" + "x" * (60 - len(s))) if long_names else (lambda s: s)
    sgts = [{"value": 100 + i, "name": pad(f"G{i:03d}")} for i in range(n_cells)]
    sgacls = [{"name": pad(f"S{i}"), "aces": [f"permit tcp dst eq {i + 1}", "deny udp log"]}
              for i in range(3)]
    cells = [{"src": sgts[i]["name"], "dst": sgts[(i + 1) % n_cells]["name"],
              "sgacls": [s["name"] for s in sgacls] if i % 5 else [sgacls[0]["name"]],
              "catch_all": ["deny", "permit", "none"][i % 3],
              "mode": ["enforce", "monitor", "disabled", "enforce"][i % 4]}
             for i in range(n_cells)]
    bindings = [{"prefix": f"10.{i // 200}.{i % 200}.0/24", "sgt": sgts[i % n_cells]["name"]}
                for i in range(110)]
    bindings += [{"prefix": f"2001:db8:{i:x}::/48", "sgt": str(100 + i)} for i in range(15)]
    return {"sgts": sgts, "sgacls": sgacls,
            "policy": {"default": {"sgacls": [sgacls[2]["name"]], "catch_all": "permit"},
                       "cells": cells},
            "bindings": bindings}


def check_tables(dp, cfg):
    tel = dp.tel
    names = {s["value"]: s["name"] for s in cfg["sgts"]}
    by_name = {s["name"]: s["value"] for s in cfg["sgts"]}

    # sgt_map: every binding, in order, across three pages
    rows = tel.paged("/sgtgw/sgt_map")
    assert len(rows) == len(cfg["bindings"])
    for row, b in zip(rows, cfg["bindings"]):
        assert ipaddress.ip_network(row["prefix"]) == ipaddress.ip_network(b["prefix"])
        sgt = int(b["sgt"]) if b["sgt"].isdigit() else by_name[b["sgt"]]
        assert (row["sgt"], row["name"], row["source"]) == (sgt, names.get(sgt, ""), "CLI")

    # permissions: the default first, then every cell with every SGACL name
    rows = tel.paged("/sgtgw/permissions")
    assert len(rows) == len(cfg["policy"]["cells"]) + 1
    assert rows[0]["src"] == rows[0]["dst"] == -1
    assert rows[0]["sgacls"] == ";".join(cfg["policy"]["default"]["sgacls"])
    for row, c in zip(rows[1:], cfg["policy"]["cells"]):
        assert (row["src_name"], row["dst_name"]) == (c["src"], c["dst"])
        assert (row["src"], row["dst"]) == (by_name[c["src"]], by_name[c["dst"]])
        assert row["sgacls"] == ";".join(c["sgacls"]), "SGACL names cut short"
        assert (row["catch_all"], row["mode"]) == (c["catch_all"], c["mode"])

    # sgacls: one row per ACE
    rows = tel.paged("/sgtgw/sgacls")
    want = [(s["name"], i + 1, a) for s in cfg["sgacls"] for i, a in enumerate(s["aces"])]
    assert [(r["sgacl"], r["seq"], r["ace"]) for r in rows] == want

    # counters: two rows (ipv4, ipv6) per enforcing cell, the default first
    rows = tel.paged("/sgtgw/counters")
    enabled = [(by_name[c["src"]], by_name[c["dst"]]) for c in cfg["policy"]["cells"]
               if c["mode"] != "disabled"]
    assert [(r["src"], r["dst"], r["af"]) for r in rows] == \
        [(s, d, af) for s, d in [(-1, -1)] + enabled for af in ("ipv4", "ipv6")]

    # sgts: all of them
    rows = tel.table("/sgtgw/sgts")
    assert [(r["sgt"], r["name"]) for r in rows] == [(s["value"], s["name"])
                                                     for s in cfg["sgts"]]
    info = dp.info()
    assert info["sgts"] == len(cfg["sgts"])
    assert info["bindings"] == len(cfg["bindings"])
    assert info["sgacls"] == len(cfg["sgacls"])
    assert info["cells"] == len(enabled) + 1


def test_tables_short_names(tmp_path):
    cfg = big_config(long_names=False)
    with Dataplane(tmp_path, "tables_short", [Port("a"), Port("b")], cfg) as dp:
        check_tables(dp, cfg)


def test_tables_long_names(tmp_path):
    """Names of 61 characters, cells with three SGACLs: every page but the
    last still holds PAGE rows (a short page ends a client's paging), and
    every row arrives."""
    cfg = big_config(long_names=True)
    with Dataplane(tmp_path, "tables_long", [Port("a"), Port("b")], cfg) as dp:
        for cmd, total in (("/sgtgw/permissions", len(cfg["policy"]["cells"]) + 1),
                           ("/sgtgw/sgt_map", len(cfg["bindings"]))):
            first = dp.tel.table(cmd + ",0")
            assert len(first) == min(PAGE, total), \
                f"{cmd},0 has {len(first)} rows of {total}: the 16 KiB reply overflowed"
            assert len(dp.tel.paged(cmd)) == total


def test_sgacl_names_of_a_cell_whole(tmp_path):
    """A cell's SGACL names, joined, longer than a DPDK telemetry string
    (127 characters): the permissions row must not cut them."""
    cfg = big_config(n_cells=6, long_names=True)
    with Dataplane(tmp_path, "tables_names", [Port("a"), Port("b")], cfg) as dp:
        check_tables(dp, cfg)


def test_page_beyond_the_end_is_empty(tmp_path):
    cfg = big_config(n_cells=3, long_names=False)
    with Dataplane(tmp_path, "tables_end", [Port("a"), Port("b")], cfg) as dp:
        assert dp.tel.table("/sgtgw/permissions,1000") == []
        assert dp.tel.table("/sgtgw/sgt_map,125") == []
        assert len(dp.tel.table("/sgtgw/sgt_map,124")) == 1
        assert dp.tel.cmd("/sgtgw/sgt_map,abc") is None   # refused parameter


def test_ports_table_with_32_ports(tmp_path):
    """/sgtgw/ports is one unpaged reply: with the most ports a
    configuration may have (32) every port still has its row."""
    ports = [Port(f"port{i:02d}") for i in range(32)]
    pairs = [[f"port{i:02d}", f"port{i + 1:02d}"] for i in range(0, 32, 2)]
    with Dataplane(tmp_path, "ports32", ports, {"port_pairs": pairs}) as dp:
        rows = dp.tel.table("/sgtgw/ports")
        assert [r["port"] for r in rows] == [p.name for p in ports]
        assert dp.info()["ports"] == 32
