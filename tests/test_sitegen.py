"""The synthetic site generator against an independent, naive reading of its own rules: walk
the tree it wrote, parse the dumps, and derive what must be reported."""
from __future__ import annotations

import os

import pytest

from consistency_core.testing import generate, generate_dumps, write_dump
from consistency_core.testing.sitegen import DAY

AGE = 1 * DAY  # ignore_age_days = 1


def read_dump(path):
    out = {}
    with open(path) as fh:
        for line in fh:
            f = line.split()
            if not f or f[0].startswith("#"):
                continue
            assert f[0] not in out, f"duplicate {f[0]}"
            out[f[0]] = (int(f[1]), float(f[2]) if len(f) > 2 else None)
    return out


def walk(site, root):
    files, dirs = {}, {}
    for dirpath, _d, names in os.walk(str(site) + root):
        lfn_dir = dirpath[len(str(site)):]
        dirs[lfn_dir] = os.stat(dirpath).st_mtime
        for n in names:
            st = os.stat(os.path.join(dirpath, n))
            files[f"{lfn_dir}/{n}"] = (st.st_size, st.st_mtime)
    return files, dirs


def parent(p):
    return p.rpartition("/")[0]


def reference(files, inventory, dirs, exp):
    cutoff = exp.now - AGE
    young = lambda m: m is not None and m > cutoff  # noqa: E731
    ignored = lambda p: any(s in p for s in exp.ignore)  # noqa: E731
    by_dir, has_file = {}, set()
    for f, (_s, m) in files.items():
        by_dir.setdefault(parent(f), []).append(m)
        d = parent(f)
        while d and d not in has_file:
            has_file.add(d)
            d = parent(d)
    young_only = {d for d, ms in by_dir.items() if all(young(m) for m in ms)}
    missing = [p for p, (_s, m) in inventory.items()
               if p not in files and not young(m) and parent(p) not in young_only]
    orphan = [p for p, (_s, m) in files.items()
              if p not in inventory and not young(m) and not ignored(p)]
    mismatch = [p for p, (s, m) in files.items()
                if p in inventory and inventory[p][0] != s and not young(m)]
    empty = [d for d, m in dirs.items() if d not in has_file and not young(m)
             and d != exp.root and parent(d) != exp.root]
    return sorted(missing), sorted(orphan), sorted(mismatch), empty


def test_generate_matches_its_rules(tmp_path):
    exp = generate(tmp_path / "site", tmp_path / "inv.txt", seed=7, n_files=600)
    files, dirs = walk(tmp_path / "site", exp.root)
    inventory = read_dump(tmp_path / "inv.txt")
    assert len(files) == exp.n_remote and len(inventory) == exp.n_inventory

    missing, orphan, mismatch, empty = reference(files, inventory, dirs, exp)
    assert list(exp.missing) == missing and exp.missing
    assert list(exp.orphan) == orphan and exp.orphan
    assert list(exp.size_mismatch) == mismatch and exp.size_mismatch
    assert sorted(exp.empty_dirs) == sorted(empty) and exp.empty_dirs
    # deepest first, ties byte-wise; nested empties present (a parent of another empty dir)
    keys = [(-d.count("/"), d.encode()) for d in exp.empty_dirs]
    assert keys == sorted(keys)
    assert any(parent(d) in exp.empty_dirs for d in exp.empty_dirs)
    for seq in (exp.missing, exp.orphan, exp.size_mismatch, exp.young_orphan):
        assert list(seq) == sorted(seq, key=str.encode)

    # decoys exist and are what they claim
    now = exp.now
    assert exp.young_orphan and all(files[p][1] == int(now) and p not in inventory
                                    for p in exp.young_orphan)
    assert exp.young_missing and all(p not in files and inventory[p][1] == int(now)
                                     for p in exp.young_missing)
    assert exp.ignored_orphan and all(p not in inventory and files[p][1] == exp.old_mtime
                                      and any(s in p for s in exp.ignore)
                                      for p in exp.ignored_orphan)
    assert all(dirs[d] == int(now) and not any(f.startswith(d + "/") for f in files)
               for d in exp.young_empty_dirs)
    (ydir,) = exp.young_dirs
    assert dirs[ydir] == int(now)
    assert exp.young_dir_missing and all(parent(p) == ydir and p not in files
                                         and inventory[p][1] == exp.old_mtime
                                         for p in exp.young_dir_missing)
    # everything else is old, also directories (utime after planting, bottom-up)
    young_dirs = set(exp.young_dirs) | set(exp.young_empty_dirs)
    assert all(m == exp.old_mtime for d, m in dirs.items() if d not in young_dirs)
    young_files = set(exp.young_orphan)
    assert all(m == exp.old_mtime for p, (_s, m) in files.items() if p not in young_files)
    # CMS-like deep paths, a missing whole block, entries without mtime in the dump
    assert any(p.startswith("/store/mc/") and p.endswith(".root") and p.count("/") == 8
               for p in files)
    assert any(p.startswith("/store/data/") for p in files)
    assert any(m is None for _s, m in inventory.values())
    assert any(not os.path.isdir(f"{tmp_path}/site{parent(p)}") for p in exp.missing)


def test_generate_is_deterministic(tmp_path):
    a = generate(tmp_path / "a", tmp_path / "a.txt", seed=3, n_files=200, now=1.7e9)
    b = generate(tmp_path / "b", tmp_path / "b.txt", seed=3, n_files=200, now=1.7e9)
    c = generate(tmp_path / "c", tmp_path / "c.txt", seed=4, n_files=200, now=1.7e9)
    assert a == b and a != c
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    assert walk(tmp_path / "a", "/store")[0] == walk(tmp_path / "b", "/store")[0]


def test_generate_other_root(tmp_path):
    exp = generate(tmp_path / "s", tmp_path / "i.txt", seed=1, n_files=100, root="/cms/store")
    assert all(p.startswith("/cms/store/") for p in exp.missing + exp.orphan + exp.empty_dirs)
    assert all(d.count("/") > 3 for d in exp.empty_dirs)


def test_generate_dumps_matches_its_rules(tmp_path):
    exp = generate_dumps(tmp_path / "inv.txt", tmp_path / "list.txt", seed=5, n_files=20000)
    inventory = read_dump(tmp_path / "inv.txt")
    listing = read_dump(tmp_path / "list.txt")
    assert len(inventory) == exp.n_inventory and len(listing) == exp.n_remote
    dirs = {parent(p): 0.0 for p in listing}
    missing, orphan, mismatch, _ = reference(listing, inventory, dirs, exp)
    assert (list(exp.missing), list(exp.orphan), list(exp.size_mismatch)) == \
        (missing, orphan, mismatch)
    assert len(exp.missing) == 400 and len(exp.orphan) == 400 and len(exp.size_mismatch) == 200
    assert exp.empty_dirs == () and exp.young_orphan and exp.young_missing and exp.ignored_orphan
    again = generate_dumps(tmp_path / "i2", tmp_path / "l2", seed=5, n_files=20000, now=exp.now)
    assert again == exp and (tmp_path / "l2").read_bytes() == (tmp_path / "list.txt").read_bytes()


def test_generate_dumps_rejects_impossible_counts(tmp_path):
    with pytest.raises(ValueError):
        generate_dumps(tmp_path / "i", tmp_path / "l", seed=1, n_files=20, n_missing=50)


def test_write_dump(tmp_path):
    n = write_dump(tmp_path / "d.txt", [("/store/a", 1, 5.9), ("/store/b", 2, None), ("/store/c", 3)])
    assert n == 3
    lines = (tmp_path / "d.txt").read_text().splitlines()
    assert [l for l in lines if not l.startswith("#")] == ["/store/a 1 5", "/store/b 2", "/store/c 3"]
