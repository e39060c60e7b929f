"""Locks: one check per site at a time, and an optional limit of concurrent checks per
lister backend (``lister_concurrency``).

Under the state directory, ``flock`` locks belong to the open file, so the kernel drops them
when the process dies, however it dies: a crashed check never leaves its site locked. The
lock file holds the holder's pid and start time, for ``consistency status``. These locks are
local to one machine.

With a central MySQL/MariaDB history (``history_url = mysql://...``) the site is also locked
in the database, so two hosts never check one site at once: :class:`DatabaseLock` holds
``GET_LOCK`` on a connection of its own for the whole run. The server releases it when that
connection ends, however it ends (a crashed or killed host included).
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import socket
import threading
import time

from .model import ConsistencyError

log = logging.getLogger(__name__)
HEARTBEAT = 60.0  # seconds between pings of a database lock's connection


class LockError(ConsistencyError):
    exit_code = 1


def lock_dir(state_dir: str) -> str:
    path = os.path.join(state_dir, "locks")
    try:
        os.makedirs(path, mode=0o750, exist_ok=True)
    except OSError as exc:
        raise LockError(f"{path}: cannot create the lock directory: {exc.strerror or exc}") from None
    return path


class FileLock:
    def __init__(self, path: str):
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting for a holder; False when another process holds it."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o640)
        except OSError as exc:
            raise LockError(f"{self.path}: cannot open lock: {exc.strerror or exc}") from None
        try:
            taken = _flock_exclusive(fd, self.path)
        except LockError:
            os.close(fd)
            raise
        if not taken:
            os.close(fd)
            return False
        try:
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps({"pid": os.getpid(), "since": time.time()}).encode())
        except OSError as exc:
            os.close(fd)
            raise LockError(f"{self.path}: cannot write lock: {exc.strerror or exc}") from None
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the flock
            self.fd = None


# holder() probes a lock by taking it shared for an instant (flock has no query); an
# exclusive attempt that meets such a probe tries again, briefly, instead of reporting the
# site as being checked.
PROBE_RETRIES = 10
PROBE_PAUSE = 0.01


def _flock_exclusive(fd: int, path: str) -> bool:
    for attempt in range(PROBE_RETRIES):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise LockError(f"{path}: cannot lock: {exc.strerror or exc}") from None
        if attempt + 1 < PROBE_RETRIES:
            time.sleep(PROBE_PAUSE)
    return False


def holder(path: str) -> dict | None:
    """{"pid", "since"} of the live holder of a lock file, or None when nobody holds it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            data = os.read(fd, 4096)
            try:
                return json.loads(data or b"{}") or {"pid": None, "since": None}
            except ValueError:
                return {"pid": None, "since": None}
        return None
    finally:
        os.close(fd)


def site_lock_path(site) -> str:
    """The site's lock file (the lock directory is created if needed)."""
    lock_dir(site.state_dir)
    return site_lock_file(site)


def site_lock_file(site) -> str:
    return os.path.join(site.state_dir, "locks", f"site-{site.name}.lock")


def lock_name(database: str, site: str) -> str:
    """The ``GET_LOCK`` name of a site: server-wide, so it names the database too; names
    longer than the server's 64 characters are hashed."""
    name = f"consistency:{database}:{site}"
    if len(name) > 64:
        name = "consistency:" + hashlib.sha256(name.encode()).hexdigest()[:52]
    return name


_HOLDERS = ("CREATE TABLE IF NOT EXISTS site_lock_holders (site VARCHAR(255) NOT NULL PRIMARY "
            "KEY, host VARCHAR(255) NOT NULL, pid BIGINT NOT NULL, since DOUBLE NOT NULL, "
            "conn_id BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")


class DatabaseLock:
    """``GET_LOCK('consistency:DB:SITE', 0)`` on a dedicated connection to the history
    database, held until :meth:`release` or until the connection dies. A heartbeat thread
    keeps the connection alive and says so loudly if the lock was lost (server restart)."""

    def __init__(self, site):
        self.site = site
        self.history = None
        self.name = ""
        self._done = threading.Event()
        self._beat: threading.Thread | None = None

    def acquire(self) -> dict | None:
        """None when taken; else who holds it ({"host", "pid", "since"}, values may be None)."""
        from .history import History, location

        self.history = History(location(self.site))
        try:
            with self.history._errors("cannot lock the site"):
                got, self.name = self._get_lock()
                if not got:
                    who = holder_in(self.history, self.site.name) or {}
                    self._close()
                    return who
                self._note_holder()
        except BaseException:
            self._close()
            raise
        self._beat = threading.Thread(target=self._heartbeat, daemon=True,
                                      name="consistency-lock-heartbeat")
        self._beat.start()
        return None

    def _sql(self, statement: str, params=()) -> list:
        with self.history.conn.cursor() as cur:
            cur.execute(statement, params)
            return list(cur.fetchall())

    def _get_lock(self) -> tuple[bool, str]:
        (database,), = self._sql("SELECT DATABASE()")
        name = lock_name(database or "", self.site.name)
        (got,), = self._sql("SELECT GET_LOCK(%s, 0)", (name,))
        return got == 1, name

    def _note_holder(self) -> None:
        self._sql(_HOLDERS)
        self._sql("REPLACE INTO site_lock_holders (site, host, pid, since, conn_id) "
                  "VALUES (%s, %s, %s, %s, CONNECTION_ID())",
                  (self.site.name, socket.gethostname(), os.getpid(), time.time()))

    def _heartbeat(self) -> None:
        while not self._done.wait(HEARTBEAT):
            try:
                (mine,), = self._sql("SELECT IS_USED_LOCK(%s) = CONNECTION_ID()", (self.name,))
            except Exception as exc:  # a dead server or connection: the lock is gone with it
                log.error("site %s: the database lock was lost (%s); another host may "
                          "start checking this site", self.site.name, exc)
                return
            if mine != 1:
                log.error("site %s: the database lock is no longer held by this check",
                          self.site.name)
                return

    def release(self) -> None:
        self._done.set()
        if self._beat is not None:
            self._beat.join(timeout=10)
        try:
            self._sql("SELECT RELEASE_LOCK(%s)", (self.name,))
        except Exception:  # the connection is gone: so is the lock
            pass
        self._close()

    def _close(self) -> None:
        if self.history is not None:
            self.history.close()
            self.history = None


def holder_in(history, site: str) -> dict | None:
    """Who holds a site's database lock ({"host", "pid", "since"}), or None when nobody."""
    with history.conn.cursor() as cur:
        cur.execute("SELECT DATABASE()")
        (database,), = cur.fetchall()
        cur.execute("SELECT IS_USED_LOCK(%s)", (lock_name(database or "", site),))
        (conn_id,), = cur.fetchall()
        if conn_id is None:
            return None
        try:
            cur.execute("SELECT host, pid, since FROM site_lock_holders WHERE site = %s "
                        "AND conn_id = %s", (site, conn_id))
            rows = cur.fetchall()
        except Exception:  # no holders table yet: held, but by whom is unknown
            rows = ()
    if not rows:
        return {"host": None, "pid": None, "since": None}
    host, pid, since = rows[0]
    return {"host": host, "pid": int(pid), "since": float(since)}


def site_holder(site, history=None) -> dict | None:
    """Who is checking a site: this machine's lock file, else (central history) the
    database lock. ``history`` is an open History of the site, if at hand."""
    who = holder(site_lock_file(site))
    if who is not None or history is None or history.dialect != "mysql":
        return who
    with history._errors("cannot read the site lock"):
        return holder_in(history, site.name)


def _uses_database(site) -> bool:
    from .history import location

    scheme = location(site).split("://", 1)[0].split("+")[0]
    return scheme in ("mysql", "mariadb")


class SiteLocks:
    """The site's own lock (a file; with a central history also a database lock) plus, if
    ``lister_concurrency`` is set, one of its lister's slots."""

    def __init__(self, site):
        self.site = site
        self.held: list = []

    def acquire(self) -> str | None:
        """Take every lock needed; None on success, else why not (nothing is held then)."""
        site_lock = FileLock(site_lock_path(self.site))
        if not site_lock.acquire():
            who = holder(site_lock.path) or {}
            return f"site {self.site.name} is already being checked (pid {who.get('pid')})"
        self.held.append(site_lock)
        if _uses_database(self.site):
            db_lock = DatabaseLock(self.site)
            try:
                who = db_lock.acquire()
            except BaseException:
                self.release()
                raise
            if who is not None:
                self.release()
                return (f"site {self.site.name} is already being checked (host "
                        f"{who.get('host')}, pid {who.get('pid')}; database lock)")
            self.held.append(db_lock)
        slots = self.site.lister_concurrency
        if slots:
            directory = lock_dir(self.site.state_dir)
            for k in range(slots):
                slot = FileLock(os.path.join(directory, f"lister-{self.site.lister}-{k}.lock"))
                if slot.acquire():
                    self.held.append(slot)
                    return None
            self.release()
            return (f"{slots} checks with lister {self.site.lister!r} are already running "
                    f"(lister_concurrency)")
        return None

    def release(self) -> None:
        for lock in reversed(self.held):
            lock.release()
        self.held.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
