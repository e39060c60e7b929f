"""The ``dump`` lister and inventory: a text dump (``path size [mtime]`` per line) as the site
(``url``) or as the catalog (``inventory_url``)."""
from __future__ import annotations

import threading

from .. import dumpfile, names
from ..hookspecs import hookimpl
from ..model import ConfigError, ErrorKind, FileEntry, DirEntry, Listing, ListingError


def _dump_path(site, key: str, role: str) -> str:
    value = getattr(site, key)
    if not value:
        raise ConfigError(f"{site.source}: sites.{site.name}.{key}: "
                          f"the dump {role} needs the path of a dump file")
    return value.removeprefix("file://")


class DumpInventory:
    def __init__(self, site):
        self.path = _dump_path(site, "inventory_url", "inventory")

    def files(self):
        for lfn, size, mtime in dumpfile.read(self.path):
            yield lfn, size, mtime, False


class DumpLister:
    """Answers per-directory requests from a dump read once (directories are implied)."""

    def __init__(self, site):
        self.path = _dump_path(site, "url", "lister")
        self._index: dict[str, Listing] | None = None
        self._unlisted: set[str] = set()
        self._lock = threading.Lock()

    def check(self) -> None:
        self._load()

    def _load(self) -> dict[str, Listing]:
        with self._lock:
            if self._index is None:
                self._index = self._build()
        return self._index

    def _build(self) -> dict[str, Listing]:
        index: dict[str, Listing] = {}
        unlisted: list[str] = []
        for lfn, size, mtime in dumpfile.read(self.path, unlisted):
            dirpath, _, name = lfn.rpartition("/")
            self._listing(index, dirpath).files.append(FileEntry(name, size, mtime))
        self._unlisted = {u.rstrip("/") for u in unlisted}
        for u in self._unlisted:
            self._listing(index, u)
        return index

    def _listing(self, index: dict, dirpath: str) -> Listing:
        listing = index.get(dirpath)
        if listing is None:
            listing = index[dirpath] = Listing()
            parent, _, name = dirpath.rpartition("/")
            if name:
                self._listing(index, parent).dirs.append(DirEntry(name))
        return listing

    def list_dir(self, lfn: str, timeout: float) -> Listing:
        index = self._load()
        key = lfn.rstrip("/")
        if key in self._unlisted:
            raise ListingError(ErrorKind.OTHER, f"{names.shown(lfn)} is marked unlisted in "
                                                f"{self.path}", retry=False)
        if key not in index:
            raise ListingError(ErrorKind.NOT_FOUND, f"{names.shown(lfn)} is not in {self.path}")
        return index[key]


@hookimpl
def register_listers(register):
    register("dump", DumpLister)


@hookimpl
def register_inventories(register):
    register("dump", DumpInventory)
