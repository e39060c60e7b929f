"""Run history: every run of every site, its counts and its findings, and each site's state.

The embedded default is an SQLite file ``history.sqlite`` under the site's ``state_dir``;
``history_url`` may instead name a MySQL/MariaDB database (``mysql://user:pw@host:port/db``)
for a central installation, or another SQLite file (``sqlite:///relative/path``,
``sqlite:////absolute/path``, or a plain path); ``?timeout=S`` sets how long to wait for
a locked database or a connection (default 10 s). The schema and the SQL are the same on both. A run is written
in one transaction, so a crash never leaves half a run behind.
"""
from __future__ import annotations

import json
import os
import sqlite3
import urllib.parse

import attrs

from . import names
from .finding_classes import CLASSES, rows_of
from .model import ConsistencyError
from .run_status import COMPLETE, RunStatus

STATES = ("ready", "halted", "disabled")
MODES = ("act", "dry")
SQLITE_NAME = "history.sqlite"
_BATCH = 10000
MIN_FREE_BYTES = 1 << 20

# Count columns of the runs table (integers): the run's own, then those of the finding
# classes that have columns. A class without columns (added later) keeps its counts in the
# run's summary; ``Run.counts`` holds every class either way.
RUN_COLUMNS = ("dirs_listed", "files_listed", "bytes_listed", "inventory_files",
               "inventory_bytes", "changed")
COUNT_COLUMNS = RUN_COLUMNS + tuple(c for cls in CLASSES for c in cls.columns)


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
    def __init__(self, url: str):
        self.url = url
        parts = urllib.parse.urlsplit(url if "://" in url else "sqlite:///" + url)
        self.dialect = "mysql" if parts.scheme.split("+")[0] in ("mysql", "mariadb") else "sqlite"
        if self.dialect == "sqlite" and parts.scheme != "sqlite":
            raise HistoryError(f"history_url {url!r}: unknown scheme (use sqlite:///PATH "
                               "or mysql://USER:PASSWORD@HOST:PORT/DATABASE)")
        if self.dialect == "sqlite":  # sqlite:///relative/path, sqlite:////absolute/path
            parts = parts._replace(path=parts.path[1:])
        self.where = self._describe(parts)
        with self._errors("cannot open"):
            self.conn = self._connect(parts)
            self._schema()

    # -- connection -------------------------------------------------------------------
    def _describe(self, parts) -> str:
        if self.dialect == "sqlite":
            return parts.path
        host = parts.hostname or "localhost"
        return f"mysql://{parts.username or ''}@{host}:{parts.port or 3306}{parts.path}"

    def _connect(self, parts):
        query = dict(urllib.parse.parse_qsl(parts.query))
        timeout = float(query.get("timeout", 10))
        if self.dialect == "sqlite":
            directory = os.path.dirname(parts.path)
            try:
                os.makedirs(directory, exist_ok=True)
            except OSError as exc:
                raise HistoryError(f"{directory}: cannot create the state directory: "
                                   f"{exc.strerror or exc}") from None
            _check_free_space(directory)
            conn = sqlite3.connect(parts.path, timeout=timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA foreign_keys=ON")
            return conn
        import pymysql

        return pymysql.connect(
            host=parts.hostname or "localhost", port=parts.port or 3306,
            user=urllib.parse.unquote(parts.username or ""),
            password=urllib.parse.unquote(parts.password or ""),
            database=parts.path.lstrip("/"), connect_timeout=int(timeout),
            read_timeout=int(timeout * 6), write_timeout=int(timeout * 6), autocommit=True,
            charset="utf8mb4")

    def _errors(self, doing: str):
        return _Errors(self, doing)

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:  # closing a connection to a dead server
            pass

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "mysql" else sql

    def _execute(self, sql: str, params=()):
        cur = self.conn.cursor()
        cur.execute(self._sql(sql), params)
        return cur

    def _query(self, sql: str, params=()) -> list[tuple]:
        with self._errors("cannot read"):
            cur = self._execute(sql, params)
            rows = cur.fetchall()
            cur.close()
            return rows

    def _begin(self) -> None:
        if self.dialect == "sqlite":
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            self.conn.begin()

    def _transaction(self, work):
        with self._errors("cannot write"):
            self._begin()
            try:
                value = work()
            except BaseException:
                self.conn.rollback()
                raise
            self.conn.commit()
            return value

    def _schema(self) -> None:
        mysql = self.dialect == "mysql"
        ident = "BIGINT AUTO_INCREMENT PRIMARY KEY" if mysql else "INTEGER PRIMARY KEY AUTOINCREMENT"
        text = "MEDIUMTEXT" if mysql else "TEXT"
        counts = ", ".join(f"{c} BIGINT NOT NULL DEFAULT 0" for c in COUNT_COLUMNS)
        engine = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" if mysql else ""
        statements = [
            f"CREATE TABLE IF NOT EXISTS runs (id {ident}, site VARCHAR(255) NOT NULL, "
            "started DOUBLE NOT NULL, finished DOUBLE NOT NULL, status VARCHAR(16) NOT NULL, "
            "listing_seconds DOUBLE NOT NULL DEFAULT 0, gates_passed INTEGER NOT NULL DEFAULT 0, "
            f"acted INTEGER NOT NULL DEFAULT 0, message {text}, {counts}, summary {text}){engine}",
            "CREATE INDEX IF NOT EXISTS runs_site ON runs (site, started)",
            "CREATE TABLE IF NOT EXISTS findings (run_id BIGINT NOT NULL, "
            "class VARCHAR(16) NOT NULL, lfn VARCHAR(3000) NOT NULL, size BIGINT NOT NULL, "
            f"confirmed INTEGER NOT NULL DEFAULT 0){engine}",
            "CREATE INDEX IF NOT EXISTS findings_run ON findings (run_id, class)",
            "CREATE TABLE IF NOT EXISTS site_state (site VARCHAR(255) NOT NULL PRIMARY KEY, "
            f"state VARCHAR(16) NOT NULL, mode VARCHAR(8) NOT NULL, changed DOUBLE NOT NULL){engine}",
        ]
        for sql in statements:
            self._execute(sql).close()

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

        def work():
            run_id = self._insert_run(result.site, result.started, result.finished,
                                      result.run_status, result.timings.get("listing", 0.0),
                                      result.gates.passed, acted, result.reason, counts,
                                      summary)
            cur = self.conn.cursor()
            sql = self._sql("INSERT INTO findings (run_id, class, lfn, size, confirmed) "
                            "VALUES (?, ?, ?, ?, ?)")
            for i in range(0, len(rows), _BATCH):
                cur.executemany(sql, [(run_id, *row) for row in rows[i:i + _BATCH]])
            cur.close()
            return run_id

        return self._transaction(work)

    def record_failed(self, site: str, started: float, finished: float, message: str,
                      scope: dict | None = None) -> int:
        """A run that ended without a result (the site or inventory could not be read)."""
        summary = {"scope": scope} if scope else {}
        return self._transaction(lambda: self._insert_run(
            site, started, finished, RunStatus.FAILED, 0.0, False, False, message, {},
            summary))

    def _insert_run(self, site, started, finished, status, listing, passed, acted, message,
                    counts, summary) -> int:
        columns = ("site", "started", "finished", "status", "listing_seconds", "gates_passed",
                   "acted", "message", *COUNT_COLUMNS, "summary")
        values = (site, started, finished, str(status), float(listing), int(bool(passed)),
                  int(bool(acted)), names.shown(message) if message else message,
                  *(int(counts.get(c, 0)) for c in COUNT_COLUMNS),
                  json.dumps(summary, sort_keys=True))
        cur = self._execute(f"INSERT INTO runs ({', '.join(columns)}) VALUES "
                            f"({', '.join('?' * len(columns))})", values)
        run_id = cur.lastrowid
        cur.close()
        return int(run_id)

    _RUN_COLUMNS = ("id, site, started, finished, status, listing_seconds, gates_passed, acted, "
                    f"message, {', '.join(COUNT_COLUMNS)}, summary")

    def _run(self, row) -> Run:
        n = len(COUNT_COLUMNS)
        summary = json.loads(row[9 + n] or "{}")
        counts = {**_summary_counts(summary),
                  **dict(zip(COUNT_COLUMNS, (int(v) for v in row[9:9 + n])))}
        return Run(id=int(row[0]), site=row[1], started=float(row[2]), finished=float(row[3]),
                   status=RunStatus(row[4]), listing_seconds=float(row[5]), gates_passed=bool(row[6]),
                   acted=bool(row[7]), message=row[8] or "", counts=counts, summary=summary)

    def runs(self, site: str, limit: int | None = None, complete: bool = False,
             before: float | None = None) -> list[Run]:
        """The site's runs, newest first."""
        sql = f"SELECT {self._RUN_COLUMNS} FROM runs WHERE site = ?"
        params: list = [site]
        if complete:
            sql += f" AND status IN ({', '.join('?' * len(COMPLETE))})"
            params += sorted(str(status) for status in COMPLETE)
        if before is not None:
            sql += " AND started < ?"
            params.append(before)
        sql += " ORDER BY started DESC, id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [self._run(row) for row in self._query(sql, params)]

    def last_run(self, site: str, complete: bool = False) -> Run | None:
        runs = self.runs(site, limit=1, complete=complete)
        return runs[0] if runs else None

    def run(self, run_id: int) -> Run | None:
        rows = self._query(f"SELECT {self._RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
        return self._run(rows[0]) if rows else None

    def delete_runs(self, run_ids: list[int]) -> None:
        """Remove runs and their findings, one run per transaction (see retention.py)."""
        def work(run_id):
            self._execute("DELETE FROM findings WHERE run_id = ?", (run_id,)).close()
            self._execute("DELETE FROM runs WHERE id = ?", (run_id,)).close()

        for run_id in run_ids:
            self._transaction(lambda run_id=run_id: work(run_id))

    def sites(self) -> list[str]:
        return [row[0] for row in self._query("SELECT DISTINCT site FROM runs ORDER BY site")]

    # -- findings ---------------------------------------------------------------------
    def findings(self, run_id: int, cls: str | None = None,
                 confirmed: bool = False) -> list[tuple[str, str, int, bool]]:
        """(class, lfn, size, confirmed) of one run, sorted by class and LFN."""
        sql = "SELECT class, lfn, size, confirmed FROM findings WHERE run_id = ?"
        params: list = [run_id]
        if cls:
            sql += " AND class = ?"
            params.append(cls)
        if confirmed:
            sql += " AND confirmed = 1"
        rows = self._query(sql + " ORDER BY class, lfn", params)
        return [(c, names.from_db(lfn), int(size), bool(conf)) for c, lfn, size, conf in rows]

    def lfns(self, run_id: int, cls: str) -> set[str]:
        rows = self._query("SELECT lfn FROM findings WHERE run_id = ? AND class = ?", (run_id, cls))
        return {names.from_db(row[0]) for row in rows}

    def lfns_in_all(self, run_ids: list[int], cls: str) -> set[str]:
        """The LFNs found in every one of these runs, in class ``cls``."""
        if not run_ids:
            return set()
        marks = ", ".join("?" * len(run_ids))
        rows = self._query(f"SELECT lfn FROM findings WHERE class = ? AND run_id IN ({marks}) "
                           "GROUP BY lfn HAVING COUNT(*) = ?", (cls, *run_ids, len(run_ids)))
        return {names.from_db(row[0]) for row in rows}

    # -- site state -------------------------------------------------------------------
    def state(self, site: str) -> tuple[str, str]:
        """(state, mode) of a site: ready/halted/disabled and act/dry."""
        rows = self._query("SELECT state, mode FROM site_state WHERE site = ?", (site,))
        return (rows[0][0], rows[0][1]) if rows else ("ready", "act")

    def set_state(self, site: str, now: float, state: str | None = None,
                  mode: str | None = None) -> None:
        def work():
            rows = self._execute("SELECT state, mode FROM site_state WHERE site = ?",
                                 (site,)).fetchall()
            old_state, old_mode = (rows[0][0], rows[0][1]) if rows else ("ready", "act")
            values = (state or old_state, mode or old_mode, now, site)
            if rows:
                self._execute("UPDATE site_state SET state = ?, mode = ?, changed = ? "
                              "WHERE site = ?", values).close()
            else:
                self._execute("INSERT INTO site_state (state, mode, changed, site) "
                              "VALUES (?, ?, ?, ?)", values).close()

        self._transaction(work)


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
        db_errors: tuple = (sqlite3.Error,)
        try:
            import pymysql

            db_errors += (pymysql.Error,)
        except ImportError:
            pass
        if isinstance(exc, db_errors + (OSError,)):
            msg = " ".join(str(exc).split()) or type(exc).__name__
            raise HistoryError(f"{self.history.where}: history database: {self.doing}: {msg}") \
                from None
        return False
