"""The ``consistency`` command line. Exit status: 0 the check completed (whatever it found),
1 the check could not complete, 2 usage or configuration error."""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading

import click

from . import config as config_mod
from . import cli_ops, plugins, watchdog
from .model import ConfigError, ConsistencyError
from .options import describe as describe_key

log = logging.getLogger("consistency")


# True in the ``consistency`` process itself (console_main), False when ``main`` is invoked
# inside another program (click's CliRunner, an embedder): the shutdown watchdog and the exit
# without a client library's handlers end the whole process, so only a process of our own.
_own_process = False


def _exit(status: int):
    if _own_process:
        watchdog.exit(status)  # sys.exit, unless a client library's exit handlers would hang
    sys.exit(status)


def _fail(exc: ConsistencyError):
    click.echo(f"consistency: error: {exc}", err=True)
    _exit(exc.exit_code)


_plugin_error: ConsistencyError | None = None


class Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ConsistencyError as exc:
            _fail(exc)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(plugins.installed_version(), prog_name="consistency")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors in the log.")
def main(verbose, quiet):
    """Storage consistency checks: list a site, compare it with the catalog, report."""
    if _plugin_error is not None:
        _fail(_plugin_error)
    _names_as_bytes(sys.stdout)
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _names_as_bytes(stream) -> None:
    """Print a name that is not UTF-8 as its bytes, as result files hold it (see names.py),
    not as a UnicodeEncodeError in a strict UTF-8 locale."""
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="surrogateescape")


def site_options(func=None, *, site_required: bool = True):
    if func is None:
        return lambda f: site_options(f, site_required=site_required)
    options = [
        click.option("--site", required=site_required,
                     help="Site name: a [sites.NAME] table in the config."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help=f"Config file (default ./{config_mod.DEFAULT_CONFIG})."),
        click.option("--lister", help="Lister backend (overrides the config)."),
        click.option("--url", help="Site URL (overrides the config)."),
        click.option("--inventory", help="Inventory backend (overrides the config)."),
        click.option("--inventory-url", help="Inventory location (overrides the config)."),
        click.option("--threads", type=int, help="Concurrent listings."),
        click.option("--timeout", type=float, help="Seconds per directory listing."),
        click.option("--retries", type=int, help="Retries per directory."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@contextlib.contextmanager
def stop_on_signals():
    """SIGINT/SIGTERM set the stop event; the walk ends cleanly. A second signal is fatal."""
    stop = threading.Event()

    def handler(signum, _frame):
        if stop.is_set():
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        log.warning("%s received: stopping the walk (what was not listed is unlisted) or "
                    "acting (at the next transaction)",
                    signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@main.command()
@site_options(site_required=False)
@click.option("--pick", metavar="REGEX",
              help="Run the ready site matching REGEX (re.search) that has waited longest "
                   "since its last completed run, instead of --site.")
@click.option("--output", help="Directory for result files (default from config, ./results).")
@click.option("--act", is_flag=True, help="Let acting reporters act on confirmed findings, if "
                                          "the safety gates pass and the site is not set dry.")
@click.option("--metrics", type=click.Path(dir_okay=False),
              help="Write the run's figures to this file (Prometheus text format).")
def run(site, pick, config_path, output, act, metrics, **flags):
    """Check one site: list it, compare with the inventory, write the findings, record the run."""
    from . import schedule
    from .lifecycle import ReporterFailed, run_site
    from .summary import render

    if bool(site) == bool(pick):
        raise click.UsageError("give exactly one of --site and --pick")
    flags["output"] = output
    held = None
    if pick:
        with schedule.Histories() as histories:
            site_cfg, held = schedule.pick(config_mod.load(config_path), pick, histories, flags)
    else:
        site_cfg = config_mod.load_site(config_path, site, **flags)
    with stop_on_signals() as stop:
        try:
            result = run_site(site_cfg, act=act, stop=stop, metrics=metrics, held=held)
            if _own_process:  # results written and recorded: exiting may not hang past the limit
                watchdog.arm()
        except ReporterFailed as exc:
            click.echo(render(exc.result))
            raise
    click.echo(render(result))
    if any(what.startswith("stopped") for what in result.reporters.values()):
        click.echo(f"{result.site}: {result.stopped_by}")  # says what was written
    elif result.stopped_by:
        click.echo(f"{result.site}: {result.stopped_by} during the check: stopped, nothing acted")
    _exit(0 if result.completed else 1)


@main.command(name="list")
@site_options
@click.option("--output", required=True, type=click.Path(dir_okay=False),
              help="Dump file to write (path size mtime per line).")
def list_(site, config_path, output, **flags):
    """List the remote side only and write it as a dump."""
    from .site_dump import list_site

    site_cfg = config_mod.load_site(config_path, site, **flags)
    with stop_on_signals() as stop:
        stats = list_site(site_cfg, output, stop)
    errors = sum(stats.errors.values())
    click.echo(f"{site_cfg.name}: {stats.dirs} directories, {stats.files} files listed, "
               f"{errors} unlisted after errors{', interrupted' if stats.interrupted else ''}"
               f" -> {output}")
    sys.exit(1 if stats.interrupted else 0)


@main.group(name="inventory")
def inventory_group():
    """The inventory alone."""


@inventory_group.command(name="dump")
@click.option("--site", required=True, help="Site name: a [sites.NAME] table in the config.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help=f"Config file (default ./{config_mod.DEFAULT_CONFIG}).")
@click.option("--inventory", help="Inventory backend (overrides the config).")
@click.option("--output", required=True, type=click.Path(dir_okay=False),
              help="Dump file to write (path size mtime per line).")
def inventory_dump(site, config_path, inventory, output):
    """Read the site's inventory and write it as a dump."""
    from .site_dump import dump_inventory

    site_cfg = config_mod.load_site(config_path, site, inventory=inventory)
    files, size = dump_inventory(site_cfg, output)
    click.echo(f"{site_cfg.name}: {files} inventory files, {size} bytes -> {output}")


@main.command()
@click.argument("inventory_dump", type=click.Path(exists=True, dir_okay=False))
@click.argument("listing_dump", type=click.Path(exists=True, dir_okay=False))
@click.option("--output", default=None, help="Directory for result files (default ./results).")
@click.option("--site", default="diff", show_default=True,
              help="Name used for result files; its rules are taken from the config if it is there.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--root", default=None, help="Compare only below this LFN (default: the site's root, or /).")
def diff(inventory_dump, listing_dump, output, site, config_path, root):
    """Compare two dumps (inventory, listing) with the same rules as a check."""
    from .check import diff_dumps
    from .summary import render

    if config_path or os.path.exists(config_mod.DEFAULT_CONFIG):
        cfg = config_mod.load(config_path)
        if site in cfg.sites or config_path:
            raw = {**cfg.defaults, **cfg.sites.get(site, {})}
        else:
            raw = {}
    else:
        raw = {}
    raw.setdefault("lister", "dump")
    raw.setdefault("inventory", "dump")
    if "root" not in raw:
        raw["root"] = "/"
    if root:
        raw["root"], raw["directories"] = root, []
    if output:
        raw["output"] = output
    site_cfg = config_mod.build_site(site, raw, config_path or "(command line)")
    result = diff_dumps(site_cfg, inventory_dump, listing_dump)
    click.echo(render(result))


@main.command(name="plugins")
def plugins_cmd():
    """List every loaded plugin: where it comes from, its backends with their config keys
    (type, default, help), the commands it adds and the hooks it implements."""
    for row in plugins.describe():
        click.echo(f"{row['plugin']}  [{row['source'].label}]")
        shown = set()
        for backend in row["backends"]:
            click.echo(f"    {backend.kind} {backend.name}{_backend_notes(backend)}")
            if backend.options is not None and backend.options in shown:
                click.echo("        (keys as above)")
                continue
            shown.add(backend.options)
            for field in backend.keys().values():
                click.echo(f"        {describe_key(field)}")
        for command in row["commands"]:
            click.echo(f"    command {command}")
        for hook in row["hooks"]:
            click.echo(f"    hook {hook}")


def _backend_notes(backend) -> str:
    notes = [f"{k} default {v}" for k, v in sorted(backend.defaults.items())]
    if backend.max_threads is not None:
        notes.append(f"threads at most {backend.max_threads}")
    return f" ({'; '.join(notes)})" if notes else ""


@main.group(name="config")
def config_group():
    """Configuration commands."""


@config_group.command(name="check")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help=f"Config file (default ./{config_mod.DEFAULT_CONFIG}).")
def config_check(config_path):
    """Validate the config: every site, key, type and backend name."""
    cfg = config_mod.load(config_path)
    if not cfg.sites:
        raise ConfigError(f"{cfg.path}: no [sites.NAME] table")
    for name in sorted(cfg.sites):
        cfg.site(name)  # backend names first, then every key's type and range
    click.echo(f"{cfg.path}: ok ({len(cfg.sites)} sites: {', '.join(sorted(cfg.sites))})")


cli_ops.register(main)  # history, findings, status, report

try:
    plugins.add_commands(main)  # subcommands contributed by plugins
except ConsistencyError as exc:  # a broken plugin: reported by main(), in one line
    _plugin_error = exc


def console_main():
    """The ``consistency`` console script: a process of its own (see ``_own_process``)."""
    global _own_process
    _own_process = True
    main()


if __name__ == "__main__":
    console_main()
