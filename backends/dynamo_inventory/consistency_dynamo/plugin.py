"""Entry point of the ``consistency`` plugin group: inventory and reporter ``dynamo`` and
the ``consistency invalidate`` command."""
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
def register_commands(cli):
    from .invalidate import invalidate_command

    cli.add_command(invalidate_command)
