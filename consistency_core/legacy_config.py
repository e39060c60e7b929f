"""Dynamo Consistency's ``consistency_config.json`` (or YAML), mapped onto our schema.

Every key the upstream package (dynamo-consistency 2.12) ships is either mapped to one of
ours or accepted with a note saying why it no longer means anything (the table is in
``backends/dynamo_inventory/README.md``). An unknown key is a warning with the closest
upstream key. A bad value is an error naming the user's key and file (``Timeout``, not
``defaults.timeout``). As upstream did, an environment variable named like a top-level key
present in the file (``NumThreads=4``) overrides it.
"""
from __future__ import annotations

import difflib
import json
import logging
import os

from .model import ConfigError
from .options import OptionError, check_value

log = logging.getLogger("consistency.config")

# upstream key -> our [defaults] key
DEFAULTS = {"RootPath": "root", "LFNRoot": "root", "DirectoryList": "directories",
            "IgnoreDirectories": "ignore", "IgnoreAge": "ignore_age_days",
            "NumThreads": "threads", "Retries": "retries", "Timeout": "timeout",
            "MaxMissing": "max_missing", "MaxOrphan": "max_orphan", "VarLocation": "state_dir"}
# mapped where the installed packages declare our key (caches, unmerged logs, doors from
# global redirectors); otherwise accepted with a note
WHEN_DECLARED = {"InventoryAge": "inventory_max_age", "ListAge": "list_max_age",
                 "SaveCache": "save_cache", "UnmergedLogsAge": "unmerged_logs_age",
                 "GlobalRedirectors": "global_redirectors",
                 "RedirectorAge": "redirector_max_age"}
# per-site maps and other keys that need more than a rename (see convert)
SPECIAL = {"AccessMethod", "Redirectors", "PathPrefix", "GFALThreads", "UseLoadBalancer",
           "Unmerged", "ListDeletable", "UseTransferQueue", "DynamoDB", "DeleteOrphans"}
# accepted, with why they no longer mean anything
NOTES = {
    "FreeMem": "not used: a check streams its listing and does not wait for free memory",
    "WebDir": "not used: write the web pages with `consistency report --output DIR`",
    "AdditionalLogDeletions": "not used: log areas are cleaned by the unmerged check "
                              "(unmerged_logs_age)",
    "Email": "not used: `consistency run` exits non-zero and logs the error; mail from cron",
    "DBConfig": "not used (upstream's registry test database): give the Dynamo database "
                "as DynamoDB",
}
KNOWN = set(DEFAULTS) | set(WHEN_DECLARED) | SPECIAL | set(NOTES)
LEGACY_KEYS = KNOWN
_METHODS = {"xrootd": "xrootd", "srm": "gfal", "gfal": "gfal", "gfal2": "gfal", "posix": "posix"}


def looks_legacy(parsed: dict) -> bool:
    return bool(KNOWN & set(parsed))


def with_environment(parsed: dict, environ=None) -> dict:
    """Upstream's rule: an environment variable named like a top-level key of the file
    overrides its value (read as JSON, else as a string)."""
    environ = os.environ if environ is None else environ
    out = dict(parsed)
    for name in parsed:
        if name in environ:
            try:
                out[name] = json.loads(environ[name])
            except ValueError:
                out[name] = environ[name]
    return out


def convert(parsed: dict, path: str = "") -> dict:
    """The upstream file as ``{"defaults": ..., "sites": ...}``, every value checked under
    the user's own key name."""
    from .config import all_keys

    keys = all_keys()
    at = f"{path}: " if path else ""
    parsed = with_environment(parsed)
    _warn_unknown(parsed, at)
    defaults: dict = {"inventory": "dynamo", "lister": "xrootd"}
    for theirs, ours in DEFAULTS.items():
        if theirs in parsed:
            defaults[ours] = _checked(parsed[theirs], keys[ours], theirs, at)
    for theirs, ours in WHEN_DECLARED.items():
        if theirs not in parsed:
            continue
        if ours in keys:
            value = bool(parsed[theirs]) if theirs == "SaveCache" else parsed[theirs]
            defaults[ours] = _checked(value, keys[ours], theirs, at)
        else:
            log.info("%s%s: accepted, not used: no installed package declares %s",
                     at, theirs, ours)
    if "DirectoryList" not in parsed:
        defaults["directories_from"] = "inventory"  # upstream took them from the inventory
    noted = [name for name in NOTES if name in parsed]
    if noted:
        log.info("%supstream keys accepted, no longer used: %s (see the consistency-dynamo "
                 "README)", at, ", ".join(noted))
    _database(parsed, defaults, keys, at)
    _orphans_and_queue(parsed, defaults, keys, at)
    sites = _sites(parsed, at, keys)
    return {"defaults": defaults, "sites": sites, "aliases": _aliases(parsed, sites)}


def _aliases(parsed: dict, sites: dict[str, dict]) -> dict[str, dict[str, str]]:
    """Site ("" for all) -> our key -> the user's, so that a later error (a value fine
    alone, wrong with the site's lister) still names the user's key."""
    common = {ours: theirs for theirs, ours in {**DEFAULTS, **WHEN_DECLARED}.items()
              if theirs in parsed}
    if "DynamoDB" in parsed:
        common["inventory_url"] = "DynamoDB"
    out = {"": common}
    for name, site in sites.items():
        mine = {"lister": f"AccessMethod.{name}", "url": f"Redirectors.{name}",
                "threads": "GFALThreads", "locate": "UseLoadBalancer",
                "unmerged_age": "ListDeletable.MIN_AGE"}
        out[name] = {ours: theirs for ours, theirs in mine.items() if ours in site}
    return out


def _warn_unknown(parsed: dict, at: str) -> None:
    for name in sorted(set(parsed) - KNOWN):
        close = difflib.get_close_matches(name, sorted(KNOWN), n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        log.warning("%sunknown key %r ignored%s", at, name, hint)


def _checked(value, field, theirs: str, at: str):
    if isinstance(value, int) and not isinstance(value, bool) and float in field.metadata["types"]:
        value = float(value)
    try:
        check_value(field, value)
    except OptionError as exc:
        raise ConfigError(f"{at}{theirs}: {exc}") from None
    return value


def _database(parsed: dict, defaults: dict, keys: dict, at: str) -> None:
    """``DynamoDB``: ``"mysql://user@host:port/db"``, or upstream's MySQL keywords
    ``{"config_file": "/etc/my.cnf", "config_group": "mysql-dynamo", "db": "dynamo"}``."""
    if "DynamoDB" not in parsed:
        return
    value = parsed["DynamoDB"]
    # upstream took its sites from Dynamo and reported to it (acting still needs --act, a
    # site set act and passing gates)
    defaults["sites_from"] = "dynamo"
    defaults["reporters"] = ["dynamo"]
    if isinstance(value, str):
        defaults["inventory_url"] = _checked(value, keys["inventory_url"], "DynamoDB", at)
        return
    if not isinstance(value, dict):
        raise ConfigError(f"{at}DynamoDB: expected a mysql:// URL or a map with config_file, "
                          f"config_group, db, got {value!r}")
    extra = set(value) - {"config_file", "config_group", "db", "url"}
    if extra:
        raise ConfigError(f"{at}DynamoDB.{sorted(extra)[0]}: unknown key "
                          "(valid: url, config_file, config_group, db)")
    for theirs, ours in (("config_file", "dynamo_mycnf"), ("config_group", "dynamo_mycnf_group")):
        if theirs in value:
            if ours not in keys:
                raise ConfigError(f"{at}DynamoDB.{theirs}: the Dynamo backend "
                                  "(consistency-dynamo) is not installed")
            defaults[ours] = _checked(value[theirs], keys[ours], f"DynamoDB.{theirs}", at)
    if "url" in value:
        defaults["inventory_url"] = _checked(value["url"], keys["inventory_url"], "DynamoDB.url", at)
    elif "db" in value:
        defaults["inventory_url"] = "mysql:///" + str(value["db"])


def _orphans_and_queue(parsed: dict, defaults: dict, keys: dict, at: str) -> None:
    if "DeleteOrphans" in parsed and not parsed["DeleteOrphans"]:
        log.warning("%sDeleteOrphans = 0: orphans are still reported; to keep a site from "
                    "acting use `consistency status set SITE dry`", at)
    if "UseTransferQueue" in parsed and "dynamo_queue" in keys:
        queue = "registry" if parsed["UseTransferQueue"] else "subscriptions"
        defaults["dynamo_queue"] = queue


def _site_map(parsed: dict, key: str, at: str) -> dict:
    value = parsed.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{at}{key}: expected a map of site name to value, got {value!r}")
    return value


def _site_list(parsed: dict, key: str, at: str) -> list:
    value = parsed.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{at}{key}: expected a list of site names, got {value!r}")
    return value


def _sites(parsed: dict, at: str, keys: dict) -> dict[str, dict]:
    access = _site_map(parsed, "AccessMethod", at)
    redirectors = _site_map(parsed, "Redirectors", at)
    prefixes = _site_map(parsed, "PathPrefix", at)
    balanced = _site_list(parsed, "UseLoadBalancer", at)
    unmerged = _site_list(parsed, "Unmerged", at)
    sites: dict[str, dict] = {}
    for name in sorted({*access, *redirectors, *prefixes, *balanced, *unmerged}):
        site: dict = {}
        method = str(access.get(name, "XRootD")).lower()
        if method not in _METHODS:
            raise ConfigError(f"{at}AccessMethod.{name}: unknown access method {access[name]!r} "
                              f"(valid: XRootD, SRM)")
        site["lister"] = _METHODS[method]
        if site["lister"] == "gfal" and "GFALThreads" in parsed:
            site["threads"] = _checked(parsed["GFALThreads"], keys["threads"], "GFALThreads", at)
        prefix = str(prefixes.get(name, "")).rstrip("/")
        if name in redirectors:
            host = str(redirectors[name])
            if "://" not in host:
                host = f"root://{host}" if site["lister"] == "xrootd" else host
            site["url"] = host.rstrip("/") + prefix
        elif prefix:
            site["url"] = prefix
        if name in balanced and site["lister"] == "xrootd" and "locate" in keys:
            site["locate"] = True
        if name in unmerged:
            site["unmerged_age"] = _unmerged_age(parsed, keys, at)
        sites[name] = site
    return sites


def _unmerged_age(parsed: dict, keys: dict, at: str) -> float:
    """Upstream's ``ListDeletable.MIN_AGE`` (seconds) as our ``unmerged_age`` (days)."""
    listdel = parsed.get("ListDeletable", {})
    if not isinstance(listdel, dict):
        raise ConfigError(f"{at}ListDeletable: expected a map, got {listdel!r}")
    seconds = listdel.get("MIN_AGE", 28 * 86400)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
        raise ConfigError(f"{at}ListDeletable.MIN_AGE: expected a positive number of seconds, "
                          f"got {seconds!r}")
    return _checked(seconds / 86400, keys["unmerged_age"], "ListDeletable.MIN_AGE", at)
