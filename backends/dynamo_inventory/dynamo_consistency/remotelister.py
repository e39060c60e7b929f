"""``listing(site)``: what the site's storage holds, listed by its configured lister
(XRootD, gfal2, POSIX) with the retries and timeouts of a check. Replace the function to
list by other means: return a :class:`datatypes.DirectoryInfo`."""
from __future__ import annotations

import time

from consistency_core.check import make_backend
from consistency_core.engine import Walker
from consistency_core.tree import Tree

from . import config
from .datatypes import DirectoryInfo, cutoff_of


def listing(site: str, callback=None) -> DirectoryInfo:
    """The storage of ``site`` below its configured directories. ``callback(lfn, listing,
    error)`` is called once per directory listed, if given."""
    cfg = config.site_config(site)
    lister = make_backend("lister", cfg.lister, cfg)
    tree = Tree(cutoff_of(cfg, time.time()))
    try:
        if hasattr(lister, "check"):
            lister.check()
        Walker(lister, cfg, tree, on_listed=callback).run(cfg.top_dirs)
    finally:
        if hasattr(lister, "close"):
            lister.close()
    return DirectoryInfo.from_tree(cfg.root, tree, cfg)
