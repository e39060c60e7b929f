"""The upstream command line (dynamo-consistency 2.12), mapped onto ``consistency``.

``dynamo-consistency [--config F] [--site REGEX] ...`` runs ``consistency run --pick REGEX
--act``: like upstream, the ready site matching the pattern that has waited longest is
checked, and acts unless it is set dry (``set-status SITE dry``) or a safety gate stops it.
``set-status [--config F] SITE ACTION`` runs ``consistency status set SITE ACTION``.
Cron lines written for upstream keep working; flags that no longer mean anything print a
note saying why, and flags whose upstream behaviour cannot be kept are refused.
"""
from __future__ import annotations

import argparse
import os
import sys

NOTES = {
    "--lock": "--lock: ignored; checks sharing a lister are limited by lister_concurrency",
    "--update-summary": "--update-summary: ignored; every run updates the history that "
                        "`consistency status` and `consistency report` show",
    "--unmerged": "--unmerged: ignored; unmerged-area cleaning is configured per site "
                  "(unmerged_age, from upstream's Unmerged list and ListDeletable.MIN_AGE)",
    "--email": "--email: not supported; a failed run exits non-zero with one error line, "
               "so let cron mail it (MAILTO)",
    "--no-sam": "--no-sam: ignored; readiness comes from Dynamo's sites table (sites_from)",
}
REFUSED = {
    "--no-orphan": "set the site dry (set-status SITE dry) or run `consistency run` without --act",
    "--more-logs": "log areas are cleaned by the unmerged check (unmerged_logs_age)",
    "--no-inventory": "use `consistency list --site SITE --output FILE` to list a site only",
    "--test": "the test backend is not provided; see the test suite's fixtures",
    "--v1": "the Dynamo database is always read directly (inventory = \"dynamo\")",
    "--v1-reporting": "repairs are queued in the Dynamo database (reporter \"dynamo\")",
    "--cms": "CMS rules (dataset names from LFNs) are the default of the dynamo backend",
    "--date-string": "RAL dump readers are not provided; use the dump lister",
}


def _parser(prog: str, usage: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, usage=usage)
    parser.add_argument("--config", metavar="FILE",
                        help="config file (upstream JSON/YAML, or TOML)")
    parser.add_argument("--info", action="store_true", help="log down to info level")
    parser.add_argument("--debug", action="store_true", help="log down to debug level")
    return parser


def _verbosity(args) -> list[str]:
    return ["-vv"] if args.debug else ["-v"] if args.info else []


def run_argv(argv: list[str]) -> tuple[list[str], list[str], dict[str, str]]:
    """The ``consistency`` arguments for a ``dynamo-consistency`` command line, the notes
    to print first and the environment to add. A refused flag is a usage error (exit 2)."""
    parser = _parser("dynamo-consistency", "dynamo-consistency [options]")
    parser.add_argument("--site", metavar="PATTERN", default="",
                        help="regular expression choosing the site to run next")
    parser.add_argument("--lock", metavar="NAME")
    parser.add_argument("--cnf", metavar="FILE", help="my.cnf of the Dynamo database")
    for flag in ("--update-summary", "--unmerged", "--email", "--no-sam"):
        parser.add_argument(flag, action="store_true")
    for flag in REFUSED:
        parser.add_argument(flag, action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for flag, why in REFUSED.items():
        if getattr(args, _dest(flag)):
            parser.error(f"{flag} is not supported: {why}")
    notes = [note for flag, note in NOTES.items() if getattr(args, _dest(flag))]
    out = [*_verbosity(args), "run", "--pick", args.site or ".", "--act"]
    if args.config:
        out += ["--config", args.config]
    env = {"CONSISTENCY_DYNAMO_MYCNF": args.cnf} if args.cnf else {}
    return out, notes, env


def _dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def status_argv(argv: list[str]) -> list[str]:
    parser = _parser("set-status", "set-status [--config FILE] SITE ACTION")
    parser.add_argument("site", metavar="SITE")
    parser.add_argument("action", metavar="ACTION",
                        choices=["ready", "halt", "disable", "act", "dry"])
    args = parser.parse_args(argv)
    out = [*_verbosity(args), "status", "set", args.site, args.action]
    if args.config:
        out += ["--config", args.config]
    return out


def _consistency(argv: list[str], env: dict | None = None) -> None:
    from consistency_core import cli

    os.environ.update(env or {})
    cli._own_process = True  # a process of its own, like `consistency` (cli.console_main)
    cli.main(args=argv, prog_name="consistency")


def dynamo_consistency(argv: list[str] | None = None) -> None:
    """Entry point ``dynamo-consistency``."""
    out, notes, env = run_argv(sys.argv[1:] if argv is None else argv)
    for note in notes:
        print(f"dynamo-consistency: note: {note}", file=sys.stderr)
    _consistency(out, env)


def set_status(argv: list[str] | None = None) -> None:
    """Entry point ``set-status``."""
    _consistency(status_argv(sys.argv[1:] if argv is None else argv))
