"""``check_site``: one complete consistency check of one site, usable without the CLI."""
from __future__ import annotations

import contextlib
import logging
import threading
import time

import attrs

from . import cache, datasets, plugins
from .compare import compare, unmerged_area
from .config import SiteConfig
from .engine import Walker
from .model import ConsistencyError
from .output import write_result
from .progress import Progress
from .result import CheckResult, evaluate_gates, scope_of
from .run_status import RunStatus
from .tree import Tree, join
from .usage import storage_usage

log = logging.getLogger(__name__)


def check_site(site: SiteConfig, *, stop: threading.Event | None = None,
               progress: Progress | None = None, lister=None, inventory=None) -> CheckResult:
    """Check one site: read the inventory, list the storage, compare. Nothing else.

    This is the bare check, for tests and tools: it takes no lock, ignores the site's state
    (halted, disabled, dry), writes no file, calls no reporter and records nothing, so
    nothing is confirmed over runs. Operations (and anything that may act) use
    :func:`consistency_core.lifecycle.run_site`.

    ``lister``/``inventory`` may be ready objects (for example a Dynamo inventory built on
    an existing database connection); by default they are made from the site config.
    Raises ConsistencyError for problems that stop the check before a result exists.
    """
    started = time.time()
    stop = stop or threading.Event()
    reused = {}  # kind -> the saved dump used instead (cache.py)
    if lister is None:
        lister = _backend_or_cache(site, "listing", "lister", started, reused)
    if inventory is None:
        inventory = _backend_or_cache(site, "inventory", "inventory", started, reused)
    recorder = cache.Recorder(site, started) if site.save_cache else None
    with contextlib.ExitStack() as closing:
        for obj in (lister, inventory):
            if hasattr(obj, "close"):
                closing.callback(obj.close)
        if hasattr(lister, "check"):
            lister.check()
        plugins.call("check_started", site=site)
        cutoff = started - site.ignore_age_days * 86400
        timings = {}

        t0 = time.monotonic()
        inv_tree = load_inventory(_Recording(inventory, recorder) if recorder else inventory,
                                  cutoff, stop)
        timings["inventory"] = time.monotonic() - t0
        if site.directories_from == "inventory" and not site.directories:
            site = attrs.evolve(site, directories=inventory_tops(inv_tree, site.root))

        unmerged_before = started - site.unmerged_age * 86400 if site.unmerged_age else None
        remote = Tree(cutoff, keep_mtimes=unmerged_area(site.root) if unmerged_before else None)
        walker = Walker(lister, site, remote, stop=stop, progress=progress,
                        on_listed=lambda lfn, listing, error: (
                            recorder and recorder.on_listed(lfn, listing),
                            plugins.call("directory_listed", site=site, lfn=lfn,
                                         listing=listing, error=error)))
        t0 = time.monotonic()
        walk = walker.run(site.top_dirs)
        timings["listing"] = time.monotonic() - t0

        changed: list[str] = []
        if site.race_free and not walk.interrupted:
            t0 = time.monotonic()
            changed = merge_snapshots(inv_tree, load_inventory(inventory, cutoff, stop))
            timings["inventory_after"] = time.monotonic() - t0

        t0 = time.monotonic()
        protect = getattr(inventory, "protect_orphans", None)
        findings = compare(inv_tree, remote, site.top_dirs, site.ignore, protect, site.root,
                           unmerged_before, **unmerged_rules(site, started))
        timings["compare"] = time.monotonic() - t0
        blocks = datasets.blocks_of(inventory, [lfn for lfn, _size in findings.missing])

        interrupted = walk.interrupted or stop.is_set()
        status = RunStatus.INTERRUPTED if interrupted else RunStatus.COMPLETED
        inv_files, inv_bytes = _inventory_totals(inv_tree, site.top_dirs)
        gates = evaluate_gates(site, findings, inv_files, walk.files, status)
        stale = cache.stale_inventory_reason(site, reused)
        if stale:
            gates = attrs.evolve(gates, passed=False, reasons=gates.reasons + (stale,))
        if recorder and status == RunStatus.COMPLETED:
            recorder.save(remote.unlisted(), [k for k in cache.KINDS if k not in reused])
        timings["total"] = time.time() - started
        result = CheckResult(
            site=site.name, status=status, findings=findings, walk=walk,
            inventory_files=inv_files, inventory_bytes=inv_bytes, gates=gates,
            started=started, finished=time.time(), timings=timings, changed=changed,
            scope=scope_of(site), missing_blocks=blocks,
            storage=storage_usage(inv_tree, remote, site.top_dirs), reused=reused,
            backends={"lister": site.lister, "inventory": site.inventory, "reporters": []})
        plugins.call("check_finished", site=site, result=result)
    return result


def _backend_or_cache(site: SiteConfig, kind: str, role: str, now: float, reused: dict):
    """The site's lister (inventory), or a dump reader of its saved listing (inventory)
    when ``list_max_age`` (``inventory_max_age``) allows reusing it."""
    saved = cache.reusable(site, kind, now)
    if saved is None:
        return make_backend(role, getattr(site, role), site)
    reused[kind] = saved
    log.warning("%s: reusing the %s saved %.3g h ago (%s) instead of a fresh one",
                site.name, kind, saved["age_hours"], saved["path"])
    return make_backend(role, "dump", cache.as_dump_site(site, kind, saved["path"]))


@attrs.frozen
class _Recording:
    """The inventory, its rows kept by ``recorder`` as they are read."""

    inventory: object
    recorder: cache.Recorder

    def files(self):
        return self.recorder.files(self.inventory.files())


def unmerged_rules(site: SiteConfig, started: float) -> dict:
    """The logs' age limit and the protected list (read now, after the listing) for
    :func:`compare`; nothing while unmerged cleaning is off."""
    if not site.unmerged_age:
        return {}
    from .protected_lfns import Protected, load

    rules = {}
    if site.unmerged_logs_age:
        rules["unmerged_logs_before"] = started - site.unmerged_logs_age * 86400
    if site.unmerged_protected:
        rules["unmerged_protected"] = Protected(load(
            site.unmerged_protected, site.timeout or 60.0,
            f"{site.source or '(command line)'}: sites.{site.name}.unmerged_protected"))
    return rules


def inventory_tops(tree: Tree, root: str) -> tuple[str, ...]:
    """The directories right below ``root`` that the inventory has files in
    (``directories_from = "inventory"``); none: ``root`` itself."""
    node = tree.node(root)
    if node is None:
        return ()
    return tuple(join(root, name) for name in sorted(node.subdirs))


def make_backend(kind: str, name: str, site: SiteConfig):
    """A backend object of ``kind`` (lister, inventory, reporter) made from the site config."""
    key = "reporters" if kind == "reporter" else kind
    backend = plugins.get_backend(kind, name, where=f"{site.source}: sites.{site.name}.{key}")
    return backend.factory(site)


def load_inventory(inventory, cutoff: float, stop: threading.Event | None = None) -> Tree:
    """Read the inventory into a tree; a set ``stop`` ends the read early (the walk that
    follows then sees the stop too, and the run is interrupted)."""
    tree = Tree(cutoff)
    add = tree.add_file
    try:
        for n, (lfn, size, mtime, new) in enumerate(inventory.files()):
            add(lfn, size, mtime, new)
            if stop is not None and not n & 0xFFFF and stop.is_set():
                break
    except ConsistencyError:
        raise
    except (OSError, ValueError) as exc:
        raise ConsistencyError(f"inventory: {exc}") from exc
    return tree


def merge_snapshots(before: Tree, after: Tree) -> list[str]:
    """Three-list method: keep comparable only what both inventory snapshots agree on.

    A file in only one snapshot, or with different sizes or flags, is marked new in
    ``before`` (never missing, still protects from orphan) and returned as changed during
    the check (unless it was new in both). Works directory by directory: no list of every
    file is built.
    """
    changed = []
    for path, anode in after.top.walk("/"):
        if not anode.files:
            continue
        bnode = before.node(path, create=True)
        for name, value in anode.files.items():
            old = bnode.files.get(name)
            if old == value:
                continue
            if old is None or not old & value & 1:
                changed.append(join(path, name))
            bnode.files[name] = max(value, old or 0) | 1
    for path, bnode in before.top.walk("/"):
        if not bnode.files:
            continue
        anode = after.node(path)
        afiles = anode.files if anode is not None else {}
        for name, value in bnode.files.items():
            if name not in afiles:
                if not value & 1:
                    changed.append(join(path, name))
                bnode.files[name] = value | 1
    return sorted(changed)


def _inventory_totals(tree: Tree, tops) -> tuple[int, int]:
    files = size = 0
    for top in tops:
        for _lfn, s, _new in tree.files(top):
            files += 1
            size += s
    return files, size


def diff_dumps(site: SiteConfig, inventory_path: str, listing_path: str,
               write: bool = True, trees: bool = False) -> CheckResult:
    """Compare two dumps by the same rules as a check (``consistency diff``).

    Plain dumps are compared by a hash join (:mod:`consistency_core.dumpdiff`); whatever
    that cannot decide exactly, or ``trees=True``, is compared with two trees."""
    from . import dumpdiff
    from .engine import WalkStats

    started = time.time()
    cutoff = started - site.ignore_age_days * 86400
    walk = WalkStats()
    try:
        if trees:
            raise dumpdiff.Unsupported("asked for trees")
        if site.unmerged_age:
            raise dumpdiff.Unsupported("unmerged_age needs file mtimes")
        fast = dumpdiff.diff(inventory_path, listing_path, site.top_dirs, site.ignore, cutoff)
    except dumpdiff.Unsupported as why:
        log.info("diff: comparing with trees (%s)", why)
        unmerged_before = started - site.unmerged_age * 86400 if site.unmerged_age else None
        findings, inv_files, inv_bytes, timings = _diff_trees(
            site, inventory_path, listing_path, cutoff, walk, unmerged_before)
    else:
        findings, timings = fast.findings, fast.timings
        inv_files, inv_bytes = fast.inventory_files, fast.inventory_bytes
        walk.files, walk.bytes = fast.listing_files, fast.listing_bytes
    gates = evaluate_gates(site, findings, inv_files, walk.files, RunStatus.COMPLETED)
    timings["total"] = time.time() - started
    result = CheckResult(
        site=site.name, status=RunStatus.COMPLETED, scope=scope_of(site), findings=findings,
        walk=walk, inventory_files=inv_files, inventory_bytes=inv_bytes, gates=gates, started=started,
        finished=time.time(), timings=timings,
        backends={"lister": f"dump:{listing_path}", "inventory": f"dump:{inventory_path}",
                  "reporters": []})
    if write:
        result = attrs.evolve(result, output_files=write_result(result, site.output))
    return result


def _diff_trees(site: SiteConfig, inventory_path: str, listing_path: str, cutoff: float, walk,
                unmerged_before: float | None):
    from . import dumpfile

    timings = {}
    t0 = time.monotonic()
    inv_tree = Tree(cutoff)
    for lfn, size, mtime in dumpfile.read(inventory_path):
        inv_tree.add_file(lfn, size, mtime)
    timings["inventory"] = time.monotonic() - t0
    t0 = time.monotonic()
    remote = Tree(cutoff, keep_mtimes=unmerged_area(site.root) if unmerged_before else None)
    unlisted: list[str] = []
    for lfn, size, mtime in dumpfile.read(listing_path, unlisted):
        remote.add_file(lfn, size, mtime)
        walk.files += 1
        walk.bytes += size
    for lfn in unlisted:
        remote.mark_unlisted(lfn.rstrip("/") or "/")
    timings["listing"] = time.monotonic() - t0
    t0 = time.monotonic()
    findings = compare(inv_tree, remote, site.top_dirs, site.ignore, None, site.root,
                       unmerged_before, **unmerged_rules(site, time.time()))
    timings["compare"] = time.monotonic() - t0
    inv_files, inv_bytes = _inventory_totals(inv_tree, site.top_dirs)
    return findings, inv_files, inv_bytes, timings
