"""Read one directory with stat in a single pass: ``opendir`` + ``readpp``, no stat per entry."""
from __future__ import annotations

import stat

from consistency_core import DirEntry, FileEntry, Listing

_DT_DIR = 4
_SKIP = (".", "..")  # the file plugin returns them


def read_dir(ctx, url: str) -> Listing:
    """The complete listing of ``url``; gfal2.GError propagates (never a partial listing)."""
    handle = ctx.opendir(url)
    files, dirs = [], []
    while True:
        entry, st = handle.readpp()
        if entry is None:
            return Listing(files, dirs)
        name = entry.d_name
        if name in _SKIP:
            continue
        kind = stat.S_IFMT(st.st_mode)
        if kind == stat.S_IFDIR or (kind == 0 and entry.d_type == _DT_DIR):
            dirs.append(DirEntry(name, float(st.st_mtime)))
        elif kind in (stat.S_IFREG, 0):  # root:// gives files no type bits
            files.append(FileEntry(name, st.st_size, float(st.st_mtime)))
        # symlinks, sockets...: not storage content
