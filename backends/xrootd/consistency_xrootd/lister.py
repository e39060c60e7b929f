"""The ``xrootd`` lister: one ``dirlist`` with stat per directory, many in flight.

Requests go out through XrdCl's asynchronous API (``submit``), so the engine keeps
``site.threads`` of them in flight without a Python thread each; answers arrive on XrdCl's
threads and are turned into a :class:`Listing` there. Only a complete answer becomes a
listing: an error, a partial answer (status code 3) or an entry without stat information is
a :class:`ListingError` of the right kind, which the engine retries and, in the end, marks
unlisted.
"""
from __future__ import annotations

import itertools
import logging
import math
import threading
import time

from pyxrootd import client as xrdcl
from XRootD.client.flags import DirListFlags, StatInfoFlags

from consistency_core import (ConsistencyError, DirEntry, ErrorKind, FileEntry, Listing,
                              ListingError, names)

from . import clientenv, status, undecodable
from .deadlines import Deadlines
from .doors import Door, DoorPool
from .probe import probe_doors
from .siteurl import ServerURL, parse

log = logging.getLogger("consistency.xrootd")

STAT = DirListFlags.STAT
IS_DIR = StatInfoFlags.IS_DIR
NOT_FILE_OR_DIR = StatInfoFlags.OTHER
# in-flight requests at which this lister is fastest here (see README, Benchmarks)
RECOMMENDED_THREADS = 1024
# XRootD servers return at most this many bytes of a name (a 255-byte name comes back cut)
NAME_CUT = 254
# XrdCl's own timeout, a backstop behind the lister's deadline (its clock ticks in seconds)
BACKSTOP = 2


class XrootdLister:
    # Requests in flight cost no thread here (the engine's cap does not apply); XRootD
    # stream ids are 16 bits per connection, so stay well below 65536.
    max_threads = 32768

    def __init__(self, site):
        self.site = site
        self.where = f"{site.source}: sites.{site.name}"
        self.env = clientenv.apply(site.timeout)
        self.urls = self._door_urls(site)
        self.pool = DoorPool([self._door(u) for u in self.urls])
        self.deadlines = Deadlines()
        self._tokens = itertools.count()
        self._pending: dict[int, tuple] = {}
        self._deadline_of: dict[int, object] = {}
        undecodable.watch(self)
        if site.threads < RECOMMENDED_THREADS:
            log.info("%s: threads = %d; the xrootd lister is fastest with about %d requests "
                     "in flight", site.name, site.threads, RECOMMENDED_THREADS)

    # -- configuration ------------------------------------------------------------------
    def _door_urls(self, site) -> list[ServerURL]:
        doors = site.option("doors", []) or []
        if not site.url and not doors:
            doors = self._located_doors(site)
        main = parse(site.url, f"{self.where}.url") if site.url else None
        prefix = main.prefix if main else ""
        urls = [main] if main else []
        for i, text in enumerate(doors):
            url = parse(text, f"{self.where}.doors[{i}]", default_prefix=prefix)
            if url not in urls:
                urls.append(url)
        return urls

    def _located_doors(self, site) -> list[str]:
        """No door configured: the doors global redirectors locate (redirectors.py)."""
        from .plugin import XrootdOptions
        from .redirectors import find_doors

        opts = site.settings(XrootdOptions)
        if not opts.global_redirectors:
            raise ConsistencyError(f"{self.where}: the xrootd lister needs url = "
                                   "\"root://host[:port][/prefix]\" (or doors = [...], or "
                                   "global_redirectors = [...] with site_domain)")
        return find_doors(site, list(opts.global_redirectors), opts.site_domain,
                          float(opts.redirector_max_age), self._probe_timeout(), self.where)

    @staticmethod
    def _door(url: ServerURL) -> Door:
        return Door(url, xrdcl.FileSystem(url.address))

    # -- start-up -----------------------------------------------------------------------
    def check(self) -> None:
        """Discover doors (``locate``), then keep only doors that answer for every top directory."""
        if self.site.option("locate", False):
            self._discover()
        alive = probe_doors(self.pool.doors, self.site.top_dirs, self._probe_timeout(),
                            self.where)
        for door in list(self.pool.doors):
            if door not in alive:
                self.pool.remove(door)
        log.info("%s: listing through %s", self.site.name,
                 ", ".join(str(d.url) for d in self.pool.doors))

    def _probe_timeout(self) -> int:
        return max(1, min(math.ceil(self.site.timeout or 30), 30))

    def _discover(self) -> None:
        from .discovery import locate_servers

        redirector = self.pool.doors[0]
        found = locate_servers(redirector, self.site.top_dirs[0], self._probe_timeout(),
                               self.where)
        known = {d.url for d in self.pool.doors}
        for url in found:
            if url not in known:
                self.pool.doors.append(self._door(url))
        # the redirector lists too, but the servers it points to carry the load
        if len(self.pool.doors) > 1 and redirector.url not in found:
            self.pool.remove(redirector)

    # -- listing ------------------------------------------------------------------------
    def submit(self, lfn: str, timeout: float, done) -> None:
        unsendable = _unsendable(lfn)
        if unsendable:
            done(ListingError(ErrorKind.OTHER, f"{names.shown(lfn)}: {unsendable}", retry=False))
            return
        door = self.pool.acquire()
        token = next(self._tokens)
        started = time.monotonic()
        path = door.url.path(lfn)
        # whoever pops the token (the answer, the deadline or the rescue of an answer the
        # bindings could not decode) finishes the request, once
        self._pending[token] = (door, started, done, path)
        deadline = None
        if timeout:
            deadline = self.deadlines.add(started + timeout,
                                          lambda: self._expire(token, path, timeout))
            self._deadline_of[token] = deadline

        def answered(st, response=None, *_hosts):
            request = self._pending.pop(token, None)
            if request is None:
                return  # already expired; a late answer is dropped
            self._cancel_deadline(token)
            try:
                result = to_listing(path, st, response)
                fault = False
            except ListingError as exc:
                result, fault = exc, status.is_door_fault(exc.kind)
            except BaseException as exc:  # never let an exception die inside XrdCl's thread
                result, fault = exc, False
            self.pool.release(door, time.monotonic() - started, fault)
            done(result)

        try:
            sent = door.client.dirlist(path, STAT, _seconds(timeout), answered)
        except Exception as exc:  # a request that could not even be sent
            sent = {"ok": False, "code": -1, "message": f"{type(exc).__name__}: {exc}"}
        if not sent.get("ok"):
            answered(sent)

    def _cancel_deadline(self, token: int) -> None:
        deadline = self._deadline_of.pop(token, None)
        if deadline is not None:
            self.deadlines.cancel(deadline)

    def rescue_undecodable(self) -> None:
        """Some answer held a name that is not UTF-8: the bindings could not decode it and
        dropped it without calling back. Ask again, synchronously, for each request still
        pending; the one the bindings cannot decode is failed now, not at its deadline."""
        for token, request in list(self._pending.items()):
            door, _started, _done, path = request
            try:
                door.client.dirlist(path, STAT, _seconds(self.site.timeout))
            except (SystemError, UnicodeDecodeError) as exc:
                cause = exc if isinstance(exc, UnicodeDecodeError) else exc.__cause__
                self._fail_undecodable(token, path, cause)

    def _fail_undecodable(self, token: int, path: str, cause) -> None:
        request = self._pending.pop(token, None)
        if request is None:
            return
        self._cancel_deadline(token)
        door, started, done, _path = request
        self.pool.release(door, time.monotonic() - started, fault=False)
        while cause is not None and not isinstance(cause, UnicodeDecodeError):
            cause = cause.__cause__ or cause.__context__
        name = getattr(cause, "object", b"")
        shown = names.shown(names.from_bytes(name)) if isinstance(name, bytes) else "?"
        done(ListingError(ErrorKind.OTHER, f"{names.shown(path)}: holds a name that is not "
                          f"UTF-8 ({shown!r}), which the XRootD Python bindings cannot return",
                          retry=False))

    def _expire(self, token: int, path: str, timeout: float) -> None:
        request = self._pending.pop(token, None)
        if request is None:
            return
        self._deadline_of.pop(token, None)
        door, started, done, _path = request
        self.pool.release(door, time.monotonic() - started, fault=True)
        done(ListingError(ErrorKind.TIMEOUT, f"{path}: no answer from {door.url} "
                                             f"within {timeout:g}s"))

    def list_dir(self, lfn: str, timeout: float) -> Listing:
        box: list = []
        ready = threading.Event()

        def done(result):
            box.append(result)
            ready.set()

        self.submit(lfn, timeout, done)
        if not ready.wait(timeout + 5 if timeout else None):
            raise ListingError(ErrorKind.TIMEOUT, f"{lfn}: no answer within {timeout:g}s")
        if isinstance(box[0], BaseException):
            raise box[0]
        return box[0]

    def close(self) -> None:
        undecodable.unwatch(self)
        self.deadlines.close()
        if len(self.pool.doors) > 1:
            log.info("%s: doors: %s", self.site.name, self.pool.describe())


def _seconds(timeout: float) -> int:
    """XrdCl's backstop timeout in whole seconds (0 = its default)."""
    return min(math.ceil(timeout) + BACKSTOP, 65535) if timeout else 0


def _unsendable(lfn: str) -> str | None:
    """Why XRootD cannot be asked for this path, or None. The protocol takes a path as it
    is, with no escapes (the server does not decode %XX), and ends it at the first ``?``,
    taking the rest as CGI; the bindings only send UTF-8 text."""
    if "?" in lfn:
        return "a name with '?' cannot be sent over XRootD (the rest would be taken as CGI)"
    if not names.is_utf8(lfn):
        return "a name that is not UTF-8 cannot be sent by the XRootD Python bindings"
    return None


def to_listing(path: str, st: dict, response) -> Listing:
    """A complete Listing from one dirlist answer, or ListingError."""
    if not st.get("ok"):
        kind = status.classify(st)
        retry = kind is not ErrorKind.PERMISSION and st.get("errno") != status.KXR_NOT_FILE
        raise ListingError(kind, f"{path}: {status.message(st)}", retry=retry)
    if st.get("code") == status.OK_PARTIAL:
        raise ListingError(ErrorKind.OTHER, f"{path}: partial answer (status 3), not trusted")
    if response is None:
        raise ListingError(ErrorKind.OTHER, f"{path}: ok answer without a listing")
    files, dirs = [], []
    add_file, add_dir = files.append, dirs.append
    for entry in response["dirlist"]:
        name, info = entry["name"], entry["statinfo"]
        if info is None or "/" in name:
            raise ListingError(ErrorKind.OTHER, f"{path}: incomplete answer (entry {name!r})")
        flags = info["flags"]
        if flags & IS_DIR:
            add_dir(DirEntry(name, info["mtime"]))
        elif not flags & NOT_FILE_OR_DIR:
            add_file(FileEntry(name, info["size"], info["mtime"]))
    return names.check_listing(path, Listing(files, dirs), cut_at=NAME_CUT)
