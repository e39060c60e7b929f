"""Run history: every run of every site, its counts and its findings, and each site's state.

The embedded default is an SQLite file ``history.sqlite`` under the site's ``state_dir``;
``history_url`` may instead name a MySQL/MariaDB database (``mysql://user:pw@host:port/db``)
for a central installation, or another SQLite file (``sqlite:///relative/path``,
``sqlite:////absolute/path``, or a plain path); ``?timeout=S`` sets how long to wait for
a locked database or a connection (default 10 s). The tables are defined once for both
(:mod:`consistency_core.history_schema`, SQLAlchemy Core) and evolve by Alembic migrations
(:mod:`consistency_core.migrations`, ``consistency history upgrade``). A run is written in
one transaction, so a crash never leaves half a run behind.
"""
from __future__ import annotations

import json
import os
import sqlite3
import urllib.parse

import attrs
import sqlalchemy as sa

from . import history_schema as schema, migrations, names
from .finding_classes import CLASSES, rows_of
from .history_schema import COUNT_COLUMNS, RUN_COLUMNS  # noqa: F401 (used by callers)
from .model import ConsistencyError
from .run_status import COMPLETE, RunStatus

STATES = ("ready", "halted", "disabled")
MODES = ("act", "dry")
# A site never set has this state and mode: new sites start dry; acting is the deliberate
# step ``consistency status set SITE act``.
DEFAULT_STATE = ("ready", "dry")
SQLITE_NAME = "history.sqlite"
_BATCH = 10000
MIN_FREE_BYTES = 1 << 20

class HistoryError(ConsistencyError):
    exit_code = 1


@attrs.frozen
class Run:
    id: int
    site: str
    started: float
    finished: float
    status: RunStatus
    listing_seconds: float
    gates_passed: bool
    acted: bool
    message: str  # why it failed, stopped or was gated, or which reporter failed
    counts: dict
    summary: dict = attrs.field(eq=False, repr=False)
    mode: str = ""  # the site's mode (dry/act) when the run started; "" before schema 0002

    @property
    def complete(self) -> bool:
        return self.status in COMPLETE

    @property
    def scope(self) -> dict | None:
        """What the run covered (url, root, directories); None for runs recorded before
        scopes were, which are comparable with nothing."""
        return self.summary.get("scope")


def location(site) -> str:
    """The history URL of a site: ``history_url`` or the SQLite file under ``state_dir``."""
    if site.history_url:
        return site.history_url
    return "sqlite:///" + os.path.abspath(os.path.join(site.state_dir, SQLITE_NAME))


def open_history(site) -> "History":
    return History(location(site))


class History:
    """One site's (or a fleet's) run history. Reads go through one held connection in
    autocommit mode (the database lock of locks.py lives on it); each write is one
    transaction on a connection of its own (SQLite: ``BEGIN IMMEDIATE``)."""

    def __init__(self, url: str, upgrade: bool = False):
        self.url = url
        parts = urllib.parse.urlsplit(url if "://" in url else "sqlite:///" + url)
        self.dialect = "mysql" if parts.scheme.split("+")[0] in ("mysql", "mariadb") else "sqlite"
        if self.dialect == "sqlite" and parts.scheme != "sqlite":
            raise HistoryError(f"history_url {url!r}: unknown scheme (use sqlite:///PATH "
                               "or mysql://USER:PASSWORD@HOST:PORT/DATABASE)")
        if self.dialect == "sqlite":  # sqlite:///relative/path, sqlite:////absolute/path
            parts = parts._replace(path=parts.path[1:])
        self.where = self._describe(parts)
        self.engine = self.reader = self.db = None
        try:
            with self._errors("cannot open"):
                self._connect(parts)
                self._schema(upgrade)
        except BaseException:  # refused or unreachable: nothing left open behind
            self.close()
            raise

    # -- connection -------------------------------------------------------------------
    def _describe(self, parts) -> str:
        if self.dialect == "sqlite":
            return parts.path
        host = parts.hostname or "localhost"
        return f"mysql://{parts.username or ''}@{host}:{parts.port or 3306}{parts.path}"

    def _connect(self, parts) -> None:
        query = dict(urllib.parse.parse_qsl(parts.query))
        timeout = float(query.get("timeout", 10))
        if self.dialect == "sqlite":
            directory = os.path.dirname(parts.path)
            try:
                os.makedirs(directory, mode=0o750, exist_ok=True)
                # owner and group only; SQLite gives its journal the database file's mode
                os.close(os.open(parts.path, os.O_RDWR | os.O_CREAT, 0o640))
            except OSError as exc:
                raise HistoryError(f"{directory}: cannot create the state directory: "
                                   f"{exc.strerror or exc}") from None
            _check_free_space(directory)
            url = sa.engine.URL.create("sqlite", database=parts.path)
            args = {"timeout": timeout, "check_same_thread": False}
        else:
            url = sa.engine.URL.create(
                "mysql+pymysql", username=urllib.parse.unquote(parts.username or ""),
                password=urllib.parse.unquote(parts.password or ""),
                host=parts.hostname or "localhost", port=parts.port or 3306,
                database=parts.path.lstrip("/"))
            args = {"connect_timeout": int(timeout), "read_timeout": int(timeout * 6),
                    "write_timeout": int(timeout * 6), "charset": "utf8mb4"}
        self.engine = sa.create_engine(url, connect_args=args, poolclass=sa.pool.NullPool)
        if self.dialect == "sqlite":
            _sqlite_transactions(self.engine)
        self.reader = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.db = self.reader.connect()
        self.conn = self.db.connection.dbapi_connection

    def _errors(self, doing: str):
        return _Errors(self, doing)

    def close(self) -> None:
        try:
            if self.db is not None:
                self.db.close()
        except Exception:  # closing a connection to a dead server
            pass
        if self.engine is not None:
            self.engine.dispose()

    def _execute(self, sql: str, params=()):
        """Plain SQL with ``?`` marks on the held connection (autocommit)."""
        cur = self.conn.cursor()
        cur.execute(sql.replace("?", "%s") if self.dialect == "mysql" else sql, params)
        return cur

    def _query(self, statement) -> list:
        with self._errors("cannot read"):
            return list(self.db.execute(statement).all())

    def _transaction(self, work):
        with self._errors("cannot write"):
            with self.engine.begin() as tx:
                return work(tx)

    def _schema(self, upgrade: bool) -> None:
        """Create a fresh database; refuse one whose schema is older (unless upgrading) or
        newer than this release's."""
        current, tables = _revision(self.db)
        if not tables:
            with self.engine.begin() as tx:
                schema.metadata.create_all(tx)
                _stamp(tx, migrations.head())
            return
        if current == migrations.head():
            return
        if current is not None and current not in migrations.known():
            raise HistoryError(f"{self.where}: history schema {current} is newer than this "
                               f"release knows ({migrations.head()}): upgrade consistency")
        if not upgrade:
            raise HistoryError(f"{self.where}: history schema {current or migrations.BASELINE}"
                               f" is older than {migrations.head()}: run "
                               "'consistency history upgrade --config CONFIG' (back up first)")

    def upgrade(self) -> tuple[str, str]:
        """Migrate in place to this release's schema: (from, to) revisions."""
        from alembic import command

        current, _tables = _revision(self.db)
        with self._errors("cannot upgrade"):
            with self.engine.begin() as tx:
                if current is None:
                    _stamp(tx, migrations.BASELINE)
                command.upgrade(migrations.config(tx), "head")
        return current or migrations.BASELINE, migrations.head()

    # -- runs -------------------------------------------------------------------------
    def record(self, result, acted: bool = False) -> int:
        """Write one run that has a result (completed, gated, interrupted, reporter_failed)
        and its findings, in one transaction."""
        summary = result.summary()
        counts = {**summary["counts"], "dirs_listed": result.walk.dirs,
                  "files_listed": result.walk.files, "bytes_listed": result.walk.bytes,
                  "inventory_files": result.inventory_files,
                  "inventory_bytes": result.inventory_bytes,
                  "changed": len(result.changed)}
        for name, rows in result.confirmed.items():
            counts[f"confirmed_{name}"] = len(rows)
        rows = [(cls, names.to_db(lfn), *rest) for cls, lfn, *rest in finding_rows(result)]

        def work(tx):
            run_id = self._insert_run(tx, result.site, result.started, result.finished,
                                      result.run_status, result.timings.get("listing", 0.0),
                                      result.gates.passed, acted, result.reason, counts,
                                      summary, getattr(result, "mode", None))
            for i in range(0, len(rows), _BATCH):
                tx.execute(schema.findings.insert(), [
                    {"run_id": run_id, "class": c, "lfn": lfn, "size": size, "confirmed": conf}
                    for c, lfn, size, conf in rows[i:i + _BATCH]])
            return run_id

        return self._transaction(work)

    def record_failed(self, site: str, started: float, finished: float, message: str,
                      scope: dict | None = None) -> int:
        """A run that ended without a result (the site or inventory could not be read)."""
        summary = {"scope": scope} if scope else {}
        return self._transaction(lambda tx: self._insert_run(
            tx, site, started, finished, RunStatus.FAILED, 0.0, False, False, message, {},
            summary, None))

    @staticmethod
    def _insert_run(tx, site, started, finished, status, listing, passed, acted, message,
                    counts, summary, mode) -> int:
        values = {"site": site, "started": started, "finished": finished,
                  "status": str(status), "listing_seconds": float(listing),
                  "gates_passed": int(bool(passed)), "acted": int(bool(acted)),
                  "message": names.shown(message) if message else message,
                  "summary": json.dumps(summary, sort_keys=True),
                  "mode": mode, **{c: int(counts.get(c, 0)) for c in COUNT_COLUMNS}}
        return int(tx.execute(schema.runs.insert().values(**values)).inserted_primary_key[0])

    @staticmethod
    def _run(row) -> Run:
        summary = json.loads(row.summary or "{}")
        counts = {**_summary_counts(summary),
                  **{c: int(getattr(row, c)) for c in COUNT_COLUMNS}}
        return Run(id=int(row.id), site=row.site, started=float(row.started),
                   finished=float(row.finished), status=RunStatus(row.status),
                   listing_seconds=float(row.listing_seconds),
                   gates_passed=bool(row.gates_passed), acted=bool(row.acted),
                   message=row.message or "", counts=counts, summary=summary,
                   mode=row.mode or "")

    def runs(self, site: str, limit: int | None = None, complete: bool = False,
             before: float | None = None) -> list[Run]:
        """The site's runs, newest first."""
        r = schema.runs
        query = sa.select(r).where(r.c.site == site)
        if complete:
            query = query.where(r.c.status.in_(sorted(str(status) for status in COMPLETE)))
        if before is not None:
            query = query.where(r.c.started < before)
        query = query.order_by(r.c.started.desc(), r.c.id.desc())
        if limit:
            query = query.limit(int(limit))
        return [self._run(row) for row in self._query(query)]

    def last_run(self, site: str, complete: bool = False) -> Run | None:
        runs = self.runs(site, limit=1, complete=complete)
        return runs[0] if runs else None

    def run(self, run_id: int) -> Run | None:
        rows = self._query(sa.select(schema.runs).where(schema.runs.c.id == run_id))
        return self._run(rows[0]) if rows else None

    def delete_runs(self, run_ids: list[int]) -> None:
        """Remove runs and their findings, one run per transaction (see retention.py)."""
        def work(tx, run_id):
            tx.execute(sa.delete(schema.findings).where(schema.findings.c.run_id == run_id))
            tx.execute(sa.delete(schema.runs).where(schema.runs.c.id == run_id))

        for run_id in run_ids:
            self._transaction(lambda tx, run_id=run_id: work(tx, run_id))

    def sites(self) -> list[str]:
        r = schema.runs
        return [row[0] for row in self._query(sa.select(r.c.site).distinct().order_by(r.c.site))]

    # -- findings ---------------------------------------------------------------------
    def findings(self, run_id: int, cls: str | None = None,
                 confirmed: bool = False) -> list[tuple[str, str, int, bool]]:
        """(class, lfn, size, confirmed) of one run, sorted by class and LFN."""
        f = schema.findings
        query = sa.select(f.c["class"], f.c.lfn, f.c.size, f.c.confirmed).where(
            f.c.run_id == run_id)
        if cls:
            query = query.where(f.c["class"] == cls)
        if confirmed:
            query = query.where(f.c.confirmed == 1)
        rows = self._query(query.order_by(f.c["class"], f.c.lfn))
        return [(c, names.from_db(lfn), int(size), bool(conf))
                for c, lfn, size, conf in rows]

    def lfns(self, run_id: int, cls: str) -> set[str]:
        f = schema.findings
        rows = self._query(sa.select(f.c.lfn).where(f.c.run_id == run_id, f.c["class"] == cls))
        return {names.from_db(row[0]) for row in rows}

    def lfns_in_all(self, run_ids: list[int], cls: str) -> set[str]:
        """The LFNs found in every one of these runs, in class ``cls``."""
        if not run_ids:
            return set()
        f = schema.findings
        query = (sa.select(f.c.lfn).where(f.c["class"] == cls, f.c.run_id.in_(run_ids))
                 .group_by(f.c.lfn).having(sa.func.count() == len(run_ids)))
        return {names.from_db(row[0]) for row in self._query(query)}

    # -- site state -------------------------------------------------------------------
    def state(self, site: str) -> tuple[str, str]:
        """(state, mode) of a site: ready/halted/disabled and act/dry."""
        s = schema.site_state
        rows = self._query(sa.select(s.c.state, s.c.mode).where(s.c.site == site))
        return (rows[0][0], rows[0][1]) if rows else DEFAULT_STATE

    def set_state(self, site: str, now: float, state: str | None = None,
                  mode: str | None = None) -> None:
        s = schema.site_state

        def work(tx):
            rows = tx.execute(sa.select(s.c.state, s.c.mode).where(s.c.site == site)).all()
            old_state, old_mode = (rows[0][0], rows[0][1]) if rows else DEFAULT_STATE
            values = {"state": state or old_state, "mode": mode or old_mode, "changed": now}
            if rows:
                tx.execute(sa.update(s).where(s.c.site == site).values(**values))
            else:
                tx.execute(sa.insert(s).values(site=site, **values))

        self._transaction(work)


def _sqlite_transactions(engine) -> None:
    """SQLite: let SQLAlchemy, not the sqlite3 module, begin transactions, and begin them
    IMMEDIATE so a writer waits for the file lock up front instead of failing midway."""
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _revision(conn) -> tuple[str | None, bool]:
    """(Alembic revision or None, whether the history's tables exist)."""
    from alembic.migration import MigrationContext

    tables = sa.inspect(conn).has_table("runs")
    return MigrationContext.configure(conn).get_current_revision(), tables


def _stamp(tx, revision: str) -> None:
    from alembic.migration import MigrationContext

    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.config())
    MigrationContext.configure(tx).stamp(script, revision)


def _check_free_space(directory: str) -> None:
    """Refuse to start a check whose run could not be recorded: better now than after hours
    of listing."""
    try:
        st = os.statvfs(directory)
    except OSError as exc:
        raise HistoryError(f"{directory}: cannot inspect the state directory: "
                           f"{exc.strerror or exc}") from None
    free = st.f_bavail * st.f_frsize
    if free < MIN_FREE_BYTES:
        raise HistoryError(f"{directory}: the state directory's disk is full "
                           f"({free} bytes free, at least {MIN_FREE_BYTES} needed)")


def finding_rows(result):
    """(class, lfn, size, confirmed) for every finding of a result."""
    for cls in CLASSES:
        yes = {cls.lfn(row) for row in result.confirmed.get(cls.name, ())}
        for row in rows_of(result.findings, cls):
            lfn = cls.lfn(row)
            yield cls.name, lfn, cls.size(row), int(lfn in yes)


def _summary_counts(summary: dict) -> dict:
    """Counts of every class from a run's summary (0 where a run predates a class)."""
    stored = summary.get("counts", {})
    counts = {}
    for cls in CLASSES:
        counts[cls.name] = int(stored.get(cls.name, 0))
        if cls.sized:
            counts[f"{cls.name}_bytes"] = int(stored.get(f"{cls.name}_bytes", 0))
        counts[f"confirmed_{cls.name}"] = int(summary.get("confirmed", {}).get(cls.name, 0))
    return counts


class _Errors:
    """Turns any database error into one HistoryError line naming the database."""

    def __init__(self, history: History, doing: str):
        self.history, self.doing = history, doing

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, _tb):
        if exc is None or isinstance(exc, ConsistencyError):
            return False
        db_errors: tuple = (sqlite3.Error, sa.exc.SQLAlchemyError)
        try:
            import pymysql

            db_errors += (pymysql.Error,)
        except ImportError:
            pass
        if isinstance(exc, db_errors + (OSError,)):
            exc = getattr(exc, "orig", None) or exc  # the driver's words, not SQLAlchemy's
            msg = " ".join(str(exc).split()) or type(exc).__name__
            raise HistoryError(f"{self.history.where}: history database: {self.doing}: {msg}") \
                from None
        return False
