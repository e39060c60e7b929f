"""Top directories (issue 14 item 1): one that is not on the site is unlisted with reason
not_found and the others are checked; ``directories_from = "inventory"`` takes them from the
inventory. A real POSIX site and a dump inventory, through check_site."""
from __future__ import annotations

import os

from consistency_core import check_site
from consistency_core.config import build_site

OLD = 1_500_000_000


def site_tree(tmp_path):
    base = tmp_path / "site"
    files = {"/store/mc/a/f1.root": 10, "/store/data/b/f2.root": 20,
             "/store/data/b/orphan.root": 5, "/store/backfill/c/stray.root": 7}
    for lfn, size in files.items():
        path = base / lfn.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
    for dirpath, _dirs, names in os.walk(base, topdown=False):
        for name in names:
            os.utime(os.path.join(dirpath, name), (OLD, OLD))
        os.utime(dirpath, (OLD, OLD))
    dump = tmp_path / "inventory.txt"
    dump.write_text("/store/mc/a/f1.root 10\n/store/mc/a/lost.root 3\n"
                    "/store/data/b/f2.root 20\n/store/hidata/x/gone.root 9\n")
    return base, dump


def site(base, dump, **keys):
    raw = {"lister": "posix", "url": str(base), "inventory": "dump",
           "inventory_url": str(dump), **keys}
    return build_site("T", raw, "(test)")


def test_a_missing_top_directory_is_unlisted_and_the_others_checked(tmp_path):
    base, dump = site_tree(tmp_path)
    result = check_site(site(base, dump, directories=["mc", "hidata", "data"]))
    assert result.findings.unlisted == ["/store/hidata"]
    assert result.walk.errors == {"not_found": 1}
    assert [lfn for lfn, _ in result.findings.missing] == ["/store/mc/a/lost.root"]
    assert [lfn for lfn, _ in result.findings.orphan] == ["/store/data/b/orphan.root"]
    assert not result.gates.passed


def test_a_directory_vanishing_below_the_top_is_still_simply_gone(tmp_path):
    base, dump = site_tree(tmp_path)
    result = check_site(site(base, dump, directories=["mc", "data"]))
    assert result.findings.unlisted == [] and not result.walk.errors


def test_top_directories_from_the_inventory(tmp_path):
    base, dump = site_tree(tmp_path)
    result = check_site(site(base, dump, directories_from="inventory"))
    assert result.scope["directories"] == ["/store/data", "/store/hidata", "/store/mc"]
    # backfill is not the inventory's: its stray file is not looked at
    assert [lfn for lfn, _ in result.findings.orphan] == ["/store/data/b/orphan.root"]
    assert result.findings.unlisted == ["/store/hidata"]


def test_directories_given_win_over_the_inventory(tmp_path):
    base, dump = site_tree(tmp_path)
    result = check_site(site(base, dump, directories=["mc"], directories_from="inventory"))
    assert result.scope["directories"] == ["/store/mc"]
