"""Site configuration: a TOML file with ``[defaults]`` and ``[sites.NAME]`` tables.

Dynamo Consistency's ``consistency_config.json`` (or YAML) is also understood, see
:mod:`consistency_core.legacy_config`.
"""
from __future__ import annotations

import json
import os
import tomllib
from typing import Any

import attrs

from .model import ConfigError

DEFAULT_CONFIG = "consistency.toml"

# key: (types, default, help). Backends add their own keys through ``options=``.
CORE_KEYS: dict[str, tuple[tuple[type, ...], Any, str]] = {
    "lister": ((str,), None, "lister backend name (consistency plugins lists them)"),
    "url": ((str,), "", "where the site's namespace starts; a lister lists url + LFN"),
    "root": ((str,), "/store", "LFN namespace root"),
    "directories": ((list,), [], "subset of directories below root to check"),
    "inventory": ((str,), None, "inventory backend name"),
    "inventory_url": ((str,), "", "where the inventory is (a dump path, a database URL...)"),
    "ignore": ((list,), [], "path substrings protected from orphan reports"),
    "ignore_age_days": ((int, float), 1.0, "entries younger than this are never reported"),
    "threads": ((int,), 8, "directories listed concurrently"),
    "timeout": ((int, float), 300.0, "seconds allowed for one directory listing"),
    "retries": ((int,), 3, "extra attempts for a directory that failed"),
    "retry_delay": ((int, float), 1.0, "seconds before the first retry; doubles each attempt"),
    "max_missing": ((int,), 1000, "safety gate: most missing files to act on"),
    "max_orphan": ((int,), 1000, "safety gate: most orphan files to act on"),
    "max_missing_fraction": ((int, float), 0.05, "safety gate: most missing, as a fraction of inventory files"),
    "max_orphan_fraction": ((int, float), 0.05, "safety gate: most orphans, as a fraction of inventory files"),
    "reporters": ((list,), [], "reporters called after the check, besides the result files"),
    "output": ((str,), "results", "directory for result files"),
    "state_dir": ((str,), "state", "directory for run history, locks and site state "
                  "(relative: to the config file's directory)"),
    "history_url": ((str,), "", "run-history database URL (default: SQLite under state_dir)"),
    "race_free": ((bool,), True, "read the inventory before and after the listing (three-list method)"),
    "confirm_missing_runs": ((int,), 2, "consecutive runs a file must be missing before acting"),
    "confirm_orphan_runs": ((int,), 3, "runs an orphan must be seen in before acting"),
    "confirm_orphan_days": ((int, float), 7.0, "days an orphan must be seen over before acting"),
    "lister_concurrency": ((int,), 0, "most checks using this site's lister at once on this "
                           "machine (0: no limit)"),
    "unmerged_age": ((int, float), 0.0, "days after which an orphan in {root}/unmerged is an "
                     "'unmerged' deletion candidate (0: off, they stay orphans)"),
}

_TYPE_NAMES = {str: "string", int: "integer", float: "number", list: "list", bool: "boolean",
               dict: "table"}


@attrs.frozen
class SiteConfig:
    """Everything a check of one site needs. Backend-specific keys are in ``options``."""

    name: str
    lister: str
    url: str
    root: str
    directories: tuple[str, ...]
    inventory: str
    inventory_url: str
    ignore: tuple[str, ...]
    ignore_age_days: float
    threads: int
    timeout: float
    retries: int
    retry_delay: float
    max_missing: int
    max_orphan: int
    max_missing_fraction: float
    max_orphan_fraction: float
    reporters: tuple[str, ...]
    output: str
    state_dir: str
    history_url: str
    race_free: bool
    confirm_missing_runs: int
    confirm_orphan_runs: int
    confirm_orphan_days: float
    lister_concurrency: int
    unmerged_age: float
    options: dict = attrs.field(factory=dict, eq=False)
    source: str = ""

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    @property
    def top_dirs(self) -> tuple[str, ...]:
        """The LFNs the walk starts from: ``root`` or each of ``directories``."""
        if not self.directories:
            return (self.root,)
        return tuple(d if d.startswith("/") else join_lfn(self.root, d) for d in self.directories)


def join_lfn(parent: str, name: str) -> str:
    return parent.rstrip("/") + "/" + name.strip("/")


@attrs.frozen
class Config:
    path: str
    defaults: dict
    sites: dict[str, dict]

    def site(self, name: str, overrides: dict | None = None) -> SiteConfig:
        if name not in self.sites:
            choices = ", ".join(sorted(self.sites)) or "none defined"
            raise ConfigError(f"{self.path}: unknown site {name!r} (sites: {choices})")
        raw = {**self.defaults, **self.sites[name]}
        raw.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return build_site(name, raw, self.path)


def all_keys() -> dict[str, tuple]:
    from .plugins import backend_options

    keys = {k: (types, help_) for k, (types, _d, help_) in CORE_KEYS.items()}
    for key, spec in backend_options().items():
        types = spec[0] if isinstance(spec[0], tuple) else (spec[0],)
        keys.setdefault(key, (types, spec[1] if len(spec) > 1 else ""))
    return keys


def check_table(table: dict, where: str, path: str) -> None:
    """Reject unknown keys and wrong types, naming the file and key."""
    keys = all_keys()
    for key, value in table.items():
        if key not in keys:
            raise ConfigError(f"{path}: {where}: unknown key {key!r} "
                              f"(valid keys: {', '.join(sorted(keys))})")
        types = keys[key][0]
        if not _type_ok(value, types):
            want = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
            raise ConfigError(f"{path}: {where}.{key}: expected {want}, got {value!r}")
        if list in types and isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: {where}.{key}: expected a list of strings, got {value!r}")


def _type_ok(value, types) -> bool:
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def build_site(name: str, raw: dict, path: str) -> SiteConfig:
    check_table(raw, f"sites.{name}", path)
    from .plugins import backend_defaults

    asked = {**backend_defaults("inventory", raw.get("inventory")),
             **backend_defaults("lister", raw.get("lister"))}
    values = {k: raw.get(k, asked.get(k, default)) for k, (_t, default, _h) in CORE_KEYS.items()}
    for key in ("lister", "inventory"):
        if not values[key]:
            raise ConfigError(f"{path}: sites.{name}: no {key!r} set (in the site, [defaults] or on the command line)")
    for key in ("threads",):
        if values[key] < 1:
            raise ConfigError(f"{path}: sites.{name}.{key}: must be at least 1, got {values[key]!r}")
    for key in ("retries", "max_missing", "max_orphan", "timeout", "ignore_age_days",
                "retry_delay", "max_missing_fraction", "max_orphan_fraction",
                "confirm_missing_runs", "confirm_orphan_runs", "confirm_orphan_days",
                "lister_concurrency", "unmerged_age"):
        if values[key] < 0:
            raise ConfigError(f"{path}: sites.{name}.{key}: must not be negative, got {values[key]!r}")
    if not values["root"].startswith("/"):
        raise ConfigError(f"{path}: sites.{name}.root: must be an absolute LFN, got {values['root']!r}")
    for key in ("directories", "ignore", "reporters"):
        values[key] = tuple(values[key])
    for key in ("ignore_age_days", "timeout", "retry_delay", "max_missing_fraction", "max_orphan_fraction",
                "confirm_orphan_days", "unmerged_age"):
        values[key] = float(values[key])
    values["root"] = "/" + values["root"].strip("/") if values["root"] != "/" else "/"
    values["state_dir"] = _beside(values["state_dir"], path)
    options = {k: v for k, v in raw.items() if k not in CORE_KEYS}
    return SiteConfig(name=name, options=options, source=path, **values)


def _beside(directory: str, config_path: str) -> str:
    """A relative state_dir belongs to the config file (the site's history and locks must
    not depend on where the command was started), else to the working directory."""
    if os.path.isabs(directory) or not os.path.isfile(config_path):
        return directory
    return os.path.join(os.path.dirname(os.path.abspath(config_path)), directory)


def load(path: str | None = None) -> Config:
    """Read a config file. ``path=None`` means ``./consistency.toml``."""
    path = path or DEFAULT_CONFIG
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from None
    parsed = _parse(path, data)
    if not isinstance(parsed, dict):
        raise ConfigError(f"{path}: expected a table/object at the top level")
    from . import legacy_config

    if legacy_config.looks_legacy(parsed):
        parsed = legacy_config.convert(parsed)
    return _from_tables(parsed, path)


def _parse(path: str, data: bytes):
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext == ".json":
            return json.loads(data)
        if ext in (".yaml", ".yml"):
            import yaml

            return yaml.safe_load(data)
        return tomllib.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        msg = str(exc).splitlines()[0]
        raise ConfigError(f"{path}: cannot parse: {msg}") from None
    except Exception as exc:  # yaml.YAMLError and friends
        msg = str(exc).replace("\n", " ")
        raise ConfigError(f"{path}: cannot parse: {msg}") from None


def _from_tables(parsed: dict, path: str) -> Config:
    unknown = set(parsed) - {"defaults", "sites"}
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key {sorted(unknown)[0]!r} "
                          "(valid: defaults, sites)")
    defaults = parsed.get("defaults", {})
    sites = parsed.get("sites", {})
    if not isinstance(defaults, dict):
        raise ConfigError(f"{path}: defaults: expected a table")
    if not isinstance(sites, dict) or not all(isinstance(v, dict) for v in sites.values()):
        raise ConfigError(f"{path}: sites: expected a table of [sites.NAME] tables")
    check_table(defaults, "defaults", path)
    return Config(path=path, defaults=defaults, sites=sites)


def empty(path: str = "(command line)") -> Config:
    return Config(path=path, defaults={}, sites={})


def load_site(config_path: str | None, site: str, **overrides) -> SiteConfig:
    """The SiteConfig for ``site``: from the config file, or from flags alone if no file."""
    if config_path is None and not os.path.exists(DEFAULT_CONFIG):
        cfg = Config(path="(command line)", defaults={}, sites={site: {}})
    else:
        cfg = load(config_path)
    return cfg.site(site, overrides)
