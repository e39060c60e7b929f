"""The run history's tables, defined once for SQLite and MySQL/MariaDB (SQLAlchemy Core).

A fresh database is created from these definitions; an existing one is brought to them by
the Alembic migrations in :mod:`consistency_core.migrations` (``consistency history
upgrade``). Changing a table here means adding a migration that makes the same change.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from .finding_classes import CLASSES

# Count columns of the runs table (integers): the run's own, then those of the finding
# classes that have columns. A class without columns (added later) keeps its counts in the
# run's summary.
RUN_COLUMNS = ("dirs_listed", "files_listed", "bytes_listed", "inventory_files",
               "inventory_bytes", "changed")
COUNT_COLUMNS = RUN_COLUMNS + tuple(c for cls in CLASSES for c in cls.columns)

# MEDIUMTEXT on MySQL (a run's summary and message outgrow TEXT's 64 kB), TEXT elsewhere
LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
# AUTOINCREMENT on SQLite too, so a pruned run's id is never reused
RUN_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MYSQL_TABLE = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
               "mysql_collate": "utf8mb4_bin", "sqlite_autoincrement": True}

metadata = sa.MetaData()

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", RUN_ID, primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(255), nullable=False),
    sa.Column("started", sa.Float(53), nullable=False),
    sa.Column("finished", sa.Float(53), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("listing_seconds", sa.Float(53), nullable=False, server_default="0"),
    sa.Column("gates_passed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("acted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("message", LONG_TEXT),
    *(sa.Column(c, sa.BigInteger, nullable=False, server_default="0") for c in COUNT_COLUMNS),
    sa.Column("summary", LONG_TEXT),
    # the site's mode (dry/act) when the run started; NULL for runs before schema 0002
    sa.Column("mode", sa.String(8)),
    sa.Index("runs_site", "site", "started"),
    **MYSQL_TABLE,
)

findings = sa.Table(
    "findings", metadata,
    sa.Column("run_id", sa.BigInteger, nullable=False),
    sa.Column("class", sa.String(16), nullable=False),
    sa.Column("lfn", sa.String(3000), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("confirmed", sa.Integer, nullable=False, server_default="0"),
    sa.Index("findings_run", "run_id", "class"),
    **MYSQL_TABLE,
)

site_state = sa.Table(
    "site_state", metadata,
    sa.Column("site", sa.String(255), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("mode", sa.String(8), nullable=False),
    sa.Column("changed", sa.Float(53), nullable=False),
    **MYSQL_TABLE,
)
