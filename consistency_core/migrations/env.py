"""Alembic environment: migrations run on the connection History hands over."""
from alembic import context

from consistency_core.history_schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
