"""The test kit's pytest plugin (entry point ``pytest11``): fixtures starting real services on
127.0.0.1 (see :mod:`consistency_core.testing.servers`), markers and seeds.

    xrootd_server(data_dir=None, *, http=True) -> XrootdServer   (factory, function scope)
    tls_xrootd_server(data_dir) -> TlsXrootdServer  (https:// and davs:// too; factory)
    redirector(data_dir, n=2) -> XrootdCluster      (a manager and n data servers; factory)
    mariadb_server -> MariaDBServer        (one mariadbd per session; empty database per test)
    slow_proxy(target, *, delay=0.005, match="") -> SlowProxy     (factory, function scope)
    site_tmp -> Path                       (a scratch dir the xrootd user can always reach)
    seed -> int                            (this test's seed; see consistency_core.testing.seeds)

Everything started here is stopped at teardown, also when the test fails. A test using a
server fixture is marked ``xrootd`` or ``mariadb`` (and ``root``: the servers need it) without
saying so, so ``-m "not mariadb"`` deselects it.

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

from . import seeds
from .servers import (CLIENT_ENV, MariaDBServer, SlowProxy, TlsXrootdServer, XrootdCluster,
                      XrootdServer, self_signed_cert)

# Process-wide, before any XRootD client library loads in this process. Only settings no test
# wants otherwise: XrdCl does not let EnvPutInt() override a value imported from the
# environment, so connection window/retry and request timeouts are left to the code under test.
for _key in ("RES_OPTIONS", "XRD_TIMEOUTRESOLUTION"):
    os.environ.setdefault(_key, CLIENT_ENV[_key])


TEMP_ROOT = Path(tempfile.gettempdir()) / "consistency-pytest"
KEEP_RUNS = 3


MARKERS = {
    "root": "needs to run as root (starts servers as another user, chowns their trees)",
    "xrootd": "starts a real xrootd (root:// and XrdHttp), cluster or slow proxy",
    "mariadb": "starts a real MariaDB server",
}
# fixture name -> the markers a test using it gets
FIXTURE_MARKERS = {
    "xrootd_server": ("xrootd", "root"), "tls_xrootd_server": ("xrootd", "root"),
    "redirector": ("xrootd", "root"), "slow_proxy": ("xrootd", "root"),
    "mariadb_server": ("mariadb", "root"),
}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    for name, help_text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {help_text}")
    _private_basetemp(config)


def pytest_collection_modifyitems(items):
    for item in items:
        have = {m.name for m in item.iter_markers()}
        for fixture in getattr(item, "fixturenames", ()):
            for name in FIXTURE_MARKERS.get(fixture, ()):
                if name not in have:
                    item.add_marker(name)
                    have.add(name)


def pytest_report_header(config):
    return (f"{seeds.ENV}={seeds.base_seed()} (seeds of generated sites and test IDs; "
            f"set it to rerun with other seeds)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        how = f"reproduce with: {seeds.ENV}={seeds.base_seed()} pytest '{item.nodeid}'"
        report.sections.append(("consistency seed", how))
    return report


@pytest.fixture
def seed(request) -> int:
    """This test's seed: fixed for its module and name (whatever directory pytest is run
    from), changed by CONSISTENCY_TEST_SEED."""
    return seeds.seed_for(f"{request.node.path.name}::{request.node.name}")


def _private_basetemp(config) -> None:
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


@pytest.fixture
def tls_xrootd_server():
    """Factory: ``srv = tls_xrootd_server(data_dir)``; ``srv.https_url("davs")``."""
    servers: list[TlsXrootdServer] = []
    certs = Path(tempfile.mkdtemp(prefix="xrd-tls-"))
    self_signed_cert(certs)

    def start(data_dir) -> TlsXrootdServer:
        srv = TlsXrootdServer(data_dir, certs)
        servers.append(srv)
        return srv.start()

    yield start
    for srv in reversed(servers):
        srv.close()
    shutil.rmtree(certs, ignore_errors=True)


@pytest.fixture
def redirector():
    """Factory: ``redirector(data_dir, n=2)`` starts a manager and n data servers."""
    clusters: list[XrootdCluster] = []

    def start(data_dir, n: int = 2) -> XrootdCluster:
        cluster = XrootdCluster(data_dir, n)
        clusters.append(cluster)
        return cluster.start()

    yield start
    for cluster in clusters:
        cluster.close()


@pytest.fixture
def site_tmp():
    """A scratch dir outside tmp_path (/tmp/xrdtest-*): a server (user xrootd) serving a tree
    there keeps reaching it whatever another pytest session does to its own base dirs.
    Directories a test made unreadable are opened again before it is removed."""
    path = Path(tempfile.mkdtemp(prefix="xrdtest-"))
    yield path
    for dirpath, dirnames, _files in os.walk(path):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
    shutil.rmtree(path, ignore_errors=True)
