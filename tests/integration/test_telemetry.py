# SPDX-License-Identifier: BSD-3-Clause
"""The telemetry tables are complete and agree with the configuration:
every table paged by size (docs/telemetry.md), rows in order across pages,
and no row or field silently lost when names are long (DPDK 22.11 replies
are at most 16 KiB and strings at most 127 characters)."""
import ipaddress

from sgtgw_lib import PAGE_BYTES, REPLY_MAX, Dataplane, Port

TABLES = ["/sgtgw/sgt_map", "/sgtgw/permissions", "/sgtgw/sgacls", "/sgtgw/counters",
          "/sgtgw/sgts", "/sgtgw/ports"]


def sgacl_names(row):
    """A permissions row's SGACL names, sgacl_0 .. sgacl_<sgacl_count - 1>;
    no other sgacl_N member."""
    names = [row[f"sgacl_{i}"] for i in range(row["sgacl_count"]) if f"sgacl_{i}" in row]
    extra = [k for k in row if k.startswith("sgacl_") and k[6:].isdigit()
             and int(k[6:]) >= row["sgacl_count"]]
    assert not extra, f"names beyond sgacl_count: {extra}"
    return names


def paged_checked(tel, cmd):
    """Every row of CMD, each page's reply checked against the page budget:
    the dataplane's bound of a page is an upper bound of its real size."""
    pages = []
    rows = tel.paged(cmd, pages)
    for start, n, size in pages:
        assert size <= len(cmd) + 4 + PAGE_BYTES + 1 < REPLY_MAX, \
            f"{cmd},{start}: {n} rows in {size} bytes"
    assert pages[-1][1] == 0
    return rows, pages


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

    # sgt_map: every binding, in order, across pages
    rows, _ = paged_checked(tel, "/sgtgw/sgt_map")
    assert len(rows) == len(cfg["bindings"])
    for row, b in zip(rows, cfg["bindings"]):
        assert ipaddress.ip_network(row["prefix"]) == ipaddress.ip_network(b["prefix"])
        sgt = int(b["sgt"]) if b["sgt"].isdigit() else by_name[b["sgt"]]
        assert (row["sgt"], row["name"], row["source"]) == (sgt, names.get(sgt, ""), "CLI")

    # permissions: the default first, then every cell with every SGACL name
    rows, _ = paged_checked(tel, "/sgtgw/permissions")
    assert len(rows) == len(cfg["policy"]["cells"]) + 1
    assert rows[0]["src"] == rows[0]["dst"] == -1
    assert sgacl_names(rows[0]) == cfg["policy"]["default"]["sgacls"]
    for row, c in zip(rows[1:], cfg["policy"]["cells"]):
        assert (row["src_name"], row["dst_name"]) == (c["src"], c["dst"])
        assert (row["src"], row["dst"]) == (by_name[c["src"]], by_name[c["dst"]])
        assert row["sgacl_count"] == len(c["sgacls"])
        assert sgacl_names(row) == c["sgacls"], "SGACL names cut short"
        assert (row["catch_all"], row["mode"]) == (c["catch_all"], c["mode"])

    # sgacls: one row per ACE
    rows, _ = paged_checked(tel, "/sgtgw/sgacls")
    want = [(s["name"], i + 1, a) for s in cfg["sgacls"] for i, a in enumerate(s["aces"])]
    assert [(r["sgacl"], r["seq"], r["ace"]) for r in rows] == want

    # counters: two rows (ipv4, ipv6) per enforcing cell, the default first
    rows, _ = paged_checked(tel, "/sgtgw/counters")
    enabled = [(by_name[c["src"]], by_name[c["dst"]]) for c in cfg["policy"]["cells"]
               if c["mode"] != "disabled"]
    assert [(r["src"], r["dst"], r["af"]) for r in rows] == \
        [(s, d, af) for s, d in [(-1, -1)] + enabled for af in ("ipv4", "ipv6")]

    # sgts: all of them
    rows, _ = paged_checked(tel, "/sgtgw/sgts")
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
    """Names of 61 characters, cells with three SGACLs: the tables take
    several pages of irregular length, each within the page budget, and
    every row arrives (a page shorter than another is not the end)."""
    cfg = big_config(long_names=True)
    with Dataplane(tmp_path, "tables_long", [Port("a"), Port("b")], cfg) as dp:
        for cmd, total in (("/sgtgw/permissions", len(cfg["policy"]["cells"]) + 1),
                           ("/sgtgw/sgt_map", len(cfg["bindings"]))):
            rows, pages = paged_checked(dp.tel, cmd)
            assert len(rows) == total
            assert len(pages) >= 3, f"{cmd}: {pages}"
            # Pages are filled: all but the last two (the last rows, the
            # empty end) hold more than half the budget.
            for start, n, size in pages[:-2]:
                assert size > PAGE_BYTES // 2, f"{cmd},{start}: {n} rows, {size} bytes"
        check_tables(dp, cfg)


def test_sgacl_names_of_a_cell_whole(tmp_path):
    """A cell's SGACL names, joined, longer than a DPDK telemetry string
    (127 characters): the permissions row must not cut them."""
    cfg = big_config(n_cells=6, long_names=True)
    with Dataplane(tmp_path, "tables_names", [Port("a"), Port("b")], cfg) as dp:
        check_tables(dp, cfg)


def test_cell_with_more_names_than_a_row_holds(tmp_path):
    """200 SGACLs of 63 characters in one cell outgrow a page: the row
    keeps its first names and the real count, and still fits its page."""
    cfg = big_config(n_cells=2, long_names=True)
    many = [{"name": f"A{i:03d}_" + "y" * 58, "aces": ["permit ip"]} for i in range(200)]
    cfg["sgacls"] += many
    cfg["policy"]["cells"][1]["sgacls"] = [s["name"] for s in many]
    with Dataplane(tmp_path, "tables_many", [Port("a"), Port("b")], cfg) as dp:
        rows, pages = paged_checked(dp.tel, "/sgtgw/permissions")
        assert len(rows) == 3
        row = rows[2]
        names = sgacl_names(row)
        assert row["sgacl_count"] == 200
        assert 100 < len(names) < 200
        assert names == [s["name"] for s in many][:len(names)]
        assert row["mode"] == cfg["policy"]["cells"][1]["mode"]


def test_sgts_beyond_256(tmp_path):
    """/sgtgw/sgts has every SGT name, not only the first 256."""
    cfg = big_config(n_cells=3, long_names=True)
    cfg["sgts"] += [{"value": 1000 + i, "name": f"T{i:03d}_" + "z" * 58} for i in range(300)]
    with Dataplane(tmp_path, "tables_sgts", [Port("a"), Port("b")], cfg) as dp:
        rows, pages = paged_checked(dp.tel, "/sgtgw/sgts")
        assert [(r["sgt"], r["name"]) for r in rows] == \
            [(s["value"], s["name"]) for s in cfg["sgts"]]
        assert len(pages) >= 3


def test_page_beyond_the_end_is_empty(tmp_path):
    cfg = big_config(n_cells=3, long_names=False)
    with Dataplane(tmp_path, "tables_end", [Port("a"), Port("b")], cfg) as dp:
        assert dp.tel.table("/sgtgw/permissions,1000") == []
        assert dp.tel.table("/sgtgw/sgt_map,125") == []
        assert len(dp.tel.table("/sgtgw/sgt_map,124")) == 1
        for cmd in TABLES:
            assert dp.tel.table(cmd + ",4294967295") == []
            assert dp.tel.cmd(cmd + ",abc") is None   # refused parameter
            assert dp.tel.cmd(cmd + ",4294967296") is None
            assert dp.tel.table(cmd) == dp.tel.table(cmd + ",0")   # no parameter: 0


def test_ports_table_with_32_ports(tmp_path):
    """With the most ports a configuration may have (32) and device
    strings longer than DPDK keeps, every port has its row, over several
    pages, and a long device string ends in "..." instead of being cut
    without a sign."""
    ports = [Port(f"port{i:02d}") for i in range(32)]
    pairs = [[f"port{i:02d}", f"port{i + 1:02d}"] for i in range(0, 32, 2)]
    with Dataplane(tmp_path, "ports32", ports, {"port_pairs": pairs}) as dp:
        rows, pages = paged_checked(dp.tel, "/sgtgw/ports")
        assert [r["port"] for r in rows] == [p.name for p in ports]
        assert len(pages) >= 3
        assert dp.info()["ports"] == 32
        for i, (p, r) in enumerate(zip(ports, rows)):
            device = dp.device(i, p)
            if len(device) <= 127:
                assert r["device"] == device
            else:
                assert r["device"] == device[:124] + "..."
        assert any(len(dp.device(i, p)) > 127 for i, p in enumerate(ports)), \
            "no device string long enough to test the cut"
