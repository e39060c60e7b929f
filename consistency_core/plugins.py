"""Plugin manager: loads every ``consistency`` entry point and collects named backends."""
from __future__ import annotations

import functools
import importlib.metadata
from typing import Any, Callable

import attrs
import pluggy

from . import hookspecs
from .model import ConfigError, ConsistencyError

KINDS = ("lister", "inventory", "reporter")


@attrs.frozen
class Backend:
    """One named implementation registered by a plugin."""

    kind: str
    name: str
    factory: Callable[[Any], Any]
    options: dict = attrs.field(factory=dict)
    plugin: str = ""
    defaults: dict = attrs.field(factory=dict)


@functools.lru_cache(maxsize=1)
def manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("consistency")
    pm.add_hookspecs(hookspecs)
    _import_entry_points()
    pm.load_setuptools_entrypoints("consistency")
    return pm


def _import_entry_points() -> None:
    """Import every plugin first, so a broken one is named in one line, not a traceback."""
    for ep in importlib.metadata.entry_points(group="consistency"):
        try:
            ep.load()
        except Exception as exc:
            dist = ep.dist.name if ep.dist else "unknown distribution"
            raise ConsistencyError(f"plugin {ep.name!r} ({dist}) cannot be loaded: "
                                   f"{type(exc).__name__}: {exc}") from None


def _collect(kind: str) -> dict[str, Backend]:
    found: dict[str, Backend] = {}
    pm = manager()
    hook = getattr(pm.hook, _HOOKS[kind])
    for impl in hook.get_hookimpls():
        plugin_name = pm.get_name(impl.plugin) or repr(impl.plugin)

        def register(name, factory, options=None, defaults=None, _plugin=plugin_name):
            found[name] = Backend(kind, name, factory, dict(options or {}), _plugin,
                                  dict(defaults or {}))

        impl.function(register=register)
    return found


_HOOKS = {"lister": "register_listers", "inventory": "register_inventories",
          "reporter": "register_reporters"}


@functools.lru_cache(maxsize=None)
def backends(kind: str) -> dict[str, Backend]:
    return _collect(kind)


def get_backend(kind: str, name: str, where: str = "") -> Backend:
    available = backends(kind)
    if name not in available:
        choices = ", ".join(sorted(available)) or "none installed"
        at = f"{where}: " if where else ""
        raise ConfigError(f"{at}unknown {kind} {name!r} (choose from: {choices})")
    return available[name]


def backend_defaults(kind: str, name) -> dict:
    """Site-config defaults a backend asks for (e.g. more threads for a high-latency lister)."""
    backend = backends(kind).get(name) if isinstance(name, str) else None
    return backend.defaults if backend else {}


def backend_options() -> dict[str, tuple]:
    """Every extra site-config key declared by an installed backend."""
    merged: dict[str, tuple] = {}
    for kind in KINDS:
        for backend in backends(kind).values():
            merged.update(backend.options)
    return merged


def describe() -> list[dict]:
    """One row per loaded plugin: its name, distribution, version and what it provides."""
    pm = manager()
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    rows = []
    for name, plugin in pm.list_name_plugin():
        dist = dists.get(id(plugin))
        provides = [f"{b.kind} {b.name}" for kind in KINDS for b in backends(kind).values()
                    if b.plugin == name]
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or []
                       if not h.name.startswith("register_"))
        rows.append({
            "plugin": name,
            "distribution": dist.project_name if dist else "",
            "version": dist.version if dist else "",
            "provides": provides + [f"hook {h}" for h in hooks],
        })
    return rows


def call(hook_name: str, **kwargs) -> None:
    getattr(manager().hook, hook_name)(**kwargs)


def installed_version() -> str:
    try:
        return importlib.metadata.version("consistency-core")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"
