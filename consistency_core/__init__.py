"""consistency_core: storage consistency checks for grid data management.

Embedding (what Dynamo or a script calls)::

    from consistency_core import load_config, check_site
    site = load_config("consistency.toml").site("T2_XX_Site")
    result = check_site(site, act=False)
    result.findings.missing      # [(lfn, size), ...]
    result.summary()             # what SITE_summary.json holds
"""
from .check import check_site, diff_dumps
from .config import SiteConfig, load as load_config
from .hookspecs import hookimpl
from .model import (ConfigError, ConsistencyError, DirEntry, ErrorKind, FileEntry,
                    InventoryFile, Listing, ListingError)
from .result import CheckResult

__all__ = ["check_site", "diff_dumps", "load_config", "SiteConfig", "hookimpl", "CheckResult",
           "ConfigError", "ConsistencyError", "DirEntry", "ErrorKind", "FileEntry",
           "InventoryFile", "Listing", "ListingError"]
