"""Where the configuration is: set ``LOCATION`` (upstream JSON or YAML, or our TOML) before
listing. ``config_dict()`` returns the file as a dictionary, as upstream did."""
from __future__ import annotations

import json
import os

import attrs

from consistency_core import config as core_config
from consistency_core.legacy_config import with_environment

LOCATION = "consistency_config.json"
LOADER = json  # anything with load(file) -> dict (json, yaml)
DIRECTORYLIST = None  # a list of directories overriding the file's DirectoryList
CONFIG = None
SITE = None


def config_dict() -> dict:
    """The configuration file as a dictionary, read once; environment variables named like
    its top-level keys override them."""
    global CONFIG, DIRECTORYLIST
    if CONFIG is None:
        if not os.path.exists(LOCATION):
            raise IOError(f"Could not load config at {LOCATION}")
        with open(LOCATION) as fh:
            CONFIG = with_environment(LOADER.load(fh))
    if DIRECTORYLIST:
        CONFIG["DirectoryList"] = DIRECTORYLIST
        DIRECTORYLIST = None
    return CONFIG


def site_config(site: str) -> core_config.SiteConfig:
    """The site's configuration, by consistency_core's rules (the upstream keys mapped). A
    site the file does not name is configured from its defaults, as upstream did."""
    cfg = core_config.load(LOCATION)
    if site not in cfg.sites:
        cfg = attrs.evolve(cfg, sites={**cfg.sites, site: {}})
    directories = DIRECTORYLIST or (CONFIG or {}).get("DirectoryList")
    return cfg.site(site, {"directories": list(directories)} if directories else None)
