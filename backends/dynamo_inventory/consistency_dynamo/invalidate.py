"""``consistency invalidate --site S``: record a site's confirmed missing files and
confirmed size mismatches (damaged replicas) in Dynamo's ``local_invalidations``.

"Confirmed" is the core's confirmation over runs (``confirm_missing_runs`` consecutive
complete runs, see :mod:`consistency_core.confirm`), as the latest result in the output
directory records it in ``SITE_confirmed_missing.txt`` and
``SITE_confirmed_size_mismatch.txt`` (LFN first, then the sizes), and only when that result's summary
says the check completed and every safety gate passed. A result written by a core without
run history has no confirmed list; its ``SITE_missing.txt`` (``SITE_size_mismatch.txt``) is
used then.
"""
from __future__ import annotations

import json

import click

from consistency_core import ConsistencyError
from consistency_core.output import current_paths

from . import queues
from .database import Database
from .settings import Settings
from .writer import WriteError, Writer


INVALIDATED = ("missing", "size_mismatch")  # the finding classes a site's copy is lost in


def confirmed_missing(output: str, site: str) -> list[str]:
    """The missing LFNs of the latest completed, gate-passing check of ``site``."""
    return confirmed_lfns(output, site, "missing")


def confirmed_lfns(output: str, site: str, name: str) -> list[str]:
    """The LFNs of finding class ``name`` confirmed by the latest completed, gate-passing
    check of ``site``, read from one result set (resolved once: a run publishing meanwhile
    does not mix two)."""
    paths = current_paths(output, site)
    try:
        with open(paths["summary"], encoding="utf-8") as fh:
            summary = json.load(fh)
    except FileNotFoundError:
        raise ConsistencyError(f"{paths['summary']}: no result of a check of {site} "
                               "(run `consistency run` first)") from None
    except (OSError, ValueError) as exc:
        raise ConsistencyError(f"{paths['summary']}: cannot read: {exc}") from None
    if summary.get("status") != "completed":
        raise ConsistencyError(f"{paths['summary']}: the latest check of {site} did not "
                               f"complete ({summary.get('status')}): nothing to invalidate")
    gates = summary.get("gates") or {}
    if not gates.get("passed"):
        reasons = "; ".join(gates.get("reasons") or []) or "unknown"
        raise ConsistencyError(f"{paths['summary']}: the latest check of {site} did not pass "
                               f"the safety gates ({reasons}): nothing to invalidate")
    confirmed = summary.get("confirmed")
    key = f"confirmed_{name}" if confirmed is not None and f"confirmed_{name}" in paths else name
    expected = (confirmed if key == f"confirmed_{name}" else summary.get("counts") or {}).get(name)
    if expected is None and key != name:
        expected = 0  # confirmed lists count only classes that have confirmed rows
    try:
        with open(paths[key], encoding="utf-8", errors="surrogateescape") as fh:
            lfns = [line.rstrip("\n") for line in fh if line.strip()]
    except OSError as exc:
        raise ConsistencyError(f"{paths[key]}: cannot read: {exc.strerror}") from None
    if name == "size_mismatch":  # LFN, inventory size, site size: the LFN may hold a tab
        lfns = [line.rsplit("\t", 2)[0] for line in lfns]
    if expected is not None and expected != len(lfns):
        raise ConsistencyError(f"{paths[key]}: holds {len(lfns)} files but the summary "
                               f"says {expected}: the result is inconsistent")
    return lfns


def is_dry(site_cfg) -> bool:
    """Whether the site is set dry (``consistency status set SITE dry``): nothing acts."""
    from consistency_core.history import open_history

    history = open_history(site_cfg)
    try:
        return history.state(site_cfg.name)[1] == "dry"
    finally:
        history.close()


def invalidate(site_cfg, output: str | None = None, connection=None) -> dict | None:
    """Record the confirmed missing files and damaged replicas; returns the counts (queued =
    newly recorded), or None when the site is set dry."""
    settings = Settings.from_site(site_cfg)
    if is_dry(site_cfg):
        return None
    where = output or site_cfg.output
    lfns = sorted({lfn for name in INVALIDATED
                   for lfn in confirmed_lfns(where, site_cfg.name, name)})
    db = Database(settings, connection)
    try:
        writer = Writer(db, settings)
        writer.progress.total = {"invalidations": len(lfns)}
        name = settings.dynamo_site
        try:
            writer.write("invalidations", lfns,
                         lambda cur, batch, now: queues.invalidations(cur, name, batch, now))
        except WriteError as exc:
            raise WriteError(f"{exc}; {writer.progress.describe()}; a rerun records "
                             "nothing twice") from None
        return dict(writer.progress.counts["invalidations"])
    finally:
        db.close()


@click.command(name="invalidate")
@click.option("--site", required=True, help="Site name: a [sites.NAME] table in the config.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (default ./consistency.toml).")
@click.option("--output", help="Directory holding the site's results (default from config).")
def invalidate_command(site, config_path, output):
    """Record the site's confirmed missing files and size mismatches in Dynamo's
    local_invalidations."""
    from consistency_core.config import load_site

    site_cfg = load_site(config_path, site, output=output)
    counts = invalidate(site_cfg, output)
    if counts is None:
        click.echo(f"{site_cfg.name} is set dry: nothing recorded in local_invalidations")
        return
    total = sum(counts.values())
    click.echo(f"{site_cfg.name}: {total} confirmed missing or damaged files in "
               "local_invalidations "
               f"({counts['queued']} recorded now, {counts['already']} already there)")
