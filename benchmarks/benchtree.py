"""The generated site tree the listing benchmarks share (same seed and shape for all)."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from consistency_core.testing import sitegen

ROOT = "/store"


def make_tree(base: Path, n_files: int, seed: int) -> tuple[int, int]:
    """Generate (or reuse) the site under base/site; return (files, directories) below ROOT."""
    marker = base / f"tree-{seed}-{n_files}.done"
    site = base / "site"
    if not marker.exists():
        shutil.rmtree(site, ignore_errors=True)
        t0 = time.monotonic()
        sitegen.generate(site, base / "inventory.txt", seed=seed, n_files=n_files,
                         files_per_block=60, max_size=64)
        print(f"generated {n_files} files in {time.monotonic() - t0:.0f}s", flush=True)
        marker.write_text("")
    files = dirs = 0
    for _path, dirnames, filenames in os.walk(site / ROOT.lstrip("/")):
        files += len(filenames)
        dirs += len(dirnames)
    return files, dirs
