"""Example consistency backends: ``example-fs`` lister, ``csv-catalog`` inventory,
``deletion-queue`` reporter."""
from .inventory import CsvCatalog
from .lister import FsLister
from .reporter import DeletionQueue

__all__ = ["CsvCatalog", "DeletionQueue", "FsLister"]
