"""Shared pytest fixtures: real services on 127.0.0.1 (see consistency_core/testing/servers.py).

    xrootd_server(data_dir=None, *, http=True) -> XrootdServer   (factory, function scope)
    mariadb_server -> MariaDBServer        (one mariadbd per session; empty database per test)
    slow_proxy(target, *, delay=0.005, match="") -> SlowProxy     (factory, function scope)

Everything started here is stopped at teardown, also when the test fails.

tmp_path lives under /tmp/consistency-pytest/run-* (not pytest's /tmp/pytest-of-root, which
every new pytest session makes 0700 again, cutting off the xrootd user serving a tree in
another session's tmp_path). ``--basetemp`` still wins.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from .servers import CLIENT_ENV, MariaDBServer, SlowProxy, XrootdServer

# Process-wide, before any XRootD client library loads in this process. Only settings no test
# wants otherwise: XrdCl does not let EnvPutInt() override a value imported from the
# environment, so connection window/retry and request timeouts are left to the code under test.
for _key in ("RES_OPTIONS", "XRD_TIMEOUTRESOLUTION"):
    os.environ.setdefault(_key, CLIENT_ENV[_key])


TEMP_ROOT = Path(tempfile.gettempdir()) / "consistency-pytest"
KEEP_RUNS = 3


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """A per-session basetemp that no other pytest session chmods (see the module doc)."""
    if config.option.basetemp or hasattr(config, "workerinput"):
        return
    TEMP_ROOT.mkdir(exist_ok=True)
    os.chmod(TEMP_ROOT, 0o711)
    runs = sorted(TEMP_ROOT.glob("run-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in runs[KEEP_RUNS:]:
        pid = old.name.rsplit("-", 1)[-1]
        if pid.isdigit() and Path(f"/proc/{pid}").exists():
            continue  # a session still running
        shutil.rmtree(old, ignore_errors=True)
    config.option.basetemp = str(TEMP_ROOT / f"run-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")


@pytest.fixture
def xrootd_server():
    """Factory: ``srv = xrootd_server(data_dir)`` starts an xrootd serving data_dir (default:
    a fresh empty dir, ``srv.data_dir``) on root:// ``srv.url`` and http:// ``srv.http_url``."""
    servers: list[XrootdServer] = []

    def start(data_dir=None, *, http: bool = True) -> XrootdServer:
        srv = XrootdServer(data_dir, http=http)
        servers.append(srv)
        return srv.start()

    yield start
    for srv in reversed(servers):
        srv.close()


@pytest.fixture(scope="session")
def _mariadb_session():
    srv = MariaDBServer()
    try:
        srv.start()
        yield srv
    finally:
        srv.close()


@pytest.fixture
def mariadb_server(_mariadb_session):
    """The session's MariaDB, running (restarted if an earlier test killed it), with an empty
    ``database``. Has host, port, user, password, database, socket, url, connect(), kill(),
    start(), stop(), root_sql()."""
    srv = _mariadb_session
    srv.start()
    srv.reset_database()
    yield srv
    srv.start()  # leave it running for the next test even if this one killed it


@pytest.fixture
def slow_proxy():
    """Factory: ``proxy = slow_proxy(server_or_port, delay=0.05, match="/slow/")`` starts a
    proxy delaying kXR_dirlist requests; connect to ``proxy.url``."""
    proxies: list[SlowProxy] = []

    def start(target, *, delay: float = 0.005, match: str = "") -> SlowProxy:
        port = target if isinstance(target, int) else target.port
        proxy = SlowProxy(port, delay=delay, match=match)
        proxies.append(proxy)
        return proxy.start()

    yield start
    for proxy in reversed(proxies):
        proxy.stop()
