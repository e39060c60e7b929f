"""The schema of release 0.1.0: runs, findings, site_state.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
RUN_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLE = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
COUNTS = ("dirs_listed", "files_listed", "bytes_listed", "inventory_files", "inventory_bytes",
          "missing", "missing_bytes", "orphan", "orphan_bytes", "size_mismatch", "unlisted",
          "empty_dirs", "changed", "confirmed_missing", "confirmed_orphan",
          "confirmed_size_mismatch", "confirmed_empty_dirs")


def upgrade():
    op.create_table(
        "runs",
        sa.Column("id", RUN_ID, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(255), nullable=False),
        sa.Column("started", sa.Float(53), nullable=False),
        sa.Column("finished", sa.Float(53), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("listing_seconds", sa.Float(53), nullable=False, server_default="0"),
        sa.Column("gates_passed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("acted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("message", LONG_TEXT),
        *(sa.Column(c, sa.BigInteger, nullable=False, server_default="0") for c in COUNTS),
        sa.Column("summary", LONG_TEXT),
        sqlite_autoincrement=True, **TABLE)
    op.create_index("runs_site", "runs", ["site", "started"])
    op.create_table(
        "findings",
        sa.Column("run_id", sa.BigInteger, nullable=False),
        sa.Column("class", sa.String(16), nullable=False),
        sa.Column("lfn", sa.String(3000), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("confirmed", sa.Integer, nullable=False, server_default="0"),
        **TABLE)
    op.create_index("findings_run", "findings", ["run_id", "class"])
    op.create_table(
        "site_state",
        sa.Column("site", sa.String(255), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("changed", sa.Float(53), nullable=False),
        **TABLE)


def downgrade():
    for table in ("site_state", "findings", "runs"):
        op.drop_table(table)
