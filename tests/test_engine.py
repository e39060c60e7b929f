"""The listing engine against a real local tree, through a lister that adds real delays and
failures on chosen directories (the engine's own behaviour is what is under test)."""
import collections
import os
import threading
import time

import attrs
import pytest

from consistency_core.backends.posix import PosixLister
from consistency_core.engine import Walker
from consistency_core.model import ErrorKind, ListingError
from consistency_core.tree import Tree


@attrs.frozen
class Site:
    url: str
    name: str = "T"
    threads: int = 4
    timeout: float = 5.0
    retries: int = 2
    retry_delay: float = 0.05


class FaultyLister(PosixLister):
    """Lists a real directory; fails, hangs or counts as told for chosen LFNs."""

    def __init__(self, site, fail=None, hang=(), hang_for=30.0):
        super().__init__(site)
        self.fail = dict(fail or {})  # lfn -> (kind, times); times=None for always
        self.hang = set(hang)
        self.hang_for = hang_for
        self.calls = collections.Counter()
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()

    def list_dir(self, lfn, timeout):
        with self.lock:
            self.calls[lfn] += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            n = self.calls[lfn]
        try:
            time.sleep(0.01)
            if lfn in self.hang:
                time.sleep(self.hang_for)
            if lfn in self.fail:
                kind, times = self.fail[lfn]
                if times is None or n <= times:
                    raise ListingError(kind, f"injected {kind.value} on {lfn}")
            return super().list_dir(lfn, timeout)
        finally:
            with self.lock:
                self.active -= 1


@pytest.fixture
def tree_dir(tmp_path):
    base = tmp_path / "site"
    for a in range(4):
        for b in range(5):
            d = base / "store" / "mc" / f"a{a}" / f"b{b}"
            d.mkdir(parents=True)
            for i in range(3):
                (d / f"f{i}.root").write_bytes(b"x" * (i + 1))
    return base


def walk(lister, site, tops=("/store",), stop=None):
    tree = Tree(time.time() - 86400)
    stats = Walker(lister, site, tree, stop=stop).run(tops)
    return tree, stats


def test_walk_lists_every_directory_and_file(tree_dir):
    site = Site(str(tree_dir))
    tree, stats = walk(FaultyLister(site), site)
    assert stats.dirs == 1 + 1 + 4 + 20 and stats.files == 60
    assert sorted(lfn for lfn, _s, _n in tree.files()) == sorted(
        "/" + os.path.relpath(os.path.join(r, f), tree_dir)
        for r, _d, fs in os.walk(tree_dir) for f in fs)


def test_concurrency_is_bounded_by_threads(tree_dir):
    site = Site(str(tree_dir), threads=3)
    lister = FaultyLister(site)
    walk(lister, site)
    assert 2 <= lister.max_active <= 3


def test_transient_failure_is_retried_then_listed(tree_dir):
    site = Site(str(tree_dir), retries=3)
    lister = FaultyLister(site, fail={"/store/mc/a1": (ErrorKind.CONNECTION, 2)})
    tree, stats = walk(lister, site)
    assert lister.calls["/store/mc/a1"] == 3
    assert stats.retries == 2 and not stats.errors and stats.files == 60
    assert tree.unlisted() == []


def test_persistent_failure_becomes_unlisted_and_counted_by_kind(tree_dir):
    site = Site(str(tree_dir), retries=2)
    lister = FaultyLister(site, fail={"/store/mc/a2": (ErrorKind.PERMISSION, None),
                                      "/store/mc/a3/b1": (ErrorKind.TIMEOUT, None)})
    tree, stats = walk(lister, site)
    assert lister.calls["/store/mc/a2"] == 3
    assert sorted(tree.unlisted()) == ["/store/mc/a2", "/store/mc/a3/b1"]
    assert stats.errors == {"permission_denied": 1, "timeout": 1}
    assert {lfn for lfn, _k, _m in stats.failures} == {"/store/mc/a2", "/store/mc/a3/b1"}


def test_backoff_grows_exponentially(tree_dir):
    site = Site(str(tree_dir), retries=3, retry_delay=0.2)
    lister = FaultyLister(site, fail={"/store/mc/a0": (ErrorKind.OTHER, None)})
    t0 = time.monotonic()
    walk(lister, site)
    assert time.monotonic() - t0 >= 0.2 + 0.4 + 0.8


def test_vanished_directory_is_gone_not_an_error(tree_dir):
    site = Site(str(tree_dir))
    lister = FaultyLister(site, fail={"/store/mc/a0/b0": (ErrorKind.NOT_FOUND, None)})
    tree, stats = walk(lister, site)
    assert lister.calls["/store/mc/a0/b0"] == 1
    assert stats.vanished == 1 and not stats.errors
    assert tree.node("/store/mc/a0/b0") is None and tree.unlisted() == []


def test_hung_request_times_out_on_time(tree_dir):
    site = Site(str(tree_dir), timeout=0.5, retries=1, retry_delay=0.1)
    lister = FaultyLister(site, hang={"/store/mc/a1/b2"})
    t0 = time.monotonic()
    tree, stats = walk(lister, site)
    elapsed = time.monotonic() - t0
    # two attempts of timeout + grace (1 s) each, plus the back-off: not the 30 s hang
    assert elapsed < 2 * 1.5 + 0.1 + 2.0
    assert stats.errors == {"timeout": 1}
    assert tree.unlisted() == ["/store/mc/a1/b2"]
    assert stats.files == 57


def test_stop_leaves_what_was_not_listed_unlisted(tree_dir):
    site = Site(str(tree_dir), threads=1)
    stop = threading.Event()
    lister = FaultyLister(site, hang={"/store/mc/a0"}, hang_for=3)
    threading.Timer(0.3, stop.set).start()
    t0 = time.monotonic()
    tree, stats = walk(lister, site, stop=stop)
    assert time.monotonic() - t0 < 2
    assert stats.interrupted
    assert "/store/mc/a0" in tree.unlisted() or "/store/mc" in tree.unlisted()
    assert stats.not_listed >= 1


def test_exception_of_any_type_is_classified_other(tree_dir):
    class Broken(FaultyLister):
        def list_dir(self, lfn, timeout):
            if lfn == "/store/mc/a3":
                raise RuntimeError("boom")
            return super().list_dir(lfn, timeout)

    site = Site(str(tree_dir), retries=0)
    tree, stats = walk(Broken(site), site)
    assert stats.errors == {"other": 1}
    assert "RuntimeError: boom" in stats.failures[0][2]


def test_progress_live_line_on_a_terminal_and_heartbeat_in_logs(tree_dir, caplog):
    import io
    import logging

    from consistency_core.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    site = Site(str(tree_dir))
    term = Terminal()
    tree = Tree(time.time())
    Walker(FaultyLister(site), site, tree, progress=Progress("T", stream=term, interval=0)).run(["/store"])
    lines = [l for l in term.getvalue().split("\r\033[K") if l]
    assert len(lines) > 5
    assert "26 dirs, 60 files" in lines[-1] and "errors" in lines[-1] and "elapsed" in lines[-1]

    class Log(io.StringIO):
        def isatty(self):
            return False

    caplog.set_level(logging.INFO, logger="consistency.progress")
    Walker(FaultyLister(site), site, Tree(time.time()),
           progress=Progress("T", stream=Log(), heartbeat=0.0)).run(["/store"])
    beats = [r for r in caplog.records if r.getMessage().startswith("heartbeat")]
    assert beats and "files/s" in beats[-1].getMessage()
