"""The entry point module: registers the three backends with their config keys."""
from consistency_core.api import hookimpl

from .inventory import CsvCatalog
from .lister import FsLister, FsOptions
from .reporter import DeletionQueue, QueueOptions


@hookimpl
def register_listers(register):
    register("example-fs", FsLister, options=FsOptions, max_threads=64)


@hookimpl
def register_inventories(register):
    register("csv-catalog", CsvCatalog)


@hookimpl
def register_reporters(register):
    register("deletion-queue", DeletionQueue, options=QueueOptions)
