"""The test-server fixtures against the real services: xrootd (XRootD client, gfal2 over
root:// and http://), MariaDB (pymysql) and the dirlist-delaying proxy."""
from __future__ import annotations

import os
import time

import gfal2
import pymysql
import pytest
from XRootD import client
from XRootD.client.flags import DirListFlags

from consistency_core.testing.servers import xrootd_handshake


def make_tree(root):
    (root / "store" / "mc" / "sub").mkdir(parents=True)
    (root / "store" / "mc" / "a.root").write_bytes(b"x" * 10)
    (root / "store" / "mc" / "sub" / "b.root").write_bytes(b"yy")
    (root / "store" / "denied").mkdir()
    (root / "store" / "denied" / "c.root").write_bytes(b"z")
    (root / "store" / "slow").mkdir()
    (root / "store" / "slow" / "d.root").write_bytes(b"d")


def dirlist(url, path, timeout=10):
    status, listing = client.FileSystem(url).dirlist(path, DirListFlags.STAT, timeout=timeout)
    return status, ({e.name: e.statinfo.size for e in listing} if status.ok else None)


def test_xrootd_serves_tree_over_root_and_http(xrootd_server, tmp_path):
    make_tree(tmp_path / "site")
    srv = xrootd_server(tmp_path / "site")
    assert srv.url == f"root://127.0.0.1:{srv.port}"
    assert srv.http_url == f"http://127.0.0.1:{srv.http_port}" and srv.http_port != srv.port

    status, entries = dirlist(srv.url, "/store/mc")
    assert status.ok, status
    assert entries == {"a.root": 10, "sub": entries["sub"]}

    # chmod 000 really denies listing: the server runs as user xrootd, not root
    os.chmod(srv.data_dir / "store" / "denied", 0)
    status, _ = dirlist(srv.url, "/store/denied")
    assert not status.ok and status.errno == 3010, status
    status, _ = dirlist(srv.url, "/store/nothere")
    assert not status.ok and status.errno == 3011, status

    ctx = gfal2.creat_context()
    assert sorted(ctx.listdir(f"{srv.url}//store/mc")) == ["a.root", "sub"]
    assert ctx.listdir(f"{srv.http_url}/store/mc/sub") == ["b.root"]
    assert ctx.stat(f"{srv.http_url}/store/mc/a.root").st_size == 10

    res = srv.xrdfs("ls", "/store/mc/sub")
    assert res.stdout.split() == ["/store/mc/sub/b.root"]


def test_xrootd_stop_restart_pause_resume(xrootd_server):
    srv = xrootd_server(http=False)
    (srv.data_dir / "f").write_bytes(b"abc")
    port, pid = srv.port, srv.pid

    srv.pause()
    assert not xrootd_handshake(port, timeout=0.5)  # accepted by the kernel, never answered
    srv.resume()
    assert xrootd_handshake(port)

    srv.kill()
    assert not srv.running and not xrootd_handshake(port)
    srv.restart()
    assert srv.port == port and srv.pid != pid
    status, entries = dirlist(srv.url, "/")
    assert status.ok and entries == {"f": 3}, status

    srv.stop()
    assert not srv.running and not xrootd_handshake(port)


def test_mariadb(mariadb_server):
    db = mariadb_server
    assert db.url == f"mysql://{db.user}@127.0.0.1:{db.port}/{db.database}"
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE t (lfn VARCHAR(500) PRIMARY KEY, size BIGINT)")
        cur.executemany("INSERT INTO t VALUES (%s, %s)", [("/store/a", 1), ("/store/B", 2)])
        cur.execute("SELECT lfn, size FROM t ORDER BY lfn")
        assert cur.fetchall() == (("/store/B", 2), ("/store/a", 1))
    # the unix socket works too
    with pymysql.connect(unix_socket=db.socket, user=db.user, password=db.password,
                         database=db.database) as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM t")
        assert cur.fetchone() == (2,)

    db.kill()
    with pytest.raises(pymysql.err.OperationalError):
        db.connect(connect_timeout=2)
    db.start()
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM t")
        assert cur.fetchone() == (2,)


def test_mariadb_database_is_empty_for_each_test(mariadb_server):
    with mariadb_server.connect() as conn, conn.cursor() as cur:
        cur.execute("SHOW TABLES")
        assert cur.fetchall() == ()


def test_slow_proxy_delays_matching_dirlists(xrootd_server, slow_proxy, tmp_path):
    make_tree(tmp_path / "site")
    srv = xrootd_server(tmp_path / "site", http=False)
    proxy = slow_proxy(srv, delay=1.0, match="/store/slow")
    assert dirlist(proxy.url, "/")[0].ok  # connect + login outside the timed part

    t0 = time.monotonic()
    status, entries = dirlist(proxy.url, "/store/mc")
    fast = time.monotonic() - t0
    assert status.ok and "a.root" in entries, status

    t0 = time.monotonic()
    status, entries = dirlist(proxy.url, "/store/slow")
    slow = time.monotonic() - t0
    assert status.ok and entries == {"d.root": 1}, status
    assert slow >= 1.0 and fast < 0.8, (fast, slow)

    # a request timeout shorter than the delay expires (XRD_TIMEOUTRESOLUTION=1)
    proxy.restart(delay=4.0)
    t0 = time.monotonic()
    status, _ = dirlist(proxy.url, "/store/slow", timeout=1)
    assert not status.ok and status.code == 206, status
    assert time.monotonic() - t0 < 3.5

    proxy.restart(delay=0.3, match="")
    t0 = time.monotonic()
    status, _ = dirlist(proxy.url, "/store/mc")
    assert status.ok and time.monotonic() - t0 >= 0.3
    proxy.stop()
    assert not proxy.running
