"""Text dumps: one ``path size [mtime_epoch_seconds]`` per line, ``#`` comments.

``.gz`` and ``.bz2`` are read transparently. A dump written by ``consistency list`` also
carries ``# unlisted: LFN`` comments for directories that could not be listed, so a later
``consistency diff`` reports nothing below them.

Names are the storage's bytes (see :mod:`consistency_core.names`); fields are separated by
spaces or tabs and the path is everything before the last one or two numbers, so a name may
hold spaces. The shortest path wins: ``/a 5 10`` is ``/a``, size 5, mtime 10, which is why
the writer always gives the mtime of a name that holds white space. A dump is refused, with
the file and line named, when it is cut (no newline after its last line, a compressed stream
that ends early) or lists one path twice with different sizes: a guess there could invent a
finding. The same path twice with the same size is fine.
"""
from __future__ import annotations

import bz2
import gzip
import os
import re
from typing import Iterator

from . import names
from .model import ConsistencyError

UNLISTED = "# unlisted: "
_FIELDS = " \t"
_LINE = re.compile(r"[ \t]*(/.*?)[ \t]+(\d+)(?:[ \t]+([0-9][0-9.eE+]*))?[ \t\r]*")


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
    return names.open_lines(raw)


def read(path: str, unlisted: list[str] | None = None) -> Iterator[tuple[str, int, float | None]]:
    """Yield (lfn, size, mtime or None) for each line; collect ``# unlisted:`` LFNs. A path
    given two sizes is found once the whole file is read (a DumpError then, before any
    consumer compares anything)."""
    repeats = _Repeats()
    yield from _rows(path, unlisted, repeats.add)
    if repeats.paths:
        repeats.check(path)


def _rows(path: str, unlisted: list[str] | None, seen=None):
    lineno = 0
    try:
        with open_text(path) as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.endswith("\n"):
                    raise DumpError(f"{path}:{lineno}: the last line has no newline at its "
                                    "end: the dump is cut (or still being written)")
                text = line.strip(_FIELDS + "\r\n")
                if not text:
                    continue
                if text.startswith("#"):
                    if unlisted is not None and line.startswith(UNLISTED):
                        unlisted.append(line[len(UNLISTED):].strip(_FIELDS + "\r\n"))
                    continue
                row = _parse(text, path, lineno)
                if seen is not None:
                    seen(row[0])
                yield row if seen is not None else (row, lineno)
    except (OSError, EOFError) as exc:
        raise DumpError(f"{path}:{lineno + 1}: cannot read dump: {exc}") from None


def _parse(text: str, path: str, lineno: int) -> tuple[str, int, float | None]:
    parts = text.split(" ")
    if (1 < len(parts) < 4 and text[0] == "/" and "\t" not in text and parts[1].isdigit()
            and parts[1].isascii()):
        # the common line: single spaces, no white space in the LFN (the rule below, faster)
        if len(parts) == 2:
            return parts[0], int(parts[1]), None
        if parts[2].isdigit() and parts[2].isascii():
            return parts[0], int(parts[1]), float(parts[2])
    match = _LINE.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        lfn, size, mtime = match.groups()
        return lfn, int(size), None if mtime is None else float(mtime)
    except ValueError:
        raise DumpError(f"{path}:{lineno}: malformed line {names.shown(text)[:200]!r} "
                        "(expected 'LFN size [mtime_epoch_seconds]')") from None


class _Repeats:
    """Paths seen more than once. Only each path's hash is kept (one int a line, not the path
    or its size); the few paths whose hash repeats are read again at the end, exactly."""

    def __init__(self):
        self.hashes: set[int] = set()
        self.paths: set[str] = set()

    def add(self, lfn: str) -> None:
        key = hash(lfn)
        if key in self.hashes:
            self.paths.add(lfn)
        else:
            self.hashes.add(key)

    def check(self, path: str) -> None:
        """A DumpError naming both lines if a repeated path was given two sizes."""
        first: dict[str, tuple[int, int]] = {}
        for (lfn, size, _mtime), lineno in _rows(path, None):
            if lfn in self.paths:
                line, known = first.setdefault(lfn, (lineno, size))
                if known != size:
                    raise DumpError(f"{path}: lines {line} and {lineno} give "
                                    f"{names.shown(lfn)!r} two different sizes")


def write(path: str, files, unlisted=()) -> None:
    """Write (lfn, size, mtime) rows sorted by LFN, atomically. A path with white space
    always gets an mtime (0 when unknown: as old as an unknown one) so it reads back whole."""
    from .output import atomic_writer

    with atomic_writer(path) as fh:
        for lfn in sorted(unlisted):
            fh.write(f"{UNLISTED}{lfn}\n")
        for lfn, size, mtime in sorted(files):
            if mtime is None and any(c in lfn for c in _FIELDS):
                mtime = 0
            fh.write(f"{lfn} {size}\n" if mtime is None else f"{lfn} {size} {int(mtime)}\n")


def exists(path: str) -> bool:
    return os.path.isfile(path)
