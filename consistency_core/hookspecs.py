"""The hooks a consistency plugin can implement, each documented where it is declared.

A plugin is any module or object with functions named like these and decorated with
``consistency_core.api.hookimpl``. Installed plugins are found through the entry-point group
``consistency`` (``CONSISTENCY_PLUGINS`` limits which load, see
:mod:`consistency_core.plugins`); the built-in ``posix`` and ``dump`` backends use the same
hooks. A function decorated with ``hookimpl`` whose name is not a hook below (a typo such as
``register_lister``) is an error naming the plugin, not silently ignored.

Backends are *named* implementations: a ``register_*`` hook calls its ``register`` argument
(:class:`~consistency_core.api.Register`) once per backend it provides. Two plugins
registering the same name for the same kind is an error naming both distributions. The
types named here (:class:`~consistency_core.api.Lister`, ...) are in
:mod:`consistency_core.api`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from .api import Register
    from .config import SiteConfig
    from .model import Listing, ListingError
    from .result import CheckResult

hookspec = pluggy.HookspecMarker("consistency")
hookimpl = pluggy.HookimplMarker("consistency")


@hookspec
def register_listers(register: Register) -> None:
    """Register storage listers: ``register(name, factory, options=None, defaults=None,
    max_threads=None)``.

    :param register: call once per lister. ``factory(site: SiteConfig)`` returns a
        :class:`~consistency_core.api.Lister` (or an
        :class:`~consistency_core.api.AsyncLister`). ``options`` is an ``@attrs.frozen``
        class whose fields, declared with :func:`consistency_core.api.key`, are the extra
        site-config keys the lister understands (type, default, range, help): they are
        validated like core keys, shown by ``consistency plugins``, and read back typed with
        ``site.settings(OptionsClass)``. ``defaults`` gives core keys a lister-specific
        default used when neither the site, ``[defaults]`` nor the command line sets them
        (``{"threads": 256}`` for a lister that needs many requests in flight to hide
        latency). ``max_threads`` is the most ``threads`` the lister supports; more is a
        one-line config error naming the limit.

    A lister lists ONE directory per call, given by its LFN (it maps it to
    ``site.url + lfn``), from up to ``site.threads`` threads at once; on failure it raises
    :class:`~consistency_core.model.ListingError` with the right
    :class:`~consistency_core.model.ErrorKind` (``ErrorKind.from_errno`` maps an errno) and
    never returns a partial listing.
    """


@hookspec
def register_inventories(register: Register) -> None:
    """Register inventories (what the catalog says is at a site):
    ``register(name, factory, options=None)``.

    :param register: call once per inventory; ``factory(site: SiteConfig)`` returns an
        :class:`~consistency_core.api.Inventory`: ``files()`` streams every file the catalog
        places at the site (LFNs below ``site.root``), optionally ``protect_orphans(lfns)``
        returns the orphan candidates the catalog still protects, optionally ``close()``.
    """


@hookspec
def register_reporters(register: Register) -> None:
    """Register reporters: ``register(name, factory, options=None)``.

    :param register: call once per reporter; ``factory(site: SiteConfig)`` returns a
        :class:`~consistency_core.api.Reporter`: ``report(result, context)`` and a boolean
        ``acts``.

    A reporter that *acts* (deletes, transfers, invalidates) is called only with ``--act``,
    only when the site is not set ``dry`` (``consistency status set``), only when every safety
    gate passed and the run was not stopped; otherwise the run records that it was skipped
    and why. ``result`` is a :class:`~consistency_core.result.CheckResult`; ``context`` a
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
def check_started(site: SiteConfig) -> None:
    """A check of ``site`` is about to start listing.

    :param site: the resolved site configuration.
    """


@hookspec
def directory_listed(site: SiteConfig, lfn: str, listing: Listing | None,
                     error: ListingError | None) -> None:
    """One directory finished listing (after its retries).

    :param site: the site being checked.
    :param lfn: the directory's LFN.
    :param listing: its :class:`~consistency_core.model.Listing`, or None if it failed.
    :param error: the final :class:`~consistency_core.model.ListingError`, or None.

    Called from the engine's thread, once per directory: keep it cheap.
    """


@hookspec
def check_finished(site: SiteConfig, result: CheckResult) -> None:
    """A check ended (completed, interrupted or failed).

    :param site: the site that was checked.
    :param result: the :class:`~consistency_core.result.CheckResult`.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``consistency`` command line: ``cli.add_command(command)``.

    :param cli: the top-level :class:`click.Group`; called once, after every built-in command
        is defined.

    Reusing an existing command's name is an error naming the plugin; ``consistency plugins``
    lists the commands each plugin added. Raise
    :class:`~consistency_core.model.ConsistencyError` inside a command for a one-line error
    with its exit code, like the built-in commands.
    """


@hookspec(firstresult=True)
def list_sites(source: str, defaults: dict, path: str) -> list[tuple[str, str]] | None:
    """The sites an external catalog lists, for a config's ``sites_from = SOURCE``.

    :param source: the ``sites_from`` value; a plugin that does not provide it returns None.
    :param defaults: the config's ``[defaults]`` table (with environment overrides): where
        the catalog is.
    :param path: the config file, for error messages.
    :returns: ``[(site name, why it is not ready or "" if ready), ...]``. The config's own
        ``[sites.NAME]`` tables are laid over these sites; ``consistency run --pick`` skips
        a site that is not ready and ``consistency status`` shows why.
    """
