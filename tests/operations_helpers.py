"""Helpers for the nightly-operation tests: a small real site on disk with a dump inventory,
and configs that point at it."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import attrs

from consistency_core import config as config_mod

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, str(Path(__file__).resolve().parent / "operations_cli.py")]
OLD = time.time() - 30 * 86400


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


def site_config(name: str, site: SmallSite, **keys) -> config_mod.SiteConfig:
    raw = {"lister": "posix", "url": str(site.storage), "inventory": "dump",
           "inventory_url": str(site.dump), "root": "/store", "threads": 2, "retries": 0,
           "ignore_age_days": 1.0}
    raw.update(keys)
    return config_mod.build_site(name, raw, "(test)")


def write_config(path: Path, sites: dict[str, SmallSite], **defaults) -> Path:
    """A TOML config with one [sites.NAME] per small site."""
    lines = ["[defaults]"]
    base = {"lister": "posix", "inventory": "dump", "root": "/store", "threads": 2,
            "retries": 0}
    base.update(defaults)
    lines += [f"{k} = {_toml(v)}" for k, v in base.items()]
    for name, site in sites.items():
        lines += ["", f"[sites.{name}]", f"url = {_toml(str(site.storage))}",
                  f"inventory_url = {_toml(str(site.dump))}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def cli(*args, cwd=None, timeout=120, **popen) -> subprocess.CompletedProcess:
    """Run the real ``consistency`` command line in a subprocess (plus the slowposix lister)."""
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, **popen)


def cli_background(*args, cwd=None) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd)


def generated_config(tmp: Path, sites: dict, **defaults) -> Path:
    """A config for sites made by sitegen.generate: name -> (site_dir, dump, expected)."""
    lines = ["[defaults]"]
    base = {"lister": "posix", "inventory": "dump", "root": "/store", "threads": 4,
            "retries": 0, "output": str(tmp / "results"), "state_dir": str(tmp / "state"),
            "max_missing_fraction": 0.5, "max_orphan_fraction": 0.5}
    base.update(defaults)
    lines += [f"{k} = {_toml(v)}" for k, v in base.items()]
    for name, (site_dir, dump, expected) in sites.items():
        lines += ["", f"[sites.{name}]", f"url = {_toml(str(site_dir))}",
                  f"inventory_url = {_toml(str(dump))}", f"ignore = {_toml(list(expected.ignore))}"]
    path = tmp / "consistency.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
