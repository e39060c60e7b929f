"""Locks under the state directory: one check per site at a time, and an optional limit of
concurrent checks per lister backend (``lister_concurrency``).

``flock`` locks belong to the open file, so the kernel drops them when the process dies,
however it dies: a crashed check never leaves its site locked. The lock file holds the
holder's pid and start time, for ``consistency status``. Locks are local to one machine.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import time

from .model import ConsistencyError


class LockError(ConsistencyError):
    exit_code = 1


def lock_dir(state_dir: str) -> str:
    path = os.path.join(state_dir, "locks")
    try:
        os.makedirs(path, exist_ok=True)
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
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
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


class SiteLocks:
    """The site's own lock plus, if ``lister_concurrency`` is set, one of its lister's slots."""

    def __init__(self, site):
        self.site = site
        self.held: list[FileLock] = []

    def acquire(self) -> str | None:
        """Take every lock needed; None on success, else why not (nothing is held then)."""
        site_lock = FileLock(site_lock_path(self.site))
        if not site_lock.acquire():
            who = holder(site_lock.path) or {}
            return f"site {self.site.name} is already being checked (pid {who.get('pid')})"
        self.held.append(site_lock)
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
