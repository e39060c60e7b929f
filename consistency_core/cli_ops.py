"""Operations commands: ``history``, ``findings``, ``status`` (and ``status set``), ``report``.

Registered on the main group by ``consistency_core.cli`` through :func:`register`.
"""
from __future__ import annotations

import os
import time

import click

from . import config as config_mod
from .finding_classes import CLASSES, CONFIRMABLE, NAMES
from .model import ConfigError
from .summary import age


def _config(config_path):
    if config_path is None and not os.path.exists(config_mod.DEFAULT_CONFIG):
        raise ConfigError(f"no --config given and no ./{config_mod.DEFAULT_CONFIG}")
    return config_mod.load(config_path)


def _when(epoch: float | None) -> str:
    if not epoch:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def table(header: list[str], rows: list[list]) -> str:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             help=f"Config file (default ./{config_mod.DEFAULT_CONFIG}).")


@click.group(invoke_without_command=True)
@click.option("--site", help="Site name.")
@config_option
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="Newest runs to show.")
@click.pass_context
def history(ctx, site, config_path, limit):
    """Show a site's runs, newest first (history prune --site SITE prunes old ones)."""
    if ctx.invoked_subcommand is not None:
        return
    if site is None:
        raise click.UsageError("Missing option '--site'.")
    from .schedule import Histories

    site_cfg = _config(config_path).site(site)
    with Histories() as histories:
        runs = histories.get(site_cfg).runs(site, limit=limit)
    rows = []
    for run in runs:
        c = run.counts
        rows.append([run.id, _when(run.started), f"{run.finished - run.started:.0f}s", run.status,
                     c["files_listed"], *(c[cls.name] for cls in CLASSES), c["changed"],
                     "/".join(str(c[f"confirmed_{cls.name}"]) for cls in CONFIRMABLE),
                     "yes" if run.acted else "no", _short(run.message)])
    click.echo(table(["run", "started (UTC)", "took", "status", "listed",
                      *(cls.name for cls in CLASSES), "changed",
                      "confirmed " + "/".join(_initials(cls.name) for cls in CONFIRMABLE), "acted",
                      "reason"], rows))


def _initials(name: str) -> str:
    return "".join(part[0] for part in name.split("_"))  # size_mismatch -> sm


def _short(text: str) -> str:
    """A reason on one line (it is the last column: never cut, it is what was asked for)."""
    return " ".join(text.split())


@history.command(name="prune")
@click.option("--site", required=True, help="Site name.")
@config_option
@click.pass_context
def history_prune(ctx, site, config_path):
    """Remove runs older than history_keep_days, except those confirmation still needs."""
    from .retention import prune
    from .schedule import Histories

    site_cfg = _config(config_path or ctx.parent.params.get("config_path")).site(site)
    with Histories() as histories:
        pruned = prune(histories.get(site_cfg), site_cfg)
    click.echo(f"{site}: pruned {len(pruned)} run(s) older than "
               f"{site_cfg.history_keep_days:g} days")


@click.command()
@click.option("--site", required=True, help="Site name.")
@config_option
@click.option("--class", "cls", type=click.Choice(NAMES), help="Only this class of finding.")
@click.option("--confirmed", is_flag=True, help="Only findings confirmed over runs.")
@click.option("--run", "run_id", type=int, help="This run (default: the last complete run).")
def findings(site, config_path, cls, confirmed, run_id):
    """List the findings of a site's last complete run: class, LFN, size, confirmed."""
    from .model import ConsistencyError
    from .schedule import Histories

    site_cfg = _config(config_path).site(site)
    with Histories() as histories:
        db = histories.get(site_cfg)
        run = db.run(run_id) if run_id is not None else db.last_run(site, complete=True)
        if run is None or run.site != site:
            which = f"run {run_id}" if run_id is not None else "complete run"
            raise ConsistencyError(f"site {site}: no {which} in the history")
        rows = db.findings(run.id, cls, confirmed)
    # on stderr, so that stdout stays one finding per line for scripts
    click.echo(f"# {site}: run {run.id}, started {_when(run.started)} UTC, {run.status}",
               err=True)
    for c, lfn, size, conf in rows:
        click.echo(f"{c}\t{lfn}\t{size}\t{'confirmed' if conf else '-'}")


@click.group(invoke_without_command=True)
@config_option
@click.pass_context
def status(ctx, config_path):
    """Every site's state, last run, and the last complete run's counts
    (status set SITE ... changes the state)."""
    if ctx.invoked_subcommand is not None:
        return
    from .schedule import Histories, all_status

    cfg = _config(config_path)
    now = time.time()
    with Histories() as histories:
        rows = []
        for st in all_status(cfg, histories):
            last, complete = st.last_run, st.last_complete
            c = complete.counts if complete else {}  # never a failed run's zeros
            rows.append([st.name, st.state, st.mode, _when(last.started) if last else "never",
                         last.status if last else "-",
                         age(now - complete.finished) if complete else "-",
                         complete.id if complete else "-",
                         c.get("files_listed", "-"), c.get("missing", "-"),
                         c.get("orphan", "-"), c.get("unlisted", "-"),
                         _holder(st.holder),
                         st.why or (_short(last.message) if last and last.message else "")])
    click.echo(table(["site", "state", "mode", "last run (UTC)", "status", "since complete",
                      "complete run", "listed", "missing", "orphan", "unlisted", "running",
                      "reason"], rows))


def _holder(who: dict | None) -> str:
    if who is None:
        return ""
    return f"pid {who.get('pid')}" + (f" on {who['host']}" if who.get("host") else "")


@status.command(name="set")
@click.argument("site")
@click.argument("setting", type=click.Choice(["ready", "halt", "disable", "act", "dry"]))
@config_option
@click.pass_context
def status_set(ctx, site, setting, config_path):
    """Set SITE ready, halt (a running check stops), disable, act (--act honoured) or dry."""
    from .schedule import Histories, set_state

    cfg = _config(config_path or ctx.parent.params.get("config_path"))
    with Histories() as histories:
        st = set_state(cfg, site, setting, histories)
    click.echo(f"{st.name}: {st.state}, {st.mode}")


@click.command()
@config_option
@click.option("--output", required=True, type=click.Path(file_okay=False),
              help="Directory to write the HTML pages to.")
def report(config_path, output):
    """Write static HTML pages: an overview of every site and a page per site."""
    from .html_report import write_report
    from .schedule import Histories

    cfg = _config(config_path)
    with Histories() as histories:
        index = write_report(cfg, histories, output)
    click.echo(f"report: {index}")


def register(group: click.Group) -> None:
    for command in (history, findings, status, report):
        group.add_command(command)
