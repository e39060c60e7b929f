"""Directories emptied during an xrootd walk are not reported empty in that run.

The deletion is real (shutil.rmtree on the tree the server exports) and happens at a known
point: when the parent's listing has arrived, before the engine sees it and can ask for the
child. The child is then not found on the server, and its parent (and the directory above
it, which held nothing else) changed during the walk.
"""
import os
import shutil
import time

from consistency_core import check_site
from consistency_core.model import Listing
from consistency_xrootd.lister import XrootdLister
from xrootd_helpers import site_config, site_tmp  # noqa: F401 (fixture)

OLD = time.time() - 30 * 86400
VICTIMS = {"/store/a/gone": "/store/a/gone/sub", "/store/b/outer/gone2": "/store/b/outer/gone2/sub2"}
REALLY_EMPTY = ["/store/c/empty", "/store/c/empty/inner"]


def plant(base):
    for d in ("store/a/gone/sub", "store/a/keep", "store/b/outer/gone2/sub2/deeper",
              "store/c/empty/inner"):
        (base / d).mkdir(parents=True)
    for name, size in (("store/a/gone/sub/x.root", 4), ("store/a/keep/f.root", 3)):
        (base / name).write_bytes(b"x" * size)
        os.utime(base / name, (OLD, OLD))
    for root, dirs, _files in os.walk(base, topdown=False):
        for d in dirs:
            os.utime(os.path.join(root, d), (OLD, OLD))
    os.chmod(base, 0o755)
    dump = base.parent / "inventory.txt"
    dump.write_text(f"/store/a/keep/f.root 3 {int(OLD)}\n")
    return dump


class DeletingXrootd(XrootdLister):
    """Deletes a child on disk as soon as its parent's listing has arrived."""

    base = None

    def submit(self, lfn, timeout, done):
        def answered(result):
            if isinstance(result, Listing) and lfn in VICTIMS:
                shutil.rmtree(str(self.base) + VICTIMS[lfn])
            done(result)
        super().submit(lfn, timeout, answered)


def test_parents_of_vanished_directories_are_not_empty(site_tmp, xrootd_server):
    base = site_tmp / "site"
    dump = plant(base)
    srv = xrootd_server(base)
    cfg = site_config(srv.url, dump, ignore=[], threads=8)
    lister = DeletingXrootd(cfg)
    lister.base = base
    result = check_site(cfg, lister=lister)
    assert result.walk.vanished == 2 and not result.walk.errors
    assert sorted(result.findings.empty_dirs) == REALLY_EMPTY
    assert not result.findings.orphan and not result.findings.missing
    assert not (base / "store/a/gone/sub").exists()

    # Control: without deletions the same kind of tree has the untouched chain reported.
    plant(site_tmp / "control" / "site")
    srv2 = xrootd_server(site_tmp / "control" / "site")
    control = check_site(site_config(srv2.url, site_tmp / "control" / "inventory.txt",
                                     ignore=[], threads=8))
    assert sorted(control.findings.empty_dirs) == sorted(REALLY_EMPTY + [
        "/store/b/outer", "/store/b/outer/gone2", "/store/b/outer/gone2/sub2",
        "/store/b/outer/gone2/sub2/deeper"])
