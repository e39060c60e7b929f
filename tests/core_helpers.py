"""Helpers for the core's CLI tests: a small planted site on disk and a CLI runner."""
import os
import subprocess
import sys
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
OLD = time.time() - 30 * 86400


def consistency(*args, cwd=None, env=None, check_rc=None, timeout=120):
    """Run the installed ``consistency`` console script; returns the CompletedProcess."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run([str(VENV_BIN / "consistency"), *map(str, args)], cwd=cwd,
                          env=full_env, capture_output=True, text=True, timeout=timeout)
    if check_rc is not None:
        assert proc.returncode == check_rc, (proc.returncode, proc.stdout, proc.stderr)
    return proc


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


def write_config(path: Path, site: Path, dump: Path, **extra) -> Path:
    keys = {"lister": "posix", "url": str(site), "inventory": "dump", "inventory_url": str(dump),
            **extra}
    lines = ["[defaults]", 'ignore = ["unmerged"]', "retry_delay = 0.05", "", "[sites.T2_TEST]"]
    for key, value in keys.items():
        lines.append(f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {value!r}")
    path.write_text("\n".join(lines) + "\n")
    return path


def results(out: Path, site: str = "T2_TEST") -> dict:
    return {name: [l.split("\t")[0] for l in (out / f"{site}_{name}.txt").read_text().splitlines()]
            for name in ("missing", "orphan", "size_mismatch", "empty_dirs", "unlisted")}
