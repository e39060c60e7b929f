"""Saved listings and inventories (upstream ``ListAge``, ``InventoryAge``, ``SaveCache``).

With ``save_cache`` on, a completed check writes what it listed and what the inventory held
as dumps under ``{state_dir}/cache/``: ``SITE_listing.txt`` (with ``# unlisted:`` lines) and
``SITE_inventory.txt``. A later check of the same site with ``list_max_age`` (or
``inventory_max_age``) days set reuses the saved dump instead of listing the site (reading
the inventory) while the dump is younger than that; the summary's ``reused`` says which,
from where and how old.

What a dump cannot carry: directories without files and directory mtimes (a reused listing
finds no empty directories), and the inventory's *new* flag, which is saved as an mtime of
the check's start (new again while younger than ``ignore_age_days``). Keeping the rows
costs memory of the order of the trees while ``save_cache`` is on.

An inventory older than ``ignore_age_days`` is a risk for orphans (a file registered and
written since would be called one): a check that reuses such an inventory does not pass
the safety gates.
"""
from __future__ import annotations

import os
import time

import attrs

from . import dumpfile
from .tree import join

KINDS = ("listing", "inventory")


def cache_path(site, kind: str) -> str:
    return os.path.join(site.state_dir, "cache", f"{site.name}_{kind}.txt")


def reusable(site, kind: str, now: float) -> dict | None:
    """The saved dump of ``kind`` if the site allows reuse and it is young enough:
    {"path", "saved", "age_hours"}; else None."""
    max_age = getattr(site, f"{'list' if kind == 'listing' else kind}_max_age")
    path = cache_path(site, kind)
    if not max_age:
        return None
    try:
        saved = os.stat(path).st_mtime
    except OSError:
        return None
    age = now - saved
    if age > max_age * 86400 or age < -60:
        return None
    return {"path": path, "saved": saved, "age_hours": round(age / 3600, 3)}


def as_dump_site(site, kind: str, path: str):
    """The site config with ``kind`` read from the dump at ``path``."""
    if kind == "listing":
        return attrs.evolve(site, lister="dump", url=path)
    return attrs.evolve(site, inventory="dump", inventory_url=path)


@attrs.define
class Recorder:
    """Keeps what a check listed and read, to save it once the check completed."""

    site: object
    started: float
    listed: list = attrs.field(factory=list)  # (lfn, size, mtime)
    inventory: list = attrs.field(factory=list)

    def on_listed(self, lfn: str, listing) -> None:
        if listing is not None:
            self.listed.extend((join(lfn, f.name), f.size, f.mtime) for f in listing.files)

    def files(self, inventory_files):
        """Pass the inventory's rows through, keeping them."""
        keep = self.inventory.append
        for row in inventory_files:
            lfn, size, mtime, new = row
            keep((lfn, size, self.started if new else mtime))
            yield row

    def save(self, unlisted, kinds) -> dict[str, str]:
        """Write the dumps of ``kinds`` (those not themselves reused); returns kind -> path."""
        out = {}
        for kind in kinds:
            path = cache_path(self.site, kind)
            if kind == "listing":
                dumpfile.write(path, self.listed, unlisted)
            else:
                dumpfile.write(path, self.inventory)
            out[kind] = path
        return out


def stale_inventory_reason(site, reused: dict) -> str:
    info = reused.get("inventory")
    if info and info["age_hours"] > site.ignore_age_days * 24:
        return (f"the inventory was reused from {info['path']} ({info['age_hours']:g} h old, "
                f"older than ignore_age_days {site.ignore_age_days:g}): orphans may be files "
                "registered since")
    return ""


def now() -> float:
    return time.time()
