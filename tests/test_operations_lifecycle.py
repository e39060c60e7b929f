"""A run's lifecycle (consistency_core.run_site), what embedding gets from it, and honest
deltas: on a real local site (posix lister, dump inventory), a real SQLite history, through
run_site in this process and the real CLI."""
import json
import os
import sqlite3
import threading
import time

import pytest

from consistency_core import ConsistencyError, ReporterFailed, RunStatus, check_site, run_site
from consistency_core import config as config_mod
from consistency_core import locks
from consistency_core.history import History, location

from consistency_core.testing.backends import QueueReporter
from consistency_core.testing.backends import run_cli as cli
from consistency_core.testing.sites import small_site
from consistency_core.testing.sites import small_sites_config as write_config




@pytest.fixture
def one(tmp_path):
    site = small_site(tmp_path / "T2_E")
    config = write_config(tmp_path / "c.toml", {"T2_E": site}, output=str(tmp_path / "results"),
                          state_dir=str(tmp_path / "state"), max_missing_fraction=0.5,
                          max_orphan_fraction=0.5, confirm_missing_runs=2)
    return config, site


def runs(tmp_path):
    db = sqlite3.connect(tmp_path / "state" / "history.sqlite")
    try:
        return db.execute("SELECT id, status, missing, orphan, acted, message FROM runs "
                          "ORDER BY id").fetchall()
    finally:
        db.close()


def summary(tmp_path, site="T2_E"):
    return json.loads((tmp_path / "results" / f"{site}_summary.json").read_text())


def test_embedding_honours_state_lock_and_confirmation(tmp_path, one):
    config, site = one
    cfg = config_mod.load(str(config)).site("T2_E")
    queue = QueueReporter()
    first = run_site("T2_E", config=str(config), act=True, reporters={"q": queue})
    assert first.completed and first.run_id == 1 and first.acting
    assert queue.given.missing == []  # seen once: not confirmed yet
    assert sorted(lfn for lfn, _ in first.findings.missing) == sorted(site.missing)
    second = run_site(cfg, act=True, reporters={"q": queue})
    assert sorted(lfn for lfn, _ in queue.given.missing) == sorted(site.missing)
    assert second.reporters == {"q": "ran"} and second.run_id == 2
    assert [r[:5] for r in runs(tmp_path)] == [(1, "completed", 2, 2, 1), (2, "completed", 2, 2, 1)]
    assert summary(tmp_path)["run_id"] == 2  # the summary is written once, after recording

    history = History(location(cfg))
    history.set_state("T2_E", time.time(), mode="dry")
    queue.given = None
    dry = run_site(cfg, act=True, reporters={"q": queue})
    assert not dry.acting and queue.given is None
    assert dry.reporters["q"] == "skipped: acting needs --act"
    for state in ("halted", "disabled"):
        history.set_state("T2_E", time.time(), state=state)
        with pytest.raises(ConsistencyError, match=f"site T2_E is {state}"):
            run_site(cfg, act=True, reporters={"q": queue})
    history.set_state("T2_E", time.time(), state="ready")
    held = locks.SiteLocks(cfg)
    assert held.acquire() is None
    try:
        with pytest.raises(ConsistencyError, match="already being checked"):
            run_site(cfg, reporters={})
    finally:
        held.release()
    history.close()
    assert len(runs(tmp_path)) == 3  # refused runs record nothing, each run one row


def test_bare_check_records_and_writes_nothing(tmp_path, one):
    config, site = one
    cfg = config_mod.load(str(config)).site("T2_E")
    result = check_site(cfg)
    assert result.completed and result.run_id is None and result.confirmed == {}
    assert sorted(lfn for lfn, _ in result.findings.missing) == sorted(site.missing)
    assert not (tmp_path / "results").exists() and not (tmp_path / "state").exists()
    with pytest.raises(AttributeError):
        result.status = "failed"  # frozen: every phase makes a new result


def test_a_failing_reporter_is_one_run_that_keeps_its_findings(tmp_path, one):
    config, site = one
    text = config.read_text().replace("[defaults]", '[defaults]\nreporters = ["broken"]')
    config.write_text(text)
    proc = cli("run", "--site", "T2_E", "--config", config)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert "reporter broken failed: broken on purpose" in last, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "reporter broken  failed: broken on purpose" in proc.stdout  # the summary printed
    assert runs(tmp_path) == [(1, "reporter_failed", 2, 2, 0,
                               "reporter broken failed: broken on purpose")]
    s = summary(tmp_path)
    assert s["run_status"] == "reporter_failed" and s["run_id"] == 1
    assert s["counts"]["missing"] == 2
    found = cli("findings", "--site", "T2_E", "--config", config, "--class", "missing")
    assert sorted(line.split("\t")[1] for line in found.stdout.splitlines()) == \
        sorted(site.missing)
    assert "run 1" in found.stderr and "reporter_failed" in found.stderr
    hist = cli("history", "--site", "T2_E", "--config", config).stdout
    assert "reporter_failed" in hist and "reporter broken failed: broken on purpose" in hist

    # the findings count for confirmation: the next run confirms the missing files
    queue = QueueReporter()
    config.write_text(text.replace('reporters = ["broken"]\n', ""))  # 'broken' is not in-process
    cfg = config_mod.load(str(config)).site("T2_E")
    result = run_site(cfg, act=True, reporters={"q": queue})
    assert sorted(lfn for lfn, _ in queue.given.missing) == sorted(site.missing)

    # in Python: the same row, and the result in the exception
    broken = type("Broken", (), {"acts": False,
                                 "report": lambda self, r, c: 1 / 0})()
    with pytest.raises(ReporterFailed, match="reporter zero failed: division by zero") as err:
        run_site(cfg, reporters={"zero": broken, "q": queue})
    assert err.value.result.run_status is RunStatus.REPORTER_FAILED
    assert "q" not in err.value.result.reporters  # reporters after the failing one: not called
    assert [r[1] for r in runs(tmp_path)] == ["reporter_failed", "completed", "reporter_failed"]
    assert result.run_id == 2


def test_an_interrupted_run_resolves_nothing(tmp_path, one):
    config, site = one
    cfg = config_mod.load(str(config)).site("T2_E")
    run_site(cfg, reporters={})
    stop = threading.Event()
    stop.set()
    stopped = run_site(cfg, reporters={}, stop=stop)
    assert stopped.run_status is RunStatus.INTERRUPTED
    assert all(d["resolved"] is None for d in stopped.delta.values()), stopped.delta
    assert summary(tmp_path)["delta"]["missing"]["resolved"] is None
    again = run_site(cfg, reporters={})  # against run 1, the last complete one
    assert again.delta["missing"] == {"new": 0, "still": 2, "resolved": 0}


def test_resolved_only_against_the_same_scope(tmp_path, one):
    config, site = one
    everything = config_mod.load(str(config)).site("T2_E")
    run_site(everything, reporters={})
    part = config_mod.load(str(config)).site("T2_E", {"directories": ["data/d00"]})
    narrow = run_site(part, reporters={})
    assert narrow.findings.missing == []
    assert narrow.delta["missing"] == {"new": 0, "still": 0, "resolved": 0}  # not 2
    assert narrow.delta["orphan"] == {"new": 2, "still": 0, "resolved": 0}
    assert narrow.delta_against is None
    wide = run_site(everything, reporters={})  # compared with run 1, not with run 2
    assert wide.delta["missing"] == {"new": 0, "still": 2, "resolved": 0}
    assert wide.delta_against == 1 and summary(tmp_path)["delta_against"] == 1
    assert History(location(everything)).run(2).scope["directories"] == ["/store/data/d00"]


def test_nothing_resolved_below_an_unlisted_directory(tmp_path, one):
    config, site = one
    cfg = config_mod.load(str(config)).site("T2_E")
    run_site(cfg, reporters={})
    d05 = site.storage / "store" / "data" / "d05"  # holds both missing files' directory
    os.chmod(d05, 0)
    try:
        blind = run_site(cfg, reporters={})
    finally:
        os.chmod(d05, 0o755)
    assert blind.findings.unlisted == ["/store/data/d05"]
    assert blind.run_status is RunStatus.GATED
    assert blind.delta["missing"] == {"new": 0, "still": 0, "resolved": 0}
    assert blind.delta["unlisted"] == {"new": 1, "still": 0, "resolved": 0}
    seen = run_site(cfg, reporters={})  # against run 2, which could not see d05
    assert seen.delta["missing"]["resolved"] == 0
    assert seen.delta["unlisted"] == {"new": 0, "still": 0, "resolved": 1}


def test_status_shows_the_last_complete_counts_and_why_the_last_run_failed(tmp_path, one):
    config, site = one
    assert cli("run", "--site", "T2_E", "--config", config).returncode == 0
    bad = cli("run", "--site", "T2_E", "--config", config, "--inventory-url",
              tmp_path / "nope.txt")
    assert bad.returncode == 1
    lines = cli("status", "--config", config).stdout.splitlines()
    row = lines[1]
    # site state mode date time status since-complete complete-run listed missing orphan ...
    cells = row.split()
    assert cells[0] == "T2_E" and cells[5] == "failed"
    assert cells[7] == "1"  # the complete run the counts are from
    assert [int(c) for c in cells[8:12]] == [site.files, 2, 2, 0]  # not the failed run's 0s
    assert "nope.txt" in row
    hist = cli("history", "--site", "T2_E", "--config", config).stdout.splitlines()
    assert " failed " in hist[1] and "nope.txt" in hist[1]
    found = cli("findings", "--site", "T2_E", "--config", config)
    assert "run 1," in found.stderr  # the last complete run, not the failed one


def test_results_that_cannot_be_written_are_one_failed_run(tmp_path, one):
    config, _site = one
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the output directory should be\n")
    proc = cli("run", "--site", "T2_E", "--config", config, "--output", blocker / "results")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("consistency: error: ") and "cannot write" in last
    [row] = runs(tmp_path)
    assert row[1] == "failed" and row[5].startswith("cannot write the results: ")
