"""Classify an XrdCl status (the raw dict pyxrootd hands to callbacks) into an ErrorKind."""
from __future__ import annotations

from consistency_core import ErrorKind

# XrdCl status codes (XrdClStatus.hh)
OK_PARTIAL = 3  # suPartial: an "ok" answer that is not the whole directory
ERR_ERROR_RESPONSE = 400  # the server answered with an error; errno says which
ERR_OPERATION_EXPIRED = 206
ERR_SOCKET_TIMEOUT = 103
ERR_REDIRECT_LIMIT = 306
ERR_AUTH_FAILED = 204
ERR_LOGIN_FAILED = 203
# 101-110: invalid address, socket errors, disconnects, connection error, TLS
CONNECTION_CODES = frozenset(range(101, 111)) | {202, 207}

# kXR_* server error numbers (XProtocol.hh)
KXR_NOT_AUTHORIZED = 3010
KXR_NOT_FOUND = 3011
KXR_NOT_FILE = 3005  # "not a directory" on a dirlist of a file
KXR_AUTH_FAILED = 3030
KXR_OVERLOADED = 3024
KXR_REQUEST_TIMED_OUT = 3034
KXR_TIMER_EXPIRED = 3035
KXR_SERVER_ERROR = 3012
KXR_IO_ERROR = 3007

SERVER_KINDS = {
    KXR_NOT_AUTHORIZED: ErrorKind.PERMISSION,
    KXR_AUTH_FAILED: ErrorKind.PERMISSION,
    KXR_NOT_FOUND: ErrorKind.NOT_FOUND,
    KXR_REQUEST_TIMED_OUT: ErrorKind.TIMEOUT,
    KXR_TIMER_EXPIRED: ErrorKind.TIMEOUT,
}


def classify(status: dict) -> ErrorKind:
    code = status.get("code", 0)
    if code == ERR_ERROR_RESPONSE:
        return SERVER_KINDS.get(status.get("errno", 0), ErrorKind.OTHER)
    if code in (ERR_OPERATION_EXPIRED, ERR_SOCKET_TIMEOUT):
        return ErrorKind.TIMEOUT
    if code in (ERR_AUTH_FAILED, ERR_LOGIN_FAILED):
        return ErrorKind.PERMISSION
    if code in CONNECTION_CODES:
        return ErrorKind.CONNECTION
    return ErrorKind.OTHER


def is_door_fault(kind: ErrorKind) -> bool:
    """Faults of the server rather than of the directory: they demote the door."""
    return kind in (ErrorKind.TIMEOUT, ErrorKind.CONNECTION)


def message(status: dict) -> str:
    return " ".join(str(status.get("message", "")).split()) or f"XRootD status {status}"
