"""Ends a process whose shutdown hangs after its results are written.

Once a run's results are on disk, nothing that is left to do (closing backends, a client
library's own finalisation, the interpreter's exit) may keep the process, and with it the
site's lock, alive. ``arm(seconds, on_expire)`` starts the clock; if the process is still there
``seconds`` later, a final log line is written, ``on_expire`` runs (for example: record the
run ``interrupted`` if it was not recorded yet) and the process ends with status 1.

A Python thread cannot do that once the interpreter has begun to finalise (it never gets the
GIL back), and that is where a C library's exit handlers hang (XrdCl's ``DefaultEnv::Finalize``
waiting for requests that never end). So a C-level timer (``timer_create`` with a thread
calling ``_exit(1)``), which needs no interpreter, backs the Python thread up ``BACKSTOP``
seconds later. A backend that knows its library's exit handlers would hang says so
(``skip_finalisation``) and ``exit`` then skips them.
"""
from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
from typing import Callable

log = logging.getLogger("consistency.watchdog")

ENV = "CONSISTENCY_SHUTDOWN_LIMIT"  # seconds; tests set a short one
DEFAULT_LIMIT = 30.0
BACKSTOP = 2.0  # the C timer fires this long after the Python thread should have
EXIT_STATUS = 1


def limit() -> float:
    """The shutdown limit: ``$CONSISTENCY_SHUTDOWN_LIMIT`` if set to a positive number, else 30 s."""
    try:
        value = float(os.environ.get(ENV, ""))
    except ValueError:
        return DEFAULT_LIMIT
    return value if value > 0 else DEFAULT_LIMIT


class Watchdog:
    def __init__(self, seconds: float, on_expire: Callable[[], None] | None):
        self.seconds = seconds
        self._on_expire = on_expire
        self._disarmed = threading.Event()
        self._timers = _CTimers(seconds + BACKSTOP, _message(seconds))
        threading.Thread(target=self._watch, daemon=True, name="consistency-watchdog").start()

    def disarm(self) -> None:
        self._disarmed.set()
        self._timers.cancel()

    def _watch(self) -> None:
        if self._disarmed.wait(self.seconds):
            return
        log.error("%s", _message(self.seconds).removeprefix("consistency: "))
        if self._on_expire is not None:
            try:
                self._on_expire()
            except Exception as exc:  # the exit must happen whatever the callback does
                log.error("while ending the hung process: %s: %s", type(exc).__name__, exc)
        _flush()
        os._exit(EXIT_STATUS)


def arm(seconds: float | None = None,
        on_expire: Callable[[], None] | None = None) -> Watchdog:
    """Start the shutdown clock (``seconds`` defaults to :func:`limit`); returns the watchdog
    (``disarm()`` stops it, for embedders whose process goes on)."""
    return Watchdog(limit() if seconds is None else seconds, on_expire)


_unsafe: list[str] = []


def skip_finalisation(reason: str) -> None:
    """Called by a backend that left calls inside a client library which will never return
    (a gfal2 call cannot be interrupted): that library's exit handlers would wait for them, so
    :func:`exit` ends the process without running them."""
    _unsafe.append(reason)


def exit(status: int) -> None:
    """End the process with ``status``: ``sys.exit``, or, if a backend asked to skip
    finalisation, ``os._exit`` once logs and output are flushed (everything else is closed
    by then: results, history, lock)."""
    if _unsafe:
        log.warning("ending without the client libraries' exit handlers: %s", "; ".join(_unsafe))
        _flush()
        os._exit(status)
    sys.exit(status)


def _message(seconds: float) -> str:
    return (f"consistency: shutdown did not finish within {seconds:g} s after the results were "
            f"written: ending the process (exit status {EXIT_STATUS})")


def _flush() -> None:
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


# -- the C-level backstop ------------------------------------------------------------------
_SIGEV_THREAD = 2
_CLOCK_MONOTONIC = 1


class _SigVal(ctypes.Union):
    _fields_ = [("sival_int", ctypes.c_int), ("sival_ptr", ctypes.c_void_p)]


class _SigEvThread(ctypes.Structure):
    _fields_ = [("function", ctypes.c_void_p), ("attribute", ctypes.c_void_p)]


class _SigEvUnion(ctypes.Union):
    _fields_ = [("pad", ctypes.c_int * 12), ("thread", _SigEvThread)]


class _SigEvent(ctypes.Structure):
    _fields_ = [("value", _SigVal), ("signo", ctypes.c_int), ("notify", ctypes.c_int),
                ("un", _SigEvUnion)]


class _TimeSpec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]


class _ITimerSpec(ctypes.Structure):
    _fields_ = [("interval", _TimeSpec), ("value", _TimeSpec)]


class _CTimers:
    """Two POSIX timers whose expiry runs a libc function on a thread of its own, no Python
    involved: ``warnx(message)`` (the final line on stderr), then ``_exit(1)`` a moment later.
    Where that is not available (no glibc), there is no backstop and that is logged."""

    def __init__(self, seconds: float, message: str):
        self._ids: list[ctypes.c_void_p] = []
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            # never freed: the timer thread may read it after the interpreter is gone
            text = libc.strdup
            text.restype = ctypes.c_void_p
            text.argtypes = [ctypes.c_char_p]
            self._libc = libc
            self._start(libc.warnx, _SigVal(sival_ptr=text(message.replace("%", "%%").encode())),
                        seconds)
            self._start(libc._exit, _SigVal(sival_int=EXIT_STATUS), seconds + 0.2)
        except (OSError, AttributeError) as exc:
            log.debug("no C-level shutdown backstop: %s", exc)

    def _start(self, function, value: _SigVal, seconds: float) -> None:
        event = _SigEvent(value=value, signo=0, notify=_SIGEV_THREAD)
        event.un.thread.function = ctypes.cast(function, ctypes.c_void_p)
        timer = ctypes.c_void_p()
        if self._libc.timer_create(_CLOCK_MONOTONIC, ctypes.byref(event), ctypes.byref(timer)):
            raise OSError(ctypes.get_errno(), "timer_create failed")
        self._ids.append(timer)
        whole = int(seconds)
        spec = _ITimerSpec(value=_TimeSpec(whole, int((seconds - whole) * 1e9)))
        if self._libc.timer_settime(timer, 0, ctypes.byref(spec), None):
            raise OSError(ctypes.get_errno(), "timer_settime failed")

    def cancel(self) -> None:
        for timer in self._ids:
            self._libc.timer_delete(timer)
        self._ids.clear()
