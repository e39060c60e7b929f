"""Bounded OS threads: the engine never runs more than MAX_THREADS lister threads, however
large ``threads`` is, and a config asking a lister for more than it supports is refused."""
import threading
import time

import attrs
import pytest

from consistency_core.backends.posix import PosixLister
from consistency_core.engine import MAX_THREADS, Walker
from consistency_core.testing.runner import run_cli as consistency
from consistency_core.testing.sites import planted_config as write_config
from consistency_core.testing.sites import planted_site


@attrs.frozen
class Site:
    url: str
    name: str = "T"
    threads: int = 4
    timeout: float = 300.0
    retries: int = 0
    retry_delay: float = 0.05


def lister_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "consistency-lister")


@pytest.fixture
def site_69(tmp_path):
    """/store plus 68 directories below it: 69 directories, one file each."""
    base = tmp_path / "site"
    for a in range(4):
        for b in range(16):
            d = base / "store" / f"a{a}" / f"b{b}"
            d.mkdir(parents=True)
            (d / "f.root").write_bytes(b"x")
    return base


@pytest.mark.parametrize("threads", [3000, 100000])
def test_huge_threads_starts_no_more_threads_than_directories(site_69, threads):
    from consistency_core.tree import Tree

    site = Site(str(site_69), threads=threads)
    peak = []
    before = threading.active_count()
    walker = Walker(PosixLister(site), site, Tree(0),
                    on_listed=lambda *a: peak.append(threading.active_count()))
    stats = walker.run(["/store"])
    assert stats.dirs == 69 and stats.files == 64 and not stats.errors
    assert walker.dispatcher.started <= 69
    assert max(peak) - before <= 69


class Blocking(PosixLister):
    """Lists for real, but every leaf waits until ``MAX_THREADS`` leaves are being listed at
    once (or, on a correct engine, until no more could ever start)."""

    def __init__(self, site):
        super().__init__(site)
        self.lock = threading.Lock()
        self.active = self.peak = 0
        self.release = threading.Event()

    def list_dir(self, lfn, timeout):
        leaf = lfn.count("/") > 2
        if leaf:
            with self.lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
                if self.active >= MAX_THREADS:
                    self.release.set()
            self.release.wait(60)
        try:
            return super().list_dir(lfn, timeout)
        finally:
            if leaf:
                with self.lock:
                    self.active -= 1


def test_blocked_lister_never_gets_more_than_the_cap(tmp_path):
    base = tmp_path / "site"
    for i in range(MAX_THREADS + 100):
        (base / "store" / "d" / f"x{i}").mkdir(parents=True)
    site = Site(str(base), threads=100000)
    lister = Blocking(site)
    from consistency_core.tree import Tree

    walker = Walker(lister, site, Tree(0))
    stats = walker.run(["/store"])
    assert stats.dirs == 2 + MAX_THREADS + 100 and not stats.errors
    assert lister.peak == MAX_THREADS
    assert walker.dispatcher.started == MAX_THREADS


def test_workers_end_after_the_walk(site_69):
    from consistency_core.tree import Tree

    site = Site(str(site_69), threads=64)
    Walker(PosixLister(site), site, Tree(0)).run(["/store"])
    deadline = time.monotonic() + 60  # generous: only the end state is asserted
    while lister_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lister_threads() == 0


def test_threads_above_the_lister_limit_is_a_one_line_config_error(tmp_path):
    site, dump, _ = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, threads=100000)
    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=2)
    line, = proc.stderr.strip().splitlines()
    assert str(cfg) in line and "sites.T2_TEST.threads" in line
    assert f"at most {MAX_THREADS}" in line and "posix" in line
    proc = consistency("config", "check", "--config", cfg, check_rc=2)
    assert f"at most {MAX_THREADS}" in proc.stderr


def test_threads_at_the_limit_runs(tmp_path):
    site, dump, expected = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, threads=MAX_THREADS,
                       output=str(tmp_path / "out"))
    consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=0)
