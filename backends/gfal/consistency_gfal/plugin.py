"""Registers the ``gfal`` lister (entry point group ``consistency``)."""
from __future__ import annotations

from consistency_core import hookimpl

from .lister import GfalLister
from .settings import GfalOptions


@hookimpl
def register_listers(register):
    register("gfal", GfalLister, options=GfalOptions)
