"""Entry point of the ``consistency`` plugin group: inventory and reporter ``dynamo`` and
the ``consistency invalidate`` command; ``sites_from = "dynamo"``."""
from __future__ import annotations

from consistency_core import hookimpl

from .settings import DynamoOptions


def _inventory(site):
    from .inventory import DynamoInventory

    return DynamoInventory(site)


def _reporter(site):
    from .reporter import DynamoReporter

    return DynamoReporter(site)


@hookimpl
def register_inventories(register):
    register("dynamo", _inventory, options=DynamoOptions)


@hookimpl
def register_reporters(register):
    register("dynamo", _reporter, options=DynamoOptions)


@hookimpl
def list_sites(source, defaults, path):
    if source != "dynamo":
        return None
    from .sites import list_sites as dynamo_sites

    return dynamo_sites(defaults, path)


@hookimpl
def register_commands(cli):
    from .invalidate import invalidate_command

    cli.add_command(invalidate_command)
