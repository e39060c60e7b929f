"""consistency_core: storage consistency checks for grid data management.

Embedding (what Dynamo or a script calls), with the guarantees of ``consistency run``: the
site's lock, its state (halted, disabled, dry), the run recorded in the history and
findings confirmed over runs before anything acts::

    from consistency_core import run_site
    result = run_site("T2_XX_Site", config="consistency.toml", act=False)
    result.findings.missing      # [(lfn, size), ...]
    result.summary()             # what SITE_summary.json holds

``check_site(site)`` is the bare check (no lock, no state, no history, no files, no
reporters), for tests and tools.
"""
from .check import check_site, diff_dumps
from .config import SiteConfig, load as load_config, load_site
from .finding_classes import CLASSES as FINDING_CLASSES, Confirm, FindingClass
from .hookspecs import hookimpl
from .lifecycle import ReporterFailed, run_site
from .model import (ConfigError, ConsistencyError, DirEntry, ErrorKind, FileEntry,
                    InventoryFile, Listing, ListingError)
from .result import CheckResult
from .run_status import RunStatus

__all__ = ["run_site", "check_site", "diff_dumps", "load_config", "load_site", "SiteConfig",
           "hookimpl", "CheckResult", "RunStatus", "ReporterFailed", "FINDING_CLASSES",
           "FindingClass", "Confirm", "ConfigError", "ConsistencyError", "DirEntry",
           "ErrorKind", "FileEntry", "InventoryFile", "Listing", "ListingError"]
