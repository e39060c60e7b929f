"""Result files. Each file is written atomically, and a run's files are published as one set.

A run writes every file into a fresh directory ``OUTPUT/.SITE.runs/<stamp>/``; when the set
is complete, one symlink, ``OUTPUT/.SITE.current``, is switched to it (a rename: readers see
the previous set or the new one, never a mix). The familiar paths ``OUTPUT/SITE_*.txt`` and
``OUTPUT/SITE_summary.json`` are stable links through ``.SITE.current``. The previous set is
kept for readers in the middle of reading it; older ones are deleted. A directory holding
plain result files of an older version is migrated on the first run, without a moment where
its files are absent or mixed.

Files are created ``0o640`` and directories ``0o750``: results map a site's namespace.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time

from . import datasets
from .finding_classes import CLASSES, CONFIRMABLE, rows_of
from .model import ConsistencyError

FILE_MODE = 0o640
DIR_MODE = 0o750


def make_dirs(directory: str) -> None:
    """``os.makedirs`` with our mode for every directory it creates, not only the last
    (the umask may take more away, never add)."""
    parent = os.path.dirname(os.path.abspath(directory))
    if not os.path.isdir(parent):
        make_dirs(parent)
    try:
        os.mkdir(directory, DIR_MODE)
    except FileExistsError:
        if not os.path.isdir(directory):
            raise


@contextlib.contextmanager
def atomic_writer(path: str):
    directory = os.path.dirname(os.path.abspath(path))
    try:
        make_dirs(directory)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    except OSError as exc:
        raise ConsistencyError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ConsistencyError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise


def write_lines(path: str, lines) -> None:
    with atomic_writer(path) as fh:
        for line in lines:
            fh.write(line + "\n")


def write_json(path: str, data) -> None:
    with atomic_writer(path) as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")


def result_names(site: str) -> dict[str, str]:
    """key -> file name of every core result file of ``site``."""
    names = {cls.name: f"{site}_{cls.name}.txt" for cls in CLASSES}
    names["changed"] = f"{site}_changed.txt"
    for cls in CONFIRMABLE:
        names[f"confirmed_{cls.name}"] = f"{site}_confirmed_{cls.name}.txt"
    names["summary"] = f"{site}_summary.json"
    names["missing_datasets"] = f"{site}_missing_datasets.txt"
    names["storage"] = f"{site}_storage.json"
    return names


def result_paths(output: str, site: str) -> dict[str, str]:
    """The familiar paths (``OUTPUT/SITE_*``), stable links into the current set."""
    return {key: os.path.join(output, name) for key, name in result_names(site).items()}


def current_paths(output: str, site: str) -> dict[str, str]:
    """The paths of the current set's files, resolved once: reading several files through
    these sees one set even if a run publishes a new one meanwhile. Falls back to the
    familiar paths in a directory of the older, plain layout."""
    link = _current_link(output, site)
    try:
        directory = os.path.join(output, os.readlink(link))
    except OSError:
        return result_paths(output, site)
    return {key: os.path.join(directory, name) for key, name in result_names(site).items()}


def _current_link(output: str, site: str) -> str:
    return os.path.join(output, f".{site}.current")


def _runs_dir(output: str, site: str) -> str:
    return os.path.join(output, f".{site}.runs")


class ResultSet:
    """One run's result files: written into a fresh directory, then published at once with
    :meth:`publish`, or thrown away with :meth:`discard`."""

    def __init__(self, output: str, site: str, started: float | None = None):
        self.output = output
        self.site = site
        runs = _runs_dir(output, site)
        stamp = time.strftime("%Y%m%dT%H%M%SZ-", time.gmtime(started or time.time()))
        try:
            make_dirs(runs)
            self.directory = tempfile.mkdtemp(prefix=stamp, dir=runs)
            os.chmod(self.directory, DIR_MODE)
        except OSError as exc:
            raise ConsistencyError(f"{runs}: cannot write the result directory: "
                                   f"{exc.strerror or exc}") from None

    def path(self, key: str) -> str:
        """Where this set's file ``key`` (see :func:`result_names`) is written."""
        return os.path.join(self.directory, result_names(self.site)[key])

    def write_lists(self, result) -> dict[str, str]:
        """One list per finding class, the changed-during-check list and the confirmed
        lists; returns the familiar path of every file, the summary's included."""
        for cls in CLASSES:
            write_lines(self.path(cls.name),
                        (cls.line(row) for row in rows_of(result.findings, cls)))
        write_lines(self.path("changed"), result.changed)  # changed mid-check
        for cls in CONFIRMABLE:  # what acting reporters get (or would get in a dry run)
            rows = result.confirmed.get(cls.name, [])
            write_lines(self.path(f"confirmed_{cls.name}"), (cls.line(row) for row in rows))
        paths = result_paths(self.output, self.site)
        self._write_operator_views(result, paths)
        return paths

    def _write_operator_views(self, result, paths: dict) -> None:
        """The missing files by dataset and block, and the storage use per top directory (when
        the check listed the site into a tree)."""
        write_lines(self.path("missing_datasets"),
                    datasets.lines(result.findings.missing, result.missing_blocks))
        if result.storage is not None:
            write_json(self.path("storage"), {"site": result.site,
                                              "timestamp": int(result.finished),
                                              "directories": result.storage})
        else:
            paths.pop("storage")

    def write_summary(self, result) -> str:
        write_json(self.path("summary"), result.summary())
        return result_paths(self.output, self.site)["summary"]

    def discard(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def publish(self) -> None:
        """Make this set the current one, in one rename; keep the previous one, delete older.
        On failure the previous set stays current and this one is deleted."""
        try:
            self._publish()
        except OSError as exc:
            self.discard()
            raise ConsistencyError(f"{self.output}: cannot publish the results of "
                                   f"{self.site}: {exc.strerror or exc}") from None

    def _publish(self) -> None:
        link = _current_link(self.output, self.site)
        names = sorted(os.listdir(self.directory))
        previous = _read_link(link)
        if previous is None:
            previous = self._migrate(names)
        for name in names:
            _ensure_link(os.path.join(self.output, name),
                         os.path.join(os.path.basename(link), name))
        target = os.path.relpath(self.directory, self.output)
        _switch(link, target)
        _fsync_dir(self.output)
        self._drop_stale_links(names)
        self._prune(keep={os.path.basename(target), os.path.basename(previous or "")})

    def _migrate(self, names: list[str]) -> str | None:
        """Plain result files of an older version become the current set (hard links, no
        copy), so that replacing them by links shows the same content throughout."""
        wanted = set(names) | set(result_names(self.site).values())
        plain = [n for n in sorted(wanted) if _is_plain_file(os.path.join(self.output, n))]
        if not plain:
            return None
        old = tempfile.mkdtemp(prefix="migrated-", dir=_runs_dir(self.output, self.site))
        os.chmod(old, DIR_MODE)
        for name in plain:
            src, dst = os.path.join(self.output, name), os.path.join(old, name)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
        target = os.path.relpath(old, self.output)
        _switch(_current_link(self.output, self.site), target)
        link_dir = os.path.basename(_current_link(self.output, self.site))
        for name in plain:
            _ensure_link(os.path.join(self.output, name), os.path.join(link_dir, name))
        return target

    def _drop_stale_links(self, names: list[str]) -> None:
        """Links to files the new set does not have (a reporter that did not run) would
        dangle: remove them."""
        prefix = os.path.basename(_current_link(self.output, self.site)) + os.sep
        for entry in os.scandir(self.output):
            if entry.name in names or not entry.is_symlink():
                continue
            target = _read_link(entry.path)
            if target and target.startswith(prefix) and not os.path.exists(entry.path):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)

    def _prune(self, keep: set[str]) -> None:
        runs = _runs_dir(self.output, self.site)
        for entry in os.scandir(runs):
            if entry.name not in keep and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)


def _read_link(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _is_plain_file(path: str) -> bool:
    return os.path.isfile(path) and not os.path.islink(path)


def _ensure_link(path: str, target: str) -> None:
    if _read_link(path) != target:
        _switch(path, target)


def _switch(path: str, target: str) -> None:
    """Point the symlink ``path`` at ``target`` in one rename (whatever ``path`` was)."""
    directory = os.path.dirname(path)
    tmp = os.path.join(directory, f".tmp-link-{os.getpid()}-{os.path.basename(path)}")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    os.symlink(target, tmp)
    try:
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _fsync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_result(result, output: str) -> dict[str, str]:
    """The whole set at once (lists, then the summary that vouches for them); returns the
    familiar paths."""
    results = ResultSet(output, result.site, result.started)
    try:
        paths = results.write_lists(result)
        results.write_summary(result)
    except BaseException:
        results.discard()
        raise
    results.publish()
    return paths
