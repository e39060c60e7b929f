"""Per-site log files: ``{log_dir}/SITE.log`` holds the log of the site's latest run, the
``log_keep`` runs before it are ``SITE.log.1`` (newest) ... ``SITE.log.N``. Rotated when a
run starts, so a file never mixes two runs.

The file gets what the process logs while the run lasts, at the process's verbosity
(``consistency run`` logs INFO unless ``-q``). Sites run one per process (``run``,
``--pick``), so nothing of another site lands in it.
"""
from __future__ import annotations

import contextlib
import logging
import os

from .model import ConsistencyError

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
log = logging.getLogger("consistency.run")


def log_path(log_dir: str, site: str) -> str:
    return os.path.join(log_dir, f"{site}.log")


def rotate(path: str, keep: int) -> None:
    """SITE.log -> SITE.log.1 -> ... -> SITE.log.{keep}; the oldest beyond falls off."""
    if keep <= 0:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(f"{path}.{keep}")
    for n in range(keep - 1, 0, -1):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}.{n}", f"{path}.{n + 1}")
    with contextlib.suppress(FileNotFoundError):
        os.replace(path, f"{path}.1")


@contextlib.contextmanager
def site_log(site):
    """While the block runs, the process's log also goes to the site's log file (nothing
    when ``log_dir`` is empty)."""
    if not site.log_dir:
        yield None
        return
    path = log_path(site.log_dir, site.name)
    try:
        os.makedirs(site.log_dir, exist_ok=True)
        rotate(path, site.log_keep)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        raise ConsistencyError(f"sites.{site.name}.log_dir: cannot write {path}: "
                               f"{exc.strerror or exc}") from None
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    log.info("%s: run started by pid %d (log %s)", site.name, os.getpid(), path)
    try:
        yield path
    finally:
        log.info("%s: run ended", site.name)
        root.removeHandler(handler)
        handler.close()
