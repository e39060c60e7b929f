"""Per-request deadlines kept to a tenth of a second.

XrdCl checks request timeouts on a whole-second clock (``XRD_TIMEOUTRESOLUTION``, 15 s
unless set), so a 1 s timeout may fire after 0.1 s or 2 s. The lister therefore gives XrdCl
a slightly longer timeout as a backstop and expires requests itself: one daemon thread
sleeps until the earliest deadline and calls its ``expire`` callback.
"""
from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Callable


class Deadlines:
    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._heap: list = []
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, when: float, expire: Callable[[], None]) -> None:
        """Call ``expire()`` at monotonic time ``when`` (it must ignore finished requests)."""
        with self._wake:
            heapq.heappush(self._heap, (when, next(self._seq), expire))
            if self._heap[0][0] == when:
                self._wake.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="xrootd-deadlines")
                self._thread.start()

    def _run(self) -> None:
        while True:
            due = []
            with self._wake:
                while not due:
                    now = self._clock()
                    while self._heap and self._heap[0][0] <= now:
                        due.append(heapq.heappop(self._heap)[2])
                    if not due:
                        wait = self._heap[0][0] - now if self._heap else None
                        self._wake.wait(wait)
            for expire in due:
                expire()
