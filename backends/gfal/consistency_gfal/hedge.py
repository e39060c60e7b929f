"""Hedged listings for root://: a second attempt when the first is slow, first answer wins.

gfal2's xrootd plugin reads ``done`` before it takes its lock and then waits 60 s for a
notification without re-checking: an answer that lands in between is slept through. About
one root:// listing in a few thousand here took exactly 60 s that way (more on a loaded
machine), although the answer had arrived. A listing that has not finished after ``after``
seconds is therefore started again (on another thread, with its own context); whichever
attempt finishes first is the result. The overtaken attempt ends by itself (gfal2's wait, or
XrdCl's request timeout) and is dropped. Attempts run on a bounded set of threads the lister
joins when it is closed (see AttemptThreads): none may still be inside XrdCl when the process
exits.
"""
from __future__ import annotations

import queue
import threading
import time
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
    """At most ``limit`` daemon threads that run attempts. A thread lives on (with its gfal2
    context) for the next attempt; a stalled one keeps its place, so once every place is held
    by stalled attempts no second attempt is started (``try_start`` says so) and first
    attempts wait in line. ``close`` stops them: nothing new starts, whatever waits is
    dropped, and each thread is joined until a deadline. A gfal2 call cannot be interrupted,
    so this is all there is to bound what outlives the lister: the client library is
    finalised at exit, and threads still inside it then can hang the process."""

    def __init__(self, limit: int):
        self._limit = max(1, limit)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._waiting = 0
        self._closed = False

    def start(self, target: Callable[[], None]) -> bool:
        """Run ``target`` on an attempt thread, in line if all are busy; False once closed."""
        return self._submit(target, wait=True)

    def try_start(self, target: Callable[[], None]) -> bool:
        """Run ``target`` only if a thread is free or may be added; False otherwise."""
        return self._submit(target, wait=False)

    def _submit(self, target: Callable[[], None], wait: bool) -> bool:
        with self._lock:
            if self._closed:
                return False
            if len(self._threads) - self._busy - self._waiting <= 0:
                if len(self._threads) < self._limit:
                    # daemon: one stuck in the client library must not block the interpreter
                    thread = threading.Thread(target=self._work, daemon=True,
                                              name="consistency-gfal-attempt")
                    self._threads.append(thread)
                    thread.start()
                elif not wait:
                    return False
            self._waiting += 1
            self._queue.put(target)
        return True

    def _work(self) -> None:
        while True:
            target = self._queue.get()
            if target is None:
                return
            with self._lock:
                self._waiting -= 1
                self._busy += 1
            try:
                target()
            finally:
                with self._lock:
                    self._busy -= 1

    def close(self, deadline: float) -> int:
        """Stop every thread, waiting for those in an attempt until ``deadline`` (monotonic);
        returns how many are still running one then."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
            while True:  # attempts not started yet: nobody waits for them any more
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
                self._waiting -= 1
            for _ in threads:
                self._queue.put(None)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return sum(thread.is_alive() for thread in threads)


def first_of_two(attempt: Callable[[], object], after: float, limit: float,
                 threads: AttemptThreads, on_hedge: Callable[[], None] = lambda: None):
    """Run ``attempt`` (which returns a value or raises ListingError) on ``threads``; if it
    has not finished after ``after`` s run it once more (when a thread is free); return (or
    raise) whichever finishes first, within ``limit`` s."""
    first = _First()

    def run() -> None:
        try:
            first.offer(attempt())
        except ListingError as exc:
            first.offer(exc)
        except Exception as exc:  # never lose an attempt's end: the waiter would hang
            first.offer(ListingError(ErrorKind.OTHER, f"{type(exc).__name__}: {exc}"))

    started = time.monotonic()
    if not threads.start(run):
        raise ListingError(ErrorKind.OTHER, "the lister is closed", retry=False)
    if after < limit and not first.wait(after) and threads.try_start(run):
        on_hedge()
    if not first.wait(max(0.0, limit - (time.monotonic() - started))):
        raise ListingError(ErrorKind.TIMEOUT, f"no answer within {limit:g}s")
    if isinstance(first.value, ListingError):
        raise first.value
    return first.value
