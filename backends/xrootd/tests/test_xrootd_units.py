"""Pure parts of the xrootd lister: URL parsing, door choice, answer checking (the last one
fed with a real server's partial answer)."""
import os
import threading

import pytest

from consistency_core import ConsistencyError, ErrorKind, ListingError
from consistency_xrootd.doors import Door, DoorPool
from consistency_xrootd.lister import to_listing
from consistency_xrootd.siteurl import parse


@pytest.mark.parametrize("url, host, port, prefix", [
    ("root://se.example.org", "se.example.org", 1094, ""),
    ("root://se.example.org:11000/", "se.example.org", 11000, ""),
    ("root://se.example.org:1094//cms/", "se.example.org", 1094, "/cms"),
    ("xroot://127.0.0.1:1095/eos/cms", "127.0.0.1", 1095, "/eos/cms"),
    ("root://[::1]:1094/cms", "[::1]", 1094, "/cms"),
    ("root://[::127.0.0.1]:40001", "[::127.0.0.1]", 40001, ""),
])
def test_parse_url(url, host, port, prefix):
    u = parse(url)
    assert (u.host, u.port, u.prefix) == (host, port, prefix)
    assert u.path("/store/x") == prefix + "/store/x"


def test_door_inherits_the_site_prefix():
    assert parse("root://other:1094", default_prefix="/cms").prefix == "/cms"
    assert parse("root://other:1094/dpm", default_prefix="/cms").prefix == "/dpm"


@pytest.mark.parametrize("url", ["", "root:/x", "https://h/x", "root://h:0", "root://user@h",
                                 "root://h/a/../b", "root://h#frag", "root://bad host"])
def test_parse_refuses(url):
    with pytest.raises(ConsistencyError, match="sites.X.url"):
        parse(url, "sites.X.url")


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _pool(n=2):
    clock = Clock()
    doors = [Door(parse(f"root://d{i}:1094"), client=None) for i in range(n)]
    return DoorPool(doors, clock=clock), doors, clock


def test_requests_spread_and_follow_the_faster_door():
    pool, (a, b), _clock = _pool()
    first, second = pool.acquire(), pool.acquire()
    assert {first, second} == {a, b}
    pool.release(a, 0.001, fault=False)
    pool.release(b, 0.5, fault=False)
    picks = [pool.acquire() for _ in range(6)]
    assert picks.count(a) > picks.count(b)


def test_faulty_door_demoted_with_doubling_cooldown_then_restored():
    pool, (a, b), clock = _pool()
    for expected_cooldown in (2, 4, 8):
        door = pool.acquire()
        if door is b:
            pool.release(b, 0.01, fault=False)
            door = pool.acquire()
        assert door is a
        pool.release(a, 1.0, fault=True)
        assert a.demoted_until == clock.now + expected_cooldown
        assert all(pool.acquire() is b for _ in range(3))
        for _ in range(3):
            pool.release(b, 0.01, fault=False)
        clock.now = a.demoted_until
    assert pool.acquire() is a
    pool.release(a, 0.01, fault=False)
    assert a.faults == 0 and a.demoted_until == 0


def test_all_doors_demoted_still_sends_to_the_first_back():
    pool, (a, b), clock = _pool()
    for door in (a, b):
        pool.acquire()
    pool.release(a, 1, fault=True)
    clock.now += 1
    pool.release(b, 1, fault=True)
    assert pool.acquire() is a


def test_partial_recursive_answer_from_a_real_server_is_refused(site_tmp, xrootd_server):
    """A RECURSIVE dirlist over a denied subdirectory comes back 'ok' with status code 3."""
    from pyxrootd import client
    from XRootD.client.flags import DirListFlags

    (site_tmp / "store" / "a" / "denied").mkdir(parents=True)
    (site_tmp / "store" / "a" / "denied" / "f.root").write_bytes(b"x")
    (site_tmp / "store" / "a" / "g.root").write_bytes(b"y")
    srv = xrootd_server(site_tmp)
    os.chmod(site_tmp / "store" / "a" / "denied", 0)
    box, ready = [], threading.Event()
    client.FileSystem(srv.url).dirlist("/store", DirListFlags.STAT | DirListFlags.RECURSIVE, 10,
                                       lambda st, r, *h: (box.append((st, r)), ready.set()))
    assert ready.wait(15)
    st, response = box[0]
    assert st["ok"] and st["code"] == 3
    with pytest.raises(ListingError) as err:
        to_listing("/store", st, response)
    assert err.value.kind is ErrorKind.OTHER and "partial" in err.value.message


def test_entries_without_stat_are_refused():
    st = {"ok": True, "code": 0}
    response = {"dirlist": [{"name": "f.root", "statinfo": None}]}
    with pytest.raises(ListingError, match="incomplete"):
        to_listing("/store", st, response)


def test_error_kinds():
    def err(code, errno=0):
        return {"ok": False, "code": code, "errno": errno, "message": "x"}

    cases = [(err(400, 3010), ErrorKind.PERMISSION, False),
             (err(400, 3011), ErrorKind.NOT_FOUND, True),
             (err(206), ErrorKind.TIMEOUT, True),
             (err(108), ErrorKind.CONNECTION, True),
             (err(400, 3005), ErrorKind.OTHER, False),
             (err(2), ErrorKind.OTHER, True)]
    for st, kind, retry in cases:
        with pytest.raises(ListingError) as err:
            to_listing("/p", st, None)
        assert (err.value.kind, err.value.retry) == (kind, retry), st


def test_deadlines_fire_in_order_and_cancelled_ones_never():
    import time as _time

    from consistency_xrootd.deadlines import COMPACT_ABOVE, Deadlines

    fired = []
    d = Deadlines()
    now = _time.monotonic()
    handles = [d.add(now + 3600, lambda: fired.append("never")) for _ in range(3 * COMPACT_ABOVE)]
    for h in handles:
        d.cancel(h)
    assert len(d) == 0 and len(d._heap) < COMPACT_ABOVE + 2  # compacted, not kept an hour
    d.add(now + 0.2, lambda: fired.append("b"))
    d.add(now + 0.1, lambda: fired.append("a"))
    gone = d.add(now + 0.15, lambda: fired.append("cancelled"))
    d.cancel(gone)
    _time.sleep(0.5)
    assert fired == ["a", "b"]


def test_closed_deadlines_stop_their_thread():
    import time as _time

    from consistency_xrootd.deadlines import Deadlines

    fired = []
    d = Deadlines()
    d.add(_time.monotonic() + 0.2, lambda: fired.append(1))
    thread = d._thread
    d.close()
    thread.join(2)
    assert not thread.is_alive()
    _time.sleep(0.3)
    assert fired == []
