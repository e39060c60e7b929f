"""The hooks a consistency plugin can implement.

A plugin is any module or object with functions named like these and decorated with
``consistency_core.hookimpl``. Plugins are found through the entry-point group
``consistency``; the built-in ``posix`` and ``dump`` backends are registered the same way.

Backends are *named* implementations: a plugin's ``register_listers`` hook calls
``register("name", factory, options={...})`` once per lister it provides, and likewise for
inventories and reporters. ``factory(site)`` receives the resolved
:class:`consistency_core.config.SiteConfig` and returns the working object. ``options``
maps the extra site-config keys the backend understands to ``(type, help)`` pairs, so that
``consistency config check`` accepts them and rejects typos. ``defaults`` (optional) gives
core keys a backend-specific default that applies when neither the site, ``[defaults]``
nor the command line sets them — for example ``{"threads": 256}`` for a lister that needs
many requests in flight to hide network latency.
"""
from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("consistency")
hookimpl = pluggy.HookimplMarker("consistency")


@hookspec
def register_listers(register):
    """Register storage listers: ``register(name, factory, options=None, defaults=None)``.

    ``factory(site)`` returns an object with

    - ``list_dir(lfn: str, timeout: float) -> Listing``: list ONE directory, given by its
      LFN (the lister maps it to ``site.url + lfn``). Raise
      :class:`~consistency_core.model.ListingError` with the right
      :class:`~consistency_core.model.ErrorKind` on failure; never return a partial listing.
      Called from up to ``site.threads`` worker threads at once.
    - optionally ``submit(lfn, timeout, done)``: an asynchronous variant; it must return at
      once and later call ``done(listing_or_exception)`` from any thread. When present the
      engine uses it instead of worker threads, with ``site.threads`` requests in flight.
    - optionally ``check()``: verify the site is reachable before anything is listed; raise
      :class:`~consistency_core.model.ConsistencyError` with one clear line if not.
    - optionally ``close()``.
    """


@hookspec
def register_inventories(register):
    """Register inventories (what the catalog says is at a site): ``register(name, factory, options=None)``.

    ``factory(site)`` returns an object with

    - ``files() -> Iterable[InventoryFile | tuple[lfn, size, mtime, new]]``: every file the
      catalog places at the site (LFNs below ``site.root``). Stream; do not build a list.
    - optionally ``protect_orphans(lfns: list[str]) -> set[str]``: of these orphan
      candidates, the ones the catalog still protects (a dataset replica at the site, a
      subscription in flight...). They are not reported.
    - optionally ``close()``.
    """


@hookspec
def register_reporters(register):
    """Register reporters: ``register(name, factory, options=None)``.

    ``factory(site)`` returns an object with ``report(result, context)`` and a boolean
    attribute ``acts``. A reporter that *acts* (deletes, transfers, invalidates) is called
    only with ``--act``, only when the site is not set ``dry`` (``consistency status set``),
    only when every safety gate passed and the run was not stopped; otherwise the run
    records that it was skipped and why. ``result`` is a
    :class:`~consistency_core.result.CheckResult`; ``context`` a
    :class:`~consistency_core.result.ReportContext` (output directory, act flag).

    Confirmation over runs: an acting reporter's ``result.findings`` holds ONLY the findings
    confirmed over runs (:mod:`consistency_core.confirm`: missing files and size mismatches
    found in ``confirm_missing_runs`` consecutive complete runs; orphans and empty
    directories found in every complete run over ``confirm_orphan_days`` days and at least
    ``confirm_orphan_runs`` runs); ``unlisted`` is complete. Act on ``result.findings`` and
    nothing else. A reporter that does not act gets every finding in ``result.findings``,
    and the confirmed subset in ``result.confirmed`` (class -> rows like the findings') with
    ``result.delta`` (class -> new/still/resolved counts against the previous run).
    """


@hookspec
def check_started(site):
    """A check of ``site`` (a SiteConfig) is about to start listing."""


@hookspec
def directory_listed(site, lfn, listing, error):
    """One directory finished: ``listing`` is the Listing or None, ``error`` the final
    ListingError or None. Called from the engine's thread, often: keep it cheap."""


@hookspec
def check_finished(site, result):
    """A check ended (completed, interrupted or failed); ``result`` is the CheckResult."""


@hookspec
def register_commands(cli):
    """Add subcommands to the ``consistency`` command line: ``cli.add_command(command)``.

    ``cli`` is the top-level :class:`click.Group`; called once, after every built-in command
    is defined. A plugin must not reuse a built-in command's name. Raise
    :class:`~consistency_core.model.ConsistencyError` inside a command for a one-line error
    with its exit code, like the built-in commands.
    """
