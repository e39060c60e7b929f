"""Scheduling and state through the real CLI: --pick, status set, halting a running check,
one check per site at a time, a per-lister limit, a crashed check, bad state directories."""
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from consistency_core import locks

from consistency_core.testing.backends import run_cli as cli
from consistency_core.testing.backends import start_process as cli_background
from consistency_core.testing.sites import small_site
from consistency_core.testing.sites import small_sites_config as write_config


@pytest.fixture
def three(tmp_path):
    sites = {name: small_site(tmp_path / name) for name in ("T2_A", "T2_B", "T3_C")}
    config = write_config(tmp_path / "c.toml", sites, output=str(tmp_path / "results"),
                          state_dir=str(tmp_path / "state"), max_missing_fraction=0.5,
                          max_orphan_fraction=0.5)
    return config, sites


def picked(proc):
    assert proc.returncode == 0, proc.stderr
    return next(line.split()[1] for line in proc.stdout.splitlines() if line.startswith("site "))


def test_pick_takes_the_site_waiting_longest_and_skips_halted_and_disabled(three):
    config, _sites = three
    order = [picked(cli("run", "--pick", "^T2_|^T3_", "--config", config)) for _ in range(3)]
    assert order == ["T2_A", "T2_B", "T3_C"]  # never run: name order
    assert picked(cli("run", "--pick", "T", "--config", config)) == "T2_A"  # oldest again
    assert cli("status", "set", "T2_B", "halt", "--config", config).stdout.strip() == \
        "T2_B: halted, act"
    assert picked(cli("run", "--pick", "T", "--config", config)) == "T3_C"
    assert cli("status", "set", "T3_C", "disable", "--config", config).returncode == 0
    assert picked(cli("run", "--pick", "T", "--config", config)) == "T2_A"
    only_halted = cli("run", "--pick", "^T2_B$", "--config", config)
    assert only_halted.returncode == 1 and "no site matching" in only_halted.stderr
    refused = cli("run", "--site", "T2_B", "--config", config)
    assert refused.returncode == 1 and "T2_B is halted" in refused.stderr
    assert cli("status", "set", "T2_B", "ready", "--config", config).returncode == 0
    assert picked(cli("run", "--pick", "T2", "--config", config)) == "T2_B"

    status = cli("status", "--config", config).stdout.splitlines()
    rows = {line.split()[0]: line.split() for line in status[1:]}
    assert rows["T2_B"][1:3] == ["ready", "act"] and rows["T3_C"][1] == "disabled"

    nomatch = cli("run", "--pick", "^NOPE", "--config", config)
    assert nomatch.returncode == 2 and len(nomatch.stderr.strip().splitlines()) == 1
    unknown = cli("status", "set", "T9_NOPE", "halt", "--config", config)
    assert unknown.returncode == 2 and "unknown site 'T9_NOPE'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    both = cli("run", "--pick", "T", "--site", "T2_A", "--config", config)
    assert both.returncode == 2


def test_dry_site_ignores_act(three):
    config, sites = three
    cfg_text = config.read_text().replace("max_missing_fraction = 0.5",
                                          "max_missing_fraction = 0.5\nconfirm_missing_runs = 1")
    config.write_text(cfg_text)
    assert cli("status", "set", "T2_A", "dry", "--config", config).returncode == 0
    dry = cli("run", "--site", "T2_A", "--config", config, "--act")
    assert dry.returncode == 0 and "dry run, would queue: missing 2" in dry.stdout
    assert "set dry: --act ignored" in dry.stderr
    assert cli("status", "set", "T2_A", "act", "--config", config).returncode == 0
    acting = cli("run", "--site", "T2_A", "--config", config, "--act")
    assert "given to acting reporters: missing 2" in acting.stdout


def slow_config(tmp_path, names, **extra):
    sites = {name: small_site(tmp_path / name, dirs=30) for name in names}
    return write_config(tmp_path / "slow.toml", sites, lister="slowposix", slow_delay=0.25,
                        threads=1, output=str(tmp_path / "results"),
                        state_dir=str(tmp_path / "state"), **extra)


def wait_running(tmp_path, site, proc, timeout=20):
    path = tmp_path / "state" / "locks" / f"site-{site}.lock"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if locks.holder(str(path)):
            time.sleep(0.5)  # well into the listing
            return
        time.sleep(0.05)
    raise AssertionError("the check did not start")


def runs(tmp_path):
    db = sqlite3.connect(tmp_path / "state" / "history.sqlite")
    try:
        return db.execute("SELECT site, status, acted FROM runs ORDER BY id").fetchall()
    finally:
        db.close()


def test_halting_a_running_site_stops_it_cleanly_within_seconds(tmp_path):
    config = slow_config(tmp_path, ["T2_SLOW"], confirm_missing_runs=1,
                         max_missing_fraction=0.5, max_orphan_fraction=0.5)
    proc = cli_background("run", "--site", "T2_SLOW", "--config", config, "--act")
    try:
        wait_running(tmp_path, "T2_SLOW", proc)
        status = cli("status", "--config", config).stdout
        assert "running" in status and f"pid {proc.pid}" in status
        t0 = time.monotonic()
        assert cli("status", "set", "T2_SLOW", "halt", "--config", config).returncode == 0
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert took < 5, took
    assert proc.returncode == 1, err
    assert "was set halted during the check" in out and "status           interrupted" in out
    assert runs(tmp_path) == [("T2_SLOW", "interrupted", 0)]
    assert "given to acting" not in out


def test_one_check_per_site_and_a_crash_leaves_it_pickable(tmp_path):
    config = slow_config(tmp_path, ["T2_SLOW"])
    proc = cli_background("run", "--site", "T2_SLOW", "--config", config)
    try:
        wait_running(tmp_path, "T2_SLOW", proc)
        second = cli("run", "--site", "T2_SLOW", "--config", config)
        assert second.returncode == 1
        assert f"already being checked (pid {proc.pid})" in second.stderr
        assert cli("run", "--pick", "SLOW", "--config", config).returncode == 1
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert runs(tmp_path) == []  # no half-written run
    row = cli("status", "--config", config).stdout.splitlines()[1].split()
    assert row[:3] == ["T2_SLOW", "ready", "act"] and "pid" not in row
    fast = config.read_text().replace("slow_delay = 0.25", "slow_delay = 0.0")
    config.write_text(fast)
    assert picked(cli("run", "--pick", "SLOW", "--config", config)) == "T2_SLOW"
    assert runs(tmp_path) == [("T2_SLOW", "completed", 0)]


def test_lister_concurrency_limit(tmp_path):
    config = slow_config(tmp_path, ["T2_X", "T2_Y"], lister_concurrency=1)
    proc = cli_background("run", "--site", "T2_X", "--config", config)
    try:
        wait_running(tmp_path, "T2_X", proc)
        other = cli("run", "--site", "T2_Y", "--config", config)
        assert other.returncode == 1
        assert "1 checks with lister 'slowposix' are already running" in other.stderr
        assert cli("run", "--pick", "T2", "--config", config).returncode == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert runs(tmp_path) == [("T2_X", "interrupted", 0)]


@pytest.fixture
def tiny_fs(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], check=True)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_read_only_or_full_state_directory(tmp_path, tiny_fs):
    """A 2 MB tmpfs: room for the first run's history, then filled up, then read-only."""
    site = small_site(tmp_path / "s")
    config = write_config(tmp_path / "c.toml", {"T2_A": site}, output=str(tmp_path / "results"),
                          state_dir=str(tiny_fs / "state"))
    assert cli("run", "--site", "T2_A", "--config", config).returncode == 0
    filler = tiny_fs / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    summary = tmp_path / "results" / "T2_A_summary.json"
    written = summary.stat().st_mtime_ns
    full = cli("-q", "run", "--site", "T2_A", "--config", config)
    assert full.returncode == 1 and "Traceback" not in full.stderr
    assert len(full.stderr.strip().splitlines()) == 1, full.stderr
    assert "state directory's disk is full" in full.stderr
    assert summary.stat().st_mtime_ns == written  # refused before listing anything
    filler.unlink()
    assert [row[1] for row in runs_at(tiny_fs / "state")] == ["gated"]  # no half row

    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    config = write_config(tmp_path / "c2.toml", {"T2_A": site}, output=str(tmp_path / "results"),
                          state_dir=str(tiny_fs / "newstate"))
    ro = cli("-q", "run", "--site", "T2_A", "--config", config)
    assert ro.returncode == 1 and len(ro.stderr.strip().splitlines()) == 1
    assert "Read-only file system" in ro.stderr and "newstate" in ro.stderr


def runs_at(state):
    db = sqlite3.connect(state / "history.sqlite")
    try:
        return db.execute("SELECT site, status FROM runs ORDER BY id").fetchall()
    finally:
        db.close()
