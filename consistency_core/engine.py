"""The concurrent listing engine: walks a namespace one directory per request.

Requests run on worker threads (``lister.list_dir``) or, for listers that offer it, through
the lister's own asynchronous ``submit``. Either way at most ``site.threads`` requests are
in flight, and never more than the lister's :func:`thread_limit`. Worker threads start only
when a request finds none idle, and never more than :data:`MAX_THREADS` of them. A failed
directory is retried with exponential back-off; one that still fails is marked *unlisted* in
the tree, so nothing below it can be reported. A directory that vanished (not found) is
simply gone, except a top directory: that one is unlisted (reason not_found). Setting
``stop`` ends the walk at once: whatever was not listed is unlisted.
"""
from __future__ import annotations

import collections
import heapq
import itertools
import queue
import threading
import time
from typing import Callable

import attrs

from .model import ErrorKind, Listing, ListingError
from .progress import Progress
from .tree import Tree

MAX_BACKOFF = 60.0
# The most OS threads a walk ever runs for a synchronous lister (``list_dir``), hung ones
# included; ``threads`` above it is a configuration error (see :func:`thread_limit`).
# Listers with an asynchronous ``submit`` keep any number of requests in flight without a
# thread each, and declare their own limit as ``max_threads``.
MAX_THREADS = 256


def thread_limit(lister) -> int:
    """The most ``threads`` a lister (its class or an instance) supports: its ``max_threads``,
    else :data:`MAX_THREADS`."""
    return int(getattr(lister, "max_threads", MAX_THREADS))


def grace(timeout: float) -> float:
    """A lister is trusted to honour its timeout; past this much more, the engine stops waiting."""
    return max(1.0, 0.1 * timeout)


@attrs.define
class WalkStats:
    dirs: int = 0
    files: int = 0
    bytes: int = 0
    retries: int = 0
    vanished: int = 0
    in_flight: int = 0
    interrupted: bool = False
    not_listed: int = 0  # directories left unlisted because the walk was stopped
    errors: collections.Counter = attrs.field(factory=collections.Counter)  # final failures by kind
    attempts_failed: collections.Counter = attrs.field(factory=collections.Counter)
    elapsed: float = 0.0
    failures: list = attrs.field(factory=list)  # (lfn, kind, message), final failures only


class _ThreadDispatcher:
    """Runs ``list_dir`` on daemon threads, so a hung request can never block exit.

    Workers start lazily, one when a request finds none idle, and never more than
    ``limit`` are alive, hung ones included: a walk of 69 directories starts at most 69
    threads however large ``threads`` is. A hung worker that returns is reused.
    """

    def __init__(self, list_dir: Callable, limit: int):
        self._list_dir = list_dir
        self._limit = limit
        self._requests: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._alive = 0
        self._idle = 0
        self._queued = 0
        self._closed = False
        self.started = 0  # threads ever started (for tests and the curious)

    def _work(self) -> None:
        while True:
            item = self._requests.get()
            if item is None:
                with self._lock:
                    self._alive -= 1
                    self._idle -= 1
                return
            with self._lock:
                self._idle -= 1
                self._queued -= 1
                if self._closed:  # the walk is over: nobody waits for this answer
                    self._idle += 1
                    continue
            lfn, timeout, done = item
            try:
                result = self._list_dir(lfn, timeout)
            except BaseException as exc:  # handed back to the engine thread, never lost
                result = exc
            with self._lock:
                self._idle += 1  # before ``done``: the engine may submit again at once
            done(result)

    def submit(self, lfn: str, timeout: float, done: Callable) -> None:
        with self._lock:
            self._queued += 1
            start = self._queued > self._idle and self._alive < self._limit
            if start:
                self._alive += 1
                self._idle += 1
                self.started += 1
        if start:
            try:
                threading.Thread(target=self._work, daemon=True, name="consistency-lister").start()
            except RuntimeError:  # the system's own thread limit: the running workers will do
                with self._lock:
                    self._alive -= 1
                    self._idle -= 1
        self._requests.put((lfn, timeout, done))

    def close(self) -> None:
        """Every worker ends when it is next free (a hung one when its request returns)."""
        with self._lock:
            self._closed = True
            alive = self._alive
        for _ in range(alive):
            self._requests.put(None)


class Walker:
    def __init__(self, lister, site, tree: Tree, stop: threading.Event | None = None,
                 progress: Progress | None = None, on_listed: Callable | None = None):
        self.lister = lister
        self.site = site
        self.tree = tree
        self.stop = stop or threading.Event()
        self.progress = progress
        self.on_listed = on_listed
        self.stats = WalkStats()
        self._done: queue.Queue = queue.Queue()
        self._tokens = itertools.count()
        self._in_flight: dict[int, tuple[str, int, float]] = {}
        self._pending: collections.deque = collections.deque()
        self._retry: list = []
        self.dispatcher: _ThreadDispatcher | None = None
        self._tops: frozenset[str] = frozenset()

    def run(self, tops) -> WalkStats:
        started = time.monotonic()
        threads = self.site.threads
        if hasattr(self.lister, "submit"):
            threads = min(threads, thread_limit(self.lister))
            submit, dispatcher = self.lister.submit, None
        else:
            threads = min(threads, MAX_THREADS)
            dispatcher = self.dispatcher = _ThreadDispatcher(self.lister.list_dir, MAX_THREADS)
            submit = dispatcher.submit
        self._tops = frozenset(tops)
        self._pending.extend((lfn, 0) for lfn in tops)
        try:
            while (self._pending or self._retry or self._in_flight) and not self.stop.is_set():
                self._dispatch(submit, threads)
                self._wait_one()
                self._expire()
                self.stats.in_flight = len(self._in_flight)
                if self.progress:
                    self.progress.update(self.stats)
            if self.stop.is_set():
                self._abandon_all()
        finally:
            if dispatcher:
                dispatcher.close()
            self.stats.elapsed = time.monotonic() - started
            self.stats.in_flight = 0
            if self.progress:
                self.progress.done(self.stats)
        return self.stats

    # -- scheduling ---------------------------------------------------------------------
    def _dispatch(self, submit, threads: int) -> None:
        now = time.monotonic()
        while self._retry and self._retry[0][0] <= now:
            _ready, _seq, lfn, attempt = heapq.heappop(self._retry)
            self._pending.appendleft((lfn, attempt))
        timeout = self.site.timeout
        while self._pending and len(self._in_flight) < threads:
            lfn, attempt = self._pending.popleft()
            token = next(self._tokens)
            self._in_flight[token] = (lfn, attempt, time.monotonic() + timeout + grace(timeout))
            submit(lfn, timeout, lambda result, token=token: self._done.put((token, result)))

    def _wait_one(self) -> None:
        wake = [0.5]
        if self._retry:
            wake.append(self._retry[0][0] - time.monotonic())
        if self._in_flight:
            wake.append(self._first_deadline() - time.monotonic())
        try:
            token, result = self._done.get(timeout=max(0.0, min(wake)))
        except queue.Empty:
            return
        while True:
            self._finish(token, result)
            try:
                token, result = self._done.get_nowait()
            except queue.Empty:
                return

    def _first_deadline(self) -> float:
        # Every request gets the same timeout, so deadlines grow in dispatch order, which is
        # the dict's order: the oldest request is the first to expire. O(1), not O(in flight).
        return next(iter(self._in_flight.values()))[2]

    def _expire(self) -> None:
        now = time.monotonic()
        while self._in_flight and self._first_deadline() <= now:
            token = next(iter(self._in_flight))
            # The request is abandoned: its late answer will find no token and be dropped.
            # Its worker stays busy until then; the dispatcher starts another if it may.
            self._finish(token, ListingError(ErrorKind.TIMEOUT,
                                             f"no answer within {self.site.timeout:g}s"))

    def _abandon_all(self) -> None:
        self.stats.interrupted = True
        left = [lfn for lfn, _a, _d in self._in_flight.values()]
        left += [lfn for lfn, _a in self._pending]
        left += [item[2] for item in self._retry]
        for lfn in left:
            self.tree.mark_unlisted(lfn)
        self.stats.not_listed = len(left)
        self._in_flight.clear()
        self._pending.clear()
        self._retry.clear()

    # -- results ------------------------------------------------------------------------
    def _finish(self, token: int, result) -> None:
        entry = self._in_flight.pop(token, None)
        if entry is None:
            return
        lfn, attempt, _deadline = entry
        if isinstance(result, Listing):
            self._listed(lfn, result)
            return
        if not isinstance(result, ListingError):
            result = ListingError(ErrorKind.OTHER, f"{type(result).__name__}: {result}")
        self._failed(lfn, attempt, result)

    def _listed(self, lfn: str, listing: Listing) -> None:
        subdirs = self.tree.set_listing(lfn, listing)
        self.stats.dirs += 1
        self.stats.files += len(listing.files)
        self.stats.bytes += sum(f.size for f in listing.files)
        self._pending.extend((sub, 0) for sub in subdirs)
        if self.on_listed:
            self.on_listed(lfn, listing, None)

    def _failed(self, lfn: str, attempt: int, error: ListingError) -> None:
        self.stats.attempts_failed[error.kind.value] += 1
        if error.kind is ErrorKind.NOT_FOUND and lfn in self._tops:
            attempt = self.site.retries  # a top directory not on the site: unlisted, not gone
        elif error.kind is ErrorKind.NOT_FOUND:
            self.tree.remove(lfn)
            self.stats.vanished += 1
            if self.on_listed:
                self.on_listed(lfn, None, error)
            return
        if attempt < self.site.retries and error.retry:
            self.stats.retries += 1
            delay = min(self.site.retry_delay * (2 ** attempt), MAX_BACKOFF)
            heapq.heappush(self._retry, (time.monotonic() + delay, next(self._tokens), lfn,
                                         attempt + 1))
            return
        self.tree.mark_unlisted(lfn)
        self.stats.errors[error.kind.value] += 1
        self.stats.failures.append((lfn, error.kind.value, error.message))
        if self.on_listed:
            self.on_listed(lfn, None, error)
