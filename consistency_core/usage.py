"""Storage use per top directory, listed against the inventory (``SITE_storage.json``).

The directories are the site's top directories (``directories``, or the root), and, when
the only top is the root, each directory directly below it, as the upstream tool reported.
"""
from __future__ import annotations

from .tree import Tree, join


def _directories(trees, tops) -> list[str]:
    tops = list(tops)
    if len(tops) != 1:
        return tops
    below = set()
    for tree in trees:
        node = tree.node(tops[0])
        if node is not None:
            below.update(node.subdirs)
    return tops + [join(tops[0], name) for name in sorted(below)]


def _totals(tree: Tree, lfn: str) -> dict[str, int]:
    files = size = 0
    for _lfn, s, _new in tree.files(lfn):
        files += 1
        size += s
    return {"files": files, "bytes": size}


def storage_usage(inventory: Tree, listed: Tree, tops) -> list[dict]:
    """One entry per directory: its files and bytes on the site and in the inventory."""
    return [{"path": path, "listed": _totals(listed, path), "inventory": _totals(inventory, path)}
            for path in _directories((inventory, listed), tops)]
