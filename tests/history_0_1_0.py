"""A history database as release 0.1.0 wrote it: its DDL, verbatim from 0.1.0's
consistency_core/history.py (History._schema), and rows in 0.1.0's column order."""
from __future__ import annotations

import json

COUNT_COLUMNS = ("dirs_listed", "files_listed", "bytes_listed", "inventory_files",
                 "inventory_bytes", "missing", "missing_bytes", "orphan", "orphan_bytes",
                 "size_mismatch", "unlisted", "empty_dirs", "changed", "confirmed_missing",
                 "confirmed_orphan", "confirmed_size_mismatch", "confirmed_empty_dirs")


def ddl(mysql: bool) -> list[str]:
    ident = "BIGINT AUTO_INCREMENT PRIMARY KEY" if mysql else "INTEGER PRIMARY KEY AUTOINCREMENT"
    text = "MEDIUMTEXT" if mysql else "TEXT"
    counts = ", ".join(f"{c} BIGINT NOT NULL DEFAULT 0" for c in COUNT_COLUMNS)
    engine = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" if mysql else ""
    return [
        f"CREATE TABLE IF NOT EXISTS runs (id {ident}, site VARCHAR(255) NOT NULL, "
        "started DOUBLE NOT NULL, finished DOUBLE NOT NULL, status VARCHAR(16) NOT NULL, "
        "listing_seconds DOUBLE NOT NULL DEFAULT 0, gates_passed INTEGER NOT NULL DEFAULT 0, "
        f"acted INTEGER NOT NULL DEFAULT 0, message {text}, {counts}, summary {text}){engine}",
        "CREATE INDEX IF NOT EXISTS runs_site ON runs (site, started)",
        "CREATE TABLE IF NOT EXISTS findings (run_id BIGINT NOT NULL, "
        "class VARCHAR(16) NOT NULL, lfn VARCHAR(3000) NOT NULL, size BIGINT NOT NULL, "
        f"confirmed INTEGER NOT NULL DEFAULT 0){engine}",
        "CREATE INDEX IF NOT EXISTS findings_run ON findings (run_id, class)",
        "CREATE TABLE IF NOT EXISTS site_state (site VARCHAR(255) NOT NULL PRIMARY KEY, "
        f"state VARCHAR(16) NOT NULL, mode VARCHAR(8) NOT NULL, changed DOUBLE NOT NULL){engine}",
    ]


def fill(cursor, mark: str, runs: int = 3) -> dict:
    """Write ``runs`` runs of site T2_OLD with findings, as 0.1.0 did; returns what was
    written: {run_id: [(class, lfn, size, confirmed)]} plus the runs' counts."""
    written = {}
    for i in range(1, runs + 1):
        counts = {c: 0 for c in COUNT_COLUMNS}
        counts.update(files_listed=100 + i, missing=2, orphan=1, missing_bytes=30 + i,
                      confirmed_missing=2 if i > 1 else 0)
        summary = {"site": "T2_OLD", "counts": {"missing": 2, "orphan": 1}}
        columns = ("site", "started", "finished", "status", "listing_seconds", "gates_passed",
                   "acted", "message", *COUNT_COLUMNS, "summary")
        values = ("T2_OLD", 1.7e9 + i * 86400, 1.7e9 + i * 86400 + 60, "completed", 12.5, 1,
                  0, "", *counts.values(), json.dumps(summary))
        cursor.execute(f"INSERT INTO runs ({', '.join(columns)}) VALUES "
                       f"({', '.join([mark] * len(columns))})", values)
        run_id = cursor.lastrowid
        rows = [("missing", f"/store/data/run{i}/a.root", 10, int(i > 1)),
                ("missing", f"/store/data/run{i}/b.root", 20 + i, int(i > 1)),
                ("orphan", "/store/data/old/ümlaut.root", 7, 0)]
        for row in rows:
            cursor.execute("INSERT INTO findings (run_id, class, lfn, size, confirmed) VALUES "
                           f"({mark}, {mark}, {mark}, {mark}, {mark})", (run_id, *row))
        written[run_id] = (counts, sorted(rows))
    cursor.execute("INSERT INTO site_state (site, state, mode, changed) VALUES "
                   f"({mark}, {mark}, {mark}, {mark})", ("T2_OLD", "ready", "act", 1.7e9))
    return written
