"""How a run ended: the one set of statuses the history, metrics, status and report use."""
from __future__ import annotations

import enum


class RunStatus(str, enum.Enum):
    COMPLETED = "completed"  # the whole site was seen and the gates passed
    GATED = "gated"  # the whole site was seen; a safety gate blocked acting
    INTERRUPTED = "interrupted"  # stopped (signal, halt) before the walk ended
    FAILED = "failed"  # no result: the site or the inventory could not be read
    REPORTER_FAILED = "reporter_failed"  # the check's findings stand; a reporter failed

    def __str__(self) -> str:
        return self.value

    @property
    def complete(self) -> bool:
        """The run saw the whole site: it counts for confirmation and deltas."""
        return self in COMPLETE


# A reporter failure happens after the whole site was seen: the findings are as good as
# those of a completed run. Failed and interrupted runs count for nothing.
COMPLETE = frozenset({RunStatus.COMPLETED, RunStatus.GATED, RunStatus.REPORTER_FAILED})
