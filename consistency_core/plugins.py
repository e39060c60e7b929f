"""Plugin manager: the built-in backends, every allowed ``consistency`` entry point, and the
named backends they register.

Modelled on simonw/llm's ``llm/plugins.py``: the built-ins (``posix``, ``dump``) are always
registered; installed plugins are found through the entry-point group ``consistency``.
``CONSISTENCY_PLUGINS`` (comma-separated entry-point or distribution names; empty: none)
limits which installed plugins load. Inside a test run (``sys._called_from_test``, set by
the test suite) only this repository's distributions load unless that variable asks for
more, so a developer's other installed plugins cannot change test results.
"""
from __future__ import annotations

import difflib
import functools
import importlib
import importlib.metadata
import os
import sys
from typing import Any, Callable

import attrs
import click
import pluggy

from . import hookspecs
from .model import ConfigError, ConsistencyError
from .options import keys_of, legacy_options

KINDS = ("lister", "inventory", "reporter")
ALLOW_ENV = "CONSISTENCY_PLUGINS"
BUILTINS = {"posix": "consistency_core.backends.posix", "dump": "consistency_core.backends.dump"}
FIRST_PARTY = frozenset({"consistency-core", "consistency-xrootd", "consistency-gfal",
                         "consistency-dynamo"})
_HOOKS = {"lister": "register_listers", "inventory": "register_inventories",
          "reporter": "register_reporters"}


@attrs.frozen
class Source:
    """Where a plugin came from, to name it in messages and in ``consistency plugins``."""

    name: str
    distribution: str = ""
    version: str = ""
    builtin: bool = False

    @property
    def label(self) -> str:
        dist = f"{self.distribution} {self.version}".strip()
        if self.builtin:
            return f"built-in, {dist}" if dist else "built-in"
        return dist or "not from a distribution"

    def __str__(self) -> str:
        return f"plugin {self.name!r} ({self.label})"


@attrs.frozen
class Backend:
    """One named implementation registered by a plugin."""

    kind: str
    name: str
    factory: Callable[[Any], Any]
    options: type | None = None
    plugin: str = ""
    defaults: dict = attrs.field(factory=dict)
    max_threads: int | None = None

    def keys(self) -> dict[str, attrs.Attribute]:
        return keys_of(self.options) if self.options is not None else {}


_sources: dict[str, Source] = {}
_commands: dict[str, list[str]] = {}


@functools.lru_cache(maxsize=1)
def manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("consistency")
    pm.add_hookspecs(hookspecs)
    version = installed_version()
    for name, module in BUILTINS.items():
        pm.register(importlib.import_module(module), name=name)
        _sources[name] = Source(name, "consistency-core", version, builtin=True)
    _load_entry_points(pm)
    return pm


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    """Import every allowed plugin, naming a broken one in one line, not a traceback."""
    allowed = _allowed()
    seen = set()
    for ep in importlib.metadata.entry_points(group="consistency"):
        dist = ep.dist.name if ep.dist else ""
        if ep.value in BUILTINS.values() or (ep.name, ep.value) in seen:
            continue  # the core's own (older metadata), or one distribution seen twice
        seen.add((ep.name, ep.value))
        if allowed is not None and ep.name not in allowed and dist not in allowed:
            continue
        source = Source(ep.name, dist, ep.dist.version if ep.dist else "")
        try:
            plugin = ep.load()
        except Exception as exc:
            raise ConsistencyError(f"plugin {ep.name!r} ({dist or 'unknown distribution'}) "
                                   f"cannot be loaded: {type(exc).__name__}: {exc}") from None
        if ep.name in _sources and pm.get_plugin(ep.name) is not None:
            raise ConsistencyError(f"two plugins are named {ep.name!r}: {_sources[ep.name]} and "
                                   f"{source}; uninstall one")
        _register(pm, plugin, source)


def _register(pm: pluggy.PluginManager, plugin: Any, source: Source) -> None:
    try:
        pm.register(plugin, name=source.name)
    except ValueError as exc:  # PluginValidationError, or one module under two names
        reason = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        raise ConsistencyError(f"{source} does not fit the hook specs: {reason}") from None
    _sources[source.name] = source


def _allowed() -> set[str] | None:
    value = os.environ.get(ALLOW_ENV)
    if value is not None:
        return {v.strip() for v in value.split(",") if v.strip()}
    if getattr(sys, "_called_from_test", False):
        return set(FIRST_PARTY)
    return None


def source(plugin_name: str) -> Source:
    return _sources.get(plugin_name, Source(plugin_name))


def check_pending() -> None:
    """A hook implementation no spec knows (``register_lister``...) is a one-line error
    naming the plugin, instead of being silently never called."""
    pm = manager()
    specs = [n for n in vars(pm.hook) if not n.startswith("_") and getattr(pm.hook, n).has_spec()]
    for name, caller in vars(pm.hook).items():
        if name.startswith("_") or caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if not impl.optionalhook:
                close = difflib.get_close_matches(name, specs, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ConsistencyError(f"{source(impl.plugin_name)} implements unknown hook "
                                       f"{name!r}{hint}")
    pm.check_pending()


@functools.lru_cache(maxsize=1)
def registry() -> dict[str, dict[str, Backend]]:
    """Every registered backend, by kind and name. Two registrations of one name are an
    error naming both plugins and their distributions."""
    check_pending()
    found: dict[str, dict[str, Backend]] = {kind: {} for kind in KINDS}
    for kind in KINDS:
        for impl in getattr(manager().hook, _HOOKS[kind]).get_hookimpls():
            impl.function(register=_registrar(kind, impl.plugin_name, found[kind]))
    return found


def _registrar(kind: str, plugin: str, found: dict[str, Backend]):
    def register(name: str, factory: Callable[[Any], Any], options: type | dict | None = None,
                 defaults: dict | None = None, *, max_threads: int | None = None) -> None:
        if name in found:
            raise ConsistencyError(f"{kind} {name!r} is registered by two plugins: "
                                   f"{source(found[name].plugin)} and {source(plugin)}; "
                                   "uninstall one")
        if isinstance(options, dict):
            options = legacy_options(options)
        elif options is not None and not attrs.has(options):
            raise ConsistencyError(f"{source(plugin)}: {kind} {name!r}: options must be an "
                                   f"attrs class, got {options!r}")
        found[name] = Backend(kind, name, factory, options, plugin, dict(defaults or {}),
                              max_threads)

    return register


def backends(kind: str) -> dict[str, Backend]:
    return registry()[kind]


def reset() -> None:
    """Forget what was loaded (tests that register plugins in-process)."""
    registry.cache_clear()
    manager.cache_clear()
    _sources.clear()
    _commands.clear()


def get_backend(kind: str, name: str, where: str = "") -> Backend:
    available = backends(kind)
    if name not in available:
        at = f"{where}: " if where else ""
        raise ConfigError(f"{at}unknown {kind} {name!r} ({_installed(kind)}; a plugin "
                          f"providing it may be missing: is it installed?{_limited()})")
    return available[name]


def _installed(kind: str) -> str:
    names = sorted(backends(kind))
    return f"installed: {', '.join(names)}" if names else f"no {kind} installed"


def _limited() -> str:
    value = os.environ.get(ALLOW_ENV)
    return f" {ALLOW_ENV}={value!r} limits the plugins loaded" if value is not None else ""


def check_backend_names(raw: dict, where: str) -> None:
    """The site's lister, inventory and reporters are installed (checked before its keys, so
    an uninstalled plugin is named rather than its keys called unknown)."""
    for kind, key in (("lister", "lister"), ("inventory", "inventory")):
        if isinstance(raw.get(key), str) and raw[key]:
            get_backend(kind, raw[key], f"{where}.{key}")
    reporters = raw.get("reporters")
    if isinstance(reporters, list):
        for name in reporters:
            if isinstance(name, str):
                get_backend("reporter", name, f"{where}.reporters")


def backend_defaults(kind: str, name) -> dict:
    """Site-config defaults a backend asks for (e.g. more threads for a high-latency lister)."""
    backend = backends(kind).get(name) if isinstance(name, str) else None
    return backend.defaults if backend else {}


def thread_limit(lister: str | None) -> int | None:
    """The most ``threads`` a lister supports: ``register(..., max_threads=N)``, else a
    ``max_threads`` attribute of its factory (class), else the engine's cap on OS threads;
    None for an unknown lister."""
    from .engine import thread_limit as engine_limit

    backend = backends("lister").get(lister) if isinstance(lister, str) else None
    if backend is None:
        return None
    if backend.max_threads is not None:
        return backend.max_threads
    return engine_limit(backend.factory)


def backend_keys() -> dict[str, attrs.Attribute]:
    """Every extra site-config key declared by an installed backend."""
    merged: dict[str, attrs.Attribute] = {}
    for kind in KINDS:
        for backend in backends(kind).values():
            for name, field in backend.keys().items():
                merged.setdefault(name, field)
    return merged


def add_commands(cli: click.Group) -> None:
    """Call each plugin's ``register_commands`` and remember what it added. Reusing a
    built-in command's name is a one-line error naming the plugin."""
    for impl in manager().hook.register_commands.get_hookimpls():
        before = dict(cli.commands)
        impl.function(cli=cli)
        added = sorted(n for n, c in cli.commands.items() if before.get(n) is not c)
        for name in added:
            if name in before:
                cli.commands[name] = before[name]
                raise ConsistencyError(f"{source(impl.plugin_name)} adds command {name!r}, "
                                       "which already exists")
        _commands.setdefault(impl.plugin_name, []).extend(added)


def describe() -> list[dict]:
    """One row per loaded plugin: where it comes from and what it provides."""
    pm = manager()
    rows = []
    for name, plugin in pm.list_name_plugin():
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or []
                       if not h.name.startswith("register_"))
        rows.append({
            "plugin": name,
            "source": source(name),
            "backends": [b for kind in KINDS for b in backends(kind).values() if b.plugin == name],
            "commands": list(_commands.get(name, [])),
            "hooks": hooks,
        })
    return rows


def call(hook_name: str, **kwargs) -> None:
    getattr(manager().hook, hook_name)(**kwargs)


def installed_version() -> str:
    try:
        return importlib.metadata.version("consistency-core")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"
