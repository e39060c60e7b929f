"""The ``gfal`` lister: one directory per request through gfal2, on the engine's threads.

Empty listings are confirmed. gfal2's xrootd plugin returns an *empty listing with no error*
when the server takes longer than its fixed 60 s wait, and an empty listing below which the
inventory holds files would report all of them missing. So an empty answer is believed only
when a second listing, with a fresh context, is empty too and both came back well before that
wait ran out; otherwise the directory fails with a timeout (retried, then unlisted). Empty
directories are rare, so confirming every one costs a request each and needs no knowledge of
the inventory (``consistency list`` has none); a directory's stat cannot stand in for it
(nlink is 0 over http and absent over root://).
"""
from __future__ import annotations

import collections
import logging
import stat
import threading
import time

from consistency_core import (ConsistencyError, ErrorKind, Listing, ListingError, names,
                              watchdog)

from . import hedge, urls, xrootd_env
from .contexts import ContextPool
from .errors import classify, one_line
from .reader import read_dir
from .settings import GfalSettings

log = logging.getLogger("consistency.gfal")

# An empty listing that took this long may be gfal2 giving up, not the server's answer.
SLOW_EMPTY = xrootd_env.GFAL_XROOTD_WAIT - 5.0
# an XRootD server returns at most this many bytes of a name, over root:// and http://; other
# servers may not cut, but a listing cannot tell which server answered
XROOTD_NAME_CUT = 254
# libxml2's words for a WebDAV listing that holds bytes that are not UTF-8
_NOT_UTF8 = "Input is not proper UTF-8"


class GfalLister:
    def __init__(self, site):
        self.site = site
        self.where = f"{site.source}: sites.{site.name}"
        self.base = urls.site_base(site.url, self.where)
        self.scheme = urls.scheme(self.base)
        self.settings = GfalSettings.from_site(site)
        self._gfal2 = _import_gfal2()
        _quiet_gfal2()
        # whatever the scheme: the first gfal2 context of the process loads the xrootd plugin
        in_env = xrootd_env.apply(site.timeout)
        # how long close() waits for root:// attempts still inside XrdCl (each ends within
        # XrdCl's request timeout)
        self.join_limit = xrootd_env.request_timeout(in_env) + 1.0
        self.contexts = ContextPool(self._new_context, self.settings.renew_every)
        self.events = collections.Counter()  # empty_confirmed/_recovered/_unconfirmed, stalled,
        #                                      hedged
        # root:// listings slower than this are tried a second time (see hedge.py)
        self.hedge_after = self.settings.hedge_after
        if site.timeout:
            self.hedge_after = min(self.hedge_after, site.timeout / 2)
        self.hedge_limit = xrootd_env.GFAL_XROOTD_WAIT + max(site.timeout, 1.0) + 5.0
        # every root:// listing runs on these (hedged or not), so close() can join them all
        self._attempts = hedge.AttemptThreads(2 * site.threads)
        self._lock = threading.Lock()

    def url(self, lfn: str) -> str:
        return urls.join(self.base, lfn, encode=self.scheme in urls.ENCODED_SCHEMES)

    def _new_context(self):
        ctx = self._gfal2.creat_context()
        self.settings.configure(ctx, self.base, self.site.timeout)
        return ctx

    # -- engine interface ---------------------------------------------------------------
    def check(self) -> None:
        self.settings.check_files()
        url = self.url(self.site.root)
        try:
            st = self._stat(url)
        except ListingError as exc:
            raise ConsistencyError(f"{self.where}: cannot reach {url}: {exc.kind.value}: "
                                   f"{exc.message}") from None
        if not stat.S_ISDIR(st.st_mode):
            raise ConsistencyError(f"{self.where}: {url} is not a directory")

    def list_dir(self, lfn: str, timeout: float) -> Listing:
        # ``timeout`` is site.timeout, already in every context (gfal2 sets it per context)
        if "?" in lfn and self.scheme != "file":
            # even encoded, the server takes it for the start of a query and answers "not
            # found", which would make everything the inventory holds below it missing
            raise ListingError(ErrorKind.OTHER, f"{names.shown(lfn)}: a directory name with '?' "
                               f"cannot be listed over {self.scheme}://", retry=False)
        if self.scheme == "file" and not names.is_utf8(lfn):
            raise ListingError(ErrorKind.OTHER, f"{names.shown(lfn)}: a name that is not UTF-8 "
                               "cannot be sent by the gfal2 Python bindings", retry=False)
        url = self.url(lfn)
        listing, took = self._list(url)
        if listing.files or listing.dirs:
            if took >= SLOW_EMPTY:
                self._count("stalled")
            return listing
        return self._confirm_empty(url, took)

    def close(self) -> None:
        left = self._attempts.close(time.monotonic() + self.join_limit)
        if left:
            # seen: gfal2 waiting out its 60 s for a listing whose connection died, XrdCl
            # threads deadlocked on a stream; XrdCl's exit handler then waits for ever
            log.warning("%s: %d root:// listings still inside gfal2 %g s after the walk ended",
                        self.site.name, left, self.join_limit)
            watchdog.skip_finalisation(f"{left} gfal2 calls that cannot be interrupted")
        empty = {k.removeprefix("empty_"): v for k, v in self.events.items()
                 if k.startswith("empty_")}
        stalled = self.events["stalled"]
        if empty:
            log.info("%s: empty listings: %s", self.site.name,
                     ", ".join(f"{k} {v}" for k, v in sorted(empty.items())))
        if stalled:
            # gfal2's xrootd plugin can miss the answer's wake-up and sleep out its 60 s wait
            log.info("%s: %d listings took over %.0f s (gfal2's xrootd plugin waiting out its "
                     "fixed 60 s); they were complete", self.site.name, stalled, SLOW_EMPTY)
        if self.events["hedged"]:
            log.info("%s: %d root:// listings slower than %g s were tried a second time",
                     self.site.name, self.events["hedged"], self.hedge_after)

    # -- internals ----------------------------------------------------------------------
    def _list(self, url: str, fresh: bool = False) -> tuple[Listing, float]:
        if self.scheme not in urls.XROOTD_SCHEMES:
            return self._list_once(url, fresh)
        return hedge.first_of_two(lambda: self._list_once(url, fresh),
                                  self.hedge_after or self.hedge_limit, self.hedge_limit,
                                  self._attempts, lambda: self._count("hedged"))

    def _list_once(self, url: str, fresh: bool = False) -> tuple[Listing, float]:
        if fresh:
            self.contexts.renew()  # on the thread that lists (an attempt thread for root://)
        started = time.monotonic()
        try:
            listing = read_dir(self.contexts.get(), url)
        except self._gfal2.GError as exc:
            self.contexts.renew()  # a context that saw an error is not reused
            if _NOT_UTF8 in exc.message:  # XrdHttp's listing of a name that is not UTF-8
                raise ListingError(ErrorKind.OTHER, f"{url}: holds a name that is not UTF-8, "
                                   f"which gfal2 cannot parse over {self.scheme}://",
                                   retry=False) from None
            kind = self._kind(exc)
            log.debug("%s: %s (code %s): %s", url, kind.value, exc.code, one_line(exc.message))
            raise ListingError(kind, f"{url}: {one_line(exc.message)}") from None
        except UnicodeDecodeError as exc:  # the bindings cannot return a name as text
            self.contexts.renew()
            raise ListingError(ErrorKind.OTHER, f"{url}: holds a name that is not UTF-8 "
                               f"({names.shown(names.from_bytes(exc.object))!r}), which the "
                               "gfal2 Python bindings cannot return", retry=False) from None
        cut_at = None if self.scheme == "file" else XROOTD_NAME_CUT
        return names.check_listing(url, listing, cut_at), time.monotonic() - started

    def _stat(self, url: str):
        """The stat of ``url``; over root:// on an attempt thread, given up after the join
        limit: XrdCl's stat of a server that has just died was seen never to return."""
        def once():
            try:
                return self.contexts.get().stat(url)
            except self._gfal2.GError as exc:
                raise ListingError(self._kind(exc), one_line(exc.message)) from None

        if self.scheme not in urls.XROOTD_SCHEMES:
            return once()
        return hedge.first_of_two(once, self.join_limit, self.join_limit, self._attempts)

    def _confirm_empty(self, url: str, took: float) -> Listing:
        if took < SLOW_EMPTY:
            listing, took = self._list(url, fresh=True)
            if listing.files or listing.dirs:
                self._count("empty_recovered")
                log.warning("%s: listed empty, then %d entries on a second listing", url,
                            len(listing.files) + len(listing.dirs))
                return listing
            if took < SLOW_EMPTY:
                self._count("empty_confirmed")
                return listing
        self._count("empty_unconfirmed")
        self.contexts.renew()
        message = (f"{url}: empty listing after {took:.0f}s: gfal2 gives up waiting at "
                   f"{xrootd_env.GFAL_XROOTD_WAIT:g}s and returns nothing, so it is not believed")
        log.warning("%s", message)
        raise ListingError(ErrorKind.TIMEOUT, message)

    def _kind(self, exc) -> ErrorKind:
        xrootd = self.scheme in urls.XROOTD_SCHEMES
        return classify(exc.code, exc.message, trust_code=not xrootd, xrootd=xrootd)

    def _count(self, what: str) -> None:
        with self._lock:
            self.events[what] += 1


def _quiet_gfal2() -> None:
    """gfal2's Python bindings log through the ``gfal2`` logger, at the level it allows; under
    ``-vv`` that is every HTTP exchange, which slows a listing down many times. Unless an
    operator set that logger's level, keep it at warnings."""
    gfal_log = logging.getLogger("gfal2")
    if gfal_log.level == logging.NOTSET:
        gfal_log.setLevel(logging.WARNING)


def _import_gfal2():
    try:
        import gfal2
    except ImportError as exc:
        raise ConsistencyError(f"gfal lister: the gfal2 Python bindings do not import ({exc}); "
                               "install python3-gfal2 and link it into the environment "
                               "(scripts/setup.sh)") from None
    return gfal2
