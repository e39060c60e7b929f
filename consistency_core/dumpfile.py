"""Text dumps: one ``path size [mtime_epoch_seconds]`` per line, ``#`` comments.

``.gz`` and ``.bz2`` are read transparently. A dump written by ``consistency list`` also
carries ``# unlisted: LFN`` comments for directories that could not be listed, so a later
``consistency diff`` reports nothing below them.
"""
from __future__ import annotations

import bz2
import gzip
import io
import os
from typing import Iterator

from .model import ConsistencyError

UNLISTED = "# unlisted: "


class DumpError(ConsistencyError):
    exit_code = 1


def open_text(path: str):
    try:
        if path.endswith(".gz"):
            raw = gzip.open(path, "rb")
        elif path.endswith(".bz2"):
            raw = bz2.open(path, "rb")
        else:
            raw = open(path, "rb")
    except OSError as exc:
        raise DumpError(f"{path}: cannot read dump: {exc.strerror or exc}") from None
    return io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape")


def read(path: str, unlisted: list[str] | None = None) -> Iterator[tuple[str, int, float | None]]:
    """Yield (lfn, size, mtime or None) for each line; collect ``# unlisted:`` LFNs."""
    lineno = 0
    try:
        with open_text(path) as fh:
            for lineno, line in enumerate(fh, 1):
                fields = line.split()
                if not fields:
                    continue
                if fields[0].startswith("#"):
                    if unlisted is not None and line.startswith(UNLISTED):
                        unlisted.append(line[len(UNLISTED):].strip())
                    continue
                yield _parse(fields, path, lineno)
    except (OSError, EOFError) as exc:
        raise DumpError(f"{path}:{lineno + 1}: cannot read dump: {exc}") from None


def _parse(fields: list[str], path: str, lineno: int) -> tuple[str, int, float | None]:
    n = len(fields)
    try:
        if n == 2:
            size, mtime = int(fields[1]), None
        elif n == 3:
            size, mtime = int(fields[1]), float(fields[2])
        else:
            raise ValueError
        if size < 0 or not fields[0].startswith("/"):
            raise ValueError
    except ValueError:
        raise DumpError(f"{path}:{lineno}: malformed line {' '.join(fields)[:200]!r} "
                        "(expected 'LFN size [mtime_epoch_seconds]')") from None
    return fields[0], size, mtime


def write(path: str, files, unlisted=()) -> None:
    """Write (lfn, size, mtime) rows sorted by LFN, atomically."""
    from .output import atomic_writer

    with atomic_writer(path) as fh:
        for lfn in sorted(unlisted):
            fh.write(f"{UNLISTED}{lfn}\n")
        for lfn, size, mtime in sorted(files):
            fh.write(f"{lfn} {size}\n" if mtime is None else f"{lfn} {size} {int(mtime)}\n")


def exists(path: str) -> bool:
    return os.path.isfile(path)
