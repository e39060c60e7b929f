"""What the xrootd lister's tests add to the test kit (consistency_core.testing): the site
defaults they run with, and the tree as ``xrdfs`` sees it."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from consistency_core import config
from consistency_core.testing import configs, sitegen
from consistency_core.testing.plugin import site_tmp  # noqa: F401 (old name: a kit fixture now)
from consistency_core.testing.results import read_results

SITE = "T2_XRD"


def site_keys(url: str, dump: Path | str = "", **keys) -> dict:
    return {"lister": "xrootd", "url": url, "inventory": "dump", "inventory_url": str(dump),
            "ignore": list(sitegen.default_ignore()), "retry_delay": 0.2, "threads": 32, **keys}


def site_config(url: str, dump: Path | str = "", *, name: str = SITE, **keys) -> config.SiteConfig:
    return config.build_site(name, site_keys(url, dump, **keys), "(test)")


def write_config(path: Path, url: str, dump: Path | str, **keys) -> Path:
    return configs.write_config(path, {SITE: site_keys(url, dump, **keys)})


def results(out: Path, site: str = SITE) -> dict[str, list[str]]:
    return read_results(out, site, sort=True)


def xrdfs_view(server, root: str = "/store") -> tuple[dict, set]:
    """What ``xrdfs ls -l -R`` prints: ({file: (size, int mtime)}, {dir})."""
    proc = server.xrdfs("ls", "-l", "-R", root, timeout=120)
    files, dirs = {}, {root}
    for line in proc.stdout.splitlines():
        parts = line.split(None, 6)
        if len(parts) != 7:
            continue
        mode, _owner, _group, size, day, clock, path = parts
        mtime = int(time.mktime(time.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%S")))
        if mode.startswith("d"):
            dirs.add(path)
        else:
            files[path] = (int(size), mtime)
    return files, dirs


def after(seconds: float, action) -> threading.Thread:
    """Run ``action`` on a thread after ``seconds`` (a fault injected mid-walk)."""
    timer = threading.Timer(seconds, action)
    timer.daemon = True
    timer.start()
    return timer
