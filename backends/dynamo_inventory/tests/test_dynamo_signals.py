"""A signal while the Dynamo reporter queues: a real SIGTERM or SIGINT to a real
`consistency run --act`
against a real MariaDB. The run stops at the next transaction boundary, the history and the
reporter's record say what was written, and a rerun queues the rest and nothing twice.

Deterministic without sleeping: the test holds uncommitted rows for every transfer, so the
reporter commits every deletion and then waits inside its first transfer transaction; the
test sees that wait in InnoDB, sends SIGTERM, waits for the process to log it, and only then
lets the transaction go on."""
from __future__ import annotations

import collections
import json
import queue
import signal
import sqlite3
import threading
import time

import pytest

from consistency_core.testing.runner import start_process
from dynamo_helpers import PASSWORD_ENV, SITE, build_world, expected_rows, run_cli, table_rows

BATCH = 3
WAIT = 120  # seconds: a bound on waiting for an event, never an assertion on speed


def _lines(stream) -> queue.Queue:
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for_line(lines: queue.Queue, text: str, seen: list) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        assert line is not None, "the run ended before logging " + text + ": " + "".join(seen)
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"no {text!r} in {''.join(seen)}")


# per queue generation: the rows the test holds (uncommitted) for every transfer, and the
# statement of the reporter's first transfer transaction that must wait on them
HOLD = {
    "registry": ("INSERT INTO transfer_queue (reqid, file, site_from, site_to, status)"
                 " VALUES (0, %s, %s, %s, 'new')",
                 lambda world, lfn, src: (lfn, src, SITE)),
    "subscriptions": ("INSERT INTO file_subscriptions (file_id, site_id, status, created,"
                      " `delete`) VALUES (%s, %s, 'new', NOW(), 0)",
                      lambda world, lfn, src: (world.file_ids[lfn], world.site_id)),
}
WAITING = {
    "registry": "SELECT file, site_from, status FROM transfer_queue%FOR UPDATE",
    "subscriptions": "SELECT file_id, status FROM file_subscriptions%`delete` = 0 AND file_id"
                     " IN%FOR UPDATE",
}


def _wait_for_lock_wait(conn, proc, lines: queue.Queue, statement: str) -> None:
    """Until the reporter's transaction waits on a row lock the test holds."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            proc.wait()
            told = []
            while (line := lines.get(timeout=WAIT)) is not None:
                told.append(line)
            raise AssertionError("the run ended before it waited on the held rows: "
                                 + "".join(told))
        with conn.cursor() as cur:  # its statement cannot end while the test holds the rows
            cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                        " WHERE ID != CONNECTION_ID() AND INFO LIKE %s", [statement])
            if cur.fetchone()[0]:
                return
        conn.commit()
        time.sleep(0.05)  # polling a condition, not waiting for luck
    raise AssertionError("the reporter never waited on the held transfer rows")


def _queued(world, rows: dict, queue_kind: str) -> tuple[list, list]:
    """(deleted LFNs, transferred LFNs) the run added to the queues."""
    new = {t: list((collections.Counter(v) - collections.Counter(world.seeded[t])).elements())
           for t, v in rows.items()}
    if queue_kind == "registry":
        return ([f for f, _site, _s in new["deletion_queue"]],
                [f for f, *_ in new["transfer_queue"]])
    lfn_of = {fid: lfn for lfn, fid in world.file_ids.items()}
    subs = new["file_subscriptions"]
    deleted = [lfn_of[fid] for fid, _site, _s, d in subs if d == 1]
    deleted += [name for name, _site, d in new["file_pre_subscriptions"] if d == 1]
    return deleted, [lfn_of[fid] for fid, _site, _s, d in subs if d == 0]


def _history_runs(state_dir) -> list:
    db = sqlite3.connect(state_dir / "history.sqlite")
    try:
        return db.execute("SELECT status, message FROM runs ORDER BY id").fetchall()
    finally:
        db.close()


@pytest.mark.parametrize("queue_kind, signum", [
    ("registry", signal.SIGTERM), ("subscriptions", signal.SIGTERM),
    ("registry", signal.SIGINT)])
def test_a_signal_while_queueing_stops_at_a_transaction_and_the_rerun_completes(
        tmp_path, mariadb_server, queue_kind, signum):
    world = build_world(tmp_path, mariadb_server, queue=queue_kind, seed=23, n_files=900,
                        extra={"dynamo_batch_size": BATCH})
    transfers = sorted(world.transfers.items())
    assert len(world.deletions) > 2 * BATCH and len(transfers) > 2 * BATCH  # several batches

    blocker = mariadb_server.connect()
    blocker.begin()
    with blocker.cursor() as cur:  # uncommitted: the reporter's FOR UPDATE waits on them
        sql, values = HOLD[queue_kind]
        cur.executemany(sql, [values(world, lfn, src) for lfn, src in transfers])
    watcher = mariadb_server.connect()
    proc = start_process("run", "--site", SITE, "--config", world.config, "--act",
                         env={PASSWORD_ENV: mariadb_server.password})
    try:
        stderr = _lines(proc.stderr)
        _wait_for_lock_wait(watcher, proc, stderr, WAITING[queue_kind])
        proc.send_signal(signum)
        seen: list = []
        _wait_for_line(stderr, f"{signum.name} received", seen)  # the stop event is set
        released = time.monotonic()
        blocker.rollback()  # the transfer transaction in progress goes on and commits
        proc.wait(timeout=WAIT)
        print(f"exit {time.monotonic() - released:.3f}s after the held transaction was released")
        rest = []
        while (line := stderr.get(timeout=WAIT)) is not None:
            rest.append(line)
        stdout = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        blocker.close()
        watcher.close()
    assert proc.returncode == 1, "".join(seen + rest)
    assert "Traceback" not in "".join(seen + rest)

    deleted, transferred = _queued(world, table_rows(mariadb_server.connect()), queue_kind)
    assert sorted(deleted) == sorted(world.deletions)
    assert sorted(transferred) == [lfn for lfn, _src in transfers[:BATCH]]  # one transaction

    summary = json.loads((world.output / f"{SITE}_summary.json").read_text())
    assert summary["run_status"] == "interrupted"
    outcome = summary["reporters"]["dynamo"]
    n_del = len(world.deletions)
    assert outcome.startswith("stopped: ")
    assert (f"deletions: {n_del} of {n_del} written in {-(-n_del // BATCH)} transactions"
            in outcome), outcome
    assert f"transfers: {BATCH} of {len(transfers)} written in 1 transactions" in outcome
    assert "dynamo" in stdout and "stopped" in stdout
    record = json.loads((world.output / f"{SITE}_dynamo.json").read_text())
    assert record["status"] == "stopped"
    assert {k: n for k, n in record["transactions"].items() if n} == \
        {"deletions": -(-n_del // BATCH), "transfers": 1}  # empty steps (unmerged) count 0
    assert sorted(record["not_written"]["transfers"]) == sorted(
        [list(t) for t in transfers[BATCH:]])
    status, message = _history_runs(tmp_path / "state")[-1]
    assert status == "interrupted" and "dynamo" in message
    assert f"transfers: {BATCH} of {len(transfers)} written in 1 transactions" in message

    again = run_cli("run", "--site", SITE, "--config", world.config, "--act", db=mariadb_server)
    assert again.returncode == 0, again.stderr
    assert table_rows(mariadb_server.connect()) == expected_rows(world, queue_kind)
    record = json.loads((world.output / f"{SITE}_dynamo.json").read_text())
    assert record["status"] == "complete"
    assert record["written"]["transfers"] == {"queued": len(transfers) - BATCH, "requeued": 0,
                                              "already": BATCH}
    assert record["written"]["deletions"]["already"] == n_del
    assert _history_runs(tmp_path / "state")[-1][0] == "completed"
