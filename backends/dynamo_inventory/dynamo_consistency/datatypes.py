"""``DirectoryInfo`` (a listing of one side) and ``compare`` (write the differences).

A DirectoryInfo either wraps the tree a lister or inventory filled, or is built by hand as
upstream allowed (``DirectoryInfo(name, directories, files)``, ``add_files``,
``add_file_list``); a file named ``_unlisted_`` marks its directory unlisted. ``compare``
applies consistency_core's rules (:func:`consistency_core.compare.compare`).
"""
from __future__ import annotations

import os
import time

from consistency_core.check import inventory_tops
from consistency_core.compare import compare as compare_trees
from consistency_core.output import write_lines
from consistency_core.tree import Tree

from . import config

UNLISTED = "_unlisted_"


def cutoff_of(site, now: float) -> float:
    return now - site.ignore_age_days * 86400


class DirectoryInfo:
    """The contents of a directory: ``files`` (dicts with name, size, mtime) and
    ``directories`` (DirectoryInfo), or a filled tree (``from_tree``)."""

    def __init__(self, name: str = "", directories=None, files=None):
        self.name = name
        self.directories = list(directories or [])
        self.files = None
        self.timestamp = time.time()
        self.mtime = None
        self.tree: Tree | None = None
        self.site = None
        if directories is not None or files is not None:
            self.add_files(files)

    @classmethod
    def from_tree(cls, name: str, tree: Tree, site) -> "DirectoryInfo":
        info = cls(name)
        info.tree, info.site, info.files = tree, site, []
        return info

    def add_files(self, files) -> "DirectoryInfo":
        """Add (name, size, mtime[, block]) tuples to this directory."""
        if self.files is None:
            self.files = []
        have = {f["name"] for f in self.files}
        for entry in sorted(files or []):
            name, size, mtime = entry[:3]
            if name not in have:
                self.files.append({"name": name, "size": int(size), "mtime": mtime,
                                   "block": entry[3] if len(entry) > 3 else ""})
        self.files.sort(key=lambda f: f["name"])
        return self

    def add_file_list(self, file_infos) -> None:
        """Add (full path, size[, mtime]) tuples below this directory."""
        for info in file_infos:
            path, size = info[:2]
            mtime = info[2] if len(info) > 2 else 0
            relative = path[len(self.name):].lstrip("/")
            directory, _, base = relative.rpartition("/")
            self.get_node(directory).add_files([(base, size, mtime)])

    def get_node(self, path: str, make_new: bool = True):
        if not path:
            return self
        first, _, rest = path.partition("/")
        for sub in self.directories:
            if sub.name == first:
                return sub.get_node(rest, make_new)
        if not make_new:
            return None
        if self.files is None:
            self.files = []
        sub = DirectoryInfo(first)
        self.directories.append(sub)
        return sub.get_node(rest, make_new)

    def get_files(self, min_age: float = 0, path: str = "") -> list[str]:
        """LFNs of files older than ``min_age`` seconds."""
        before = self.timestamp - min_age
        return [lfn for lfn, mtime in self._entries(path) if (mtime or 0) < before]

    def get_num_files(self, unlisted: bool = False) -> int:
        if unlisted:
            return len(self.get_unlisted())
        return sum(1 for _ in self._entries())

    def get_unlisted(self, path: str = "") -> list[str]:
        if self.tree is not None:
            return [lfn for lfn, node in self.tree.top.walk("/") if node.unlisted]
        here = os.path.join(path, self.name)
        out = [lfn for sub in self.directories for lfn in sub.get_unlisted(here)]
        if any(f["name"] == UNLISTED for f in self.files or []):
            out.append(here)
        return out

    def _entries(self, path: str = ""):
        if self.tree is not None:
            mtimes = self.tree.mtimes
            for lfn, _size, _new in self.tree.files(self.name):
                yield lfn, mtimes.get(lfn)
            return
        here = os.path.join(path, self.name)
        for f in self.files or []:
            if f["name"] != UNLISTED:
                yield os.path.join(here, f["name"]), f["mtime"]
        for sub in self.directories:
            yield from sub._entries(here)

    def to_tree(self, cutoff: float) -> Tree:
        """This listing as a consistency_core tree (the filled one, or built from the nodes)."""
        if self.tree is not None:
            return self.tree
        tree = Tree(cutoff)
        stack = [(self.name, self)]
        while stack:
            path, node = stack.pop()
            if any(f["name"] == UNLISTED for f in node.files or []):
                tree.mark_unlisted(path)
                continue
            tree.node(path, create=True)
            for f in node.files or []:
                tree.add_file(os.path.join(path, f["name"]), f["size"], f["mtime"])
            stack.extend((os.path.join(path, sub.name), sub) for sub in node.directories)
        return tree


def _scope(inventory: DirectoryInfo, listing: DirectoryInfo):
    """(top directories, root, cutoff) from whichever side knows its site config."""
    site = inventory.site or listing.site
    if site is not None and site.directories_from == "inventory" and not site.directories \
            and inventory.tree is not None:  # as a check does (no DirectoryList upstream)
        tops = inventory_tops(inventory.tree, site.root) or (site.root,)
        return tops, site.root, cutoff_of(site, time.time())
    if site is not None:
        return site.top_dirs, site.root, cutoff_of(site, time.time())
    ignore_age = float(config.config_dict().get("IgnoreAge", 0))
    return [inventory.name], inventory.name, time.time() - ignore_age * 86400


def compare(inventory: DirectoryInfo, listing: DirectoryInfo, output_base: str | None = None,
            orphan_check=None, missing_check=None):
    """Missing (in the inventory, not listed) and orphan (listed, not in the inventory)
    files, by consistency_core's rules; a file with different sizes on the two sides is
    both, as upstream reported it. ``*_check(lfn)`` returning True drops an LFN. Writes
    ``OUTPUT_BASE_missing.txt`` and ``OUTPUT_BASE_orphan.txt`` when ``output_base`` is given.

    :returns: (missing LFNs, their bytes, orphan LFNs, their bytes)
    """
    tops, root, cutoff = _scope(inventory, listing)
    site = inventory.site or listing.site
    found = compare_trees(inventory.to_tree(cutoff), listing.to_tree(cutoff), tops,
                          site.ignore if site is not None else (), None, root)
    missing = sorted([*found.missing, *((lfn, inv) for lfn, inv, _r in found.size_mismatch)])
    orphan = sorted([*found.orphan, *((lfn, rem) for lfn, _i, rem in found.size_mismatch)])
    missing = [(lfn, size) for lfn, size in missing if not (missing_check and missing_check(lfn))]
    orphan = [(lfn, size) for lfn, size in orphan if not (orphan_check and orphan_check(lfn))]
    if output_base:
        write_lines(f"{output_base}_missing.txt", [lfn for lfn, _ in missing])
        write_lines(f"{output_base}_orphan.txt", [lfn for lfn, _ in orphan])
    return ([lfn for lfn, _ in missing], sum(s for _, s in missing),
            [lfn for lfn, _ in orphan], sum(s for _, s in orphan))
