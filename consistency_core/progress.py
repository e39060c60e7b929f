"""Progress of a long walk: a live line on a terminal, a periodic heartbeat in logs."""
from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger("consistency.progress")


class Progress:
    def __init__(self, site: str, stream=None, interval: float | None = None,
                 heartbeat: float = 60.0):
        self.site = site
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else (0.5 if self.live else heartbeat)
        self.started = time.monotonic()
        self._last = self.started

    def line(self, stats) -> str:
        elapsed = time.monotonic() - self.started
        rate = stats.files / elapsed if elapsed > 0 else 0.0
        errors = sum(stats.errors.values())
        return (f"{self.site}: {stats.dirs} dirs, {stats.files} files, {rate:,.0f} files/s, "
                f"{stats.in_flight} in flight, {stats.retries} retries, {errors} errors, "
                f"{elapsed:,.0f}s elapsed")

    def update(self, stats, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        if self.live:
            self.stream.write("\r\033[K" + self.line(stats))
            self.stream.flush()
        else:
            log.info("heartbeat %s", self.line(stats))

    def done(self, stats) -> None:
        if self.live:
            self.stream.write("\r\033[K" + self.line(stats) + "\n")
            self.stream.flush()
        else:
            log.info("listed %s", self.line(stats))
