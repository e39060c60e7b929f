"""Classify a gfal2 error into an ErrorKind.

The message is read first: over root:// gfal2 reports the right strerror() text but puts
whatever the global errno holds into the error code (84, 115, 116 are common), so the code is
trusted only for the other protocols. A directory classified NOT_FOUND is dropped without a
retry and everything the inventory holds below it becomes missing, so "not found" needs
explicit evidence; anything unrecognised is OTHER (retried, then unlisted).
"""
from __future__ import annotations

import errno

from consistency_core import ErrorKind

# Order matters: "connection timed out" is a timeout, not a connection failure.
_PATTERNS = (
    (ErrorKind.PERMISSION, ("permission denied", "permission refused", "not authorized",
                            "operation not permitted", "http 401", "http 403", "forbidden",
                            "unauthorized", "authentication failed", "auth failed")),
    (ErrorKind.NOT_FOUND, ("no such file or directory", "http 404", "file not found")),
    (ErrorKind.TIMEOUT, ("operation expired", "timed out", "timeout", "stale file handle")),
    (ErrorKind.CONNECTION, ("connection refused", "could not connect", "couldn't connect",
                            "connection reset", "connection error", "socket error",
                            "network is unreachable", "no route to host", "broken pipe",
                            "host is down", "could not resolve", "couldn't resolve",
                            # what XrdPosix and curl say when the server is gone
                            "transport endpoint is not connected", "connection abort",
                            "socket operation on non-socket", "empty reply from server",
                            "failure when receiving data from the peer",
                            "server closed connection", "connection closed")),
)

_ERRNO = {
    errno.EACCES: ErrorKind.PERMISSION, errno.EPERM: ErrorKind.PERMISSION,
    errno.ENOENT: ErrorKind.NOT_FOUND,
    errno.ETIMEDOUT: ErrorKind.TIMEOUT, errno.ETIME: ErrorKind.TIMEOUT,
    errno.ECONNREFUSED: ErrorKind.CONNECTION, errno.ECONNRESET: ErrorKind.CONNECTION,
    errno.ECONNABORTED: ErrorKind.CONNECTION, errno.EHOSTUNREACH: ErrorKind.CONNECTION,
    errno.ENETUNREACH: ErrorKind.CONNECTION, errno.EHOSTDOWN: ErrorKind.CONNECTION,
    errno.ENOTCONN: ErrorKind.CONNECTION, errno.ECOMM: ErrorKind.CONNECTION,
    errno.ENETRESET: ErrorKind.CONNECTION, errno.ENOTSOCK: ErrorKind.CONNECTION,
}


# Over root:// only: XrdPosix turns XrdCl's errInvalidOp into EOPNOTSUPP, which is what a
# stat gets while the connection to a killed server is being torn down.
_XROOTD_PATTERNS = ((ErrorKind.CONNECTION, ("operation not supported",)),)


def classify(code: int, message: str, trust_code: bool = True,
             xrootd: bool = False) -> ErrorKind:
    text = message.lower()
    for kind, needles in _PATTERNS + (_XROOTD_PATTERNS if xrootd else ()):
        if any(needle in text for needle in needles):
            return kind
    if trust_code:
        return _ERRNO.get(code, ErrorKind.OTHER)
    return ErrorKind.OTHER


def one_line(message: str) -> str:
    return " ".join(str(message).split())
