"""Directories emptied during the walk are not reported empty in that run.

Deletions are real (shutil.rmtree on the served tree) and happen at a known point: right after
the parent's listing came back, before the engine can dispatch the child. The child is then
not found, and its parent (and everything above that held nothing else) changed during the
walk: not empty in this run, whatever mtime was seen before the deletion.
"""
import shutil
import time

from consistency_core import check_site
from consistency_core.backends.posix import PosixLister
from consistency_core.model import Listing
from consistency_core.tree import Tree
from consistency_core.compare import compare
from consistency_core.testing.sites import OLD, age_dirs, make_file, planted_site

# parent listed -> child deleted before it is listed
VICTIMS = {"/store/mc/Camp/DS0/gone": "/store/mc/Camp/DS0/gone/sub",
           "/store/mc/Camp/DS1/outer/gone2": "/store/mc/Camp/DS1/outer/gone2/sub2"}


def plant(tmp):
    site, dump, expected = planted_site(tmp)
    make_file(site, "/store/mc/Camp/DS0/gone/sub/x.root", 4)  # an orphan, deleted mid-walk
    (site / "store/mc/Camp/DS1/outer/gone2/sub2/deeper").mkdir(parents=True)
    age_dirs(site, keep_young={"/store/mc/Camp/DS1/freshdir"})
    return site, dump, expected


def delete_child(base, parent_lfn):
    child = VICTIMS.get(parent_lfn)
    if child:
        shutil.rmtree(str(base) + child)


class DeletingPosix(PosixLister):
    def list_dir(self, lfn, timeout):
        listing = super().list_dir(lfn, timeout)
        delete_child(self.base, lfn)
        return listing


def empty_dirs(result):
    return sorted(result.findings.empty_dirs)


def posix_site(site, dump):
    from consistency_core.config import build_site

    return build_site("T2_TEST", {"lister": "posix", "url": str(site), "inventory": "dump",
                                  "inventory_url": str(dump), "ignore": ["unmerged"],
                                  "retry_delay": 0.05}, "(test)")


def test_posix_parents_of_vanished_directories_are_not_empty(tmp_path):
    site, dump, expected = plant(tmp_path)
    cfg = posix_site(site, dump)
    result = check_site(cfg, lister=DeletingPosix(cfg))
    assert result.walk.vanished == 2 and not result.walk.errors
    assert empty_dirs(result) == sorted(expected["empty_dirs"])
    assert [lfn for lfn, _s in result.findings.orphan] == expected["orphan"]

    # The next run sees them as they are now: still not empty while young, empty once old.
    assert empty_dirs(check_site(cfg)) == sorted(expected["empty_dirs"])
    age_dirs(site, keep_young={"/store/mc/Camp/DS1/freshdir"})
    assert empty_dirs(check_site(cfg)) == sorted(
        expected["empty_dirs"] + ["/store/mc/Camp/DS0/gone", "/store/mc/Camp/DS1/outer",
                                  "/store/mc/Camp/DS1/outer/gone2"])


def test_without_the_deletion_the_same_tree_has_them_empty_only_once_gone(tmp_path):
    """Control: the planted children keep their parents non-empty when nothing is deleted."""
    site, dump, expected = plant(tmp_path)
    cfg = posix_site(site, dump)
    result = check_site(cfg)
    assert result.walk.vanished == 0
    assert empty_dirs(result) == sorted(expected["empty_dirs"] + [
        "/store/mc/Camp/DS1/outer", "/store/mc/Camp/DS1/outer/gone2",
        "/store/mc/Camp/DS1/outer/gone2/sub2", "/store/mc/Camp/DS1/outer/gone2/sub2/deeper"])


def test_vanished_directory_marks_only_its_parent_changed():
    tree = Tree(cutoff=time.time() - 86400)
    from consistency_core.model import DirEntry

    tree.set_listing("/store", Listing([], [DirEntry("a", OLD), DirEntry("b", OLD)]))
    tree.set_listing("/store/a", Listing([], [DirEntry("c", OLD)]))
    tree.set_listing("/store/b", Listing([], []))
    tree.remove("/store/a/c")
    assert tree.node("/store/a").changed and not tree.node("/store").changed
    assert not tree.node("/store/b").changed
    found = compare(Tree(0), tree, ["/store"], root="/")
    assert found.empty_dirs == ["/store/b"]
