"""One gfal2 context per worker thread, replaced after a number of directories.

A gfal2 context is not meant to be shared between threads, and an http context was seen to
get slower with every distinct URL it had seen (15 s, 126 s, 367 s for three identical passes,
shared/ENVIRONMENT.md; not reproduced at 100k files, see the README's benchmark); a fresh one
resets that. Creating a context costs about 0.1 ms once the plugins are loaded, so renewing
is cheap insurance.
"""
from __future__ import annotations

import threading
from typing import Callable


class ContextPool:
    def __init__(self, create: Callable[[], object], renew_every: int):
        self._create = create
        self._renew_every = renew_every
        self._local = threading.local()
        self.created = 0
        self._count_lock = threading.Lock()

    def get(self):
        """This thread's context, counting one use; a new one after ``renew_every`` uses."""
        local = self._local
        ctx = getattr(local, "ctx", None)
        if ctx is None or local.uses >= self._renew_every:
            ctx = local.ctx = self._create()
            local.uses = 0
            with self._count_lock:
                self.created += 1
        local.uses += 1
        return ctx

    def renew(self) -> None:
        """Drop this thread's context: the next get() makes a fresh one."""
        self._local.ctx = None
