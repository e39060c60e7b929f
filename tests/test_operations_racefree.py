"""Three-list method: the inventory (a dump file) is edited for real while a slowed listing of a
real directory tree runs; no false missing file or orphan may come out of it."""
import re
import time

import pytest

from consistency_core import plugins
from consistency_core.backends.posix import PosixLister
from consistency_core import run_site
from consistency_core.check import merge_snapshots
from consistency_core.hookspecs import hookimpl
from consistency_core.tree import Tree

from consistency_core.testing.sites import small_site
from consistency_core.testing.sites import small_site_config as site_config


class SlowPosix(PosixLister):
    def list_dir(self, lfn, timeout):
        time.sleep(0.02)
        return super().list_dir(lfn, timeout)


class CatalogEditor:
    """When ``trigger`` has been listed, edit storage and catalog the way transfers and
    deletions do while a long listing runs."""

    def __init__(self, site, trigger):
        self.site, self.trigger, self.fired = site, trigger, False
        self.deleted = "/store/data/d05/f000.root"  # deletion in flight: not listed yet
        self.arrived = "/store/data/d05/new.root"  # transfer in flight: not listed yet
        self.unregistered = "/store/data/d00/f001.root"  # already listed, still on disk

    @hookimpl
    def directory_listed(self, site, lfn, listing, error):
        if lfn != self.trigger or self.fired:
            return
        self.fired = True
        rows = [r for r in self.site.dump_rows() if r[0] not in (self.deleted, self.unregistered)]
        self.site.remove(self.deleted)
        self.site.put(self.arrived, 55)
        self.site.write_dump(rows + [(self.arrived, 55)])


@pytest.fixture
def edited(tmp_path):
    site = small_site(tmp_path, dirs=6, per_dir=5, missing=1, orphan=1)
    editor = CatalogEditor(site, "/store/data/d00")
    plugins.manager().register(editor)
    yield site, editor
    plugins.manager().unregister(editor)


def run(site, race_free, tmp_path):
    cfg = site_config("RACE", site, race_free=race_free, threads=1,
                      output=str(tmp_path / "out"), ignore_age_days=0,
                      state_dir=str(tmp_path / "state"))
    return run_site(cfg, lister=SlowPosix(cfg))


def test_edit_during_listing_gives_no_false_findings(edited, tmp_path):
    site, editor = edited
    result = run(site, True, tmp_path)
    assert editor.fired and result.completed
    assert [lfn for lfn, _ in result.findings.missing] == site.missing
    assert [lfn for lfn, _ in result.findings.orphan] == site.orphan
    assert result.findings.size_mismatch == []
    assert result.changed == sorted([editor.deleted, editor.arrived, editor.unregistered])
    changed_file = tmp_path / "out" / "RACE_changed.txt"
    assert changed_file.read_text().split() == result.changed
    assert result.summary()["counts"]["changed_during_check"] == 3


def test_without_three_lists_the_same_edit_gives_false_findings(edited, tmp_path):
    """The control: the edit above really races the listing."""
    site, editor = edited
    result = run(site, False, tmp_path)
    assert editor.fired
    assert editor.deleted in [lfn for lfn, _ in result.findings.missing]
    assert editor.arrived in [lfn for lfn, _ in result.findings.orphan]
    assert result.changed == []


def test_merge_snapshots_rules():
    cutoff = time.time() - 86400
    before, after = Tree(cutoff), Tree(cutoff)
    before.add_file("/s/a/same", 10)
    after.add_file("/s/a/same", 10)
    before.add_file("/s/a/gone", 11)
    after.add_file("/s/b/came", 12)
    before.add_file("/s/a/resized", 13)
    after.add_file("/s/a/resized", 14)
    before.add_file("/s/a/both_new", 15, new=True)
    after.add_file("/s/a/both_new", 15, new=True)
    changed = merge_snapshots(before, after)
    assert changed == ["/s/a/gone", "/s/a/resized", "/s/b/came"]
    files = {lfn: (size, new) for lfn, size, new in before.files()}
    assert files == {"/s/a/same": (10, False), "/s/a/gone": (11, True),
                     "/s/b/came": (12, True), "/s/a/resized": (14, True),
                     "/s/a/both_new": (15, True)}


def test_cli_run_on_a_generated_site_edited_during_the_listing(tmp_path, seed):
    """The real command line lists a generated site slowly while transfers arrive and
    deletions happen (storage and dump edited together, in random directories): the result
    is exactly the planted findings, and every edited entry is 'changed during the check'."""
    import os
    import random

    from consistency_core import dumpfile, locks
    from consistency_core.testing import sitegen

    from consistency_core.testing.backends import start_process as cli_background
    from consistency_core.testing.sites import generated_config

    rng = random.Random(seed)
    site_dir, dump = tmp_path / "site", tmp_path / "inventory.txt"
    expected = sitegen.generate(site_dir, dump, seed=rng.randrange(1 << 30), n_files=300,
                                n_missing=4, n_orphan=3, n_size_mismatch=1, n_empty=1)
    config = generated_config(tmp_path, {"GEN": (site_dir, dump, expected)},
                              lister="slowposix", slow_delay=0.05, threads=2)
    rows = list(dumpfile.read(str(dump)))
    planted = set(expected.missing) | set(expected.size_mismatch) | set(expected.young_missing)
    present = [r for r in rows if r[0] not in planted and (site_dir / r[0].lstrip("/")).exists()]
    deleted = rng.sample(present, 5)
    arrived = [(os.path.dirname(r[0]) + f"/arrived{i}.root", 123, r[2])
               for i, r in enumerate(rng.sample(present, 5))]

    proc = cli_background("run", "--site", "GEN", "--config", config)
    lock = str(tmp_path / "state" / "locks" / "site-GEN.lock")
    while not locks.holder(lock):
        assert proc.poll() is None
    time.sleep(0.6)  # the first inventory read is done, the listing is under way
    for lfn, _size, _mtime in deleted:
        os.unlink(site_dir / lfn.lstrip("/"))
    for lfn, size, _mtime in arrived:
        path = site_dir / lfn.lstrip("/")
        path.write_bytes(b"a" * size)
        os.utime(path, (expected.old_mtime, expected.old_mtime))
    gone = {r[0] for r in deleted}
    sitegen.write_dump(str(dump) + ".new", [r for r in rows if r[0] not in gone] + arrived)
    os.replace(str(dump) + ".new", dump)
    assert proc.poll() is None  # still listing
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert re.search(r"^status +completed$", out, re.M), out

    results = tmp_path / "results"

    def read(name):
        # the LFN of each line (size mismatch lines add the two sizes, tab-separated)
        return sorted(line.rsplit("\t", 2)[0] if name == "size_mismatch" else line for line in
                      (results / f"GEN_{name}.txt").read_text().splitlines())

    assert read("missing") == sorted(expected.missing)
    assert read("orphan") == sorted(expected.orphan)
    assert read("size_mismatch") == sorted(expected.size_mismatch)
    assert read("changed") == sorted(gone | {r[0] for r in arrived})
