"""Result files, written atomically: a crash never leaves a half-written file."""
from __future__ import annotations

import contextlib
import json
import os
import tempfile

from .model import ConsistencyError

LISTS = ("missing", "orphan", "size_mismatch", "unlisted", "empty_dirs")
CONFIRMED = ("missing", "orphan", "size_mismatch", "empty_dirs")


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
    paths = {name: os.path.join(output, f"{site}_{name}.txt") for name in LISTS}
    paths["changed"] = os.path.join(output, f"{site}_changed.txt")
    for name in CONFIRMED:
        paths[f"confirmed_{name}"] = os.path.join(output, f"{site}_confirmed_{name}.txt")
    paths["summary"] = os.path.join(output, f"{site}_summary.json")
    return paths


def write_result(result, output: str) -> dict[str, str]:
    """Write the five lists, the changed-during-check list and the summary; the summary
    last, so it vouches for the lists."""
    paths = result_paths(output, result.site)
    findings = result.findings
    write_lines(paths["missing"], (lfn for lfn, _ in findings.missing))
    write_lines(paths["orphan"], (lfn for lfn, _ in findings.orphan))
    write_lines(paths["size_mismatch"], (row[0] for row in findings.size_mismatch))
    write_lines(paths["unlisted"], findings.unlisted)
    write_lines(paths["empty_dirs"], findings.empty_dirs)
    write_lines(paths["changed"], result.changed)  # inventory entries that changed mid-check
    for name in CONFIRMED:  # what acting reporters get (or would get in a dry run)
        rows = result.confirmed.get(name, [])
        write_lines(paths[f"confirmed_{name}"], (r if isinstance(r, str) else r[0] for r in rows))
    write_json(paths["summary"], result.summary())
    return paths
