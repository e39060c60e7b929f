"""Answers the XRootD Python bindings drop: a listing holding a name that is not UTF-8.

pyxrootd turns each answer into Python objects before it calls back; a name that is not
UTF-8 fails that conversion, and the bindings then print the UnicodeDecodeError (through
``sys.excepthook``, on XrdCl's thread) and never call back, so the request would wait out its
deadline on every attempt. This module takes that hook: on such an error it wakes one thread
that has every watching lister find, and fail at once, the request whose answer was lost
(``XrootdLister.rescue_undecodable``).
"""
from __future__ import annotations

import logging
import sys
import threading
import weakref

log = logging.getLogger("consistency.xrootd")

_listers: "weakref.WeakSet" = weakref.WeakSet()
_lock = threading.Lock()
_wake = threading.Event()
_state = {"previous": None, "thread": None}


def watch(lister) -> None:
    with _lock:
        _listers.add(lister)
        if _state["previous"] is None:
            _state["previous"] = sys.excepthook
            sys.excepthook = _hook
        if _state["thread"] is None:
            thread = threading.Thread(target=_rescuer, name="xrootd-undecodable", daemon=True)
            _state["thread"] = thread
            thread.start()


def unwatch(lister) -> None:
    with _lock:
        _listers.discard(lister)


def _hook(kind, value, tb) -> None:
    # only XrdCl's threads (unknown to Python) print through here from the bindings; an
    # uncaught error of the main thread is left to the previous hook
    on_xrdcl_thread = threading.current_thread() is not threading.main_thread()
    if _listers and on_xrdcl_thread and _is_undecodable(value):
        log.debug("an XRootD answer held a name that is not UTF-8: %s", value)
        _wake.set()
        return
    (_state["previous"] or sys.__excepthook__)(kind, value, tb)


def _is_undecodable(exc) -> bool:
    """A UnicodeDecodeError, or an error the bindings raised while handling one."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, UnicodeDecodeError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _rescuer() -> None:
    while True:
        _wake.wait()
        _wake.clear()
        for lister in list(_listers):
            try:
                lister.rescue_undecodable()
            except Exception:  # a rescue must never end the thread
                log.exception("rescuing an undecodable XRootD answer failed")
