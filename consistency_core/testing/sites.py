"""Sites for tests: small hand-made trees with a dump inventory, sitegen's generated sites on
disk, their configs, and ways to look at a tree (on disk, or walked by a lister).

    planted_site(tmp) -> (site_dir, dump, expected)   one finding of each class, and decoys
    small_site(base, dirs=6, ...) -> SmallSite          a plain tree; put() / remove() / dump
    generate_site(tmp, seed=..., n_files=...) -> (site_dir, dump, sitegen.Expected)
"""
from __future__ import annotations

import inspect
import os
import threading
import time
from pathlib import Path

import attrs

from . import configs, sitegen

OLD = time.time() - 30 * 86400
PLANTED_SITE = "T2_TEST"


def make_file(base: Path, lfn: str, size: int, mtime: float = OLD) -> None:
    path = base / lfn.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    os.utime(path, (mtime, mtime))


def age_dirs(base: Path, mtime: float = OLD, keep_young=()) -> None:
    """Give every directory an old mtime, bottom-up, except those named in keep_young."""
    for root, dirs, _files in os.walk(base, topdown=False):
        for d in dirs:
            p = Path(root) / d
            if "/" + str(p.relative_to(base)) not in keep_young:
                os.utime(p, (mtime, mtime))


def planted_site(tmp: Path):
    """A site tree and an inventory dump with one finding of each kind and some decoys."""
    site = tmp / "site"
    inv = []
    for i in range(6):
        lfn = f"/store/mc/Camp/DS{i % 2}/AODSIM/v1/000{i}/file{i}.root"
        make_file(site, lfn, 100 + i)
        inv.append((lfn, 100 + i))
    inv.append(("/store/mc/Camp/DS0/AODSIM/v1/0000/lost.root", 77))           # missing
    make_file(site, "/store/mc/Camp/DS1/AODSIM/v1/0001/dark.root", 55)      # orphan
    make_file(site, "/store/mc/Camp/DS1/AODSIM/v1/0003/bad.root", 10)       # size mismatch
    inv.append(("/store/mc/Camp/DS1/AODSIM/v1/0003/bad.root", 12))
    make_file(site, "/store/mc/Camp/DS0/young.root", 5, time.time())       # young orphan
    inv.append(("/store/mc/Camp/DS0/young_inv.root", 9, time.time()))      # young missing
    make_file(site, "/store/mc/Camp/DS0/unmerged/keep.root", 3)             # ignored orphan
    (site / "store/mc/Camp/DS0/empty/inner").mkdir(parents=True)            # empty dirs
    (site / "store/mc/Camp/DS1/freshdir").mkdir(parents=True)               # young empty dir
    (site / "store/data").mkdir(parents=True)                               # top-level: never
    age_dirs(site, keep_young={"/store/mc/Camp/DS1/freshdir"})
    dump = tmp / "inventory.txt"
    dump.write_text("# lfn size [mtime]\n" + "".join(
        f"{row[0]} {row[1]}" + (f" {int(row[2])}" if len(row) > 2 else "") + "\n" for row in inv))
    expected = {
        "missing": ["/store/mc/Camp/DS0/AODSIM/v1/0000/lost.root"],
        "orphan": ["/store/mc/Camp/DS1/AODSIM/v1/0001/dark.root"],
        "size_mismatch": ["/store/mc/Camp/DS1/AODSIM/v1/0003/bad.root"],
        "empty_dirs": ["/store/mc/Camp/DS0/empty/inner", "/store/mc/Camp/DS0/empty"],
        "unlisted": [],
    }
    return site, dump, expected


def planted_config(path: Path, site: Path, dump: Path, **keys) -> Path:
    """A config for planted_site's site (T2_TEST, posix lister, dump inventory); ``keys``
    add to or override its site table."""
    return configs.write_config(
        path, {PLANTED_SITE: {"lister": "posix", "url": str(site), "inventory": "dump",
                              "inventory_url": str(dump), **keys}},
        defaults={"ignore": ["unmerged"], "retry_delay": 0.05})


@attrs.define
class SmallSite:
    storage: Path
    dump: Path
    missing: list[str]
    orphan: list[str]
    files: int

    def write_dump(self, rows) -> None:
        tmp = self.dump.with_suffix(".tmp")
        tmp.write_text("".join(f"{lfn} {size} {int(OLD)}\n" for lfn, size in sorted(rows)))
        os.replace(tmp, self.dump)

    def dump_rows(self) -> list[tuple[str, int]]:
        rows = []
        for line in self.dump.read_text().splitlines():
            lfn, size, _mtime = line.split()
            rows.append((lfn, int(size)))
        return rows

    def put(self, lfn: str, size: int) -> None:
        path = self.storage / lfn.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
        os.utime(path, (OLD, OLD))

    def remove(self, lfn: str) -> None:
        os.unlink(self.storage / lfn.lstrip("/"))


def small_site(base: Path, dirs: int = 6, per_dir: int = 5, missing: int = 2,
               orphan: int = 2) -> SmallSite:
    """``dirs`` directories under /store/data with ``per_dir`` files each; the first
    ``missing`` files of the last directory are in the dump only, ``orphan`` extra files
    on disk only. Everything is 30 days old."""
    storage, dump = base / "storage", base / "inventory.dump"
    rows, on_disk = [], []
    for d in range(dirs):
        for i in range(per_dir):
            lfn = f"/store/data/d{d:02d}/f{i:03d}.root"
            rows.append((lfn, 100 + i))
            on_disk.append((lfn, 100 + i))
    missing_lfns = [lfn for lfn, _ in on_disk[-missing:]] if missing else []
    on_disk = [row for row in on_disk if row[0] not in missing_lfns]
    orphan_lfns = [f"/store/data/d00/orphan{i}.root" for i in range(orphan)]
    site = SmallSite(storage, dump, missing_lfns, orphan_lfns, len(rows))
    for lfn, size in on_disk:
        site.put(lfn, size)
    for lfn in orphan_lfns:
        site.put(lfn, 7)
    for path, _dirs, _files in os.walk(storage):
        os.utime(path, (OLD, OLD))
    site.write_dump(rows)
    return site


SMALL_SITE_DEFAULTS = {"lister": "posix", "inventory": "dump", "root": "/store", "threads": 2,
                       "retries": 0}


def small_site_keys(site: SmallSite, **keys) -> dict:
    return {"url": str(site.storage), "inventory_url": str(site.dump), **keys}


def small_site_config(name: str, site: SmallSite, **keys):
    """A SiteConfig for one small site, as the config file would give it."""
    from consistency_core import config

    raw = {**SMALL_SITE_DEFAULTS, "url": str(site.storage), "inventory_url": str(site.dump),
           "retries": 0, "ignore_age_days": 1.0, **keys}
    return config.build_site(name, raw, "(test)")


def small_sites_config(path: Path, sites: dict[str, SmallSite], **defaults) -> Path:
    """A config with one [sites.NAME] per small site; ``defaults`` add to [defaults]."""
    return configs.write_config(
        path, {name: small_site_keys(site) for name, site in sites.items()},
        defaults={**SMALL_SITE_DEFAULTS, **defaults})


def generate_site(tmp: Path, *, seed: int, n_files: int = 600, **kw):
    """sitegen's site under tmp/site (+ tmp/inventory.txt): (site_dir, dump, expected)."""
    site, dump = tmp / "site", tmp / "inventory.txt"
    expected = sitegen.generate(site, dump, seed=seed, n_files=n_files, **kw)
    return site, dump, expected


def generated_config(tmp: Path, sites: dict, **defaults) -> Path:
    """tmp/consistency.toml for generated sites: name -> (site_dir, dump, expected); results
    in tmp/results, state in tmp/state."""
    base = {**SMALL_SITE_DEFAULTS, "threads": 4, "output": str(tmp / "results"),
            "state_dir": str(tmp / "state"), "max_missing_fraction": 0.5,
            "max_orphan_fraction": 0.5, **defaults}
    tables = {name: {"url": str(site_dir), "inventory_url": str(dump),
                     "ignore": list(expected.ignore)}
              for name, (site_dir, dump, expected) in sites.items()}
    return configs.write_config(tmp / "consistency.toml", tables, defaults=base)


def disk_view(site_dir: Path, root: str = "/store") -> tuple[dict, set]:
    """Ground truth from the file system: ({file lfn: (size, int mtime)}, {dir lfn})."""
    files, dirs = {}, set()
    base = str(site_dir)
    for dirpath, _dirnames, filenames in os.walk(base + root):
        lfn_dir = dirpath[len(base):]
        dirs.add(lfn_dir)
        for name in filenames:
            st = os.stat(os.path.join(dirpath, name))
            files[f"{lfn_dir}/{name}"] = (st.st_size, int(st.st_mtime))
    return files, dirs


def lister_for(site):
    from consistency_core import plugins

    return plugins.get_backend("lister", site.lister).factory(site)


def walk(site, lister=None, stop: threading.Event | None = None, check: bool = True):
    """Walk the site with the real engine: (files {lfn: (size, mtime)}, dirs, stats, tree,
    lister). ``check``: call the lister's check() first, as a run does."""
    from consistency_core.engine import Walker
    from consistency_core.tree import Tree, join

    lister = lister or lister_for(site)
    files, dirs = {}, set()

    def keep(lfn, listing, error):
        if listing is not None:
            dirs.add(lfn)
            for f in listing.files:
                files[join(lfn, f.name)] = (f.size, int(f.mtime))

    if check and hasattr(lister, "check"):
        lister.check()
    tree = Tree(cutoff=time.time())
    stats = Walker(lister, site, tree, stop=stop, on_listed=keep).run(site.top_dirs)
    return files, dirs, stats, tree, lister


def check(site, **kw):
    """The bare check in this process, writing nothing: (found dict, result)."""
    from consistency_core import check_site

    from .results import found

    if "write" in inspect.signature(check_site).parameters:
        kw.setdefault("write", False)
    result = check_site(site, **kw)
    return found(result), result
