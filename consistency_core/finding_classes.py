"""The classes of findings a check reports, in one registry.

Everything that handles findings by class (result files, history, confirmation, safety
gates, metrics, the printed summary, the HTML pages, ``consistency findings --class``)
iterates over :data:`CLASSES`. Adding a class means adding it here and to the comparison
rules (:mod:`consistency_core.compare`, whose ``Findings`` has one list per class).
"""
from __future__ import annotations

import enum

import attrs


class Confirm(str, enum.Enum):
    """How a finding is confirmed over runs before acting reporters get it."""

    MISSING_LIKE = "missing-like"  # in this run and the confirm_missing_runs - 1 before it
    ORPHAN_LIKE = "orphan-like"  # in every run over confirm_orphan_days and _runs
    NEVER = "never"  # reported only, never acted on


@attrs.frozen
class FindingClass:
    name: str  # the class, its result file SITE_<name>.txt and its findings-table tag
    label: str  # how a person reads it
    row: tuple[str, ...]  # fields of one row; ("lfn",) rows are plain LFN strings
    confirm: Confirm
    gate: str | None  # whose safety limits count it: "missing" (max_missing...), "orphan"
    columns: tuple[str, ...] = ()  # its count columns in the history's runs table, if any
    hot: bool = False  # data at risk on the catalog's side (the report shades it red)
    # its result files give every field of a row, tab-separated (else the LFN alone)
    whole_rows: bool = False

    @property
    def sized(self) -> bool:
        return len(self.row) > 1

    @staticmethod
    def lfn(row) -> str:
        return row if isinstance(row, str) else row[0]

    def line(self, row) -> str:
        """One line of the class's result files: the LFN, or every field tab-separated."""
        if self.whole_rows and not isinstance(row, str):
            return "\t".join(str(field) for field in row)
        return self.lfn(row)

    def size(self, row) -> int:
        """The size a row records: the site's size (the last field), 0 when unsized."""
        return row[-1] if self.sized else 0

    def counts(self, rows) -> dict[str, int]:
        out = {self.name: len(rows)}
        if self.sized:
            out[f"{self.name}_bytes"] = sum(self.size(r) for r in rows)
        return out


CLASSES: tuple[FindingClass, ...] = (
    FindingClass("missing", "missing", ("lfn", "size"), Confirm.MISSING_LIKE, "missing",
                 ("missing", "missing_bytes", "confirmed_missing"), hot=True),
    FindingClass("orphan", "orphan", ("lfn", "size"), Confirm.ORPHAN_LIKE, "orphan",
                 ("orphan", "orphan_bytes", "confirmed_orphan")),
    FindingClass("size_mismatch", "size mismatch", ("lfn", "inventory_size", "site_size"),
                 Confirm.MISSING_LIKE, None,
                 ("size_mismatch", "confirmed_size_mismatch"), hot=True, whole_rows=True),
    FindingClass("unlisted", "unlisted", ("lfn",), Confirm.NEVER, None, ("unlisted",)),
    FindingClass("empty_dirs", "empty dirs", ("lfn",), Confirm.ORPHAN_LIKE, None,
                 ("empty_dirs", "confirmed_empty_dirs")),
    # Orphans in the site's unmerged area ({root}/unmerged) older than unmerged_age days
    # (off while unmerged_age is 0): deletion candidates, gated and confirmed like orphans.
    FindingClass("unmerged", "unmerged", ("lfn", "size"), Confirm.ORPHAN_LIKE, "orphan"),
)
BY_NAME = {cls.name: cls for cls in CLASSES}
NAMES = tuple(BY_NAME)
CONFIRMABLE = tuple(cls for cls in CLASSES if cls.confirm is not Confirm.NEVER)


def get(name: str) -> FindingClass:
    return BY_NAME[name]


def rows_of(findings, cls: FindingClass) -> list:
    return getattr(findings, cls.name)
