"""``consistency diff``'s hash join (consistency_core.dumpdiff) gives exactly what the tree
comparison gives, on generated dumps and on every unusual input it must hand to the trees."""
import bz2
import json
import random
import time

import pytest

from consistency_core import config, dumpdiff
from consistency_core.check import diff_dumps
from consistency_core.dumpfile import DumpError
from consistency_core.testing import sitegen
from consistency_core.testing.seeds import seeds

NOW = time.time()
OLD, YOUNG = int(NOW) - 30 * 86400, int(NOW)


def site(tmp_path, **raw):
    raw = {"lister": "dump", "inventory": "dump", "root": "/", "output": str(tmp_path / "out"),
           **raw}
    return config.build_site("T", raw, "(test)")


def both(tmp_path, inv, lst, **raw):
    """Run the diff both ways; return (fast, trees) results, asserting they agree."""
    s = site(tmp_path, **raw)
    fast = diff_dumps(s, str(inv), str(lst))
    trees = diff_dumps(s, str(inv), str(lst), trees=True)
    assert fast.findings == trees.findings
    assert (fast.inventory_files, fast.inventory_bytes) == (trees.inventory_files,
                                                            trees.inventory_bytes)
    assert (fast.walk.files, fast.walk.bytes) == (trees.walk.files, trees.walk.bytes)
    return fast, trees


def fast_path_used(tmp_path, inv, lst, **raw):
    s = site(tmp_path, **raw)
    dumpdiff.diff(str(inv), str(lst), s.top_dirs, s.ignore, NOW - 86400)  # no Unsupported


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


@pytest.mark.parametrize("seed", seeds(2, "generated dumps"))
def test_generated_dumps_give_the_planted_findings_on_the_fast_path(tmp_path, seed):
    inv, lst = tmp_path / "inv.txt", tmp_path / "lst.txt"
    exp = sitegen.generate_dumps(inv, lst, seed=seed, n_files=20000, now=NOW)
    fast_path_used(tmp_path, inv, lst, root=exp.root, ignore=list(exp.ignore))
    fast, _ = both(tmp_path, inv, lst, root=exp.root, ignore=list(exp.ignore))
    assert [m for m, _ in fast.findings.missing] == list(exp.missing), seed
    assert [o for o, _ in fast.findings.orphan] == list(exp.orphan), seed
    assert [m[0] for m in fast.findings.size_mismatch] == list(exp.size_mismatch), seed


def random_dumps(rng: random.Random, tmp_path):
    """Small dumps exercising every rule: shared and one-sided files, young entries on
    either side, mismatches, directories holding only young files, unlisted marks, lines
    with and without mtime, files outside the root."""
    dirs = [f"/store/{a}/{b}" for a in "xyz" for b in "pqr"] + ["/store/x", "/store", "/other"]
    inv, lst = [], []
    for i in range(300):
        lfn = f"{rng.choice(dirs)}/f{i}.root"
        size = rng.randint(1, 5)
        fate = rng.random()
        i_m = rng.choice([None, OLD, OLD, YOUNG if rng.random() < 0.2 else OLD])
        l_m = YOUNG if rng.random() < 0.15 else OLD
        if fate < 0.6:
            inv.append((lfn, size, i_m))
            lst.append((lfn, size if rng.random() < 0.9 else size + 1, l_m))
        elif fate < 0.8:
            inv.append((lfn, size, i_m))
        else:
            lst.append((lfn, size, l_m))
    young_dir = f"/store/{rng.choice('xyz')}/young{rng.randint(0, 3)}"
    for i in range(rng.randint(1, 3)):
        lst.append((f"{young_dir}/n{i}.root", 1, YOUNG))
    for i in range(rng.randint(0, 3)):
        inv.append((f"{young_dir}/old{i}.root", 1, OLD))
    rng.shuffle(inv)
    rng.shuffle(lst)
    marks = rng.sample(["/store/x/p", "/store/y", "/store/y/q/", "/store", "/other/z"],
                       rng.randint(0, 2))
    fmt = lambda e: f"{e[0]} {e[1]}" if e[2] is None else f"{e[0]} {e[1]} {e[2]}"  # noqa: E731
    write(tmp_path / "inv.txt", ["# inventory"] + [fmt(e) for e in inv])
    write(tmp_path / "lst.txt", [f"# unlisted: {m}" for m in marks] + [fmt(e) for e in lst])
    return tmp_path / "inv.txt", tmp_path / "lst.txt"


@pytest.mark.parametrize("seed", range(40))
def test_random_dumps_give_what_the_trees_give(tmp_path, seed):
    rng = random.Random(seed)
    inv, lst = random_dumps(rng, tmp_path)
    raw = rng.choice([{}, {"root": "/store"}, {"root": "/store", "directories": ["x", "y/q"]},
                      {"root": "/store/", "ignore": ["/store/z/", "p/f1"]}])
    both(tmp_path, inv, lst, **raw)


def test_a_directory_holding_only_new_files_hides_missing_files_below_it(tmp_path):
    inv = write(tmp_path / "inv.txt", [f"/store/a/b/old.root 5 {OLD}", f"/store/a/c/x 1 {OLD}"])
    lst = write(tmp_path / "lst.txt", [f"/store/a/b/new.root 5 {YOUNG}", f"/store/a/c/x 1 {OLD}"])
    fast_path_used(tmp_path, inv, lst)
    fast, _ = both(tmp_path, inv, lst)
    assert fast.findings.missing == []


def test_an_old_file_far_from_the_new_ones_is_found_by_reading_the_listing_again(tmp_path):
    inv = write(tmp_path / "inv.txt", [f"/s/d/a.root 5 {OLD}", f"/s/e/x 1 {OLD}"])
    lst = write(tmp_path / "lst.txt", [f"/s/d/new.root 5 {YOUNG}", f"/s/e/x 1 {OLD}",
                                       f"/s/d/sub/old.root 1 {OLD}"])
    fast_path_used(tmp_path, inv, lst)
    fast, _ = both(tmp_path, inv, lst)
    assert fast.findings.missing == [("/s/d/a.root", 5)]


def test_many_directories_of_only_new_files_go_to_the_trees(tmp_path):
    n = dumpdiff.MAX_SCANNED_DIRS + 1
    inv = write(tmp_path / "inv.txt", [f"/s/d{i}/a.root 5 {OLD}" for i in range(n)])
    lst = write(tmp_path / "lst.txt", [f"/s/d{i}/new.root 5 {YOUNG}" for i in range(n)])
    with pytest.raises(dumpdiff.Unsupported):
        fast_path_used(tmp_path, inv, lst)
    fast, _ = both(tmp_path, inv, lst)
    assert fast.findings.missing == []


def test_an_old_neighbour_shows_a_directory_is_not_only_new(tmp_path):
    inv = write(tmp_path / "inv.txt", [f"/store/a/b/old.root 5 {OLD}", f"/store/a/b/k 1 {OLD}"])
    lst = write(tmp_path / "lst.txt", [f"/store/a/b/k 1 {OLD}", f"/store/a/b/new.root 5 {YOUNG}"])
    fast_path_used(tmp_path, inv, lst)
    fast, _ = both(tmp_path, inv, lst)
    assert fast.findings.missing == [("/store/a/b/old.root", 5)]


@pytest.mark.parametrize("inv_lines, lst_lines", [
    (["/a/b 1 5", "/a/b 1 5"], ["/a/b 1 5"]),  # the same line twice
    (["/a/x 1 5", "/a/b 1 5", "/a/x 1 5"], ["/a/b 1 5"]),  # twice, not in the listing
    (["/a/b 1 5", "/a/b 1 99999999999"], ["/a/b 1 5"]),  # twice, the second one new
    (["/a//b 1 5"], ["/a/b 1 5"]),  # empty path component
    (["/a/b/ 1 5"], ["/a/b 1 5"]),  # path ending in /
    (["/a/b 1 5", "", "/a/c 1 5"], ["/a/b 1 5"]),  # blank line
    (["/a/b 1 5", "# late comment", "/a/c 1 5"], ["/a/c 1 5"]),
    (["/a/b\t1 5"], ["/a/b  1 5"]),  # tab, two spaces
    (["/a/b 1 5\r"], ["/a/b 1 5"]),  # CRLF
    (["/a/é 1 5"], ["/a/é 1 5", "/a/x 1 5"]),  # non-ASCII
    (["/a/b 1 1.5e9"], ["/a/b 1 5"]),  # float mtime
    (["/a/b 1 5", "  # indented comment"], ["/a/b 1 5"]),
    (["/a/b\x1c 1 5"], ["/a/b 1 5"]),  # a separator for str.split only
])
def test_unusual_input_goes_to_the_trees_with_the_same_result(tmp_path, inv_lines, lst_lines):
    inv = write(tmp_path / "inv.txt", inv_lines)
    lst = write(tmp_path / "lst.txt", lst_lines)
    with pytest.raises(dumpdiff.Unsupported):
        fast_path_used(tmp_path, inv, lst)
    both(tmp_path, inv, lst)


@pytest.mark.parametrize("bad", ["/a/b 5 x", "/a/b", "a/b 1 5", "/a/b 1 2e", "/a/b -1"])
def test_malformed_lines_are_reported_by_file_and_line(tmp_path, bad):
    inv = write(tmp_path / "inv.txt", ["# head", "/a/c 1 5", bad])
    lst = write(tmp_path / "lst.txt", ["/a/c 1 5"])
    with pytest.raises(DumpError, match=r"inv.txt:3: malformed line"):
        diff_dumps(site(tmp_path), str(inv), str(lst))


def test_compressed_dumps(tmp_path):
    inv = tmp_path / "inv.txt.bz2"
    inv.write_bytes(bz2.compress(b"/a/b 1 5\n/a/c 2 5\n"))
    lst = write(tmp_path / "lst.txt", ["/a/b 1 5", "/a/d 3 5"])
    fast, _ = both(tmp_path, inv, lst)
    assert fast.findings.missing == [("/a/c", 2)] and fast.findings.orphan == [("/a/d", 3)]


@pytest.mark.parametrize("inv_lines, lst_lines, which", [
    (["/a/b 1 5", "/a/b 2 5"], ["/a/b 2 5"], "inv"),  # duplicate path in the inventory
    (["/a/b 1 5"], ["/a/b 1 5", "/a/c 1 5", "/a/b 2 5"], "lst"),  # ... in the listing
])
def test_a_path_given_two_sizes_is_an_error_naming_both_lines(tmp_path, inv_lines, lst_lines,
                                                              which):
    inv = write(tmp_path / "inv.txt", inv_lines)
    lst = write(tmp_path / "lst.txt", lst_lines)
    lines = "1 and 2" if which == "inv" else "1 and 3"
    for trees in (False, True):
        with pytest.raises(DumpError, match=rf"{which}.txt: lines {lines} give '/a/b' two "
                                            "different sizes"):
            diff_dumps(site(tmp_path), str(inv), str(lst), write=False, trees=trees)


def test_a_last_line_without_newline_is_an_error(tmp_path):
    inv = write(tmp_path / "inv.txt", ["/a/b 1 5", "/a/c 2 5"])
    lst = tmp_path / "lst.txt"
    lst.write_bytes(b"/a/b 1 5\n/a/c 2")  # cut inside the size of /a/c
    for trees in (False, True):
        with pytest.raises(DumpError, match=r"lst.txt:2: the last line has no newline"):
            diff_dumps(site(tmp_path), str(inv), str(lst), write=False, trees=trees)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("inv_lines, lst_lines", [
    ([], []), (["# only a comment"], ["/a/b 1 5"]), (["/a/b 1 5"], ["# unlisted: /a"]),
])
def test_empty_dumps(tmp_path, inv_lines, lst_lines):
    inv = write(tmp_path / "inv.txt", inv_lines)
    lst = write(tmp_path / "lst.txt", lst_lines)
    fast_path_used(tmp_path, inv, lst)
    both(tmp_path, inv, lst)


def test_summary_written_by_the_fast_path(tmp_path):
    inv = write(tmp_path / "inv.txt", [f"/store/a 1 {OLD}", f"/store/b 2 {OLD}"])
    lst = write(tmp_path / "lst.txt", ["# unlisted: /store/u", f"/store/b 3 {OLD}",
                                       f"/store/c 4 {OLD}"])
    result = diff_dumps(site(tmp_path), str(inv), str(lst))
    summary = json.loads((tmp_path / "out" / "T_summary.json").read_text())
    assert summary["counts"]["missing"] == 1 and summary["counts"]["orphan"] == 1
    assert summary["counts"]["size_mismatch"] == 1 and summary["counts"]["unlisted"] == 1
    assert summary["inventory"] == {"files": 2, "bytes": 3}
    assert summary["listing"]["files"] == 2 and summary["listing"]["bytes"] == 7
    assert result.findings.unlisted == ["/store/u"]


@pytest.mark.parametrize("late_comment", [False, True])
def test_inventory_parsed_in_a_forked_process_in_small_blocks(tmp_path, monkeypatch, late_comment):
    monkeypatch.setattr(dumpdiff, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(dumpdiff, "BLOCK", 4096)
    inv, lst = tmp_path / "inv.txt", tmp_path / "lst.txt"
    exp = sitegen.generate_dumps(inv, lst, seed=7, n_files=3000, now=NOW)
    if late_comment:
        with open(inv, "a") as fh:
            fh.write("# a comment after the data goes to the trees\n")
        with pytest.raises(dumpdiff.Unsupported):
            fast_path_used(tmp_path, inv, lst, root=exp.root)
    else:
        fast_path_used(tmp_path, inv, lst, root=exp.root)
    fast, _ = both(tmp_path, inv, lst, root=exp.root)
    assert [m for m, _ in fast.findings.missing] == list(exp.missing)
    assert [m[0] for m in fast.findings.size_mismatch] == list(exp.size_mismatch)


def test_several_new_files_together_do_not_hide_an_old_one_in_their_directory(tmp_path):
    inv = write(tmp_path / "inv.txt", [f"/s/d/a.root 5 {OLD}", f"/s/d/z.root 1 {OLD}",
                                       f"/s/e/x 1 {OLD}"])
    lst = write(tmp_path / "lst.txt", [f"/s/d/n{i}.root 5 {YOUNG}" for i in range(5)]
                + [f"/s/d/z.root 1 {OLD}", f"/s/e/x 1 {OLD}"])
    fast_path_used(tmp_path, inv, lst)
    fast, _ = both(tmp_path, inv, lst)
    assert fast.findings.missing == [("/s/d/a.root", 5)]
