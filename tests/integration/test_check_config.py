# SPDX-License-Identifier: BSD-3-Clause
"""sgtgw-dataplane's command line without traffic: --check-config on the
example and on broken files (exit status, FILE:LINE: key '...': message),
--help, --version, a missing --config, and start-up refusing a bad or
unusable configuration with a non-zero exit before any port is attached."""
import os
import shutil
import subprocess

import pytest

from sgtgw_lib import DATAPLANE, REPO, Dataplane, DataplaneError, Port, telemetry_path

EXAMPLE = REPO / "config" / "sgtgw.example.yaml"
BAD = REPO / "config" / "bad"


def run(*args, cwd=None, timeout=30):
    assert DATAPLANE, "SGTGW_DATAPLANE must name the built sgtgw-dataplane"
    return subprocess.run([DATAPLANE, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, stdin=subprocess.DEVNULL)


def test_check_config_example_ok():
    res = run("--check-config", str(EXAMPLE))
    assert res.returncode == 0, res.stderr
    assert "OK" in res.stdout
    assert str(EXAMPLE) in res.stdout
    assert res.stderr == ""


def line_of(path, needle):
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


# (file, text on the offending line, key named in the message, words of the message)
BAD_CASES = [
    ("unknown_top_key.yaml", "port:", "port", "unknown key"),
    ("ace_bad.yaml", "70000", "sgacls[0].aces[1]", "out of range"),
    ("workers_zero.yaml", "workers: 0", "dataplane.workers", "out of range"),
    ("cell_unknown_sgt.yaml", "Employes", "policy.cells[1].src", "unknown SGT"),
    ("duplicate_key.yaml", "workers: 4", "dataplane.workers", "given twice"),
    ("egress_tag_enum.yaml", "egress_tag: remove", "ports[0].egress_tag", "remove"),
    ("prefix_host_bits.yaml", "10.1.1.5/24", "bindings[0].prefix", "host bits"),
    ("limits_range.yaml", "ipv4_hosts: 16777217", "limits.ipv4_hosts", "out of range"),
    ("limits_below_bindings.yaml", "ipv4_hosts: 2", "limits.ipv4_hosts", "fewer than"),
]


@pytest.mark.parametrize("name,needle,key,words", BAD_CASES)
def test_check_config_bad(name, needle, key, words):
    path = BAD / name
    if not path.exists():
        pytest.skip(f"{path} not in this tree")
    res = run("--check-config", str(path))
    assert res.returncode == 1
    assert res.stdout == ""
    msg = res.stderr.strip()
    assert msg.startswith(f"{path}:{line_of(path, needle)}: "), msg
    assert f"key '{key}'" in msg, msg
    assert words in msg, msg


def test_every_bad_file_is_refused():
    files = sorted(BAD.glob("*.yaml"))
    assert files, "config/bad/ holds the broken examples"
    for path in files:
        res = run("--check-config", str(path))
        assert res.returncode == 1, f"{path.name} accepted: {res.stdout}"
        assert res.stderr.startswith(f"{path}:"), f"{path.name}: {res.stderr}"


def test_check_config_missing_file(tmp_path):
    res = run("--check-config", str(tmp_path / "nope.yaml"))
    assert res.returncode == 1
    assert "nope.yaml" in res.stderr


def test_check_config_needs_a_file():
    res = run("--check-config")
    assert res.returncode == 1
    assert "--check-config" in res.stderr


def test_help_and_version():
    res = run("--help")
    assert res.returncode == 0
    assert "Usage:" in res.stdout and "--config FILE" in res.stdout
    assert "--check-config" in res.stdout and "--exit-idle-ms" in res.stdout
    res = run("--version")
    assert res.returncode == 0
    assert res.stdout.startswith("sgtgw-dataplane ")
    assert res.stdout.split()[1][0].isdigit()
    assert run("-V").stdout == res.stdout


def test_without_config_fails_clearly(tmp_path):
    prefix = f"sgtgw_it_noconf_{os.getpid()}"
    res = run("-l", "0", "--no-pci", "--no-huge", "-m", "128", "--file-prefix", prefix,
              "--")
    assert res.returncode != 0
    assert "--config FILE is required" in res.stderr
    res = run("-l", "0", "--no-pci", "--no-huge", "-m", "128", "--file-prefix", prefix)
    assert res.returncode != 0
    assert "--config FILE is required" in res.stderr
    shutil.rmtree(os.path.dirname(telemetry_path(prefix)), ignore_errors=True)


def test_bad_config_at_start_attaches_no_port(tmp_path):
    """A config that does not load stops the process with the loader's
    message before any device of it is attached (no tx_pcap file appears)."""
    bad_ace = {"sgacls": [{"name": "X", "aces": ["permit tcp dst eq 99999"]}]}
    dp = Dataplane(tmp_path, "badstart", [Port("a", [b"\x00" * 60]), Port("b")], bad_ace)
    with pytest.raises(DataplaneError):
        dp.start()
    assert dp.rc not in (0, None)
    log = dp.log()
    assert f"{dp.config_path}:" in log and "sgacls[0].aces[0]" in log, log
    assert not (tmp_path / "a-out0.pcap").exists()
    assert not (tmp_path / "b-out0.pcap").exists()
    assert "enforcing" not in log


def test_unusable_device_fails_start(tmp_path):
    """A config that is valid but names a device that cannot be attached."""
    dp = Dataplane(tmp_path, "baddev", [Port("a"), Port("b")], {})
    text = dp.config_path.read_text().replace("rx_pcap=" + str(tmp_path / "a-in0.pcap"),
                                              "rx_pcap=" + str(tmp_path / "missing.pcap"))
    dp.config_path.write_text(text)
    assert run("--check-config", str(dp.config_path)).returncode == 0
    with pytest.raises(DataplaneError):
        dp.start()
    assert dp.rc not in (0, None)
    assert "port a" in dp.log()


def test_more_workers_than_lcores_fails_start(tmp_path):
    dp = Dataplane(tmp_path, "fewcores", [Port("a"), Port("b")],
                   {"dataplane": {"workers": 2}})
    with pytest.raises(DataplaneError):
        dp.start()
    assert dp.rc not in (0, None)
    assert "2 workers" in dp.log()
