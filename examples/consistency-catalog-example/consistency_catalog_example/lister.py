"""``example-fs``: lists a local directory tree, the site's ``url``, one directory per call."""
from __future__ import annotations

import os
import stat

import attrs

from consistency_core.api import (ConsistencyError, DirEntry, ErrorKind, FileEntry, Listing,
                                  ListingError, key)


@attrs.frozen
class FsOptions:
    example_fs_follow_symlinks: bool = key(False, "list what symbolic links point to",
                                           type=bool)


class FsLister:
    def __init__(self, site):
        self.base = site.url
        self.follow = site.settings(FsOptions).example_fs_follow_symlinks

    def check(self) -> None:
        """Called once before anything is listed: fail early, in one line."""
        if not os.path.isdir(self.base):
            raise ConsistencyError(f"url {self.base}: not a directory")

    def list_dir(self, lfn: str, timeout: float) -> Listing:
        """The whole directory, or ListingError: never a partial listing."""
        path = os.path.join(self.base, lfn.lstrip("/"))
        files, dirs = [], []
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    st = entry.stat(follow_symlinks=self.follow)
                    if stat.S_ISDIR(st.st_mode):
                        dirs.append(DirEntry(entry.name, st.st_mtime))
                    elif stat.S_ISREG(st.st_mode):
                        files.append(FileEntry(entry.name, st.st_size, st.st_mtime))
        except OSError as exc:
            raise ListingError(ErrorKind.from_errno(exc.errno or 0),
                               f"{lfn}: {exc.strerror or exc}") from None
        return Listing(files=files, dirs=dirs)

    def close(self) -> None:
        pass
