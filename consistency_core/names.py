"""How a name travels: storage systems hold bytes, this program holds ``str``.

A name (an LFN or one path component) is the byte string the storage system holds. Inside
the program it is those bytes decoded as UTF-8 with surrogate escapes, the way Python's
``os`` functions decode file names on a UTF-8 system: a byte that is not part of valid
UTF-8 (latin-1 ``b'\\xe9'``) becomes the lone surrogate ``'\\udce9'``. Every name keeps its
exact bytes; an ASCII or UTF-8 name is the ordinary string.

Three outward forms, one per kind of consumer:

* **result files and dumps** (:func:`to_bytes`): the bytes themselves, one name a line;
  read back with :func:`open_lines`. A name holding a newline or ending in white space
  cannot be carried by a line format (:func:`unwritable`), so a lister refuses the
  directory holding it (it becomes *unlisted*, with that reason) rather than mangle it.
* **databases** (:func:`to_db` / :func:`from_db`): valid Unicode text for a ``utf8mb4`` or
  SQLite column. An undecodable byte is written ``%XX`` (upper-case hex, 80 to FF) and a
  ``%`` that would read as such an escape (followed by ``25`` or a hex pair 80 to FF) is
  written ``%25``; every other ``%`` stays as it is, so text stored before this encoding
  reads back unchanged.
* **people** (:func:`shown`): the database form, for logs and the HTML report.
"""
from __future__ import annotations

import io
import re

ENCODING = "utf-8"
ERRORS = "surrogateescape"

_ESCAPE_OR_SURROGATE = re.compile(r"%(?=25|[89a-fA-F][0-9a-fA-F])|[\udc80-\udcff]")
_DB_ESCAPE = re.compile(r"%(25|[89a-fA-F][0-9a-fA-F])")
_LINE_BREAKS = ("\n", "\r")


def to_bytes(name: str) -> bytes:
    return name.encode(ENCODING, ERRORS)


def from_bytes(raw: bytes) -> str:
    return raw.decode(ENCODING, ERRORS)


def is_utf8(name: str) -> bool:
    """True when the name's bytes are valid UTF-8 (no surrogate escapes)."""
    try:
        name.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def to_db(name: str) -> str:
    """The reversible, valid-Unicode text form of ``name`` for a database column."""
    if "%" not in name and is_utf8(name):
        return name
    return _ESCAPE_OR_SURROGATE.sub(_escape, name)


def _escape(match: re.Match) -> str:
    char = match.group()
    return "%25" if char == "%" else f"%{ord(char) - 0xDC00:02X}"


def from_db(text: str) -> str:
    """The name stored as ``to_db(name)``."""
    if "%" not in text:
        return text
    return _DB_ESCAPE.sub(_unescape, text)


def _unescape(match: re.Match) -> str:
    code = int(match.group(1), 16)
    return "%" if code == 0x25 else chr(0xDC00 + code)


def shown(name: str) -> str:
    """``name`` as printable text (the database form): for logs, messages and reports."""
    return to_db(name)


def unwritable(name: str) -> str | None:
    """Why ``name`` cannot be one line of a result file or dump, or None if it can."""
    if any(c in name for c in _LINE_BREAKS):
        return "holds a line break"
    if name[-1:] in (" ", "\t"):
        return "ends in white space"
    return None


def check_listing(where: str, listing, cut_at: int | None = None):
    """``listing`` if every name in it can be written; else a ListingError (not retried)
    that makes the directory unlisted, naming the first name that cannot. ``cut_at``: the
    length in bytes at which the server cuts names, so a name that long may be cut."""
    for entry in (*listing.files, *listing.dirs):
        why = unwritable(entry.name)
        if cut_at and len(to_bytes(entry.name)) >= cut_at:
            why = f"is {len(to_bytes(entry.name))} bytes long: the server cuts names at {cut_at}"
        if why:
            from .model import ErrorKind, ListingError

            raise ListingError(ErrorKind.OTHER, f"{shown(where)}: the name {shown(entry.name)!r} "
                               f"{why}; it cannot be listed exactly", retry=False)
    return listing


def open_lines(raw) -> io.TextIOWrapper:
    """Text lines of a binary stream, names decoded as above; only ``\\n`` ends a line."""
    return io.TextIOWrapper(raw, encoding=ENCODING, errors=ERRORS, newline="\n")


def open_writer(raw) -> io.TextIOWrapper:
    return io.TextIOWrapper(raw, encoding=ENCODING, errors=ERRORS, newline="\n")
