"""Value types shared by listers, inventories, reporters and the comparison engine."""
from __future__ import annotations

import enum
import errno as _errno
from typing import NamedTuple

import attrs


class ErrorKind(str, enum.Enum):
    """Why a directory could not be listed. Counted per kind in every summary."""

    TIMEOUT = "timeout"
    PERMISSION = "permission_denied"
    NOT_FOUND = "not_found"
    CONNECTION = "connection"
    OTHER = "other"

    @classmethod
    def from_errno(cls, code: int | None) -> "ErrorKind":
        """The kind of an ``OSError.errno`` (or a client's errno-valued status): ENOENT is
        NOT_FOUND, EACCES/EPERM PERMISSION, ETIMEDOUT TIMEOUT, a refused, reset or
        unreachable connection CONNECTION, anything else OTHER."""
        return _ERRNO_KINDS.get(code, cls.OTHER)


_ERRNO_KINDS = {
    _errno.ENOENT: ErrorKind.NOT_FOUND,
    _errno.EACCES: ErrorKind.PERMISSION, _errno.EPERM: ErrorKind.PERMISSION,
    _errno.ETIMEDOUT: ErrorKind.TIMEOUT,
    **{code: ErrorKind.CONNECTION for code in (
        _errno.ECONNREFUSED, _errno.ECONNRESET, _errno.ECONNABORTED, _errno.EHOSTUNREACH,
        _errno.EHOSTDOWN, _errno.ENETUNREACH, _errno.ENETDOWN, _errno.ENETRESET,
        _errno.ENOTCONN, _errno.ESTALE, _errno.EPIPE)},
}


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
