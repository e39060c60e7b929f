"""``consistency list``: walk the remote side only and write it as a dump;
``consistency inventory dump``: read the inventory only and write it as a dump."""
from __future__ import annotations

import threading
import time

from . import dumpfile, plugins
from .config import SiteConfig
from .engine import Walker, WalkStats
from .progress import Progress
from .tree import Tree, join


def list_site(site: SiteConfig, output: str, stop: threading.Event | None = None) -> WalkStats:
    """Write every listed file as ``lfn size mtime`` and each unlisted directory as a comment."""
    lister = plugins.get_backend("lister", site.lister,
                                 f"{site.source}: sites.{site.name}.lister").factory(site)
    listings: dict[str, list] = {}

    def keep(lfn, listing, error):
        if listing is not None:
            listings[lfn] = listing.files

    try:
        if hasattr(lister, "check"):
            lister.check()
        tree = Tree(cutoff=time.time())
        stats = Walker(lister, site, tree, stop=stop, progress=Progress(site.name),
                       on_listed=keep).run(site.top_dirs)
    finally:
        if hasattr(lister, "close"):
            lister.close()
    rows = ((join(d, f.name), f.size, f.mtime) for d, files in listings.items() for f in files)
    dumpfile.write(output, rows, tree.unlisted())
    return stats


def dump_inventory(site: SiteConfig, output: str) -> tuple[int, int]:
    """Write the site's inventory (every file at or below its top directories) as a dump;
    returns (files, bytes). A file the inventory flags new is written with the current
    time as its mtime, so that a check reading the dump takes it as new too."""
    from .check import make_backend

    inventory = make_backend("inventory", site.inventory, site)
    now = time.time()
    tops = tuple(t.rstrip("/") + "/" for t in site.top_dirs)
    rows = []
    try:
        for lfn, size, mtime, new in inventory.files():
            if lfn.startswith(tops):
                rows.append((lfn, size, now if new else mtime))
    finally:
        if hasattr(inventory, "close"):
            inventory.close()
    dumpfile.write(output, rows)
    return len(rows), sum(size for _lfn, size, _mtime in rows)
