"""Alembic migrations of the run history (``consistency history upgrade``).

Revisions: ``0001`` is the schema of release 0.1.0 (databases written before migrations
existed have no ``alembic_version`` table and are taken to be at ``0001``); ``0002`` adds
``runs.mode``. The tables themselves are defined in :mod:`consistency_core.history_schema`.
"""
from __future__ import annotations

import logging
import os

from alembic.config import Config
from alembic.script import ScriptDirectory

BASELINE = "0001"  # release 0.1.0
# Alembic's progress lines would precede every error line of a run; ``history upgrade``
# says what it did in one line of its own.
logging.getLogger("alembic").setLevel(logging.WARNING)


def config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", os.path.dirname(os.path.abspath(__file__)))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def known() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(config()).walk_revisions()}
