"""What the gfal lister's tests add to the test kit (consistency_core.testing): the site
defaults they run with, a URL per protocol, and readers in the shapes these tests compare."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from consistency_core import config
from consistency_core.testing import configs, results as kit_results, sites, sitegen
from consistency_core.testing.runner import PROGRAM

VENV_BIN = PROGRAM.parent

SITE = "T2_GFAL"
PROTOCOLS = ("file", "root", "http")
# every in-process site uses this timeout: XrdCl's root:// request timeout is fixed per process
TIMEOUT = 5


@pytest.fixture(autouse=True)
def _keep_xrd_environment():
    """The lister sets XRD_* defaults in os.environ (for XrdCl); give them back afterwards so
    other test modules see the environment they started with."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("XRD_")}
    yield
    for key in [k for k in os.environ if k.startswith("XRD_")]:
        if key not in saved:
            del os.environ[key]
    os.environ.update(saved)


def url_for(protocol: str, server, site_dir: Path) -> str:
    return {"file": f"file://{site_dir}", "root": server.url if server else "",
            "http": server.http_url if server else ""}[protocol]


def site_keys(url: str, dump: Path | str = "", **keys) -> dict:
    return {"lister": "gfal", "url": url, "inventory": "dump", "inventory_url": str(dump),
            "ignore": list(sitegen.default_ignore()), "retry_delay": 0.1, "threads": 8,
            "timeout": TIMEOUT, **keys}


def site_config(url: str, dump: Path | str = "", **keys) -> config.SiteConfig:
    return config.build_site(SITE, site_keys(url, dump, **keys), "(test)")


def write_config(path: Path, url: str, dump: Path | str, **keys) -> Path:
    return configs.write_config(path, {SITE: site_keys(url, dump, **keys)})


def results(out: Path, site: str = SITE) -> dict[str, list[str]]:
    return kit_results.read_results(out, site, sort=True)


def summary(out: Path, site: str = SITE) -> dict:
    return kit_results.read_summary(out, site)


def planted(expected, *, below: str | None = None) -> dict[str, list[str]]:
    """The planted findings (minus those at or below ``below``, which is then unlisted)."""
    return kit_results.planted(expected, unlisted=[below] if below else ())


def walk(site: config.SiteConfig, lister=None, check: bool = True):
    """List the whole site with the engine: ({lfn: (size, mtime)}, {dir}, stats, lister)."""
    files, dirs, stats, _tree, lister = sites.walk(site, lister, check=check)
    return files, dirs, stats, lister


def block_dir_with_missing(expected, site_dir: Path) -> str:
    """A directory on disk the inventory holds files in (the parent of a planted missing file)."""
    parents = sorted({lfn.rpartition("/")[0] for lfn in expected.missing})
    return next(p for p in parents if (site_dir / p.lstrip("/")).is_dir())
