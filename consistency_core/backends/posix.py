"""The ``posix`` lister: a local (or locally mounted) directory is the site; ``url`` is its path."""
from __future__ import annotations

import errno
import os
import stat

from .. import names
from ..hookspecs import hookimpl
from ..model import ConsistencyError, DirEntry, ErrorKind, FileEntry, Listing, ListingError

class PosixLister:
    def __init__(self, site):
        self.base = site.url.removeprefix("file://").rstrip("/")
        self.site = site
        self.as_root = os.geteuid() == 0

    def path(self, lfn: str) -> str:
        return self.base + lfn

    def check(self) -> None:
        if not self.base or not os.path.isdir(self.base):
            raise ConsistencyError(f"sites.{self.site.name}.url: {self.site.url!r} is not a directory")

    def list_dir(self, lfn: str, timeout: float) -> Listing:
        files, dirs = [], []
        try:
            if self.as_root:
                _refuse_what_nobody_may_list(self.path(lfn))
            with os.scandir(self.path(lfn)) as it:
                for entry in it:
                    st = entry.stat(follow_symlinks=False)
                    if stat.S_ISDIR(st.st_mode):
                        dirs.append(DirEntry(entry.name, st.st_mtime))
                    elif stat.S_ISREG(st.st_mode):
                        files.append(FileEntry(entry.name, st.st_size, st.st_mtime))
        except OSError as exc:
            kind = ErrorKind.from_errno(exc.errno)
            where = names.shown(self.path(lfn))
            raise ListingError(kind, f"{where}: {exc.strerror or exc}") from None
        return names.check_listing(self.path(lfn), Listing(files, dirs))


def _refuse_what_nobody_may_list(path: str) -> None:
    """Root may read any directory, but a directory whose own mode lets nobody list it
    (no read or no search bit for anyone) was closed by the site on purpose: its content is
    not ours to report, so it is treated as permission denied, as for any other user."""
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode) and (not mode & 0o444 or not mode & 0o111):
        raise PermissionError(errno.EACCES, "Permission denied (mode "
                              f"{stat.filemode(mode)} lets nobody list it)", path)


@hookimpl
def register_listers(register):
    register("posix", PosixLister)
