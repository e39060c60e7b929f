"""The Dynamo backend when the database goes away, and its configuration errors."""
from __future__ import annotations

import json
import threading
import time

from dynamo_helpers import (SITE, build_world, expected_rows, result_lists, run_cli,
                            table_rows)

MANY = {"max_orphan": 100000, "max_orphan_fraction": 1.0, "max_missing_fraction": 1.0,
        "dynamo_batch_size": 1}


def kill_mid_report(db, table: str, row: tuple, restart_after: float | None, timeout: float = 60):
    """Hold an uncommitted insert of ``row`` into ``table``: the reporter's batch for the same
    key waits on its lock, mid-report. Once it waits, SIGKILL the database, and start it
    again ``restart_after`` seconds later (None: leave it down). Runs in a thread."""
    holder = db.connect(autocommit=False)
    marks = ", ".join(["%s"] * len(row))
    columns = {"file_pre_subscriptions": "file_name, site_name, created, `delete`",
               "deletion_queue": "file, site, status"}[table]
    holder.cursor().execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", row)
    state = {"killed": False, "holder": holder}  # referenced: closing it would drop the lock

    def watch():
        conn = db.connect()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with conn.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM information_schema.innodb_trx"
                            " WHERE trx_state = 'LOCK WAIT'")
                if cur.fetchone()[0]:
                    break
            time.sleep(0.25)  # InnoDB refreshes innodb_trx only after 0.1 s without readers
        else:
            return
        db.kill()
        state["killed"] = True
        if restart_after is not None:
            time.sleep(restart_after)
            db.start()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread, state


def test_database_killed_mid_report_and_back_loses_and_duplicates_nothing(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server, n_orphan=400, extra=MANY)
    blocked = [x for x in world.deletions if x not in world.file_ids][30]
    thread, state = kill_mid_report(mariadb_server, "file_pre_subscriptions",
                                    (blocked, SITE, "2020-01-01", 1), 1.0)
    res = run_cli("run", "--site", SITE, "--config", world.config, "--act", db=mariadb_server)
    thread.join(30)
    assert state["killed"]
    assert res.returncode == 0, res.stderr
    assert "connection lost" in res.stderr
    assert result_lists(world.output)["orphan"] == world.orphan
    assert table_rows(mariadb_server.connect()) == expected_rows(world, "subscriptions")


def test_database_gone_for_good_fails_saying_what_was_queued_then_a_rerun_completes(
        tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server, n_orphan=400, queue="registry",
                        extra={**MANY, "dynamo_reconnect_seconds": 1})
    thread, state = kill_mid_report(mariadb_server, "deletion_queue",
                                    (world.deletions[25], SITE, "new"), None)
    res = run_cli("run", "--site", SITE, "--config", world.config, "--act", db=mariadb_server)
    thread.join(30)
    assert state["killed"]
    assert res.returncode == 1
    last = res.stderr.strip().splitlines()[-1]
    assert "connection lost and not restored" in last
    assert f"deletions: 25 of {len(world.deletions)} written" in last
    assert f"transfers: 0 of {len(world.transfers)} written" in last
    record = json.loads((world.output / f"{SITE}_dynamo.json").read_text())
    assert record["status"] == "failed"
    written = sum(record["written"]["deletions"].values())
    assert written == 25  # every batch before the blocked one, and nothing after it
    assert record["not_written"]["deletions"] == world.deletions[written:]
    assert len(record["not_written"]["transfers"]) == len(world.transfers)

    mariadb_server.start()
    conn = mariadb_server.connect()
    rows = table_rows(conn)["deletion_queue"]
    assert len(rows) == len(set(rows)) == written  # the batches written are whole, once
    res = run_cli("run", "--site", SITE, "--config", world.config, "--act", db=mariadb_server)
    assert res.returncode == 0, res.stderr
    assert table_rows(conn) == expected_rows(world, "registry")


def test_database_down_at_start_is_one_line_exit_1(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    mariadb_server.kill()
    res = run_cli("run", "--site", SITE, "--config", world.config, db=mariadb_server)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines()[-1].startswith("consistency: error: dynamo database")
    assert "cannot connect" in res.stderr
    assert not (world.output / f"{SITE}_summary.json").exists()
