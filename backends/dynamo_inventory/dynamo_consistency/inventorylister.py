"""``listing(site)``: what the site's inventory (Dynamo) places at the site. Replace the
function to take the inventory from elsewhere: return a :class:`datatypes.DirectoryInfo`."""
from __future__ import annotations

import time

from consistency_core.check import load_inventory, make_backend
from consistency_core.tree import Tree

from . import config
from .datatypes import DirectoryInfo, cutoff_of


def listing(site: str) -> DirectoryInfo:
    """The inventory of ``site`` as a tree rooted at the configured root."""
    cfg = config.site_config(site)
    inventory = make_backend("inventory", cfg.inventory, cfg)
    try:
        tree: Tree = load_inventory(inventory, cutoff_of(cfg, time.time()))
    finally:
        if hasattr(inventory, "close"):
            inventory.close()
    return DirectoryInfo.from_tree(cfg.root, tree, cfg)
