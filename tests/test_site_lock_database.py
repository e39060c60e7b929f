"""Cross-host site locks: with a central MariaDB history, two processes with separate state
directories (two hosts, as far as file locks go) never check one site at once, and a holder
killed with SIGKILL leaves the site free (the server drops the lock with its connection)."""
import signal
import socket
import time

import pytest

from consistency_core import config as config_mod
from consistency_core.history import History
from consistency_core.locks import SiteLocks, holder_in, lock_name
# child processes: the lock is held by another process
from consistency_core.testing.backends import run_process as cli
from consistency_core.testing.backends import start_process as cli_background
from consistency_core.testing.sites import planted_config as write_config
from consistency_core.testing.sites import planted_site


def host_config(tmp_path, name, site, dump, url, **extra):
    base = tmp_path / name
    return write_config(tmp_path / f"{name}.toml", site, dump, history_url=url,
                        state_dir=str(base / "state"), output=str(base / "out"), **extra)


def wait_for(condition, what, proc=None, limit=60.0):
    """Wait for a state (not a duration): the limit only turns a hang into a failure."""
    deadline = time.monotonic() + limit
    while not condition():
        assert proc is None or proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)


@pytest.fixture
def two_hosts(tmp_path, mariadb_server):
    site, dump, _expected = planted_site(tmp_path)
    url = mariadb_server.url_with_password
    # Host A lists slowly enough to hold the site until it is killed.
    a = host_config(tmp_path, "a", site, dump, url, lister="slowposix", slow_delay=600)
    b = host_config(tmp_path, "b", site, dump, url)
    history = History(url)
    yield a, b, history
    history.close()


def test_second_host_is_refused_and_runs_once_the_holder_is_killed(two_hosts):
    a, b, history = two_hosts
    holder = cli_background("run", "--site", "T2_TEST", "--config", a)
    try:
        wait_for(lambda: holder_in(history, "T2_TEST"), "host A holds the site", holder)
        who = holder_in(history, "T2_TEST")
        assert who["pid"] == holder.pid and who["host"] == socket.gethostname()

        refused = cli("run", "--site", "T2_TEST", "--config", b)
        assert refused.returncode == 1, refused.stderr
        line, = refused.stderr.strip().splitlines()
        assert "T2_TEST is already being checked" in line and f"pid {holder.pid}" in line
        assert "database lock" in line

        status = cli("status", "--config", b)
        assert status.returncode == 0, status.stderr
        row, = [r for r in status.stdout.splitlines() if r.startswith("T2_TEST")]
        assert " running " in row and f"pid {holder.pid} on {socket.gethostname()}" in row
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert holder.returncode == -signal.SIGKILL

    wait_for(lambda: holder_in(history, "T2_TEST") is None, "the server drops the lock")
    ran = cli("run", "--site", "T2_TEST", "--config", b)
    assert ran.returncode == 0, ran.stderr
    assert holder_in(history, "T2_TEST") is None  # released at the end of the run


def test_lock_in_process_is_released_and_retaken(tmp_path, mariadb_server):
    site, dump, _expected = planted_site(tmp_path)
    cfg = host_config(tmp_path, "a", site, dump, mariadb_server.url_with_password)
    site_cfg = config_mod.load(str(cfg)).site("T2_TEST")
    other = config_mod.load(str(host_config(tmp_path, "b", site, dump,
                                            mariadb_server.url_with_password))).site("T2_TEST")
    with SiteLocks(site_cfg) as first:
        assert first.acquire() is None
        with SiteLocks(other) as second:  # another state_dir: only the database refuses
            why = second.acquire()
            assert why and "database lock" in why and not second.held
    with SiteLocks(other) as second:
        assert second.acquire() is None


def test_lock_names_fit_the_server_limit():
    assert lock_name("consistency", "T2_CH_CERN") == "consistency:consistency:T2_CH_CERN"
    long = lock_name("db" * 40, "T2_" + "X" * 200)
    assert len(long) <= 64 and long != lock_name("db" * 40, "T2_" + "X" * 199)


def test_a_lost_database_lock_is_reported(tmp_path, mariadb_server, monkeypatch, caplog):
    """The server ends the lock's connection (KILL): the heartbeat says the lock is gone."""
    from consistency_core import locks

    monkeypatch.setattr(locks, "HEARTBEAT", 0.05)
    site, dump, _expected = planted_site(tmp_path)
    site_cfg = config_mod.load(str(host_config(
        tmp_path, "a", site, dump, mariadb_server.url_with_password))).site("T2_TEST")
    history = History(mariadb_server.url_with_password)
    try:
        with SiteLocks(site_cfg) as held:
            assert held.acquire() is None
            db_lock = held.held[-1]
            (conn_id,), = db_lock._sql("SELECT CONNECTION_ID()")
            mariadb_server.root_sql(f"KILL {int(conn_id)}")
            wait_for(lambda: "database lock was lost" in caplog.text, "the loss is logged")
            assert holder_in(history, "T2_TEST") is None
    finally:
        history.close()
