"""The plugin contract: what a backend implements and the names it imports.

A third-party backend needs nothing else from the core::

    import attrs
    from consistency_core.api import (Listing, FileEntry, DirEntry, ListingError, ErrorKind,
                                      hookimpl, key)

    @attrs.frozen
    class MyOptions:
        my_delay: float = key(0.0, "seconds to wait per listing", type=NUMBER, at_least=0)

    class MyLister:                        # satisfies Lister
        def __init__(self, site):          # site: SiteConfig
            self.delay = site.settings(MyOptions).my_delay
        def list_dir(self, lfn, timeout): ...

    @hookimpl
    def register_listers(register):
        register("mylister", MyLister, options=MyOptions)

The hooks are declared and documented in :mod:`consistency_core.hookspecs`.
"""
from __future__ import annotations

from typing import (Any, Callable, Iterable, Mapping, Protocol, Sequence,
                    runtime_checkable)

from .config import SiteConfig
from .hookspecs import hookimpl, hookspec
from .model import (ConfigError, ConsistencyError, DirEntry, ErrorKind, FileEntry,
                    InventoryFile, Listing, ListingError)
from .options import NUMBER, OptionError, key
from .result import ReportContext, ReporterStopped


@runtime_checkable
class Lister(Protocol):
    """Lists a site's storage, one directory per call.

    Optional methods, called when present: ``check()`` verifies the site is reachable before
    anything is listed (raise :class:`ConsistencyError` with one clear line if not) and
    ``close()`` releases connections at the end of the check.
    """

    def list_dir(self, lfn: str, timeout: float) -> Listing:
        """The complete content of the directory ``lfn``, within ``timeout`` seconds, or
        :class:`ListingError` (never a partial listing). Called from up to ``site.threads``
        threads at once."""
        ...


@runtime_checkable
class AsyncLister(Lister, Protocol):
    """A lister the engine drives without worker threads, ``site.threads`` requests in
    flight."""

    def submit(self, lfn: str, timeout: float,
               done: Callable[[Listing | BaseException], None]) -> None:
        """Start listing ``lfn`` and return at once; later call ``done`` exactly once, from
        any thread, with the :class:`Listing` or the exception (a :class:`ListingError`)."""
        ...


@runtime_checkable
class Inventory(Protocol):
    """What the catalog says is at a site.

    Optional methods: ``protect_orphans(lfns: list[str]) -> set[str]`` returns, of these
    orphan candidates, the ones the catalog still protects (a dataset replica at the site, a
    transfer in flight...): they are not reported. ``dataset_of(lfn: str) -> str | None``
    names the dataset a file belongs to (the report groups missing files by it).
    ``close()`` releases connections.
    """

    def files(self) -> Iterable[InventoryFile | tuple[str, int, float | None, bool]]:
        """Every file the catalog places at the site (LFNs below ``site.root``), streamed."""
        ...


@runtime_checkable
class Reporter(Protocol):
    """Called after a check with its result (see the ``register_reporters`` hook for when an
    acting reporter is called and what its ``result.findings`` holds)."""

    acts: bool

    def report(self, result: Any, context: Any) -> None:
        """``result``: a :class:`~consistency_core.result.CheckResult`; ``context``: a
        :class:`~consistency_core.result.ReportContext`. An acting reporter that writes in
        several transactions checks ``context.stop`` between them and, once it is set,
        raises :class:`ReporterStopped` saying what was written (the run is recorded
        ``interrupted``); its writes must be idempotent so that a rerun completes the rest."""
        ...


class Register(Protocol):
    """The ``register`` argument of the ``register_*`` hooks."""

    def __call__(self, name: str, factory: Callable[[SiteConfig], Any],
                 options: type | None = None, defaults: Mapping[str, Any] | None = None, *,
                 max_threads: int | None = None) -> None:
        ...


__all__: Sequence[str] = [
    "AsyncLister", "ConfigError", "ConsistencyError", "DirEntry", "ErrorKind", "FileEntry",
    "Inventory", "InventoryFile", "Lister", "Listing", "ListingError", "NUMBER",
    "OptionError", "Register", "ReportContext", "Reporter", "ReporterStopped", "SiteConfig", "hookimpl", "hookspec", "key",
]
