"""Read what a check wrote or returned, in one shape: ``{class name: [LFN, ...]}``.

    read_results(out, "T2_X")      the result files in ``out`` (None for a file not written)
    read_summary(out, "T2_X")      the summary JSON
    found(result)                  the findings of a CheckResult (check_site in-process)
    planted(expected)              what sitegen planted (a correct check's findings)
"""
from __future__ import annotations

import json
from pathlib import Path

CLASSES = ("missing", "orphan", "size_mismatch", "empty_dirs", "unlisted")


def read_results(out, site: str, classes=CLASSES, *, sort: bool = False) -> dict:
    """``{name: lines of out/SITE_name.txt}`` (in file order unless ``sort``); None if absent."""
    def read(name):
        path = Path(out) / f"{site}_{name}.txt"
        if not path.exists():
            return None
        lines = path.read_text().splitlines()
        if name == "size_mismatch":  # each line ends with the two sizes, tab-separated
            lines = [line.rsplit("\t", 2)[0] for line in lines]
        return sorted(lines) if sort else lines

    return {name: read(name) for name in classes}


def read_summary(out, site: str) -> dict:
    return json.loads((Path(out) / f"{site}_summary.json").read_text())


def found(result) -> dict[str, list[str]]:
    """The findings of a check result, sorted LFNs per class."""
    f = result.findings
    return {"missing": sorted(lfn for lfn, *_ in f.missing),
            "orphan": sorted(lfn for lfn, *_ in f.orphan),
            "size_mismatch": sorted(lfn for lfn, *_ in f.size_mismatch),
            "empty_dirs": sorted(f.empty_dirs), "unlisted": sorted(f.unlisted)}


def planted(expected, *, unlisted=()) -> dict[str, list[str]]:
    """What a check must report of a sitegen site, sorted, when ``unlisted`` directories could
    not be listed: nothing at or below them, no empty directory above them (it may hold files
    unseen), and those directories as unlisted."""
    def outside(lfn):
        return not any(lfn == d or lfn.startswith(d + "/") for d in unlisted)

    want = {name: sorted(filter(outside, getattr(expected, name)))
            for name in ("missing", "orphan", "size_mismatch", "empty_dirs")}
    want["empty_dirs"] = [d for d in want["empty_dirs"]
                          if not any(u.startswith(d + "/") for u in unlisted)]
    want["unlisted"] = sorted(unlisted)
    return want
