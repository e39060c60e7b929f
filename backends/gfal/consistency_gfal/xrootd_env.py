"""Process-wide XrdCl client settings for gfal2's xrootd plugin.

gfal2 does not bound a root:// listing by ``CORE:NAMESPACE_TIMEOUT``; XrdCl's request timeout
does. And gfal2's xrootd plugin waits at most 60 s for a directory listing, then returns it
*empty with no error*: the request timeout must fire before that, so it is capped below 60 s.
XrdCl reads these once per process, from the environment, when gfal2 loads its plugins, that
is at the first context of *any* protocol (set later, a hung server holds a root:// listing for
XrdCl's default 1800 s). A value already in the environment (an operator's choice) is kept.
"""
from __future__ import annotations

import logging
import math
import os

log = logging.getLogger("consistency.gfal")

GFAL_XROOTD_WAIT = 60.0  # hard-coded in gfal2's xrootd plugin (DirListHandler::Get)
MAX_REQUEST_TIMEOUT = 50


def settings(timeout: float) -> dict[str, str]:
    request = MAX_REQUEST_TIMEOUT
    if timeout:
        request = min(MAX_REQUEST_TIMEOUT, max(1, math.ceil(timeout)))
    return {
        "XRD_REQUESTTIMEOUT": str(request),
        "XRD_TIMEOUTRESOLUTION": "1",  # timeouts are checked every N s (default 15)
        "XRD_CONNECTIONWINDOW": "1",   # a dead server: fail in seconds, not 120 s
        "XRD_CONNECTIONRETRY": "5",
        "XRD_STREAMERRORWINDOW": "1",
        # a stream with requests outstanding and nothing read for this long is broken: after
        # a killed server, requests otherwise sat in XrdCl for up to a minute (default 60 s)
        "XRD_STREAMTIMEOUT": str(request),
    }


def request_timeout(in_env: dict[str, str]) -> float:
    """XrdCl's request timeout in seconds, as ``apply`` returned it (at most 50)."""
    value = in_env.get("XRD_REQUESTTIMEOUT", "")
    return float(min(int(value), MAX_REQUEST_TIMEOUT) if value.isdigit() else MAX_REQUEST_TIMEOUT)


def apply(timeout: float) -> dict[str, str]:
    """Put the settings into the environment unless already there; return what it holds now
    (what XrdCl uses, unless a gfal2 context was made earlier in this process)."""
    in_env = {}
    for key, value in settings(timeout).items():
        current = os.environ.setdefault(key, value)
        if current != value:
            log.debug("%s=%s from the environment (not %s)", key, current, value)
        in_env[key] = current
    request = in_env["XRD_REQUESTTIMEOUT"]
    if request.isdigit() and int(request) >= GFAL_XROOTD_WAIT:
        log.warning("XRD_REQUESTTIMEOUT=%s: slower root:// listings come back empty from gfal2 "
                    "after %g s; they are not believed and end up unlisted", request,
                    GFAL_XROOTD_WAIT)
    return in_env
