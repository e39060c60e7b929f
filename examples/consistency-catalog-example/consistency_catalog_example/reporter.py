"""``deletion-queue``: an acting reporter. It appends the confirmed orphans it is given to a
queue file that a deletion agent consumes. The core calls it only when acting is allowed:
``--act``, the site set ``act``, every safety gate passed; and ``result.findings`` then holds
only findings confirmed over runs."""
from __future__ import annotations

import os

import attrs

from consistency_core.api import key


@attrs.frozen
class QueueOptions:
    deletion_queue_file: str = key("", "file confirmed orphans are appended to "
                                   "(default: OUTPUT/SITE_deletion_queue.txt)")


class DeletionQueue:
    acts = True  # the core withholds it unless acting is allowed

    def __init__(self, site):
        self.site = site.name
        self.path = site.settings(QueueOptions).deletion_queue_file

    def report(self, result, context) -> None:
        path = self.path or os.path.join(context.output, f"{self.site}_deletion_queue.txt")
        lines = [f"{lfn}\n" for lfn, _size in result.findings.orphan]
        with open(path, "a", encoding="utf-8") as fh:
            fh.writelines(lines)
            fh.flush()
            os.fsync(fh.fileno())
