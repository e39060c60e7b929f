"""Result files, written atomically: a crash never leaves a half-written file."""
from __future__ import annotations

import contextlib
import json
import os
import tempfile

from . import datasets
from .finding_classes import CLASSES, CONFIRMABLE, rows_of
from .model import ConsistencyError


@contextlib.contextmanager
def atomic_writer(path: str):
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    except OSError as exc:
        raise ConsistencyError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
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


def result_paths(output: str, site: str) -> dict[str, str]:
    paths = {cls.name: os.path.join(output, f"{site}_{cls.name}.txt") for cls in CLASSES}
    paths["changed"] = os.path.join(output, f"{site}_changed.txt")
    for cls in CONFIRMABLE:
        paths[f"confirmed_{cls.name}"] = os.path.join(output, f"{site}_confirmed_{cls.name}.txt")
    paths["summary"] = os.path.join(output, f"{site}_summary.json")
    paths["missing_datasets"] = os.path.join(output, f"{site}_missing_datasets.txt")
    paths["storage"] = os.path.join(output, f"{site}_storage.json")
    return paths


def write_lists(result, output: str) -> dict[str, str]:
    """Write one list per finding class, the changed-during-check list and the confirmed
    lists; returns every path, the summary's included (see :func:`write_summary`)."""
    paths = result_paths(output, result.site)
    for cls in CLASSES:
        write_lines(paths[cls.name], (cls.line(row) for row in rows_of(result.findings, cls)))
    write_lines(paths["changed"], result.changed)  # inventory entries that changed mid-check
    for cls in CONFIRMABLE:  # what acting reporters get (or would get in a dry run)
        rows = result.confirmed.get(cls.name, [])
        write_lines(paths[f"confirmed_{cls.name}"], (cls.line(row) for row in rows))
    write_operator_views(result, paths)
    return paths


def write_operator_views(result, paths: dict) -> None:
    """The missing files by dataset and block, and the storage use per top directory (when
    the check listed the site into a tree)."""
    write_lines(paths["missing_datasets"],
                datasets.lines(result.findings.missing, result.missing_blocks))
    if result.storage is not None:
        write_json(paths["storage"], {"site": result.site, "timestamp": int(result.finished),
                                      "directories": result.storage})
    else:
        paths.pop("storage")


def write_summary(result, output: str) -> str:
    path = result_paths(output, result.site)["summary"]
    write_json(path, result.summary())
    return path


def write_result(result, output: str) -> dict[str, str]:
    """The lists, then the summary, so the summary vouches for the lists."""
    paths = write_lists(result, output)
    write_summary(result, output)
    return paths
