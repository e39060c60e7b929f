"""Run history and confirmation over runs, on generated sites, through the real CLI and
run_site, on SQLite and on a real MariaDB."""
import json
import os
import sqlite3
import threading

import pytest

from consistency_core import config as config_mod
from consistency_core import run_site
from consistency_core.history import History
from consistency_core.testing import sitegen

from consistency_core.testing.backends import QueueReporter
from consistency_core.testing.backends import run_cli as cli
from consistency_core.testing.sites import generated_config


@pytest.fixture
def gen_site(tmp_path, seed):
    site_dir, dump = tmp_path / "site", tmp_path / "inventory.txt"
    expected = sitegen.generate(site_dir, dump, seed=seed, n_files=400, n_missing=6,
                                n_orphan=5, n_size_mismatch=2, n_empty=2)
    return site_dir, dump, expected


def summary(tmp_path, site="GEN"):
    return json.loads((tmp_path / "results" / f"{site}_summary.json").read_text())


def lines(path):
    return path.read_text().split()


def test_two_runs_confirm_missing_and_the_second_would_queue_them(tmp_path, gen_site):
    expected = gen_site[2]
    config = generated_config(tmp_path, {"GEN": gen_site})
    first = cli("run", "--site", "GEN", "--config", config)
    assert first.returncode == 0, first.stderr
    s1 = summary(tmp_path)
    assert s1["gates"]["passed"] and s1["confirmed"]["missing"] == 0
    assert s1["would_act"] == {} and "dry run, would queue: nothing confirmed" in first.stdout
    assert s1["delta"]["missing"] == {"new": len(expected.missing), "still": 0, "resolved": 0}

    second = cli("run", "--site", "GEN", "--config", config)
    assert second.returncode == 0, second.stderr
    s2 = summary(tmp_path)
    confirmed = lines(tmp_path / "results" / "GEN_confirmed_missing.txt")
    assert sorted(confirmed) == sorted(expected.missing)
    assert s2["would_act"]["missing"] == len(expected.missing)
    assert s2["would_act"]["size_mismatch"] == len(expected.size_mismatch)
    assert "orphan" not in s2["would_act"]  # 3 runs over 7 days are needed for orphans
    assert f"dry run, would queue: missing {len(expected.missing)}" in second.stdout
    assert s2["delta"]["missing"] == {"new": 0, "still": len(expected.missing), "resolved": 0}

    hist = cli("history", "--site", "GEN", "--config", config)
    assert hist.returncode == 0
    rows = hist.stdout.splitlines()
    assert len(rows) == 3 and rows[1].split()[0] == "2" and " completed " in rows[1]
    found = cli("findings", "--site", "GEN", "--config", config, "--class", "missing",
                "--confirmed")
    assert sorted(line.split("\t")[1] for line in found.stdout.splitlines()) == \
        sorted(expected.missing)
    orphans = cli("findings", "--site", "GEN", "--config", config, "--class", "orphan")
    assert sorted(line.split("\t")[1] for line in orphans.stdout.splitlines()) == \
        sorted(expected.orphan)




def site_cfg(gen_site, tmp_path, **keys):
    site_dir, dump, expected = gen_site
    raw = {"lister": "posix", "url": str(site_dir), "inventory": "dump",
           "inventory_url": str(dump), "ignore": list(expected.ignore),
           "output": str(tmp_path / "results"), "state_dir": str(tmp_path / "state"),
           "max_missing_fraction": 0.5, "max_orphan_fraction": 0.5,
           "history_url": f"sqlite:///{tmp_path}/h.sqlite"}
    raw.update(keys)
    return config_mod.build_site("GEN", raw, "(test)")


def check(cfg, history, act=True):
    """One run through run_site, recorded in ``history`` (the site's history_url)."""
    assert history.url == cfg.history_url
    queue = QueueReporter()
    result = run_site(cfg, act=act, reporters={"queue": queue})
    return result, queue.given


def backdate(history, run_id, days):
    history._execute("UPDATE runs SET started = started - ?, finished = finished - ? "
                     "WHERE id = ?", (days * 86400, days * 86400, run_id)).close()


def test_acting_reporter_gets_only_confirmed_findings(tmp_path, gen_site):
    expected = gen_site[2]
    cfg = site_cfg(gen_site, tmp_path)
    history = History(f"sqlite:///{tmp_path}/h.sqlite")
    result, given = check(cfg, history)
    assert result.gates.passed and given.missing == [] and given.orphan == []
    assert len(result.findings.missing) == len(expected.missing)  # reported, not acted on
    result, given = check(cfg, history)
    assert sorted(lfn for lfn, _ in given.missing) == sorted(expected.missing)
    assert given.orphan == [] and given.empty_dirs == []
    assert history.run(result.run_id).acted


def test_orphans_need_runs_over_days_and_failed_or_interrupted_runs_do_not_count(
        tmp_path, gen_site):
    expected = gen_site[2]
    cfg = site_cfg(gen_site, tmp_path)
    history = History(f"sqlite:///{tmp_path}/h.sqlite")
    first, _ = check(cfg, history)
    check(cfg, history)
    result, given = check(cfg, history)  # three runs, but all today
    assert given.orphan == []
    backdate(history, first.run_id, 8)
    stopped = threading.Event()
    stopped.set()
    interrupted = run_site(cfg, stop=stopped, reporters={})
    assert history.run(interrupted.run_id).status == "interrupted"
    assert interrupted.confirmed["orphan"] == []
    history.record_failed("GEN", interrupted.started + 1, interrupted.started + 2, "boom")
    result, given = check(cfg, history)
    assert sorted(lfn for lfn, _ in given.orphan) == sorted(expected.orphan)
    assert sorted(given.empty_dirs) == sorted(expected.empty_dirs)

    # an orphan gone for one completed run starts over
    site_dir = gen_site[0]
    gone = expected.orphan[0]
    data = (site_dir / gone.lstrip("/")).read_bytes()
    (site_dir / gone.lstrip("/")).unlink()
    result, given = check(cfg, history)
    assert result.delta["orphan"]["resolved"] == 1
    path = site_dir / gone.lstrip("/")
    path.write_bytes(data)
    os.utime(path, (expected.old_mtime, expected.old_mtime))
    result, given = check(cfg, history)
    assert gone in [lfn for lfn, _ in result.findings.orphan]
    assert gone not in [lfn for lfn, _ in given.orphan]
    assert len(given.orphan) == len(expected.orphan) - 1


def test_missing_needs_consecutive_runs(tmp_path, gen_site):
    site_dir, _dump, expected = gen_site
    cfg = site_cfg(gen_site, tmp_path, confirm_missing_runs=3)
    history = History(f"sqlite:///{tmp_path}/h.sqlite")
    back = expected.missing[0]
    check(cfg, history)
    path = site_dir / back.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")  # back, with the wrong size: a size mismatch, not missing
    os.utime(path, (expected.old_mtime, expected.old_mtime))
    result, _given = check(cfg, history)
    assert back in [row[0] for row in result.findings.size_mismatch]
    path.unlink()
    others = sorted(set(expected.missing) - {back})
    for _ in range(2):  # the run in between broke the chain: 3 more runs are needed
        _result, given = check(cfg, history)
        assert back not in [lfn for lfn, _ in given.missing]
    assert sorted(lfn for lfn, _ in given.missing) == others
    _result, given = check(cfg, history)
    assert sorted(lfn for lfn, _ in given.missing) == sorted(expected.missing)


def test_history_on_mariadb(tmp_path, gen_site, mariadb_server):
    expected = gen_site[2]
    config = generated_config(tmp_path, {"GEN": gen_site},
                              history_url=mariadb_server.url_with_password)
    for _ in range(2):
        proc = cli("run", "--site", "GEN", "--config", config)
        assert proc.returncode == 0, proc.stderr
    assert sorted(lines(tmp_path / "results" / "GEN_confirmed_missing.txt")) == \
        sorted(expected.missing)
    conn = mariadb_server.connect()
    with conn.cursor() as cur:
        cur.execute("SELECT status, missing, confirmed_missing FROM runs ORDER BY id")
        assert cur.fetchall() == ((("completed", len(expected.missing), 0)),
                                  ("completed", len(expected.missing), len(expected.missing)))
        cur.execute("SELECT COUNT(*) FROM findings WHERE class = 'orphan'")
        assert cur.fetchone()[0] == 2 * len(expected.orphan)
    conn.close()
    assert not (tmp_path / "state" / "history.sqlite").exists()

    assert cli("status", "set", "GEN", "halt", "--config", config).returncode == 0
    conn = mariadb_server.connect()
    with conn.cursor() as cur:
        cur.execute("SELECT site, state, mode FROM site_state")
        assert cur.fetchall() == (("GEN", "halted", "act"),)
    conn.close()
    refused = cli("run", "--pick", "GEN", "--config", config)
    assert refused.returncode == 1 and "no site matching" in refused.stderr

    mariadb_server.kill()
    proc = cli("run", "--site", "GEN", "--config", config)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "history database" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_corrupt_or_locked_history_is_one_line_exit_1(tmp_path, gen_site):
    state = tmp_path / "state"
    state.mkdir()
    (state / "history.sqlite").write_bytes(b"this is not a database at all" * 100)
    config = generated_config(tmp_path, {"GEN": gen_site})
    proc = cli("run", "--site", "GEN", "--config", config)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"consistency: error: {state}/history.sqlite: history database: cannot open: "
        "file is not a database"]
    assert not (tmp_path / "results").exists()  # nothing listed, nothing written

    locked = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(locked, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    config = generated_config(tmp_path, {"GEN": gen_site},
                              history_url=f"sqlite:///{locked}?timeout=0.5")
    proc = cli("run", "--site", "GEN", "--config", config)
    holder.rollback()
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "database is locked" in proc.stderr


def test_a_run_that_cannot_be_recorded_leaves_no_half_row(tmp_path, gen_site):
    """A finding row that the database refuses (a real SQLite trigger aborting the insert)
    rolls the whole run back: no run row without its findings."""
    from consistency_core.history import HistoryError

    cfg = site_cfg(gen_site, tmp_path)
    history = History(f"sqlite:///{tmp_path}/h.sqlite")
    check(cfg, history)
    victim = gen_site[2].orphan[-1]
    history._execute("CREATE TRIGGER refuse BEFORE INSERT ON findings WHEN NEW.lfn = ? "
                     "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
                     .replace("?", "'" + victim + "'")).close()
    with pytest.raises(HistoryError, match="refused by test trigger"):
        check(cfg, history)
    db = sqlite3.connect(tmp_path / "h.sqlite")
    assert db.execute("SELECT COUNT(*) FROM runs").fetchone() == (1,)
    assert db.execute("SELECT COUNT(DISTINCT run_id) FROM findings").fetchone() == (1,)
    db.close()
