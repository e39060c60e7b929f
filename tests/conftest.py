"""Shared pytest fixtures: real services on 127.0.0.1 (see tests/servers.py).

    xrootd_server(data_dir=None, *, http=True) -> XrootdServer   (factory, function scope)
    mariadb_server -> MariaDBServer        (one mariadbd per session; empty database per test)
    slow_proxy(target, *, delay=0.005, match="") -> SlowProxy     (factory, function scope)

Everything started here is stopped at teardown, also when the test fails.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import CLIENT_ENV, MariaDBServer, SlowProxy, XrootdServer  # noqa: E402

# Process-wide, before any XRootD client library loads in this process. Only settings no test
# wants otherwise: XrdCl does not let EnvPutInt() override a value imported from the
# environment, so connection window/retry and request timeouts are left to the code under test.
for _key in ("RES_OPTIONS", "XRD_TIMEOUTRESOLUTION"):
    os.environ.setdefault(_key, CLIENT_ENV[_key])


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
