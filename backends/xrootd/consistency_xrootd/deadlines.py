"""Per-request deadlines kept to a tenth of a second.

XrdCl checks request timeouts on a whole-second clock (``XRD_TIMEOUTRESOLUTION``, 15 s
unless set), so a 1 s timeout may fire after 0.1 s or 2 s. The lister therefore gives XrdCl
a slightly longer timeout as a backstop and expires requests itself: one daemon thread
sleeps until the earliest deadline and calls its ``expire`` callback.

Answered requests cancel their deadline. A fast walk answers thousands of requests a
second with timeouts of minutes, so cancelled entries are dropped from the heap whenever
they make up most of it, rather than kept until their time comes.
"""
from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Callable

COMPACT_ABOVE = 1024


class Deadlines:
    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._heap: list[list] = []
        self._cancelled = 0
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def __len__(self) -> int:
        return len(self._heap) - self._cancelled

    def add(self, when: float, expire: Callable[[], None]) -> list:
        """Call ``expire()`` at monotonic time ``when`` unless cancelled; returns the handle."""
        entry = [when, next(self._seq), expire]
        with self._wake:
            heapq.heappush(self._heap, entry)
            if self._heap[0] is entry:
                self._wake.notify()
            if self._thread is None or self._closed:  # first use, or used again after close
                self._closed = False
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="xrootd-deadlines")
                self._thread.start()
        return entry

    def cancel(self, entry: list) -> None:
        with self._wake:
            if entry[2] is None:
                return
            entry[2] = None
            self._cancelled += 1
            if self._cancelled > COMPACT_ABOVE and self._cancelled * 2 > len(self._heap):
                self._heap = [e for e in self._heap if e[2] is not None]
                heapq.heapify(self._heap)
                self._cancelled = 0

    def close(self) -> None:
        """Stop the thread; pending deadlines never fire."""
        with self._wake:
            self._closed = True
            self._heap.clear()
            self._wake.notify()

    def _run(self) -> None:
        while not self._closed:
            due = []
            with self._wake:
                while not due:
                    if self._closed:
                        return
                    now = self._clock()
                    while self._heap and self._heap[0][0] <= now:
                        entry = heapq.heappop(self._heap)
                        if entry[2] is None:
                            self._cancelled -= 1
                        else:
                            due.append(entry[2])
                            entry[2] = None
                    if not due:
                        self._wake.wait(self._heap[0][0] - now if self._heap else None)
            for expire in due:
                expire()
