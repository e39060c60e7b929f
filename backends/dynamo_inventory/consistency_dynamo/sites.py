"""``sites_from = "dynamo"``: the sites in Dynamo's ``sites`` table, and whether each is ready.

A site whose ``status`` is not ``ready`` (``waitroom``, ``morgue``, ``unknown``) is listed
with why, so ``consistency run --pick`` skips it and ``consistency status`` says so.
"""
from __future__ import annotations

import attrs
import pymysql

from consistency_core import ConsistencyError
from consistency_core.config import SiteConfig

from .database import Database, error_text
from .settings import Settings


def site_rows(connection) -> list[tuple[str, str]]:
    """``[(name, why not ready or "")]`` from the ``sites`` table, by name."""
    with connection.cursor() as cur:
        cur.execute("SELECT name, status FROM sites ORDER BY name")
        rows = cur.fetchall()
    return [(_text(name), "" if _text(status) == "ready" else
             f"Dynamo status is {_text(status)!r}") for name, status in rows]


def list_sites(defaults: dict, path: str) -> list[tuple[str, str]]:
    """The sites of the Dynamo database the config's ``[defaults]`` name."""
    core = {k: v for k, v in defaults.items() if k in ("inventory", "inventory_url")}
    options = {k: v for k, v in defaults.items() if k.startswith("dynamo_")}
    holder = SiteConfig(name="defaults", options=options, source=path, **core)
    settings = attrs.evolve(Settings.from_site(holder), where=f"{path}: defaults")
    db = Database(settings)
    try:
        return site_rows(db.connection())
    except pymysql.MySQLError as exc:
        raise ConsistencyError(f"{path}: defaults.sites_from: dynamo database {db.where}: "
                               f"{error_text(exc)}") from None
    except ConsistencyError as exc:
        raise type(exc)(f"{path}: defaults.sites_from: {exc}") from None
    finally:
        db.close()


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
