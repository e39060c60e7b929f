"""The namespace tree: directories holding files (name -> size, new) and subdirectories.

One class serves both sides of a check. Each file is stored as one int,
``size << 1 | new``, because a site holds tens of millions of them and the mtime is only
needed once, to decide whether the entry is younger than the ignore age.
"""
from __future__ import annotations

import itertools

from .model import Listing

_MASK = (1 << 64) - 1
_unique = itertools.count(1)


class Dir:
    __slots__ = ("files", "subdirs", "mtime", "unlisted", "digest", "changed")

    def __init__(self, mtime: float | None = None):
        self.files: dict[str, int] = {}
        self.subdirs: dict[str, Dir] = {}
        self.mtime = mtime
        self.unlisted = False
        self.digest = 0
        # A subdirectory vanished after this directory was listed: its content changed
        # during the walk, so ``mtime`` (seen before the change) says nothing about its age.
        self.changed = False

    def walk(self, lfn: str):
        """Yield (lfn, dir) for this directory and everything below it, parents first."""
        stack = [(lfn, self)]
        while stack:
            path, node = stack.pop()
            yield path, node
            stack.extend((join(path, name), sub) for name, sub in node.subdirs.items())


def join(parent: str, name: str) -> str:
    return parent + name if parent.endswith("/") else parent + "/" + name


def is_new(value: int) -> bool:
    return bool(value & 1)


def size_of(value: int) -> int:
    return value >> 1


class Tree:
    """A namespace rooted at ``/``; ``cutoff`` is the epoch time before which entries are old."""

    def __init__(self, cutoff: float, keep_mtimes: str | None = None):
        self.cutoff = cutoff
        # File mtimes kept only below this prefix (the unmerged area, whose own age rule
        # needs them); everywhere else the mtime is folded into the new flag.
        self.keep_mtimes = keep_mtimes
        self.mtimes: dict[str, float | None] = {}
        self.top = Dir()
        self._last_path: str | None = None
        self._last_dir: Dir | None = None

    # -- building ---------------------------------------------------------------------
    def node(self, lfn: str, create: bool = False) -> Dir | None:
        node = self.top
        for part in lfn.split("/"):
            if not part:
                continue
            child = node.subdirs.get(part)
            if child is None:
                if not create:
                    return None
                child = node.subdirs[part] = Dir()
            node = child
        return node

    def add_file(self, lfn: str, size: int, mtime: float | None = None, new: bool = False) -> None:
        """Insert one file (inventory side, or a flat remote dump)."""
        dirpath, _, name = lfn.rpartition("/")
        if dirpath == self._last_path:
            node = self._last_dir
        else:
            node = self.node(dirpath, create=True)
            self._last_path, self._last_dir = dirpath, node
        young = mtime is not None and mtime > self.cutoff
        node.files[name] = size << 1 | (new or young)
        if self.keep_mtimes is not None and lfn.startswith(self.keep_mtimes):
            self.mtimes[lfn] = mtime

    def set_listing(self, lfn: str, listing: Listing) -> list[str]:
        """Record the complete content of one remote directory; return its subdirectory LFNs."""
        node = self.node(lfn, create=True)
        cutoff = self.cutoff
        node.files = {f.name: f.size << 1 | (f.mtime is not None and f.mtime > cutoff)
                      for f in listing.files}
        if self.keep_mtimes is not None and join(lfn, "").startswith(self.keep_mtimes):
            self.mtimes.update((join(lfn, f.name), f.mtime) for f in listing.files)
        subs = []
        for d in listing.dirs:
            child = node.subdirs.get(d.name)
            if child is None:
                child = node.subdirs[d.name] = Dir(d.mtime)
            else:
                child.mtime = d.mtime
            subs.append(join(lfn, d.name))
        return subs

    def set_mtime(self, lfn: str, mtime: float | None) -> None:
        node = self.node(lfn, create=True)
        node.mtime = mtime

    def mark_unlisted(self, lfn: str) -> None:
        node = self.node(lfn, create=True)
        node.unlisted = True

    def remove(self, lfn: str) -> None:
        """Forget a directory that vanished between its parent's listing and its own; the
        parent is marked ``changed``."""
        parent_path, _, name = lfn.rstrip("/").rpartition("/")
        parent = self.node(parent_path)
        if parent is not None:
            parent.subdirs.pop(name, None)
            parent.changed = True
        self._last_path = self._last_dir = None

    # -- reading ----------------------------------------------------------------------
    def files(self, lfn: str = "/"):
        """Yield (lfn, size, new) for every file at or below ``lfn``."""
        start = self.node(lfn)
        if start is None:
            return
        for path, node in start.walk(lfn):
            for name, value in node.files.items():
                yield join(path, name), value >> 1, bool(value & 1)

    def counts(self) -> tuple[int, int, int]:
        """(directories, files, bytes) in the whole tree."""
        dirs = files = size = 0
        for _path, node in self.top.walk("/"):
            dirs += 1
            files += len(node.files)
            size += sum(v >> 1 for v in node.files.values())
        return dirs, files, size

    def unlisted(self) -> list[str]:
        return [path for path, node in self.top.walk("/") if node.unlisted]

    # -- Merkle digests -----------------------------------------------------------------
    def compute_digests(self) -> None:
        """Give every directory a digest of its comparable content (0 when it has none).

        The digest covers the names and sizes of the files that are not new and the
        non-zero digests of subdirectories; an unlisted directory gets a digest that
        equals nothing else, so a subtree containing one is always compared in detail.
        """
        order = [node for _p, node in self.top.walk("/")]
        for node in reversed(order):
            if node.unlisted:
                node.digest = hash(("unlisted", next(_unique))) & _MASK or 1
                continue
            total = 0
            for name, value in node.files.items():
                if not value & 1:
                    total += hash((name, value))
            for name, sub in node.subdirs.items():
                if sub.digest:
                    total += hash((name, sub.digest))
            node.digest = total & _MASK
