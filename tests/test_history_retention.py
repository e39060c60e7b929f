"""History retention (``history_keep_days``) on SQLite and on a real MariaDB, through the
real CLI: old runs and their findings go, the runs the next confirmation reads stay.

Runs are made old by moving their recorded times back in the database (no clock games)."""
import sqlite3

import pytest

from consistency_core import config as config_mod
from consistency_core.history import open_history
from consistency_core.retention import prunable
from consistency_core.testing.runner import run_cli as consistency
from consistency_core.testing.sites import planted_config as write_config
from consistency_core.testing.sites import planted_site

DAY = 86400


@pytest.fixture(params=["sqlite", "mariadb"])
def history_url(request, tmp_path):
    if request.param == "sqlite":
        return ""
    return request.getfixturevalue("mariadb_server").url_with_password


def sql(url, cfg_path, statement, params=()):
    """Run one statement on the site's history database, outside the code under test."""
    site = config_mod.load(str(cfg_path)).site("T2_TEST")
    if url:
        import pymysql
        import urllib.parse

        p = urllib.parse.urlsplit(url)
        conn = pymysql.connect(host=p.hostname, port=p.port, user=p.username,
                               password=p.password, database=p.path.lstrip("/"), autocommit=True)
        with conn.cursor() as cur:
            cur.execute(statement.replace("?", "%s"), params)
            rows = cur.fetchall()
        conn.close()
        return [tuple(r) for r in rows]
    conn = sqlite3.connect(f"{site.state_dir}/history.sqlite")
    rows = conn.execute(statement, params).fetchall()
    conn.commit()
    conn.close()
    return rows


def run_ids(url, cfg):
    return [row[0] for row in sql(url, cfg, "SELECT id FROM runs ORDER BY id")]


def findings_of(url, cfg, run_id):
    return sql(url, cfg, "SELECT COUNT(*) FROM findings WHERE run_id = ?", (run_id,))[0][0]


def test_old_runs_are_pruned_except_what_confirmation_needs(tmp_path, history_url):
    site, dump, _expected = planted_site(tmp_path)
    extra = {"history_url": history_url} if history_url else {}
    cfg = write_config(tmp_path / "c.toml", site, dump, output=str(tmp_path / "out"),
                       confirm_missing_runs=2, confirm_orphan_runs=3, confirm_orphan_days=7,
                       **extra)
    consistency("run", "--site", "T2_TEST", "--config", cfg,
                "--inventory-url", tmp_path / "nowhere.txt", check_rc=1)  # a failed run
    for _ in range(3):
        consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=0)
    failed, r2, r3, r4 = run_ids(history_url, cfg)
    assert all(findings_of(history_url, cfg, r) for r in (r2, r3, r4))

    # Young runs are never pruned.
    consistency("history", "prune", "--site", "T2_TEST", "--config", cfg, check_rc=0)
    assert run_ids(history_url, cfg) == [failed, r2, r3, r4]

    # 500 days old: beyond history_keep_days (400). The next run's orphan window needs the
    # two newest complete runs (3 runs over 7 days, counting itself); the rest goes.
    sql(history_url, cfg, "UPDATE runs SET started = started - ?, finished = finished - ?",
        (500 * DAY, 500 * DAY))
    proc = consistency("history", "prune", "--site", "T2_TEST", "--config", cfg, check_rc=0)
    assert "pruned 2 run(s)" in proc.stdout
    assert run_ids(history_url, cfg) == [r3, r4]
    assert findings_of(history_url, cfg, r2) == 0 and findings_of(history_url, cfg, failed) == 0
    assert findings_of(history_url, cfg, r3) and findings_of(history_url, cfg, r4)

    # After the next run is recorded, pruning runs by itself: r3 is no longer needed.
    consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=0)
    r5 = run_ids(history_url, cfg)[-1]
    assert run_ids(history_url, cfg) == [r4, r5]
    proc = consistency("history", "--site", "T2_TEST", "--config", cfg, check_rc=0)
    assert len(proc.stdout.splitlines()) == 3


def test_every_complete_run_stays_while_the_orphan_window_is_not_full(tmp_path, history_url):
    site, dump, _expected = planted_site(tmp_path)
    extra = {"history_url": history_url} if history_url else {}
    cfg = write_config(tmp_path / "c.toml", site, dump, output=str(tmp_path / "out"),
                       confirm_orphan_runs=3, confirm_orphan_days=2000, history_keep_days=30,
                       **extra)
    for _ in range(3):
        consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=0)
    ids = run_ids(history_url, cfg)
    sql(history_url, cfg, "UPDATE runs SET started = started - ?, finished = finished - ?",
        (100 * DAY, 100 * DAY))
    site_cfg = config_mod.load(str(cfg)).site("T2_TEST")
    history = open_history(site_cfg)
    try:
        import time

        assert prunable(history, site_cfg, time.time()) == []  # no run 2000 days old yet
        # Once the oldest run is old enough for the window, the ones before it may go.
        assert prunable(history, site_cfg, time.time() + 2000 * DAY) == [ids[0]]
    finally:
        history.close()


def test_keep_days_zero_keeps_everything_and_negative_is_refused(tmp_path):
    site, dump, _expected = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, output=str(tmp_path / "out"),
                       history_keep_days=0)
    consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=0)
    sql("", cfg, "UPDATE runs SET started = started - ?", (5000 * DAY,))
    consistency("history", "prune", "--site", "T2_TEST", "--config", cfg, check_rc=0)
    assert len(run_ids("", cfg)) == 1
    bad = write_config(tmp_path / "bad.toml", site, dump, history_keep_days=-1)
    proc = consistency("config", "check", "--config", bad, check_rc=2)
    assert "sites.T2_TEST.history_keep_days" in proc.stderr
