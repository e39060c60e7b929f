"""The Dynamo tables this backend reads and writes (``schema.sql``), for tests, benchmarks
and fresh installations."""
from __future__ import annotations

from importlib import resources


def statements() -> list[str]:
    """The CREATE TABLE statements of ``schema.sql``, comments removed."""
    text = resources.files(__package__).joinpath("schema.sql").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def create_schema(connection) -> None:
    """Create every table that does not exist yet (``CREATE TABLE IF NOT EXISTS``)."""
    with connection.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)
    connection.commit()
