"""Process-wide XrdCl client settings, applied before the first request.

XrdCl reads these once per process (the timer thread starts with the first request), so the
lister sets them in its constructor. A value already set in the environment (``XRD_*``)
wins: XrdCl refuses to override a shell-imported setting, which lets an operator tune them.
"""
from __future__ import annotations

import logging
import math

log = logging.getLogger("consistency.xrootd")

_applied: dict[str, int] | None = None


def settings(timeout: float) -> dict[str, int]:
    return {
        # timeouts are checked every N s; the default 15 s makes a 5 s timeout fire at 15 s
        "TimeoutResolution": 1,
        # the lister always passes its own timeout; this bounds any other request in the
        # process, and never below a minute: other code may share this client
        "RequestTimeout": max(60, math.ceil(timeout) + 2) if timeout else 1800,
        # reconnect within about a second of a restarted server coming back ...
        "ConnectionWindow": 1,
        "ConnectionRetry": 5,
        # ... and do not refuse a dead server's requests for the default 30 min afterwards
        "StreamErrorWindow": 1,
    }


def apply(timeout: float) -> dict[str, int]:
    """Set the client environment once per process; return what is in force."""
    global _applied
    if _applied is not None:
        return _applied
    from XRootD.client import env

    wanted = settings(timeout)
    for key, value in wanted.items():
        if not env.EnvPutInt(key, value):
            log.debug("XrdCl %s comes from the environment (%s), not %s",
                      key, env.EnvGetInt(key), value)
    _applied = {key: env.EnvGetInt(key) for key in wanted}
    return _applied
