"""Hedged listings for root://: a second attempt when the first is slow, first answer wins.

gfal2's xrootd plugin reads ``done`` before it takes its lock and then waits 60 s for a
notification without re-checking: an answer that lands in between is slept through. About
one root:// listing in a few thousand here took exactly 60 s that way (more on a loaded
machine), although the answer had arrived. A listing that has not finished after ``after``
seconds is therefore started again (on another thread, with its own context); whichever
attempt finishes first is the result. The overtaken attempt ends by itself (gfal2's wait, or
XrdCl's request timeout) and is dropped.
"""
from __future__ import annotations

import queue
import threading
from typing import Callable

from consistency_core import ErrorKind, ListingError


class _First:
    def __init__(self):
        self._done = threading.Event()
        self._lock = threading.Lock()
        self.value = None

    def offer(self, value) -> None:
        with self._lock:
            if not self._done.is_set():
                self.value = value
                self._done.set()

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)


class AttemptThreads:
    """Daemon threads that run attempts; one more is started whenever none is idle, so a
    stalled attempt never delays another. Threads live on (and keep their gfal2 context)."""

    def __init__(self):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0

    def start(self, target: Callable[[], None]) -> None:
        with self._lock:
            spawn = self._idle == 0
            if not spawn:
                self._idle -= 1  # that idle thread takes this one
        self._queue.put(target)
        if spawn:
            # daemon: an overtaken attempt must not hold up the process at exit
            threading.Thread(target=self._work, daemon=True,
                             name="consistency-gfal-attempt").start()

    def _work(self) -> None:
        while True:
            self._queue.get()()
            with self._lock:
                self._idle += 1


def first_of_two(attempt: Callable[[], object], after: float, limit: float,
                 start: Callable[[Callable[[], None]], None],
                 on_hedge: Callable[[], None] = lambda: None):
    """Run ``attempt`` (which returns a value or raises ListingError) through ``start``; if it
    has not finished after ``after`` s run it once more; return (or raise) whichever finishes
    first, within ``limit`` s."""
    first = _First()

    def run() -> None:
        try:
            first.offer(attempt())
        except ListingError as exc:
            first.offer(exc)
        except Exception as exc:  # never lose an attempt's end: the waiter would hang
            first.offer(ListingError(ErrorKind.OTHER, f"{type(exc).__name__}: {exc}"))

    start(run)
    if not first.wait(after):
        on_hedge()
        start(run)
        if not first.wait(max(0.0, limit - after)):
            raise ListingError(ErrorKind.TIMEOUT, f"no answer within {limit:g}s")
    if isinstance(first.value, ListingError):
        raise first.value
    return first.value
