"""The comparison engine: an inventory tree against a remote tree, by the rules of a check.

Rules (each covered by tests/test_compare.py):
- a file's identity is its path and size; mtime only decides whether it is new;
- new entries (younger than the ignore age, or flagged new by the inventory) are never
  reported, on either side; a remote directory holding only new entries hides the
  inventory files below it;
- nothing at or below an unlisted directory is reported; the directory itself is;
- a path on both sides with different sizes is a size mismatch, not missing and orphan;
- ignore patterns (path substrings) protect from orphan and empty-directory reports only;
- empty directories older than the ignore age are reported children first, never the
  root or a top-level directory; a directory holding only empty directories is empty;
- a directory whose subdirectory vanished during the walk (listed by it, then not found)
  changed during the walk: it is not empty in that run, nor is any directory above it.
- orphans in the unmerged area (``{root}/unmerged``) whose mtime is before
  ``unmerged_before`` are ``unmerged`` findings instead (no mtime counts as old); in its
  logs (``{root}/unmerged/logs``) the age is ``unmerged_logs_before`` when given; one in
  ``unmerged_protected`` (a set of protected LFN prefixes) is neither, only counted; a
  younger one is not reported (never an orphan while unmerged cleaning is on).
"""
from __future__ import annotations

from typing import Callable, Iterable

import attrs

from .tree import Dir, Tree, join


@attrs.frozen
class Findings:
    missing: list[tuple[str, int]]
    orphan: list[tuple[str, int]]
    size_mismatch: list[tuple[str, int, int]]  # lfn, inventory size, remote size
    unlisted: list[str]
    empty_dirs: list[str]
    protected: int = 0  # orphan candidates the inventory still protects
    unmerged: list[tuple[str, int]] = attrs.field(factory=list)  # old orphans in {root}/unmerged
    unmerged_protected: int = 0  # files in the unmerged area the protected list keeps


def compare(inventory: Tree, remote: Tree, top_dirs: Iterable[str], ignore: Iterable[str] = (),
            protect_orphans: Callable[[list[str]], set[str]] | None = None,
            root: str = "/store", unmerged_before: float | None = None,
            unmerged_logs_before: float | None = None, unmerged_protected=()) -> Findings:
    top_dirs = list(top_dirs)
    ignore = tuple(ignore)
    inventory.compute_digests()
    remote.compute_digests()
    out = _Collector(ignore)
    for top in top_dirs:
        rnode = remote.node(top)
        inode = inventory.node(top)
        out.compare(top, inode, rnode, remote.cutoff)
    orphans = sorted(out.orphan)
    protected = 0
    if protect_orphans and orphans:
        keep = protect_orphans([lfn for lfn, _ in orphans])
        protected = len(keep)
        orphans = [o for o in orphans if o[0] not in keep]
    root = root.rstrip("/") or "/"
    orphans, unmerged, kept = _split_unmerged(orphans, remote, root, unmerged_before,
                                              unmerged_logs_before, unmerged_protected)
    never = {root, *(t.rstrip("/") for t in top_dirs)}
    empty = _empty_dirs(remote, inventory, top_dirs, ignore, never, root)
    return Findings(missing=sorted(out.missing), orphan=orphans,
                    size_mismatch=sorted(out.mismatch), unlisted=sorted(out.unlisted),
                    empty_dirs=empty, protected=protected, unmerged=unmerged,
                    unmerged_protected=kept)


def unmerged_area(root: str) -> str:
    return join(root.rstrip("/") or "/", "unmerged") + "/"


def _split_unmerged(orphans, remote: Tree, root: str, before: float | None,
                    logs_before: float | None, protected):
    """(orphans, unmerged, protected count): with unmerged cleaning on, no file of the
    unmerged area is an orphan (the orphan rules would delete what is still being merged):
    those older than their age limit are unmerged candidates, the protected ones are only
    counted, the younger ones are not reported."""
    if before is None:
        return orphans, [], 0
    area = unmerged_area(root)
    logs = area + "logs/"
    kept, unmerged, held = [], [], 0
    for row in orphans:
        lfn = row[0]
        if not lfn.startswith(area):
            kept.append(row)
            continue
        if lfn in protected:
            held += 1
            continue
        limit = logs_before if logs_before is not None and lfn.startswith(logs) else before
        mtime = remote.mtimes.get(lfn)
        if mtime is None or mtime <= limit:
            unmerged.append(row)
    return kept, unmerged, held


class _Collector:
    def __init__(self, ignore: tuple[str, ...]):
        self.ignore = ignore
        self.missing: list[tuple[str, int]] = []
        self.orphan: list[tuple[str, int]] = []
        self.mismatch: list[tuple[str, int, int]] = []
        self.unlisted: list[str] = []

    def ignored(self, lfn: str) -> bool:
        return any(pattern in lfn for pattern in self.ignore)

    def compare(self, path: str, inode: Dir | None, rnode: Dir | None, cutoff: float) -> None:
        stack = [(path, inode, rnode)]
        while stack:
            path, inode, rnode = stack.pop()
            if rnode is None:
                self.all_missing(path, inode)
                continue
            if rnode.unlisted:
                self.unlisted.append(path)
                continue
            if _only_new(rnode, cutoff):
                continue
            if inode is not None and inode.digest == rnode.digest:
                continue
            ifiles = inode.files if inode is not None else {}
            isubs = inode.subdirs if inode is not None else {}
            self.compare_files(path, ifiles, rnode.files)
            for name, rsub in rnode.subdirs.items():
                stack.append((join(path, name), isubs.get(name), rsub))
            for name, isub in isubs.items():
                if name not in rnode.subdirs:
                    stack.append((join(path, name), isub, None))

    def compare_files(self, path: str, ifiles: dict[str, int], rfiles: dict[str, int]) -> None:
        for name, rvalue in rfiles.items():
            ivalue = ifiles.get(name)
            if ivalue is None:
                if not rvalue & 1:
                    lfn = join(path, name)
                    if not self.ignored(lfn):
                        self.orphan.append((lfn, rvalue >> 1))
            elif ivalue != rvalue and not (ivalue | rvalue) & 1:
                self.mismatch.append((join(path, name), ivalue >> 1, rvalue >> 1))
        for name, ivalue in ifiles.items():
            if not ivalue & 1 and name not in rfiles:
                self.missing.append((join(path, name), ivalue >> 1))

    def all_missing(self, path: str, inode: Dir | None) -> None:
        if inode is None:
            return
        for sub_path, node in inode.walk(path):
            for name, value in node.files.items():
                if not value & 1:
                    self.missing.append((join(sub_path, name), value >> 1))


def _only_new(node: Dir, cutoff: float) -> bool:
    """True when a listed directory holds entries and every one of them is new."""
    if not node.files and not node.subdirs:
        return False
    if any(not value & 1 for value in node.files.values()):
        return False
    return all(_new_entry(sub, cutoff) for sub in node.subdirs.values())


def _new_entry(node: Dir, cutoff: float) -> bool:
    """A subdirectory is a new entry when it is young and empty, or holds only new entries."""
    if node.unlisted:
        return False
    if not node.files and not node.subdirs:
        return node.mtime is not None and node.mtime > cutoff
    return _only_new(node, cutoff)


def _empty_dirs(remote: Tree, inventory: Tree, top_dirs: list[str], ignore: tuple[str, ...],
                never: set[str], root: str) -> list[str]:
    found: list[tuple[int, str]] = []
    for top in top_dirs:
        node = remote.node(top)
        if node is not None:
            _collect_empty(top, node, inventory.node(top), remote.cutoff, ignore, never, root,
                           found)
    found.sort(key=lambda item: (-item[0], item[1]))
    return [path for _depth, path in found]


def _collect_empty(path, node, inode, cutoff, ignore, never, root, found) -> bool:
    """Post-order walk; returns whether ``node`` is removable-empty. Iterative for depth."""
    result: dict[int, bool] = {}
    stack = [(path, node, inode, False)]
    while stack:
        p, n, i, expanded = stack.pop()
        if not expanded:
            stack.append((p, n, i, True))
            isubs = i.subdirs if i is not None else {}
            for name, sub in n.subdirs.items():
                stack.append((join(p, name), sub, isubs.get(name), False))
            continue
        empty = (not n.unlisted and not n.changed and not n.files
                 and (i is None or (not i.files and not i.subdirs))
                 and (n.mtime is None or n.mtime <= cutoff)
                 and not any(pattern in p for pattern in ignore)
                 and all(result[id(sub)] for sub in n.subdirs.values()))
        result[id(n)] = empty
        if empty and p not in never and (p.rpartition("/")[0] or "/") != root:
            found.append((p.count("/"), p))
    return result[id(node)]
