"""runs.mode: the site's mode (dry/act) when the run started.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("runs", sa.Column("mode", sa.String(8)))


def downgrade():
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("mode")
