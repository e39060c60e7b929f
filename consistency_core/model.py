"""Value types shared by listers, inventories, reporters and the comparison engine."""
from __future__ import annotations

import enum
from typing import NamedTuple

import attrs


class ErrorKind(str, enum.Enum):
    """Why a directory could not be listed. Counted per kind in every summary."""

    TIMEOUT = "timeout"
    PERMISSION = "permission_denied"
    NOT_FOUND = "not_found"
    CONNECTION = "connection"
    OTHER = "other"


class ListingError(Exception):
    """A lister could not list one directory.

    Listers raise this with the most precise ``kind`` they can tell. The listing engine
    retries it (except ``NOT_FOUND``: a directory that vanished is simply gone) and, when
    retries run out, marks the directory *unlisted*.
    """

    def __init__(self, kind: ErrorKind, message: str = "", retry: bool = True):
        super().__init__(message or ErrorKind(kind).value)
        self.kind = ErrorKind(kind)
        self.message = message or self.kind.value
        self.retry = retry


class ConsistencyError(Exception):
    """A problem that ends the run with one clear line (bad config, unreachable site...).

    ``exit_code`` follows the CLI contract: 1 the check could not complete,
    2 usage or configuration error.
    """

    exit_code = 1


class ConfigError(ConsistencyError):
    exit_code = 2


@attrs.frozen
class FileEntry:
    """A file inside a listed directory: its name (no slash), size in bytes, mtime (epoch s)."""

    name: str
    size: int
    mtime: float | None = None


@attrs.frozen
class DirEntry:
    """A subdirectory inside a listed directory."""

    name: str
    mtime: float | None = None


@attrs.frozen
class Listing:
    """The complete content of one directory, as a lister saw it."""

    files: list[FileEntry] = attrs.field(factory=list)
    dirs: list[DirEntry] = attrs.field(factory=list)


class InventoryFile(NamedTuple):
    """A file the catalog says is at the site. Inventories yield these (or plain
    ``(lfn, size, mtime, new)`` tuples, which is the same thing and faster).

    ``new=True`` marks a file that is not compared (a transfer in flight, an incomplete
    block replica, a pending deletion...): it is never reported missing, but it still
    protects the same path from being called an orphan. ``mtime=None`` counts as old.
    """

    lfn: str
    size: int
    mtime: float | None = None
    new: bool = False
