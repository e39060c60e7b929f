"""Dynamo Consistency's ``consistency_config.json`` (or YAML), mapped onto our schema.

Understood keys: RootPath, DirectoryList, IgnoreDirectories, IgnoreAge, NumThreads, Retries,
Timeout, MaxMissing, MaxOrphan, AccessMethod, Redirectors, PathPrefix. Per-site values
(AccessMethod, Redirectors, PathPrefix are maps of site -> value) become ``[sites.NAME]``;
everything else becomes ``[defaults]``. Other upstream keys are accepted and ignored.
"""
from __future__ import annotations

from .model import ConfigError

LEGACY_KEYS = {"RootPath", "DirectoryList", "IgnoreDirectories", "IgnoreAge", "NumThreads",
               "Retries", "Timeout", "MaxMissing", "MaxOrphan", "AccessMethod", "Redirectors",
               "PathPrefix"}
_DEFAULTS = {"RootPath": "root", "DirectoryList": "directories", "IgnoreDirectories": "ignore",
             "IgnoreAge": "ignore_age_days", "NumThreads": "threads", "Retries": "retries",
             "Timeout": "timeout", "MaxMissing": "max_missing", "MaxOrphan": "max_orphan"}
_METHODS = {"xrootd": "xrootd", "srm": "gfal", "gfal": "gfal", "gfal2": "gfal", "posix": "posix"}


def looks_legacy(parsed: dict) -> bool:
    return bool(LEGACY_KEYS & set(parsed))


def convert(parsed: dict, path: str = "") -> dict:
    at = f"{path}: " if path else ""
    defaults = {ours: parsed[theirs] for theirs, ours in _DEFAULTS.items() if theirs in parsed}
    defaults.setdefault("inventory", "dynamo")
    defaults.setdefault("lister", "xrootd")
    sites: dict[str, dict] = {}
    access = parsed.get("AccessMethod", {})
    redirectors = parsed.get("Redirectors", {})
    prefixes = parsed.get("PathPrefix", {})
    for key, value in (("AccessMethod", access), ("Redirectors", redirectors),
                       ("PathPrefix", prefixes)):
        if not isinstance(value, dict):
            raise ConfigError(f"{at}{key}: expected a map of site name to value, got {value!r}")
    for name in {*access, *redirectors, *prefixes}:
        site: dict = {}
        method = str(access.get(name, "XRootD")).lower()
        if method not in _METHODS:
            raise ConfigError(f"{at}AccessMethod.{name}: unknown access method {access[name]!r} "
                              f"(valid: XRootD, SRM)")
        site["lister"] = _METHODS[method]
        prefix = prefixes.get(name, "").rstrip("/")
        if name in redirectors:
            host = redirectors[name]
            if "://" not in host:
                host = f"root://{host}" if site["lister"] == "xrootd" else host
            site["url"] = host.rstrip("/") + prefix
        elif prefix:
            site["url"] = prefix
        sites[name] = site
    return {"defaults": defaults, "sites": sites}
