"""The comparison rules, one test per rule, on trees built by hand."""
import time

from consistency_core.compare import compare
from consistency_core.model import DirEntry, FileEntry, Listing
from consistency_core.tree import Tree

NOW = time.time()
OLD = NOW - 30 * 86400
YOUNG = NOW - 3600
CUTOFF = NOW - 86400


def inventory(*rows):
    tree = Tree(CUTOFF)
    for row in rows:
        tree.add_file(*row)
    return tree


def remote(layout: dict, unlisted=()):
    """layout: {dir_lfn: [("f", name, size, mtime) | ("d", name, mtime)]} for every listed dir."""
    tree = Tree(CUTOFF)
    for lfn, entries in layout.items():
        files = [FileEntry(e[1], e[2], e[3]) for e in entries if e[0] == "f"]
        dirs = [DirEntry(e[1], e[2]) for e in entries if e[0] == "d"]
        tree.set_listing(lfn, Listing(files, dirs))
    for lfn in unlisted:
        tree.mark_unlisted(lfn)
    return tree


def run(inv, rem, tops=("/store",), ignore=(), protect=None):
    return compare(inv, rem, tops, ignore, protect, "/store")


def site(*extra_dirs, files=()):
    """/store/mc/camp/ds holding ``files``; extra (lfn -> entries) dirs merged in."""
    layout = {"/store": [("d", "mc", OLD)], "/store/mc": [("d", "camp", OLD)],
              "/store/mc/camp": [("d", "ds", OLD)], "/store/mc/camp/ds": list(files)}
    for lfn, entries in extra_dirs:
        layout.setdefault(lfn, []).extend(entries)
    return layout


def test_identical_sides_report_nothing():
    inv = inventory(("/store/mc/camp/ds/a.root", 10), ("/store/mc/camp/ds/b.root", 20))
    rem = remote(site(files=[("f", "a.root", 10, OLD), ("f", "b.root", 20, OLD)]))
    f = run(inv, rem)
    assert (f.missing, f.orphan, f.size_mismatch, f.unlisted, f.empty_dirs) == ([], [], [], [], [])


def test_identity_is_path_and_size_not_mtime():
    inv = inventory(("/store/mc/camp/ds/a.root", 10, OLD - 5000))
    rem = remote(site(files=[("f", "a.root", 10, OLD)]))
    assert run(inv, rem).missing == [] and run(inv, rem).orphan == []


def test_missing_and_orphan():
    inv = inventory(("/store/mc/camp/ds/a.root", 10), ("/store/mc/camp/ds/gone.root", 7),
                    ("/store/mc/other/x/lost.root", 3))
    rem = remote(site(files=[("f", "a.root", 10, OLD), ("f", "dark.root", 5, OLD)]))
    f = run(inv, rem)
    assert f.missing == [("/store/mc/camp/ds/gone.root", 7), ("/store/mc/other/x/lost.root", 3)]
    assert f.orphan == [("/store/mc/camp/ds/dark.root", 5)]


def test_size_mismatch_reported_once():
    inv = inventory(("/store/mc/camp/ds/a.root", 10))
    rem = remote(site(files=[("f", "a.root", 11, OLD)]))
    f = run(inv, rem)
    assert f.size_mismatch == [("/store/mc/camp/ds/a.root", 10, 11)]
    assert f.missing == [] and f.orphan == []


def test_young_entries_never_reported_on_either_side():
    inv = inventory(("/store/mc/camp/ds/a.root", 10), ("/store/mc/camp/ds/young_inv.root", 1, YOUNG),
                    ("/store/mc/camp/ds/b.root", 5, YOUNG))
    rem = remote(site(files=[("f", "a.root", 10, OLD), ("f", "young_site.root", 4, YOUNG),
                             ("f", "b.root", 6, OLD)]))
    f = run(inv, rem)
    assert (f.missing, f.orphan, f.size_mismatch) == ([], [], [])


def test_young_remote_file_with_other_size_is_not_a_mismatch():
    inv = inventory(("/store/mc/camp/ds/a.root", 10))
    rem = remote(site(files=[("f", "a.root", 3, YOUNG)]))
    f = run(inv, rem)
    assert (f.missing, f.orphan, f.size_mismatch) == ([], [], [])


def test_inventory_new_flag_protects_from_orphan_but_is_never_missing():
    inv = inventory(("/store/mc/camp/ds/in_flight.root", 10, None, True),
                    ("/store/mc/camp/ds/not_yet_there.root", 10, None, True))
    rem = remote(site(files=[("f", "in_flight.root", 10, OLD)]))
    f = run(inv, rem)
    assert (f.missing, f.orphan) == ([], [])


def test_directory_with_only_new_entries_hides_missing_below():
    inv = inventory(("/store/mc/camp/ds/old.root", 10), ("/store/mc/camp/ds/sub/deep.root", 3))
    rem = remote(site(("/store/mc/camp/ds/sub", []),
                      files=[("f", "fresh.root", 10, YOUNG), ("d", "sub", YOUNG)]))
    rem.set_listing("/store/mc/camp/ds/sub", Listing([FileEntry("fresh2.root", 1, YOUNG)], []))
    f = run(inv, rem)
    assert f.missing == []


def test_unlisted_directory_hides_everything_below_and_is_reported():
    inv = inventory(("/store/mc/camp/ds/a.root", 10), ("/store/mc/camp/ds/deep/b.root", 4),
                    ("/store/mc/ok/c.root", 1))
    rem = remote({"/store": [("d", "mc", OLD)], "/store/mc": [("d", "camp", OLD), ("d", "ok", OLD)],
                  "/store/mc/ok": [("f", "c.root", 1, OLD), ("f", "orphan.root", 2, OLD)]},
                 unlisted=["/store/mc/camp"])
    f = run(inv, rem)
    assert f.unlisted == ["/store/mc/camp"]
    assert f.missing == []
    assert f.orphan == [("/store/mc/ok/orphan.root", 2)]
    assert f.empty_dirs == []


def test_unlisted_subtree_is_never_skipped_by_equal_digests():
    inv = inventory(("/store/mc/camp/ds/a.root", 10))
    rem = remote(site(files=[("f", "a.root", 10, OLD), ("d", "sub", OLD)]),
                 unlisted=["/store/mc/camp/ds/sub"])
    assert run(inv, rem).unlisted == ["/store/mc/camp/ds/sub"]


def test_ignore_patterns_protect_orphans_but_not_missing():
    inv = inventory(("/store/mc/camp/ds/a.root", 10), ("/store/mc/camp/ds/tmp_keep/lost.root", 2))
    rem = remote(site(("/store/mc/camp/ds/tmp_keep", [("f", "x.root", 1, OLD)]),
                      files=[("f", "a.root", 10, OLD), ("d", "tmp_keep", OLD)]))
    rem.set_listing("/store/mc/camp/ds/tmp_keep", Listing([FileEntry("x.root", 1, OLD)], []))
    f = run(inv, rem, ignore=["tmp_keep"])
    assert f.orphan == []
    assert f.missing == [("/store/mc/camp/ds/tmp_keep/lost.root", 2)]


def test_empty_dirs_deepest_first_never_root_or_top_level():
    layout = site(("/store/mc/camp/ds/e1", [("d", "e2", OLD)]),
                  ("/store/mc/camp/ds/e1/e2", []),
                  ("/store/mc/camp/ds/z", []),
                  ("/store/mc/camp/ds/young", []),
                  ("/store/data", []),
                  files=[("f", "a.root", 10, OLD), ("d", "e1", OLD), ("d", "z", OLD),
                         ("d", "young", YOUNG)])
    layout["/store"].append(("d", "data", OLD))
    inv = inventory(("/store/mc/camp/ds/a.root", 10))
    f = run(inv, remote(layout))
    assert f.empty_dirs == ["/store/mc/camp/ds/e1/e2", "/store/mc/camp/ds/e1", "/store/mc/camp/ds/z"]


def test_directory_holding_only_empty_old_directories_is_empty():
    layout = {"/store": [("d", "mc", OLD)], "/store/mc": [("d", "camp", OLD)],
              "/store/mc/camp": [("d", "a", OLD), ("d", "b", OLD)],
              "/store/mc/camp/a": [], "/store/mc/camp/b": [("d", "c", OLD)], "/store/mc/camp/b/c": []}
    f = run(inventory(), remote(layout))
    assert f.empty_dirs == ["/store/mc/camp/b/c", "/store/mc/camp/a", "/store/mc/camp/b",
                            "/store/mc/camp"]


def test_empty_dir_where_inventory_expects_files_is_not_removable():
    layout = site(files=[])
    f = run(inventory(("/store/mc/camp/ds/a.root", 10)), remote(layout))
    assert f.missing == [("/store/mc/camp/ds/a.root", 10)]
    assert "/store/mc/camp/ds" not in f.empty_dirs


def test_path_that_is_a_directory_remotely_is_missing_as_file():
    inv = inventory(("/store/mc/camp/ds/a.root", 10))
    rem = remote(site(("/store/mc/camp/ds/a.root", [("f", "x", 1, OLD)]),
                      files=[("d", "a.root", OLD)]))
    f = run(inv, rem)
    assert f.missing == [("/store/mc/camp/ds/a.root", 10)]
    assert f.orphan == [("/store/mc/camp/ds/a.root/x", 1)]


def test_only_the_listed_directories_are_compared():
    inv = inventory(("/store/mc/camp/ds/a.root", 10), ("/store/data/x/b.root", 3))
    rem = remote(site(files=[("f", "a.root", 10, OLD)]))
    f = run(inv, rem, tops=["/store/mc"])
    assert f.missing == []


def test_protect_orphans_callback_filters_orphans():
    inv = inventory()
    rem = remote(site(files=[("f", "keep.root", 1, OLD), ("f", "dark.root", 2, OLD)]))
    f = run(inv, rem, protect=lambda lfns: {l for l in lfns if "keep" in l})
    assert f.orphan == [("/store/mc/camp/ds/dark.root", 2)]
    assert f.protected == 1


def test_lists_are_sorted_bytewise():
    names = ["b.root", "B.root", "a.root", "é.root", "_.root", "Z.root"]
    rem = remote(site(files=[("f", n, 1, OLD) for n in names]))
    f = run(inventory(), rem)
    got = [lfn for lfn, _ in f.orphan]
    assert got == sorted(got, key=lambda s: s.encode())
    assert [g.rsplit("/", 1)[1] for g in got] == ["B.root", "Z.root", "_.root", "a.root",
                                                   "b.root", "é.root"]


def test_identical_subtrees_are_skipped_by_digest():
    inv = inventory(*[(f"/store/mc/camp/ds/f{i}.root", i) for i in range(50)])
    rem = remote(site(files=[("f", f"f{i}.root", i, OLD) for i in range(50)]))
    inv.compute_digests()
    rem.compute_digests()
    assert inv.node("/store").digest == rem.node("/store").digest != 0
    rem.node("/store/mc/camp/ds").files["f3.root"] = 99 << 1
    rem.compute_digests()
    assert inv.node("/store").digest != rem.node("/store").digest
