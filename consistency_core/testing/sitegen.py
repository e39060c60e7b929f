"""Synthetic CMS-like sites with planted inconsistencies, for tests, the demo and benchmarks.

``generate()`` writes a real directory tree (``site_dir + LFN`` is a file) and an inventory
dump; ``generate_dumps()`` writes an inventory dump and a listing dump of the same shape
without touching a tree, streaming, for benchmark sizes (10M lines). Both return
:class:`Expected`: what a correct check must report, and the decoys it must not.

Rules the planting follows (the comparison engine implements the same rules on its own):

- every file and directory is old (mtime ``now - 30 days``, set with ``os.utime`` after all
  planting, directories bottom-up) except the young decoys below (mtime ``now``);
- *missing*: in the inventory, old, not on disk. A directory that loses files keeps at least
  one file on disk, or goes away completely (a whole missing block); so no directory is empty
  on disk while the inventory lists files in it;
- *orphan*: on disk, old, not in the inventory, not under an ignore pattern;
- *size_mismatch*: on disk and in the inventory, both old, sizes differ;
- *empty_dirs*: old directories holding no file at any depth (a directory holding only empty
  directories is empty), none under an ignore pattern, never the root or directly below it;
  ordered deepest first (children before parents), ties byte-wise;
- decoys never reported: young files on disk not in the inventory (``young_orphan``), young
  inventory entries not on disk (``young_missing``), old orphans under an ignore pattern
  (``ignored_orphan``), a young empty directory (``young_empty_dirs``), and a directory holding
  only young files (``young_dirs``) for which the inventory lists old files that are not on
  disk (``young_dir_missing``);
- missing, orphan, size_mismatch and the decoy lists are sorted byte-wise (``str.encode()``).

The inventory dump has one ``LFN size [mtime_epoch_seconds]`` per line, ``#`` comments, in
random order; about a fifth of the old entries carry no mtime (which counts as old).
"""
from __future__ import annotations

import json
import os
import random
import time
from typing import Iterable, Iterator

import attrs

DAY = 86400
OLD_AGE_DAYS = 30

MC_CAMPAIGNS = ("RunIISummer20UL16MiniAODv2", "RunIISummer20UL17RECO", "RunIISummer20UL18NanoAODv9",
                "Run3Summer22EEMiniAODv4", "Run3Winter24NanoAOD", "Phase2Fall22DRMiniAOD")
MC_PROCESSES = ("TTToSemiLeptonic_TuneCP5_13TeV-powheg-pythia8",
                "DYJetsToLL_M-50_TuneCP5_13TeV-amcatnloFXFX-pythia8",
                "WJetsToLNu_HT-400To600_TuneCP5_13TeV-madgraphMLM-pythia8",
                "GluGluHToGG_M125_TuneCP5_13TeV-amcatnloFXFX-pythia8",
                "QCD_Pt-15to7000_TuneCP5_Flat2018_13TeV_pythia8",
                "ZZTo4L_TuneCP5_13TeV_powheg_pythia8",
                "ST_tW_top_5f_inclusiveDecays_TuneCP5_13TeV-powheg-pythia8",
                "BulkGravToWW_narrow_M-2000_TuneCP5_13TeV-madgraph-pythia")
MC_TIERS = ("AODSIM", "MINIAODSIM", "NANOAODSIM", "GEN-SIM", "GEN-SIM-DIGI-RAW")
MC_VERSIONS = ("106X_mcRun2_asymptotic_v17", "106X_upgrade2018_realistic_v16_L1v1",
               "130X_mcRun3_2022_realistic_postEE_v6", "125X_mcRun4_realistic_v2")
DATA_ERAS = ("Run2016H", "Run2017F", "Run2018A", "Run2018D", "Run2022C", "Run2023D", "Run2024F")
DATA_PDS = ("SingleMuon", "EGamma", "JetHT", "MET", "ZeroBias", "DoubleMuon", "Tau", "BTagMu",
            "ParkingBPH1")
DATA_TIERS = ("RAW", "AOD", "MINIAOD", "NANOAOD", "USER")
DATA_VERSIONS = ("UL2018_MiniAODv2", "PromptReco", "22Sep2023", "UL2017_MiniAODv2_NanoAODv9")


def bsorted(items: Iterable[str]) -> tuple[str, ...]:
    """Sorted byte-wise (UTF-8), as every list in :class:`Expected`."""
    return tuple(sorted(items, key=str.encode))


def dirs_sorted(items: Iterable[str]) -> tuple[str, ...]:
    """Deepest first (children before parents), ties byte-wise: the empty-directory order."""
    return tuple(sorted(items, key=lambda p: (-p.rstrip("/").count("/"), p.encode())))


@attrs.frozen
class Expected:
    """What a correct check of the generated site reports (and the decoys it must not)."""

    root: str
    ignore: tuple[str, ...]
    missing: tuple[str, ...]
    orphan: tuple[str, ...]
    size_mismatch: tuple[str, ...]
    empty_dirs: tuple[str, ...]
    young_orphan: tuple[str, ...] = ()
    young_missing: tuple[str, ...] = ()
    ignored_orphan: tuple[str, ...] = ()
    young_empty_dirs: tuple[str, ...] = ()
    young_dirs: tuple[str, ...] = ()
    young_dir_missing: tuple[str, ...] = ()
    n_inventory: int = 0  # entries in the inventory dump
    n_remote: int = 0  # files on the site (on disk, or lines of the listing dump)
    now: float = 0.0
    old_mtime: int = 0  # the mtime every non-young file and directory has

    @property
    def reported(self) -> dict[str, tuple[str, ...]]:
        return {"missing": self.missing, "orphan": self.orphan,
                "size_mismatch": self.size_mismatch, "empty_dirs": self.empty_dirs}

    def as_dict(self) -> dict:
        return attrs.asdict(self)  # tuples become lists

    def to_json(self, path: str) -> None:
        with open(path, "w") as fh:
            json.dump(self.as_dict(), fh, indent=1)
            fh.write("\n")


# ----------------------------------------------------------------------------------- layout
def _uuid_name(rng: random.Random) -> str:
    s = f"{rng.getrandbits(128):032X}"
    return f"{s[:8]}-{s[8:12]}-{s[12:16]}-{s[16:20]}-{s[20:]}.root"


def _iter_blocks(rng: random.Random, root: str, files_per_block: int) -> Iterator[tuple[str, int]]:
    """Endless (block directory LFN, number of files) in CMS-like datasets, never repeating."""
    seen: dict[tuple[str, ...], int] = {}
    root = root.rstrip("/")
    while True:
        if rng.random() < 0.7:
            key = ("mc", rng.choice(MC_CAMPAIGNS), rng.choice(MC_PROCESSES), rng.choice(MC_TIERS),
                   rng.choice(MC_VERSIONS))
        else:
            key = ("data", rng.choice(DATA_ERAS), rng.choice(DATA_PDS), rng.choice(DATA_TIERS),
                   rng.choice(DATA_VERSIONS))
        n = seen[key] = seen.get(key, 0) + 1
        kind, a, b, tier, version = key
        ds = f"{root}/{kind}/{a}/{b}/{tier}/{version}-v{n}"
        nblocks = rng.randint(1, 4)
        for block in sorted(rng.sample(range(1, 400), nblocks)):
            yield f"{ds}/{block * 10000}", rng.randint(1, 2 * files_per_block - 1)


def _parent(lfn: str) -> str:
    return lfn.rpartition("/")[0]


def _fresh_name(rng: random.Random, parent: str, taken: set[str]) -> str:
    while True:
        path = f"{parent}/{rng.randint(400, 999) * 10000}"
        if path not in taken:
            taken.add(path)
            return path


def _default(n: int | None, n_files: int, per: int, cap: int | None = None) -> int:
    if n is not None:
        return n
    value = max(1, n_files // per)
    return min(value, cap) if cap else value


def default_ignore(root: str = "/store") -> tuple[str, ...]:
    root = root.rstrip("/")
    return (f"{root}/unmerged/", f"{root}/mc/SAM/")


# --------------------------------------------------------------------------------- generate
def generate(site_dir: str | os.PathLike, inventory_path: str | os.PathLike, *, seed: int,
             n_files: int = 1000, root: str = "/store", n_missing: int | None = None,
             n_orphan: int | None = None, n_size_mismatch: int | None = None,
             n_empty: int | None = None, n_young: int | None = None,
             files_per_block: int = 8, max_size: int = 2048, now: float | None = None,
             ignore: tuple[str, ...] | None = None) -> Expected:
    """Write a site tree under ``site_dir`` and its inventory dump; return what to expect.

    ``n_files`` regular inventory files; of those ``n_missing`` are removed from disk and
    ``n_size_mismatch`` get another size on disk; ``n_orphan`` extra old files on disk;
    ``n_empty`` empty-directory plantings (a leaf, a nested group or a whole empty dataset
    chain: each adds one or more directories); ``n_young`` files per young decoy kind.
    Deterministic for a given seed (paths, sizes and contents; mtimes follow ``now``).
    """
    if n_files < 10:
        raise ValueError("n_files must be at least 10")
    rng = random.Random(seed)
    now = time.time() if now is None else now
    young, old = int(now), int(now) - OLD_AGE_DAYS * DAY
    root = "/" + root.strip("/")
    ignore = default_ignore(root) if ignore is None else tuple(ignore)
    n_missing = _default(n_missing, n_files, 50)
    n_orphan = _default(n_orphan, n_files, 50)
    n_size_mismatch = _default(n_size_mismatch, n_files, 100)
    n_empty = _default(n_empty, n_files, 200)
    n_young = _default(n_young, n_files, 100)

    # regular blocks ------------------------------------------------------------------------
    blocks: dict[str, list[str]] = {}
    count = 0
    for bdir, k in _iter_blocks(rng, root, files_per_block):
        k = min(k, n_files - count)
        blocks[bdir] = [f"{bdir}/{_uuid_name(rng)}" for _ in range(k)]
        count += k
        if count >= n_files:
            break
    taken_dirs = set(blocks)
    for b in list(blocks):
        p = b
        while p != root and p:
            p = _parent(p)
            taken_dirs.add(p)

    inventory: dict[str, tuple[int, int | None]] = {}  # lfn -> (size, mtime or None)
    disk: dict[str, int] = {}  # lfn -> size
    young_files: set[str] = set()
    for files in blocks.values():
        for lfn in files:
            size = rng.randint(1, max_size)
            inventory[lfn] = (size, None if rng.random() < 0.2 else old)
            disk[lfn] = size

    block_list = list(blocks)
    versions: dict[str, list[str]] = {}
    for b in block_list:
        versions.setdefault(_parent(b), []).append(b)

    # missing: a whole block (its version dir keeps another block), then single files ------
    missing: list[str] = []
    removed_blocks: set[str] = set()
    if n_missing >= 4:
        for b in rng.sample(block_list, len(block_list)):
            if 2 <= len(blocks[b]) <= n_missing // 2 and len(versions[_parent(b)]) >= 2 \
                    and not any(r in versions[_parent(b)] for r in removed_blocks):
                removed_blocks.add(b)
                for lfn in blocks[b]:
                    del disk[lfn]
                    missing.append(lfn)
                break
    left = {b: len(files) for b, files in blocks.items() if b not in removed_blocks}
    candidates = [lfn for b, files in blocks.items() if b not in removed_blocks for lfn in files]
    rng.shuffle(candidates)
    for lfn in candidates:
        if len(missing) >= n_missing:
            break
        b = _parent(lfn)
        if left[b] >= 2:
            left[b] -= 1
            del disk[lfn]
            missing.append(lfn)
    live_blocks = [b for b in block_list if b not in removed_blocks]
    live_versions = sorted({_parent(b) for b in live_blocks})

    # size mismatch --------------------------------------------------------------------------
    mismatch = rng.sample(sorted(disk), min(n_size_mismatch, len(disk)))
    for lfn in mismatch:
        disk[lfn] = inventory[lfn][0] + rng.randint(1, 100)

    # orphans: most in existing blocks, some in a block directory the inventory does not know
    orphan: list[str] = []
    orphan_block = _fresh_name(rng, rng.choice(live_versions), taken_dirs) if n_orphan >= 3 else None
    for i in range(n_orphan):
        parent = orphan_block if orphan_block and i < n_orphan // 3 else rng.choice(live_blocks)
        lfn = f"{parent}/{_uuid_name(rng)}"
        disk[lfn] = rng.randint(1, max_size)
        orphan.append(lfn)

    # decoys ---------------------------------------------------------------------------------
    ignored: list[str] = []
    for i in range(max(2, n_young)):
        pattern = ignore[i % len(ignore)] if ignore else None
        if pattern is None:
            break
        base = pattern.rstrip("/")
        lfn = (f"{base}/{rng.choice(MC_PROCESSES)}/{rng.choice(MC_TIERS)}/"
               f"{rng.choice(MC_VERSIONS)}-v1/{rng.randint(1, 9) * 10000}/{_uuid_name(rng)}")
        if not lfn.startswith(root + "/"):
            lfn = f"{root}/{lfn.lstrip('/')}"
        disk[lfn] = rng.randint(1, max_size)
        ignored.append(lfn)

    young_orphan: list[str] = []
    for _ in range(n_young):
        lfn = f"{rng.choice(live_blocks)}/{_uuid_name(rng)}"
        disk[lfn] = rng.randint(1, max_size)
        young_files.add(lfn)
        young_orphan.append(lfn)

    young_missing: list[str] = []
    for _ in range(n_young):
        lfn = f"{rng.choice(live_blocks)}/{_uuid_name(rng)}"
        inventory[lfn] = (rng.randint(1, max_size), young)
        young_missing.append(lfn)

    young_empty = [_fresh_name(rng, rng.choice(live_versions), taken_dirs)]
    young_dir = _fresh_name(rng, rng.choice(live_versions), taken_dirs)
    for _ in range(max(1, n_young // 2)):
        lfn = f"{young_dir}/{_uuid_name(rng)}"
        disk[lfn] = rng.randint(1, max_size)
        young_files.add(lfn)
        young_orphan.append(lfn)
    young_dir_missing = []
    for _ in range(max(1, n_young // 2)):
        lfn = f"{young_dir}/{_uuid_name(rng)}"
        inventory[lfn] = (rng.randint(1, max_size), old)
        young_dir_missing.append(lfn)

    # empty directories: a leaf block, a nested version, or a whole empty dataset chain -----
    empty_plants: list[str] = []
    for i in range(n_empty):
        kind = i % 3
        if kind == 0:
            empty_plants.append(_fresh_name(rng, rng.choice(live_versions), taken_dirs))
        elif kind == 1:
            tier_dir = _parent(rng.choice(live_versions))
            names = DATA_VERSIONS if f"{root}/data/" in tier_dir else MC_VERSIONS
            version = f"{tier_dir}/{rng.choice(names)}-v{rng.randint(50, 99)}"
            while version in taken_dirs:
                version = f"{tier_dir}/{rng.choice(names)}-v{rng.randint(100, 999)}"
            taken_dirs.add(version)
            subs = [_fresh_name(rng, version, taken_dirs) for _ in range(rng.randint(1, 3))]
            empty_plants += subs
            empty_plants.append(_fresh_name(rng, subs[0], taken_dirs))
        else:
            campaign = _parent(_parent(_parent(rng.choice(live_versions))))  # .../<campaign>/<ds>/<tier>/<version>
            ds = f"{campaign}/EmptyDataset_{rng.getrandbits(32):08x}"
            taken_dirs.add(ds)
            tiers, names = ((DATA_TIERS, DATA_VERSIONS) if f"{root}/data/" in ds
                            else (MC_TIERS, MC_VERSIONS))
            empty_plants.append(f"{ds}/{rng.choice(tiers)}/{rng.choice(names)}-v1/"
                                f"{rng.randint(1, 399) * 10000}")

    # write the tree -------------------------------------------------------------------------
    base = os.fspath(site_dir).rstrip("/")
    made: set[str] = set()
    for lfn in sorted(disk):
        d = _parent(lfn)
        if d not in made:
            os.makedirs(base + d, exist_ok=True)
            made.add(d)
        with open(base + lfn, "wb") as fh:
            fh.write(rng.randbytes(disk[lfn]))
    for d in empty_plants + young_empty:
        os.makedirs(base + d, exist_ok=True)

    # mtimes: everything old, bottom-up, then the young decoys -----------------------------
    young_dirs = {young_dir, *young_empty}
    top = base + root
    for dirpath, _dirnames, filenames in os.walk(top, topdown=False):
        lfn_dir = dirpath[len(base):]
        for name in filenames:
            lfn = f"{lfn_dir}/{name}"
            t = young if lfn in young_files else old
            os.utime(dirpath + "/" + name, (t, t))
        t = young if lfn_dir in young_dirs else old
        os.utime(dirpath, (t, t))

    # empty directories as they are on disk -------------------------------------------------
    inv_dirs = set()
    for lfn in inventory:
        d = _parent(lfn)
        while d and d not in inv_dirs:
            inv_dirs.add(d)
            d = _parent(d)
    empty = _scan_empty(base, root, skip=young_dirs, ignore=ignore, inv_dirs=inv_dirs)

    write_dump(inventory_path, _inventory_lines(rng, inventory),
               header=f"inventory of a synthetic site: seed={seed} n_files={n_files} root={root}")

    return Expected(
        root=root, ignore=ignore, missing=bsorted(missing), orphan=bsorted(orphan),
        size_mismatch=bsorted(mismatch), empty_dirs=dirs_sorted(empty),
        young_orphan=bsorted(young_orphan), young_missing=bsorted(young_missing),
        ignored_orphan=bsorted(ignored), young_empty_dirs=bsorted(young_empty),
        young_dirs=(young_dir,), young_dir_missing=bsorted(young_dir_missing),
        n_inventory=len(inventory), n_remote=len(disk), now=float(now), old_mtime=old)


def _inventory_lines(rng: random.Random, inventory: dict) -> list[tuple]:
    rows = [(lfn, size, mtime) for lfn, (size, mtime) in inventory.items()]
    rng.shuffle(rows)
    return rows


def _scan_empty(base: str, root: str, *, skip: set[str], ignore: tuple[str, ...],
                inv_dirs: set[str]) -> list[str]:
    """Directories under root with no file at any depth (bottom-up), minus young ones, the
    root and its children, ignored paths and directories the inventory has files under."""
    empty_on_disk: set[str] = set()
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(base + root, topdown=False):
        lfn = dirpath[len(base):]
        if filenames or not all(f"{lfn}/{d}" in empty_on_disk for d in dirnames):
            continue
        empty_on_disk.add(lfn)
        if lfn in skip or lfn == root or _parent(lfn) == root:
            continue
        if any(p in lfn for p in ignore) or lfn in inv_dirs:
            raise AssertionError(f"sitegen planted an ambiguous empty directory {lfn}")
        found.append(lfn)
    # a young empty dir makes its parent non-removable; sitegen never plants one alone
    for d in skip:
        if _parent(d) in empty_on_disk:
            raise AssertionError(f"sitegen planted a young directory alone in {_parent(d)}")
    return found


# ------------------------------------------------------------------------------------ dumps
def write_dump(path: str | os.PathLike, entries: Iterable[tuple], *, header: str | None = None) -> int:
    """Write ``LFN size [mtime]`` lines (``(lfn, size)`` or ``(lfn, size, mtime_or_None)``
    tuples), streaming; returns the number of entries."""
    n = 0
    with open(path, "w", encoding="utf-8", buffering=1 << 20) as fh:
        if header:
            for line in header.splitlines():
                fh.write(f"# {line}\n")
        fh.write("# LFN size [mtime_epoch_seconds]\n")
        write = fh.write
        for entry in entries:
            if len(entry) > 2 and entry[2] is not None:
                write(f"{entry[0]} {entry[1]} {int(entry[2])}\n")
            else:
                write(f"{entry[0]} {entry[1]}\n")
            n += 1
    return n


_CATEGORIES = ("missing", "orphan", "size_mismatch", "young_orphan", "young_missing")


def generate_dumps(inventory_path: str | os.PathLike, listing_path: str | os.PathLike, *,
                   seed: int, n_files: int = 1_000_000, root: str = "/store",
                   n_missing: int | None = None, n_orphan: int | None = None,
                   n_size_mismatch: int | None = None, n_young: int | None = None,
                   files_per_block: int = 20, max_size: int = 4_000_000_000,
                   now: float | None = None, ignore: tuple[str, ...] | None = None) -> Expected:
    """Write an inventory dump and a site listing dump of ``n_files`` base files, streaming
    (memory grows only with the planted counts, capped at 10,000 each by default).

    Each block keeps its first file on both sides, so no directory holds only young or only
    missing entries. Planted: missing (inventory only), orphan (listing only), size_mismatch,
    young_orphan (listing only, mtime now), young_missing (inventory only, mtime now) and
    ignored orphans in the listing. No empty directories (a file dump cannot hold them).
    """
    if n_files < 10:
        raise ValueError("n_files must be at least 10")
    now = time.time() if now is None else now
    young, old = int(now), int(now) - OLD_AGE_DAYS * DAY
    root = "/" + root.strip("/")
    ignore = default_ignore(root) if ignore is None else tuple(ignore)
    want = {
        "missing": _default(n_missing, n_files, 50, 10_000),
        "orphan": _default(n_orphan, n_files, 50, 10_000),
        "size_mismatch": _default(n_size_mismatch, n_files, 100, 10_000),
        "young_orphan": _default(n_young, n_files, 100, 10_000),
        "young_missing": _default(n_young, n_files, 100, 10_000),
    }

    def blocks() -> Iterator[tuple[str, int]]:
        count = 0
        for bdir, k in _iter_blocks(random.Random(f"{seed}/layout"), root, files_per_block):
            k = min(k, n_files - count)
            yield bdir, k
            count += k
            if count >= n_files:
                return

    eligible = sum(k - 1 for _b, k in blocks())  # every position but a block's first file
    if sum(want.values()) > eligible:
        raise ValueError(f"too many planted entries ({sum(want.values())}) for {eligible} "
                         "eligible files: raise n_files or lower the counts")
    remaining = dict(want)
    left = eligible
    fate_rng = random.Random(f"{seed}/fate")
    rng = random.Random(f"{seed}/names")
    found: dict[str, list[str]] = {c: [] for c in _CATEGORIES}
    n_inv = n_remote = 0

    with open(inventory_path, "w", encoding="utf-8", buffering=1 << 20) as inv, \
            open(listing_path, "w", encoding="utf-8", buffering=1 << 20) as lst:
        inv.write(f"# inventory dump: seed={seed} n_files={n_files} root={root}\n"
                  "# LFN size [mtime_epoch_seconds]\n")
        lst.write(f"# site listing dump: seed={seed} n_files={n_files} root={root}\n"
                  "# LFN size [mtime_epoch_seconds]\n")
        iw, lw = inv.write, lst.write
        for bdir, k in blocks():
            for i in range(k):
                lfn = f"{bdir}/{_uuid_name(rng)}"
                size = rng.randint(1, max_size)
                fate = None
                if i and left:
                    pick = fate_rng.random() * left
                    for cat in _CATEGORIES:
                        if pick < remaining[cat]:
                            fate = cat
                            remaining[cat] -= 1
                            break
                        pick -= remaining[cat]
                    left -= 1
                if fate is None:
                    if fate_rng.random() < 0.2:
                        iw(f"{lfn} {size}\n")
                    else:
                        iw(f"{lfn} {size} {old}\n")
                    lw(f"{lfn} {size} {old}\n")
                    n_inv += 1
                    n_remote += 1
                    continue
                found[fate].append(lfn)
                if fate == "missing":
                    iw(f"{lfn} {size} {old}\n")
                    n_inv += 1
                elif fate == "orphan":
                    lw(f"{lfn} {size} {old}\n")
                    n_remote += 1
                elif fate == "size_mismatch":
                    iw(f"{lfn} {size} {old}\n")
                    lw(f"{lfn} {size + 1 + fate_rng.randint(0, 1000)} {old}\n")
                    n_inv += 1
                    n_remote += 1
                elif fate == "young_orphan":
                    lw(f"{lfn} {size} {young}\n")
                    n_remote += 1
                else:  # young_missing
                    iw(f"{lfn} {size} {young}\n")
                    n_inv += 1
        ignored = []
        for i in range(max(2, want["young_orphan"])):
            if not ignore:
                break
            pattern = ignore[i % len(ignore)].rstrip("/")
            lfn = (f"{pattern}/{rng.choice(MC_PROCESSES)}/{rng.choice(MC_TIERS)}/"
                   f"{rng.choice(MC_VERSIONS)}-v1/{rng.randint(1, 9) * 10000}/{_uuid_name(rng)}")
            if not lfn.startswith(root + "/"):
                lfn = f"{root}/{lfn.lstrip('/')}"
            lw(f"{lfn} {rng.randint(1, max_size)} {old}\n")
            n_remote += 1
            ignored.append(lfn)

    return Expected(
        root=root, ignore=ignore, missing=bsorted(found["missing"]),
        orphan=bsorted(found["orphan"]), size_mismatch=bsorted(found["size_mismatch"]),
        empty_dirs=(), young_orphan=bsorted(found["young_orphan"]),
        young_missing=bsorted(found["young_missing"]), ignored_orphan=bsorted(ignored),
        n_inventory=n_inv, n_remote=n_remote, now=float(now), old_mtime=old)


# -------------------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(
        prog="python -m consistency_core.testing.sitegen",
        description="Write a synthetic CMS-like site with planted inconsistencies into OUTDIR: "
                    "site/ + inventory.txt (or, with --dumps, inventory.txt + listing.txt) "
                    "and expected.json.")
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files", type=int, default=2000, help="regular inventory files")
    ap.add_argument("--root", default="/store")
    ap.add_argument("--dumps", action="store_true",
                    help="write two dumps instead of a tree (benchmark sizes)")
    args = ap.parse_args(argv)
    os.makedirs(args.outdir, exist_ok=True)
    out = args.outdir.rstrip("/")
    t0 = time.monotonic()
    if args.dumps:
        exp = generate_dumps(f"{out}/inventory.txt", f"{out}/listing.txt", seed=args.seed,
                             n_files=args.files, root=args.root)
    else:
        exp = generate(f"{out}/site", f"{out}/inventory.txt", seed=args.seed,
                       n_files=args.files, root=args.root)
    exp.to_json(f"{out}/expected.json")
    counts = {k: len(v) for k, v in exp.as_dict().items() if isinstance(v, (list, tuple))}
    print(f"sitegen: {out} in {time.monotonic() - t0:.1f}s: {exp.n_remote} files on the site, "
          f"{exp.n_inventory} in the inventory; planted " +
          ", ".join(f"{k}={v}" for k, v in counts.items() if k != "ignore") +
          f"; ignore={list(exp.ignore)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
