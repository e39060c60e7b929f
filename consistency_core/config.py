"""Site configuration: a TOML file with ``[defaults]`` and ``[sites.NAME]`` tables.

Dynamo Consistency's ``consistency_config.json`` (or YAML) is also understood, see
:mod:`consistency_core.legacy_config`.
"""
from __future__ import annotations

import difflib
import json
import os
import tomllib
from typing import Any, TypeVar

import attrs

from .model import ConfigError
from .options import NUMBER, OptionError, check_value, default_of, key, keys_of

T = TypeVar("T")

DEFAULT_CONFIG = "consistency.toml"


def _number(value):
    """An integer given for a number becomes a float; anything else is left for the check."""
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _strings(value):
    return tuple(value) if isinstance(value, list) else value


def _lfn_root(value):
    if not isinstance(value, str) or not value.startswith("/"):
        return value
    return "/" + value.strip("/") if value != "/" else "/"


def _absolute_lfn(_inst, field, value) -> None:
    if isinstance(value, str) and not value.startswith("/"):
        raise OptionError(f"must be an absolute LFN, got {value!r}", field.name)


@attrs.frozen
class SiteConfig:
    """Everything a check of one site needs. Each config key is a field declared with
    :func:`consistency_core.options.key` (type, default, help, range); backend-specific
    keys are in ``options`` (read them typed with :meth:`settings`)."""

    name: str
    lister: str = key(None, "lister backend name (consistency plugins lists them)")
    url: str = key("", "where the site's namespace starts; a lister lists url + LFN")
    root: str = key("/store", "LFN namespace root", converter=_lfn_root,
                    validator=_absolute_lfn)
    directories: tuple[str, ...] = key([], "subset of directories below root to check",
                                       type=list, converter=_strings)
    inventory: str = key(None, "inventory backend name")
    inventory_url: str = key("", "where the inventory is (a dump path, a database URL...)")
    ignore: tuple[str, ...] = key([], "path substrings protected from orphan reports",
                                  type=list, converter=_strings)
    ignore_age_days: float = key(1.0, "entries younger than this are never reported",
                                 type=NUMBER, at_least=0, converter=_number)
    threads: int = key(8, "directories listed concurrently (at most 256 for listers that "
                       "use a thread per request; consistency plugins shows each lister's "
                       "limit)", type=int, at_least=1)
    timeout: float = key(300.0, "seconds allowed for one directory listing", type=NUMBER,
                         at_least=0, converter=_number)
    retries: int = key(3, "extra attempts for a directory that failed", type=int, at_least=0)
    retry_delay: float = key(1.0, "seconds before the first retry; doubles each attempt",
                             type=NUMBER, at_least=0, converter=_number)
    max_missing: int = key(1000, "safety gate: most missing files to act on", type=int,
                           at_least=0)
    max_orphan: int = key(1000, "safety gate: most orphan files to act on", type=int,
                          at_least=0)
    max_missing_fraction: float = key(
        0.05, "safety gate: most missing, as a fraction of inventory files", type=NUMBER,
        at_least=0, converter=_number)
    max_orphan_fraction: float = key(
        0.05, "safety gate: most orphans, as a fraction of inventory files", type=NUMBER,
        at_least=0, converter=_number)
    reporters: tuple[str, ...] = key(
        [], "reporters called after the check, besides the result files", type=list,
        converter=_strings)
    output: str = key("results", "directory for result files")
    state_dir: str = key("state", "directory for run history, locks and site state "
                         "(relative: to the config file's directory)")
    history_url: str = key("", "run-history database URL (default: SQLite under state_dir)")
    history_keep_days: float = key(
        400.0, "runs older than this are pruned from the history, except those confirmation "
        "still needs (0: keep all)", type=NUMBER, at_least=0, converter=_number)
    race_free: bool = key(True, "read the inventory before and after the listing "
                          "(three-list method)", type=bool)
    confirm_missing_runs: int = key(2, "consecutive runs a file must be missing before acting",
                                    type=int, at_least=0)
    confirm_orphan_runs: int = key(3, "runs an orphan must be seen in before acting",
                                   type=int, at_least=0)
    confirm_orphan_days: float = key(7.0, "days an orphan must be seen over before acting",
                                     type=NUMBER, at_least=0, converter=_number)
    lister_concurrency: int = key(0, "most checks using this site's lister at once on this "
                                  "machine (0: no limit)", type=int, at_least=0)
    unmerged_age: float = key(0.0, "days after which an orphan in {root}/unmerged is an "
                              "unmerged deletion candidate (0: off, they stay orphans)",
                              type=NUMBER, at_least=0, converter=_number)
    unmerged_logs_age: float = key(
        0.0, "days after which a file in {root}/unmerged/logs is an unmerged deletion "
        "candidate (0: as unmerged_age)", type=NUMBER, at_least=0, converter=_number)
    unmerged_protected: str = key(
        "", "the protected-LFN list of the unmerged area: a file or an http(s) URL of JSON "
        "as WMCore publishes it (a list of LFN prefixes)")
    save_cache: bool = key(False, "save what a completed check listed and read as dumps "
                           "under {state_dir}/cache, for list_max_age/inventory_max_age",
                           type=bool)
    list_max_age: float = key(0.0, "days a saved listing of the site is reused instead of "
                              "listing it again (0: never)", type=NUMBER, at_least=0,
                              converter=_number)
    inventory_max_age: float = key(0.0, "days a saved inventory of the site is reused instead "
                                   "of reading it again (0: never)", type=NUMBER, at_least=0,
                                   converter=_number)
    log_dir: str = key("", "directory for per-site log files SITE.log, rotated by run "
                       "(empty: no log file; relative: to the config file's directory)")
    log_keep: int = key(10, "earlier runs' log files kept (SITE.log.1 ... SITE.log.N)",
                        type=int, at_least=0)
    directories_from: str = key("", "without directories: 'inventory' checks the directories "
                                "below root that the inventory has files in ('': root itself)",
                                choices=("", "inventory"))
    sites_from: str = key("", "a [defaults] key: 'dynamo' adds every site of Dynamo's sites "
                          "table, and whether it is ready, to the [sites.NAME] tables")
    metrics_push_url: str = key("", "Prometheus Pushgateway to push each run's figures to, "
                                "grouped by site (http://HOST:PORT; empty: no push)")
    options: dict = attrs.field(factory=dict, eq=False)
    source: str = ""

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def settings(self, options_cls: type[T]) -> T:
        """This site's values of a backend's options class (defaults where unset)."""
        names = keys_of(options_cls)
        try:
            return options_cls(**{k: v for k, v in self.options.items() if k in names})
        except OptionError as exc:
            raise ConfigError(f"{self.source or '(command line)'}: sites.{self.name}."
                              f"{exc.key}: {exc}") from None

    @property
    def top_dirs(self) -> tuple[str, ...]:
        """The LFNs the walk starts from: ``root`` or each of ``directories``."""
        if not self.directories:
            return (self.root,)
        return tuple(d if d.startswith("/") else join_lfn(self.root, d) for d in self.directories)


# The core keys, derived from SiteConfig: key -> (types, default, help).
CORE_FIELDS = keys_of(SiteConfig)
CORE_KEYS: dict[str, tuple[tuple[type, ...], Any, str]] = {
    name: (f.metadata["types"], default_of(f), f.metadata["help"])
    for name, f in CORE_FIELDS.items()}


def join_lfn(parent: str, name: str) -> str:
    return parent.rstrip("/") + "/" + name.strip("/")


ENV_PREFIX = "CONSISTENCY_"


@attrs.frozen
class Config:
    path: str
    defaults: dict
    sites: dict[str, dict]
    env: dict = attrs.field(factory=dict)  # CONSISTENCY_<KEY> overrides, for every site
    not_ready: dict = attrs.field(factory=dict)  # site -> why an external catalog says so
    aliases: dict = attrs.field(factory=dict)  # site or "" -> our key -> the user's

    def site(self, name: str, overrides: dict | None = None) -> SiteConfig:
        if name not in self.sites:
            choices = ", ".join(sorted(self.sites)) or "none defined"
            raise ConfigError(f"{self.path}: unknown site {name!r} (sites: {choices})")
        raw = {**self.defaults, **self.sites[name], **self.env}
        raw.update({k: v for k, v in (overrides or {}).items() if v is not None})
        try:
            return build_site(name, raw, self.path)
        except ConfigError as exc:
            raise ConfigError(self._users_names(str(exc), name)) from None

    def _users_names(self, message: str, site: str) -> str:
        names = {**self.aliases.get("", {}), **self.aliases.get(site, {})}
        for ours, theirs in names.items():
            message = message.replace(f"{self.path}: sites.{site}.{ours}:",
                                      f"{self.path}: {theirs} (site {site}):")
        return message


def env_overrides(environ=None) -> dict:
    """``CONSISTENCY_<KEY>=value`` for any config key: above the config file, below
    command-line flags. The value is read as a TOML value (``4``, ``true``, ``["mc"]``),
    else taken as a string; a bad one is an error naming the variable."""
    environ = os.environ if environ is None else environ
    keys = all_keys()
    found = {}
    for name, field in keys.items():
        var = ENV_PREFIX + name.upper()
        if var not in environ:
            continue
        value = _env_value(environ[var])
        try:
            check_value(field, _number(value) if float in field.metadata["types"] else value)
        except OptionError as exc:
            raise ConfigError(f"environment variable {var}: {exc}") from None
        found[name] = value
    return found


def _env_value(text: str):
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def all_keys() -> dict[str, attrs.Attribute]:
    """Every key a config may set: the core's, then each installed backend's."""
    from .plugins import backend_keys

    return {**backend_keys(), **CORE_FIELDS}


def check_table(table: dict, where: str, path: str) -> None:
    """Reject unknown keys and bad values (type, range), naming the file and key."""
    keys = all_keys()
    for name, value in table.items():
        if name not in keys:
            raise ConfigError(f"{path}: {where}: {unknown_key(name, keys)}")
        try:
            check_value(keys[name], value)
        except OptionError as exc:
            raise ConfigError(f"{path}: {where}.{name}: {exc}") from None


def unknown_key(name: str, keys) -> str:
    """'unknown key X' and the likeliest fix, in one line."""
    close = difflib.get_close_matches(name, list(keys), n=1, cutoff=0.75)
    if close:
        return f"unknown key {name!r} (did you mean {close[0]!r}?)"
    return (f"unknown key {name!r} (neither a core key nor declared by an installed plugin: "
            "a plugin providing it may not be installed; `consistency plugins` lists the keys)")


def build_site(name: str, raw: dict, path: str) -> SiteConfig:
    from .plugins import backend_defaults, check_backend_names, thread_limit

    where = f"sites.{name}"
    check_backend_names(raw, f"{path}: {where}")
    check_table(raw, where, path)
    asked = {**backend_defaults("inventory", raw.get("inventory")),
             **backend_defaults("lister", raw.get("lister"))}
    values = {k: raw[k] if k in raw else asked.get(k, default_of(f))
              for k, f in CORE_FIELDS.items()}
    for k in ("lister", "inventory"):
        if not values[k]:
            raise ConfigError(f"{path}: {where}: no {k!r} set (in the site, [defaults] or on the command line)")
    limit = thread_limit(values["lister"])
    if limit is not None and values["threads"] > limit:
        raise ConfigError(f"{path}: {where}.threads: {values['threads']} is more than the "
                          f"{values['lister']} lister supports (at most {limit})")
    values["state_dir"] = _beside(values["state_dir"], path)
    if values["log_dir"]:
        values["log_dir"] = _beside(values["log_dir"], path)
    options = {k: v for k, v in raw.items() if k not in CORE_FIELDS}
    try:
        return SiteConfig(name=name, options=options, source=path, **values)
    except OptionError as exc:  # a backend default out of range: name the key anyway
        raise ConfigError(f"{path}: {where}.{exc.key}: {exc}") from None


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

    aliases = {}
    if legacy_config.looks_legacy(parsed):
        parsed = legacy_config.convert(parsed, path)
        aliases = parsed.pop("aliases")
    cfg = _from_tables(parsed, path)
    cfg = attrs.evolve(cfg, env=env_overrides(), aliases=aliases)
    source = cfg.env.get("sites_from", cfg.defaults.get("sites_from"))
    return with_external_sites(cfg, source) if source else cfg


def with_external_sites(cfg: Config, source: str) -> Config:
    """The sites an external catalog lists (``sites_from``), overlaid by the file's
    ``[sites.NAME]`` tables; the ones it says are not ready are remembered with why."""
    from .plugins import manager

    listed = manager().hook.list_sites(source=source, defaults={**cfg.defaults, **cfg.env},
                                       path=cfg.path)
    if listed is None:
        raise ConfigError(f"{cfg.path}: defaults.sites_from: no installed plugin provides "
                          f"sites from {source!r}")
    sites = {name: {} for name, _why in listed}
    sites.update(cfg.sites)
    not_ready = {name: why for name, why in listed if why}
    return attrs.evolve(cfg, sites=sites, not_ready=not_ready)


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
        cfg = Config(path="(command line)", defaults={}, sites={site: {}},
                     env=env_overrides())
    else:
        cfg = load(config_path)
    return cfg.site(site, overrides)
