"""The connection to Dynamo's database: from a URL and/or a my.cnf file, or one handed in by
an embedding program. Passwords come only from my.cnf or the environment and are never put
in a message."""
from __future__ import annotations

import os
import time
import urllib.parse

import pymysql

from consistency_core import ConfigError, ConsistencyError

# client error codes that mean the connection is gone (not that the statement was wrong)
LOST = {2003, 2006, 2013, 2055, 2059, 2014}


def is_lost(exc: BaseException) -> bool:
    if isinstance(exc, pymysql.err.InterfaceError):
        return True
    if isinstance(exc, pymysql.err.OperationalError):
        code = exc.args[0] if exc.args else None
        return code in LOST or code == 1927  # 1927: connection killed by the server
    return isinstance(exc, (ConnectionError, OSError))


def parse_url(url: str, where: str) -> dict:
    """``mysql://user@host:port/db[?unix_socket=PATH]`` -> pymysql.connect keywords."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("mysql", "mariadb"):
        raise ConfigError(f"{where}: expected mysql://user@host:port/db, got scheme "
                          f"{parsed.scheme or 'none'!r}")
    if parsed.password is not None:
        raise ConfigError(f"{where}: the database URL must not hold a password: put it in "
                          "dynamo_mycnf or the environment variable named by dynamo_password_env")
    params: dict = {}
    if parsed.username:
        params["user"] = urllib.parse.unquote(parsed.username)
    if parsed.hostname:
        params["host"] = parsed.hostname
    try:
        if parsed.port:
            params["port"] = parsed.port
    except ValueError:
        raise ConfigError(f"{where}: bad port in the database URL") from None
    database = parsed.path.lstrip("/")
    if database:
        params["database"] = urllib.parse.unquote(database)
    query = urllib.parse.parse_qs(parsed.query)
    if "unix_socket" in query:
        params["unix_socket"] = query["unix_socket"][-1]
    return params


def connect_params(settings) -> dict:
    where = settings.where
    if not settings.url and not settings.mycnf:
        raise ConfigError(f"{where}: no Dynamo database given: set inventory_url (or dynamo_url) "
                          "to mysql://user@host:port/db, or dynamo_mycnf")
    params: dict = {}
    if settings.mycnf:
        if not os.access(settings.mycnf, os.R_OK):
            raise ConfigError(f"{where}.dynamo_mycnf: cannot read {settings.mycnf!r}")
        params.update(read_default_file=settings.mycnf, read_default_group=settings.mycnf_group)
    if settings.url:
        params.update(parse_url(settings.url, f"{where}.{settings.url_key}"))
    password = os.environ.get(settings.password_env) if settings.password_env else None
    if password is not None:
        params["password"] = password
    params.update(charset="utf8mb4", connect_timeout=10, autocommit=True)
    return params


def describe(params: dict) -> str:
    """Where we connect to, for messages: never the password."""
    if params.get("unix_socket"):
        at = params["unix_socket"]
    else:
        at = f"{params.get('host', '(my.cnf)')}:{params.get('port', 3306)}"
    return f"mysql://{params.get('user', '')}@{at}/{params.get('database', '')}"


class Database:
    """A connection that is opened on first use (or handed in) and can be restored."""

    def __init__(self, settings, connection=None):
        self.settings = settings
        self._conn = connection
        self._owned = connection is None
        self._params = None if connection is not None else connect_params(settings)

    @property
    def where(self) -> str:
        if self._params is not None:
            return describe(self._params)
        conn = self._conn
        user, db = (_text(getattr(conn, attr, "")) for attr in ("user", "db"))
        return f"mysql://{user}@{getattr(conn, 'host', '?')}:{getattr(conn, 'port', '')}/{db}"

    def connection(self):
        if self._conn is None:
            try:
                self._conn = pymysql.connect(**self._params)
            except pymysql.MySQLError as exc:
                raise ConsistencyError(f"dynamo database {self.where}: cannot connect: "
                                       f"{error_text(exc)}") from None
        return self._conn

    def restore(self) -> bool:
        """After a lost connection: reconnect with back-off for ``reconnect_seconds``."""
        deadline = time.monotonic() + self.settings.reconnect_seconds
        delay = 0.25
        while True:
            try:
                if self._conn is None:
                    self.connection()
                else:
                    self._conn.ping(reconnect=True)
                return True
            except (pymysql.MySQLError, ConsistencyError, OSError):
                pass
            if time.monotonic() + delay > deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 8.0)

    def close(self) -> None:
        if self._owned and self._conn is not None:
            try:
                self._conn.close()
            except pymysql.MySQLError:
                pass
            self._conn = None


def error_text(exc: BaseException) -> str:
    if isinstance(exc, pymysql.MySQLError) and len(exc.args) >= 2:
        return f"({exc.args[0]}) {exc.args[1]}"
    return str(exc) or type(exc).__name__


def site_id(cursor, settings) -> int:
    """The id of the site in Dynamo's ``sites`` table; a config error when it is not there."""
    cursor.execute("SELECT id FROM sites WHERE name = %s", (settings.dynamo_site,))
    row = cursor.fetchone()
    if row is None:
        raise ConfigError(f"{settings.where}: no site {settings.dynamo_site!r} in the Dynamo "
                          "database's sites table (set dynamo_site to its name there)")
    return row[0]


def chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def in_list(values) -> str:
    """``%s, %s, ...`` for an IN (...) with these values."""
    return ", ".join(["%s"] * len(values))


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")
